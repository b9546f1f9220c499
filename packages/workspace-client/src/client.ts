/**
 * `createWorkspaceClient`: the Workspace operations an app or a script needs — apply, get, list, wait for a
 * condition, events, logs of the workload, delete — over the kubeconfig's credentials.
 *
 * @packageDocumentation
 */
import type { KubeConfig } from "@kubernetes/client-node";
import {
  type AnyConditionType,
  type Condition,
  KaitoLabel,
  type ValidationContext,
  type Workspace,
  type WorkspaceInput,
} from "@kaito-ts/workspace-types";
import { isWorkspaceClientError, WorkspaceClientError } from "./errors.ts";
import { contextNamespace } from "./kubeconfig.ts";
import { KubeTransport, type RequestSubject } from "./transport.ts";
import { watchWorkspace } from "./watch.ts";
import {
  assertValidWorkspace,
  defaultValidation,
  toWorkspaceObject,
  versionOf,
  workspaceConditions,
  workspacePath,
} from "./workspace.ts";

/** Options of {@link createWorkspaceClient}. */
export interface WorkspaceClientOptions {
  /** `fieldManager` of server-side apply (default `kaito-ts-client`). */
  readonly fieldManager?: string;
  /** Namespace when a call names none (default: the kubeconfig context's namespace, else `default`). */
  readonly namespace?: string;
  /**
   * How `apply` validates before sending (workspace-types' admission rules): the context to validate with (default
   * Kaito's chart defaults — Azure, node auto-provisioning, vLLM — and the preset catalog), or `false` to let only the
   * API server (and Kaito's webhook) judge.
   */
  readonly validation?: Partial<ValidationContext> | false;
  /** Timeout of single requests in ms (default 30 000). */
  readonly requestTimeoutMs?: number;
}

