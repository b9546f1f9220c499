/**
 * The operator's HTTP endpoints: `/healthz`, `/readyz` and `/metrics` over HTTP, and the validating admission webhook
 * over HTTPS (`POST /validate/workspace.kaito.sh`, Kaito's path; an `admission.k8s.io/v1` AdmissionReview in and out).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { AdmissionHandler, RuntimeLogger } from "@kaito-ts/reconciler-core";
import type { Registry } from "prom-client";
import type { ServingCertificate } from "./tls.ts";

/** Path the webhook is served on (the install manifests' `ValidatingWebhookConfiguration` points here). */
export const WEBHOOK_PATH = "/validate/workspace.kaito.sh";

/** Largest AdmissionReview accepted (the API server sends at most ~3 MiB objects). */
const MAX_BODY = 8 * 1024 * 1024;

/** A readiness check: `undefined` when ready, else why not. */
export type ReadinessCheck = () => string | undefined;

/** A listening server and its port. */
export interface ListeningServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function text(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "content-type": type });
  res.end(body);
}

/** What the probe/metrics server serves. */
export interface ProbeServerOptions {
  readonly ready: ReadinessCheck;
  /** Absent: no `/metrics` on this server. */
  readonly registry?: Registry;
  readonly port: number;
  readonly host: string;
}

/** Serve `/healthz` (always ok while the process runs), `/readyz` and, with a registry, `/metrics`. */
export function startProbeServer(opts: ProbeServerOptions): Promise<ListeningServer> {
  const server = createHttpServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return text(res, 405, "method not allowed\n");
    if (path === "/healthz" || path === "/livez") return text(res, 200, "ok\n");
    if (path === "/readyz") {
      const why = opts.ready();
      return why === undefined ? text(res, 200, "ok\n") : text(res, 503, `not ready: ${why}\n`);
    }
    if (path === "/metrics" && opts.registry !== undefined) {
      const registry = opts.registry;
      registry.metrics().then(
        (body) => text(res, 200, body, registry.contentType),
        (e: unknown) => text(res, 500, `metrics failed: ${String(e)}\n`),
      );
      return;
    }
    text(res, 404, "not found: try /healthz, /readyz or /metrics\n");
  });
  return listen(server, opts.port, opts.host);
}

/** Serve `/metrics` alone (when its port differs from the probes'). */
export function startMetricsServer(registry: Registry, port: number, host: string): Promise<ListeningServer> {
  const server = createHttpServer((req, res) => {
    if ((req.url ?? "/").split("?")[0] !== "/metrics") return text(res, 404, "not found: try /metrics\n");
    registry.metrics().then(
      (body) => text(res, 200, body, registry.contentType),
      (e: unknown) => text(res, 500, `metrics failed: ${String(e)}\n`),
    );
  });
  return listen(server, port, host);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Options of {@link startWebhookServer}. */
export interface WebhookServerOptions {
  readonly handler: AdmissionHandler;
  readonly certificate: ServingCertificate;
  readonly port: number;
  readonly host: string;
  readonly logger: RuntimeLogger;
}

/** Serve the admission handler over HTTPS at {@link WEBHOOK_PATH}. */
export function startWebhookServer(opts: WebhookServerOptions): Promise<ListeningServer> {
  const server = createHttpsServer({ cert: opts.certificate.cert, key: opts.certificate.key }, (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== WEBHOOK_PATH) return text(res, 404, `not found: the webhook is at ${WEBHOOK_PATH}\n`);
    if (req.method !== "POST") return text(res, 405, "POST an admission.k8s.io/v1 AdmissionReview\n");
    readBody(req).then(
      (body) => {
        if (body === undefined) return text(res, 413, "AdmissionReview too large\n");
        let review: unknown;
        try {
          review = JSON.parse(body);
        } catch {
          review = body; // the handler answers a malformed review with allowed: false
        }
        const out = opts.handler(review);
        const resp = out.response;
        if (resp?.allowed === false) {
          opts.logger.info(
            { uid: resp.uid, reason: resp.status?.reason, message: resp.status?.message },
            "admission denied",
          );
        }
        text(res, 200, JSON.stringify(out), "application/json");
      },
      (e: unknown) => text(res, 400, `cannot read the request: ${String(e)}\n`),
    );
  });
  return listen(server as unknown as Server, opts.port, opts.host);
}
