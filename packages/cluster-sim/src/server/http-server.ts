/**
 * The HTTP front of cluster-sim: authentication, routing, discovery, OpenAPI, fault injection, counters, and the
 * resource verbs (delegated to {@link ResourceHandler}).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { ClusterSimError, pathNotFound } from "../errors/index.ts";
import type { StoreBackend } from "../store/backend.ts";
import { type MemoryStore, storeEngine } from "../store/memory-store.ts";
import { type WebhookAdmission, createWebhookAdmission } from "./admission-webhooks.ts";
import { clientOf, Counters, type RequestCounters } from "./counters.ts";
import {
  aggregatedContentType,
  aggregatedDiscovery,
  aggregatedDiscoveryVersion,
  apiGroup,
  coreVersions,
  groupList,
  resourceList,
  VERSION_INFO,
} from "./discovery.ts";
import { type FaultInjector, FaultRules, resourceMatches } from "./faults.ts";
import { OpenApiCache } from "./openapi.ts";
import type { PodSource, ServiceResolver } from "./proxy.ts";
import { ResourceHandler } from "./resource-handler.ts";
import { sendError, sendJson } from "./respond.ts";
import { route } from "./routing.ts";
import type { WatchRegistry } from "./watch.ts";

/** Options of {@link ApiServer}. */
export interface ApiServerOptions {
  store: MemoryStore;
  /** Bearer token clients must present (always over TLS; over plain HTTP a wrong token is rejected, a missing one allowed because kubectl sends none there). */
  token?: string;
  /** Serve HTTPS with this key pair (PEM). */
  tls?: { key: string; cert: string };
  /** Interval of BOOKMARK events on watches that allow them. Default 10 s. */
  bookmarkIntervalMs?: number;
}

/** The running HTTP API server. */
export class ApiServer {
  /** The store this server serves. */
  readonly store: MemoryStore;
  /** Requests counted by verb, resource and client. */
  readonly counters: RequestCounters;
  /** Fault injection: errors, latency, dropped watches, forced compaction. */
  readonly faults: FaultInjector;
  private readonly counting = new Counters();
  private readonly faultRules = new FaultRules();
  private readonly server: Server;
  private readonly token: string | undefined;
  private readonly tls: boolean;
  private readonly openapi: OpenApiCache;
  private readonly handler: ResourceHandler;
  private readonly webhooks: WebhookAdmission;
  /** The store as the HTTP layer uses it. */
  private readonly backend: StoreBackend;
  private address = "";
  private readonly unsubscribeStore: () => void;

  constructor(options: ApiServerOptions) {
    this.store = options.store;
    this.counters = this.counting;
    this.backend = storeEngine(options.store);
    this.token = options.token;
    this.tls = options.tls !== undefined;
    this.openapi = new OpenApiCache(this.backend.registry);
    this.webhooks = createWebhookAdmission(this.backend);
    this.handler = new ResourceHandler({
      store: this.backend,
      faults: this.faultRules,
      counters: this.counting,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000,
      webhooks: this.webhooks,
    });
    const watches: WatchRegistry = this.handler.watches;
    this.faults = {
      add: (rule) => this.faultRules.add(rule),
      clear: () => this.faultRules.clear(),
      compact: (resource) => {
        if (resource === undefined) this.backend.compact();
        else
          for (const d of this.backend.registry.definitions())
            if (resourceMatches(resource, d.group, d.resource)) this.backend.compact(d);
      },
      dropWatches: (resource, abrupt) => watches.drop(resource, abrupt === true),
    };
    // Deleting a CRD ends the watches on its kinds, as on a real server.
    const crdDef = this.backend.definition({
      group: "apiextensions.k8s.io",
      version: "v1",
      resource: "customresourcedefinitions",
    });
    this.unsubscribeStore = this.backend.watch(crdDef, undefined, (e) => {
      if (e.type !== "DELETED") return;
      const spec = e.object.spec as { group?: string; names?: { plural?: string } } | undefined;
      if (spec?.group && spec.names?.plural) watches.drop(`${spec.names.plural}.${spec.group}`);
    });
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((e: unknown) => sendError(res, e));
    };
    this.server = options.tls
      ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener)
      : createHttpServer(listener);
    this.server.keepAliveTimeout = 30_000;
    this.server.on("clientError", (_err, socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
  }

  /** Sets the resolver the service proxy forwards to. */
  setServiceResolver(resolver: ServiceResolver | undefined): void {
    this.handler.serviceResolver = resolver;
    this.webhooks.serviceResolver = resolver;
  }

  /** Sets where pod proxy requests and pod logs come from. */
  setPodSource(source: PodSource | undefined): void {
    this.handler.podSource = source;
  }

  /** Listens on 127.0.0.1 (port 0 picks a free one); resolves to the base URL. */
  listen(port = 0, host = "127.0.0.1"): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const a = this.server.address() as AddressInfo;
        this.address = `${host}:${a.port}`;
        resolve(`${this.tls ? "https" : "http"}://${this.address}`);
      });
    });
  }

  /** Stops accepting requests and closes every connection (watches included). */
  close(): Promise<void> {
    this.unsubscribeStore();
    this.handler.watches.closeAll();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private authorized(req: IncomingMessage): boolean {
    if (this.token === undefined) return true;
    const auth = req.headers.authorization;
    if (auth === undefined) return !this.tls;
    return auth === `Bearer ${this.token}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://cluster-sim");
    } catch {
      sendError(res, pathNotFound());
      return;
    }
    if (!this.authorized(req)) {
      sendError(res, new ClusterSimError("Unauthorized", "Unauthorized"));
      return;
    }
    const target = route(url.pathname);
    const accept = req.headers.accept;
    const client = clientOf(req.headers["user-agent"]);
    const method = req.method ?? "GET";
    if (target.type !== "resource") {
      this.counting.record("discovery", "", client);
      if (method !== "GET" && method !== "HEAD") {
        if (target.type === "not-found") throw pathNotFound();
        throw new ClusterSimError(
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource",
        );
      }
    }
    switch (target.type) {
      case "version":
        sendJson(res, 200, VERSION_INFO);
        return;
      case "health":
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("ok");
        return;
      case "core-versions": {
        const v = aggregatedDiscoveryVersion(accept);
        if (v)
          sendJson(res, 200, aggregatedDiscovery(this.backend.registry, true, v), {
            contentType: aggregatedContentType(v),
          });
        else sendJson(res, 200, coreVersions(this.address));
        return;
      }
      case "groups": {
        const v = aggregatedDiscoveryVersion(accept);
        if (v)
          sendJson(res, 200, aggregatedDiscovery(this.backend.registry, false, v), {
            contentType: aggregatedContentType(v),
          });
        else sendJson(res, 200, groupList(this.backend.registry));
        return;
      }
      case "group": {
        const g = apiGroup(this.backend.registry, target.group);
        if (!g) throw pathNotFound();
        sendJson(res, 200, g);
        return;
      }
      case "resource-list": {
        const list = resourceList(this.backend.registry, target.group, target.version);
        if (!list) throw pathNotFound();
        sendJson(res, 200, list);
        return;
      }
      case "openapi-v3-index":
        sendJson(res, 200, this.openapi.index());
        return;
      case "openapi-v3": {
        const doc = this.openapi.document(target.group, target.version);
        if (!doc) throw pathNotFound();
        sendJson(res, 200, doc.body);
        return;
      }
      case "openapi-v2":
      case "not-found":
        throw pathNotFound();
      case "resource":
        await this.handler.handle(req, res, target, url, client);
        return;
      default:
        throw pathNotFound();
    }
  }
}