/** Options of {@link WorkspaceClient.apply}. */
export interface ApplyOptions {
  /** Namespace when the Workspace names none. */
  readonly namespace?: string;
  /** Take over fields owned by another field manager (server-side apply `force`). */
  readonly force?: boolean;
  /** `dryRun=All`: the server checks and answers without storing. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

/** What {@link WorkspaceClient.waitFor} waits for: a condition type that must become `True`, or a predicate. */
export type WaitCondition = AnyConditionType | ((ws: Workspace) => boolean);

/** Options of {@link WorkspaceClient.waitFor}. */
export interface WaitForOptions {
  readonly namespace?: string;
  /** Give up after this many ms with `TIMEOUT` (default: wait until `signal` aborts). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Called with the Workspace and its conditions on the first read and after every change. */
  readonly onProgress?: (progress: WaitProgress) => void;
}

/** One progress report of {@link WorkspaceClient.waitFor}. */
export interface WaitProgress {
  /** The Workspace as last read (`undefined` while it does not exist). */
  readonly workspace: Workspace | undefined;
  /** Its current conditions. */
  readonly conditions: readonly Condition[];
}

/** Options of {@link WorkspaceClient.delete}. */
export interface DeleteOptions {
  /** Resolve only once the Workspace is gone (its finalizer released), not when deletion started. */
  readonly wait?: boolean;
  /** With `wait`: give up after this many ms with `TIMEOUT`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Options of {@link WorkspaceClient.logs}. */
export interface LogsOptions {
  /** Container of the workload pod (default: its first container, the model server or the trainer). */
  readonly container?: string;
  /** Only the last N lines. */
  readonly tail?: number;
  /** Stream new output as it is written (returns an async iterable). */
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
}

/** A core/v1 Event about a Workspace, reduced to what a person reads. */
export interface WorkspaceEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  /** When it last happened (`lastTimestamp`, else `eventTime`, else `firstTimestamp`, else creation). */
  readonly time: Date | undefined;
  /** Who reported it (`source.component` or `reportingController`). */
  readonly source: string;
}

/** The typed Workspace client; see {@link createWorkspaceClient}. */
export interface WorkspaceClient {
  /** The API server URL. */
  readonly server: string;
  /** The namespace used when a call names none. */
  readonly namespace: string;
  /**
   * A `fetch` with the kubeconfig's credentials and CA, for URLs on the API server (e.g. a Workspace's service
   * proxy for `@kaito-ts/chat-client`).
   */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /**
   * Validates and server-side applies a Workspace (object, or YAML/JSON text holding one) and returns it as stored.
   * @throws WorkspaceClientError `INVALID_WORKSPACE` (with `issues`), `CRD_NOT_INSTALLED`, `FORBIDDEN`, `CONFLICT`, …
   */
  apply(workspace: Workspace | WorkspaceInput | string, options?: ApplyOptions): Promise<Workspace>;
  /** The Workspace (v1beta1). @throws WorkspaceClientError `NOT_FOUND` when it does not exist. */
  get(name: string, namespace?: string): Promise<Workspace>;
  /** The Workspaces of a namespace (v1beta1), or of every namespace with `{ allNamespaces: true }`. */
  list(namespace?: string, options?: { readonly allNamespaces?: boolean }): Promise<Workspace[]>;
  /**
   * Resolves with the Workspace once `condition` holds (a condition type `True`, or a predicate), watching it (with
   * resourceVersion; re-established on drops; relisted on 410).
   * @throws WorkspaceClientError `TIMEOUT` (with the last conditions in the message), `ABORTED`, `NOT_FOUND` (it was
   *   deleted while waiting, or never existed once the first read is done and `condition` needs it).
   */
  waitFor(name: string, condition: WaitCondition, options?: WaitForOptions): Promise<Workspace>;
  /** The core/v1 Events about the Workspace, oldest first (newest last). */
  events(name: string, namespace?: string): Promise<WorkspaceEvent[]>;
  /** Logs of the Workspace's workload pod (StatefulSet pod 0, or the tuning Job's pod). */
  logs(name: string, namespace?: string, options?: LogsOptions & { readonly follow?: false }): Promise<string>;
  /** Followed logs: chunks of text as the container writes them, until it ends or `signal` aborts. */
  logs(
    name: string,
    namespace: string | undefined,
    options: LogsOptions & { readonly follow: true },
  ): AsyncIterable<string>;
  /** Deletes the Workspace; with `wait`, resolves once it is gone. @throws WorkspaceClientError `NOT_FOUND`. */
  delete(name: string, namespace?: string, options?: DeleteOptions): Promise<void>;
}

/** The last `n` lines of a log (servers that ignore `tailLines` send everything). */
function tailLines(text: string, n: number): string {
  const lines = text.split("\n");
  const trailing = lines.at(-1) === "" ? lines.pop() : undefined;
  return lines.slice(Math.max(0, lines.length - n)).join("\n") + (trailing === undefined ? "" : "\n");
}

function requireName(verb: string, name: string): void {
  if (typeof name !== "string" || name === "") {
    throw new WorkspaceClientError("INVALID_ARGUMENT", `${verb}: give the name of a Workspace`);
  }
}

/** `type=status (reason: message)` per condition, for messages. */
export function describeConditions(conditions: readonly Condition[]): string {
  if (conditions.length === 0) return "no conditions yet";
  return conditions
    .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ""})` : ""}`)
    .join("; ");
}

function conditionHolds(ws: Workspace, condition: WaitCondition): boolean {
  if (typeof condition === "function") return condition(ws);
  return workspaceConditions(ws).some((c) => c.type === condition && c.status === "True");
}

interface RawEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  series?: { count?: number };
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  involvedObject?: { kind?: string; name?: string; apiVersion?: string };
  source?: { component?: string };
  reportingComponent?: string;
  reportingController?: string;
  metadata?: { creationTimestamp?: string };
}

