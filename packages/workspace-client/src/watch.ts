/**
 * A watch of one Workspace the way client-go's reflector keeps one: list to get a resourceVersion, watch from it,
 * re-establish the watch from the last resourceVersion seen when the connection drops or the server ends it, and
 * relist when the server says the resourceVersion is too old (`410 Gone` / `Expired`).
 *
 * @packageDocumentation
 */
import type { Workspace } from "@kaito-ts/workspace-types";
import { isWorkspaceClientError, WorkspaceClientError } from "./errors.ts";
import type { KubeTransport, RequestSubject } from "./transport.ts";
import { workspacePath } from "./workspace.ts";

/** One watch event as the API server sends it. */
interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: {
    readonly metadata?: { readonly resourceVersion?: string; readonly name?: string };
    readonly code?: number;
    readonly reason?: string;
    readonly message?: string;
  };
}

/** What the observer decides after each state: keep watching, or stop with a value. */
export type WatchVerdict<T> = { readonly done: false } | { readonly done: true; readonly value: T };

/** Options of {@link watchWorkspace}. */
export interface WatchWorkspaceOptions {
  readonly signal: AbortSignal;
  /** Seconds the server keeps one watch open before it ends it (and we re-establish it). Default 60. */
  readonly watchTimeoutSeconds?: number;
  /** Delay before re-establishing a dropped watch (ms). Default 200, doubling to 5 s. */
  readonly retryDelayMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** Splits a stream of bytes into lines. */
async function* lines(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line !== "") yield line;
      nl = buffer.indexOf("\n");
    }
  }
  if (buffer.trim() !== "") yield buffer.trim();
}

/**
 * Calls `observe` with the Workspace's current state (`undefined` while it does not exist) after the first list and
 * after every change, until `observe` says done (its value is returned) or `signal` aborts (rejects `ABORTED`).
 * Transient failures (dropped connections, an unreachable server after the first list) are retried; a refused
 * request (403, CRD gone) is thrown.
 */
export async function watchWorkspace<T>(
  transport: KubeTransport,
  namespace: string,
  name: string,
  observe: (ws: Workspace | undefined) => WatchVerdict<T>,
  options: WatchWorkspaceOptions,
): Promise<T> {
  const { signal } = options;
  const subject: RequestSubject = { verb: "watch", what: `Workspace ${namespace}/${name}` };
  const fieldSelector = `metadata.name=${name}`;
  const path = workspacePath(namespace);
  let resourceVersion: string | undefined;
  let delay = options.retryDelayMs ?? 200;
  let listedOnce = false;

  const relist = async (): Promise<WatchVerdict<T>> => {
    const list = await transport.json<{ items?: Workspace[]; metadata?: { resourceVersion?: string } }>(path, subject, {
      query: { fieldSelector },
      signal,
    });
    resourceVersion = list.metadata?.resourceVersion;
    listedOnce = true;
    return observe(list.items?.[0]);
  };

  for (;;) {
    if (signal.aborted) throw aborted(subject, signal);
    try {
      if (resourceVersion === undefined) {
        const verdict = await relist();
        if (verdict.done) return verdict.value;
      }
      const res = await transport.open(path, subject, {
        query: {
          watch: "true",
          fieldSelector,
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: options.watchTimeoutSeconds ?? 60,
        },
        signal,
        timeoutMs: ((options.watchTimeoutSeconds ?? 60) + 30) * 1000,
      });
      for await (const line of lines(res.body)) {
        let event: WatchEvent;
        try {
          event = JSON.parse(line) as WatchEvent;
        } catch {
          continue;
        }
        if (event.type === "ERROR") {
          // 410 Expired / Gone: our resourceVersion was compacted away; list again.
          if (event.object.code === 410 || event.object.reason === "Expired" || event.object.reason === "Gone") {
            resourceVersion = undefined;
            break;
          }
          throw new WorkspaceClientError(
            "API_ERROR",
            `watch Workspace ${namespace}/${name}: the API server ended the watch with ${event.object.code ?? "an error"} ${event.object.reason ?? ""}: ${event.object.message ?? ""}`.trim(),
            { server: transport.server },
          );
        }
        const rv = event.object.metadata?.resourceVersion;
        if (rv !== undefined && rv !== "") resourceVersion = rv;
        if (event.type === "BOOKMARK") continue;
        const verdict = observe(event.type === "DELETED" ? undefined : (event.object as unknown as Workspace));
        if (verdict.done) {
          res.body.destroy();
          return verdict.value;
        }
      }
      delay = options.retryDelayMs ?? 200;
    } catch (error) {
      if (signal.aborted) throw aborted(subject, signal, error);
      if (!isWorkspaceClientError(error)) {
        // The stream broke off (socket closed or reset): re-establish from the last resourceVersion.
        if (!listedOnce) throw error;
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 5000);
        continue;
      }
      if (error.status === 410) {
        resourceVersion = undefined;
        continue;
      }
      // Before the first list succeeded every failure is the caller's to see (unreachable, 403, no CRD).
      const transient = listedOnce && (error.code === "UNREACHABLE" || (error.status ?? 0) >= 500);
      if (!transient) throw error;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 5000);
    }
  }
}

function aborted(subject: RequestSubject, signal: AbortSignal, cause?: unknown): WorkspaceClientError {
  const reason = signal.reason as unknown;
  if (isWorkspaceClientError(reason)) return reason;
  return new WorkspaceClientError("ABORTED", `${subject.verb} ${subject.what}: aborted by the caller`, {
    cause: cause ?? reason,
  });
}