/** Reduces a core/v1 Event. */
export function toWorkspaceEvent(e: RawEvent): WorkspaceEvent {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? undefined;
  return {
    type: e.type ?? "Normal",
    reason: e.reason ?? "",
    message: e.message ?? "",
    count: e.series?.count ?? e.count ?? 1,
    time: t === undefined || t === null ? undefined : new Date(t),
    source: e.source?.component ?? e.reportingController ?? e.reportingComponent ?? "",
  };
}

interface PodLike {
  metadata?: {
    name?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string }[];
  };
  spec?: { containers?: { name: string }[] };
}

/**
 * The workload pod of a Workspace among its pods: the StatefulSet's pod 0 (`<ws>-0`), else the newest pod owned by
 * the tuning Job `<ws>`, else the newest pod carrying `kaito.sh/workspace: <ws>`.
 */
export function pickWorkloadPod<P extends PodLike>(name: string, pods: readonly P[]): P | undefined {
  const newest = (xs: P[]) =>
    xs.sort((a, b) => (b.metadata?.creationTimestamp ?? "").localeCompare(a.metadata?.creationTimestamp ?? ""))[0];
  const pod0 = pods.find((p) => p.metadata?.name === `${name}-0`);
  if (pod0 !== undefined) return pod0;
  const ofJob = pods.filter((p) => p.metadata?.ownerReferences?.some((o) => o.kind === "Job" && o.name === name));
  return newest(ofJob.length > 0 ? ofJob : [...pods]);
}

/**
 * A typed client for Kaito Workspaces on the cluster of `kubeConfig`'s current context (see `loadKubeConfig` to find
 * the kubeconfig as kubectl does).
 * @throws WorkspaceClientError `NO_KUBECONFIG` when the current context names no cluster.
 */
export function createWorkspaceClient(kubeConfig: KubeConfig, options: WorkspaceClientOptions = {}): WorkspaceClient {
  const transport = new KubeTransport(kubeConfig);
  const defaultNamespace = options.namespace ?? contextNamespace(kubeConfig);
  const fieldManager = options.fieldManager ?? "kaito-ts-client";
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const validation = options.validation === false ? undefined : { ...defaultValidation(), ...options.validation };
  const ns = (namespace: string | undefined) =>
    namespace === undefined || namespace === "" ? defaultNamespace : namespace;

  const get = async (name: string, namespace?: string): Promise<Workspace> => {
    requireName("get", name);
    const n = ns(namespace);
    return transport.json<Workspace>(
      workspacePath(n, name),
      { verb: "get", what: `Workspace ${n}/${name}` },
      { timeoutMs },
    );
  };

  const waitFor = async (name: string, condition: WaitCondition, opts: WaitForOptions = {}): Promise<Workspace> => {
    requireName("waitFor", name);
    const n = ns(opts.namespace);
    if (opts.timeoutMs !== undefined && (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs < 0)) {
      throw new WorkspaceClientError("INVALID_ARGUMENT", `waitFor: timeoutMs must be ≥ 0, got ${opts.timeoutMs}`);
    }
    const want = typeof condition === "function" ? "the condition" : `${condition}=True`;
    const internal = new AbortController();
    const signal = opts.signal === undefined ? internal.signal : AbortSignal.any([opts.signal, internal.signal]);
    let last: Workspace | undefined;
    let seenOnce = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            const state = last === undefined ? "it does not exist" : describeConditions(workspaceConditions(last));
            internal.abort(
              new WorkspaceClientError(
                "TIMEOUT",
                `Workspace ${n}/${name}: ${want} did not happen within ${opts.timeoutMs} ms; last seen: ${state}`,
              ),
            );
          }, opts.timeoutMs);
    try {
      return await watchWorkspace(
        transport,
        n,
        name,
        (ws) => {
          const firstRead = !seenOnce;
          seenOnce = true;
          if (ws === undefined) {
            opts.onProgress?.({ workspace: undefined, conditions: [] });
            if (last !== undefined || firstRead) {
              throw new WorkspaceClientError(
                "NOT_FOUND",
                last !== undefined
                  ? `Workspace ${n}/${name} was deleted while waiting for ${want}`
                  : `Workspace ${n}/${name} not found (apply it first, or check the namespace with -n)`,
              );
            }
            return { done: false };
          }
          last = ws;
          opts.onProgress?.({ workspace: ws, conditions: workspaceConditions(ws) });
          return conditionHolds(ws, condition) ? { done: true, value: ws } : { done: false };
        },
        { signal },
      );
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  };

  async function findPod(name: string, n: string, subject: RequestSubject): Promise<PodLike> {
    const list = await transport.json<{ items?: PodLike[] }>(
      `/api/v1/namespaces/${encodeURIComponent(n)}/pods`,
      subject,
      {
        query: { labelSelector: `${KaitoLabel.Workspace}=${name}` },
        timeoutMs,
      },
    );
    const pod = pickWorkloadPod(name, list.items ?? []);
    if (pod === undefined) {
      // Tell "no Workspace" from "no pod yet".
      await get(name, n);
      throw new WorkspaceClientError(
        "NO_WORKLOAD",
        `Workspace ${n}/${name} has no pod yet (its nodes or workload are still being created); see kaito status ${name} -n ${n}`,
      );
    }
    return pod;
  }

  function logs(name: string, namespace?: string, opts?: LogsOptions & { readonly follow?: false }): Promise<string>;
  function logs(
    name: string,
    namespace: string | undefined,
    opts: LogsOptions & { readonly follow: true },
  ): AsyncIterable<string>;
  function logs(name: string, namespace?: string, opts: LogsOptions = {}): Promise<string> | AsyncIterable<string> {
    requireName("logs", name);
    const n = ns(namespace);
    const subject: RequestSubject = { verb: "logs", what: `Workspace ${n}/${name}` };
    const open = async () => {
      const pod = await findPod(name, n, subject);
      const container = opts.container ?? pod.spec?.containers?.[0]?.name;
      const podName = pod.metadata?.name ?? "";
      return {
        path: `/api/v1/namespaces/${encodeURIComponent(n)}/pods/${encodeURIComponent(podName)}/log`,
        query: { container, tailLines: opts.tail, follow: opts.follow === true ? true : undefined },
        subject: { verb: "logs", what: `pod ${n}/${podName}${container ? ` container ${container}` : ""}` },
      };
    };
    if (opts.follow !== true) {
      return (async () => {
        const o = await open();
        const text = (await transport.send(o.path, o.subject, { query: o.query, timeoutMs, signal: opts.signal })).text;
        return opts.tail === undefined ? text : tailLines(text, opts.tail);
      })();
    }
    return {
      async *[Symbol.asyncIterator]() {
        const o = await open();
        const res = await transport.open(o.path, o.subject, {
          query: o.query,
          signal: opts.signal,
          timeoutMs: 24 * 3600_000,
        });
        const decoder = new TextDecoder();
        try {
          for await (const chunk of res.body) yield decoder.decode(chunk as Uint8Array, { stream: true });
        } catch (error) {
          if (opts.signal?.aborted) return;
          throw error;
        }
      },
    };
  }

  return {
    server: transport.server,
    namespace: defaultNamespace,
    fetch: transport.fetch,

    async apply(input, opts = {}) {
      const obj = toWorkspaceObject(input);
      const metadata = { ...((obj.metadata as Record<string, unknown> | undefined) ?? {}) };
      if (typeof metadata.namespace !== "string" || metadata.namespace === "") metadata.namespace = ns(opts.namespace);
      obj.metadata = metadata;
      const name = metadata.name;
      if (validation !== undefined)
        assertValidWorkspace(obj, { ...validation, namespace: metadata.namespace as string });
      if (typeof name !== "string" || name === "") {
        throw new WorkspaceClientError(
          "INVALID_WORKSPACE",
          "apply: the Workspace has no metadata.name; give it a name",
        );
      }
      // Server-side apply must not carry server-owned fields.
      const { status: _status, ...body } = obj;
      const cleanMeta = { ...metadata };
      for (const k of ["resourceVersion", "uid", "creationTimestamp", "managedFields", "generation"])
        delete cleanMeta[k];
      const n = cleanMeta.namespace as string;
      const applied = await transport
        .json<Workspace>(
          workspacePath(n, name, versionOf(String(obj.apiVersion))),
          { verb: "apply", what: `Workspace ${n}/${name}` },
          {
            method: "PATCH",
            query: {
              fieldManager,
              force: opts.force === true ? true : undefined,
              dryRun: opts.dryRun ? "All" : undefined,
            },
            body: { ...body, metadata: cleanMeta },
            contentType: "application/apply-patch+yaml",
            signal: opts.signal,
            timeoutMs,
          },
        )
        .catch((error: unknown) => {
          // The namespace of a Workspace is an object too: say so instead of "not found".
          if (isWorkspaceClientError(error) && error.code === "NOT_FOUND") {
            throw new WorkspaceClientError(
              "NOT_FOUND",
              `apply Workspace ${n}/${name}: ${error.message.replace(/^apply Workspace [^:]+: /, "")} (create the namespace first: kubectl create namespace ${n})`,
              { status: 404, server: transport.server, cause: error },
            );
          }
          throw error;
        });
      return applied;
    },

    get,

    async list(namespace, opts = {}) {
      const n = opts.allNamespaces === true ? undefined : ns(namespace);
      const res = await transport.json<{ items?: Workspace[] }>(
        workspacePath(n),
        { verb: "list", what: n === undefined ? "Workspaces in all namespaces" : `Workspaces in ${n}` },
        { timeoutMs },
      );
      return (res.items ?? []).map(
        (w) => ({ ...w, apiVersion: w.apiVersion ?? "kaito.sh/v1beta1", kind: "Workspace" }) as Workspace,
      );
    },

    waitFor,

    async events(name, namespace) {
      requireName("events", name);
      const n = ns(namespace);
      const res = await transport.json<{ items?: RawEvent[] }>(
        `/api/v1/namespaces/${encodeURIComponent(n)}/events`,
        { verb: "list", what: `Events of Workspace ${n}/${name}` },
        { query: { fieldSelector: `involvedObject.kind=Workspace,involvedObject.name=${name}` }, timeoutMs },
      );
      return (res.items ?? [])
        .filter((e) => e.involvedObject?.kind === "Workspace" && e.involvedObject.name === name)
        .map(toWorkspaceEvent)
        .sort((a, b) => (a.time?.getTime() ?? 0) - (b.time?.getTime() ?? 0));
    },

    logs,

    async delete(name, namespace, opts = {}) {
      requireName("delete", name);
      const n = ns(namespace);
      await transport.send(
        workspacePath(n, name),
        { verb: "delete", what: `Workspace ${n}/${name}` },
        { method: "DELETE", signal: opts.signal, timeoutMs },
      );
      if (opts.wait !== true) return;
      const internal = new AbortController();
      const signal = opts.signal === undefined ? internal.signal : AbortSignal.any([opts.signal, internal.signal]);
      let last: Workspace | undefined;
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              const finalizers = last?.metadata?.finalizers ?? [];
              internal.abort(
                new WorkspaceClientError(
                  "TIMEOUT",
                  `Workspace ${n}/${name} is still there after ${opts.timeoutMs} ms${finalizers.length > 0 ? `: its finalizers ${finalizers.join(", ")} are not released (is the Kaito operator running?)` : ""}`,
                ),
              );
            }, opts.timeoutMs);
      try {
        await watchWorkspace(
          transport,
          n,
          name,
          (ws) => {
            last = ws;
            return ws === undefined ? { done: true, value: undefined } : { done: false };
          },
          { signal },
        );
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
    },
  };
}
