/** The resource verbs over HTTP: get, list, watch, create, update, patch, delete, deletecollection, and proxy. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceDefinition } from "../builtin/types.ts";
import { badRequest, ClusterSimError, methodNotAllowed, notFound, pathNotFound } from "../errors/index.ts";
import type { KubeObject, ListOptions, PatchType } from "../store/api.ts";
import { isObject } from "../store/json.ts";
import type {
  FieldValidation,
  StoreBackend,
  StoreDeleteOptions,
  StoreWriteOptions,
  WriteResult,
} from "../store/backend.ts";
import { cutLog } from "../sim/node-agent/kubelet-server.ts";
import { isPathSafeName } from "../store/names.ts";
import { acceptedPatchTypes } from "../store/patching.ts";
import type { WebhookAdmission } from "./admission-webhooks.ts";
import { decodeJson, decodeObjectBody, decodeYaml, mediaType, readBody } from "./body.ts";
import type { Counters } from "./counters.ts";
import type { FaultRule, FaultRules, Verb } from "./faults.ts";
import { type PodSource, proxyToPod, proxyToService, type ServiceResolver } from "./proxy.ts";
import { addWarnings, sendError, sendJson } from "./respond.ts";
import type { ResourceTarget } from "./routing.ts";
import { includeObjectOf, tableFor, wantsTable } from "./table.ts";
import { serveWatch, WatchRegistry } from "./watch.ts";

/** Dependencies of the handler. */
export interface ResourceHandlerOptions {
  store: StoreBackend;
  faults: FaultRules;
  counters: Counters;
  bookmarkIntervalMs: number;
  webhooks: WebhookAdmission;
}

const PATCH_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
};

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function faultError(rule: FaultRule, def: ResourceDefinition, name: string | undefined): ClusterSimError {
  const status = rule.status ?? 500;
  const retry = rule.retryAfterSeconds ?? 1;
  const qualified = def.group === "" ? def.resource : `${def.resource}.${def.group}`;
  switch (status) {
    case 409:
      return new ClusterSimError(
        "Conflict",
        rule.message ??
          `Operation cannot be fulfilled on ${qualified} "${name ?? ""}": the object has been modified; please apply your changes to the latest version and try again`,
        { details: { name: name ?? "", group: def.group, kind: def.resource } },
      );
    case 429:
      return new ClusterSimError("TooManyRequests", rule.message ?? "Too many requests, please try again later.", {
        details: { retryAfterSeconds: retry },
      });
    case 503:
      return new ClusterSimError(
        "ServiceUnavailable",
        rule.message ?? "the server is currently unable to handle the request",
        {
          details: { retryAfterSeconds: retry },
        },
      );
    case 404:
      return notFound(def, name ?? "");
    default:
      return new ClusterSimError("InternalError", rule.message ?? "Internal error occurred: injected fault", {
        httpCode: status,
        details: { causes: [{ message: rule.message ?? "injected fault" }] },
      });
  }
}

/** Handles requests addressed to resources. */
export class ResourceHandler {
  readonly watches = new WatchRegistry();
  serviceResolver: ServiceResolver | undefined;
  podSource: PodSource | undefined;
  private readonly store: StoreBackend;
  private readonly faults: FaultRules;
  private readonly counters: Counters;
  private readonly bookmarkIntervalMs: number;
  private readonly webhooks: WebhookAdmission;

  constructor(o: ResourceHandlerOptions) {
    this.store = o.store;
    this.faults = o.faults;
    this.counters = o.counters;
    this.bookmarkIntervalMs = o.bookmarkIntervalMs;
    this.webhooks = o.webhooks;
  }

  private verbOf(method: string, t: ResourceTarget, url: URL): Verb {
    const collection = t.name === undefined;
    if (t.subresource === "proxy") return "proxy";
    switch (method) {
      case "GET":
      case "HEAD": {
        const w = url.searchParams.get("watch");
        const watching = w === "true" || w === "1";
        if (!collection) return watching && t.subresource === undefined ? "watch" : "get";
        return watching ? "watch" : "list";
      }
      case "POST":
        if (!collection) throw methodNotAllowed();
        return "create";
      case "PUT":
        if (collection) throw methodNotAllowed();
        return "update";
      case "PATCH":
        if (collection) throw methodNotAllowed();
        return "patch";
      case "DELETE":
        return collection ? "deletecollection" : "delete";
      default:
        throw methodNotAllowed();
    }
  }

  /** Serves one request. */
  async handle(req: IncomingMessage, res: ServerResponse, t: ResourceTarget, url: URL, client: string): Promise<void> {
    const def = this.store.registry.get(t.group, t.version, t.resource);
    if (!def) throw pathNotFound();
    if (t.namespace !== undefined && (!def.namespaced || !isPathSafeName(t.namespace))) throw pathNotFound();
    if (t.name !== undefined && !isPathSafeName(t.name) && t.subresource !== "proxy") throw pathNotFound();
    if (t.subresource !== undefined) {
      const ok =
        (t.subresource === "status" && def.statusSubresource) ||
        (t.subresource === "scale" && def.scale !== undefined) ||
        (t.subresource === "proxy" && def.group === "" && (def.resource === "services" || def.resource === "pods")) ||
        (t.subresource === "log" && def.group === "" && def.resource === "pods");
      if (!ok) throw pathNotFound();
    }
    // a deprecated API warns on every request to it, as the real server's handler chain adds it before serving
    if (def.deprecationWarning !== undefined) addWarnings(res, [def.deprecationWarning]);
    const method = req.method ?? "GET";
    const verb = this.verbOf(method, t, url);
    const base = def.group === "" ? def.resource : `${def.resource}.${def.group}`;
    this.counters.record(verb, t.subresource ? `${base}/${t.subresource}` : base, client);
    if (verb !== "proxy" && t.subresource === undefined && !def.verbs.includes(verb)) throw methodNotAllowed();
    if (t.subresource !== undefined && !["get", "update", "patch", "proxy"].includes(verb)) throw methodNotAllowed();
    if (t.subresource === "log" && verb !== "get") throw methodNotAllowed();
    if (t.name !== undefined && t.namespace === undefined && def.namespaced) throw pathNotFound();
    let dropAfterMs: number | undefined;
    let dropAbruptly = false;
    if (!this.faults.empty) {
      const fr: Parameters<FaultRules["match"]>[0] = { verb, group: def.group, resource: def.resource };
      if (t.subresource) fr.subresource = t.subresource;
      if (t.namespace) fr.namespace = t.namespace;
      if (t.name) fr.name = t.name;
      const rule = this.faults.match(fr);
      if (rule) {
        if (rule.latencyMs) await sleep(rule.latencyMs);
        if (rule.status !== undefined) throw faultError(rule, def, t.name);
        dropAfterMs = rule.dropWatchAfterMs;
        dropAbruptly = rule.dropAbruptly === true;
      }
    }
    // the admission webhooks' warnings of this request: sent with the answer, and with the error when it fails
    const warnings: string[] = [];
    try {
      await this.serve(req, res, def, t, url, verb, warnings, dropAfterMs, dropAbruptly);
    } catch (e) {
      addWarnings(res, warnings);
      throw e;
    }
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    def: ResourceDefinition,
    t: ResourceTarget,
    url: URL,
    verb: Verb,
    warnings: string[],
    dropAfterMs: number | undefined,
    dropAbruptly: boolean,
  ): Promise<void> {
    switch (verb) {
      case "get":
        return this.get(req, res, def, t, url);
      case "list":
        return this.list(req, res, def, t, url);
      case "watch":
        return this.watch(req, res, def, t, url, dropAfterMs, dropAbruptly);
      case "create":
        return this.create(req, res, def, t, url, warnings);
      case "update":
        return this.update(req, res, def, t, url, warnings);
      case "patch":
        return this.patch(req, res, def, t, url, warnings);
      case "delete":
        return this.delete(req, res, def, t, url, warnings);
      case "deletecollection":
        return this.deleteCollection(req, res, def, t, url);
      case "proxy":
        return def.resource === "pods"
          ? proxyToPod(req, res, this.podSource, t)
          : proxyToService(req, res, this.serviceResolver, t);
      default:
        throw methodNotAllowed();
    }
  }

  private key(def: ResourceDefinition): { group: string; version: string; resource: string } {
    return { group: def.group, version: def.version, resource: def.resource };
  }

  private get(req: IncomingMessage, res: ServerResponse, def: ResourceDefinition, t: ResourceTarget, url: URL): void {
    const obj = this.store.mustGetRef(this.key(def), t.namespace, t.name ?? "");
    if (t.subresource === "log") {
      const container = url.searchParams.get("container") ?? undefined;
      const text = this.podSource?.logs(
        t.namespace ?? "",
        t.name ?? "",
        container,
        url.searchParams.get("previous") === "true",
      );
      if (text === undefined)
        throw badRequest(`container ${JSON.stringify(container ?? "")} in pod ${JSON.stringify(t.name)} has no logs`);
      // cut as the kubelet cuts it (the simulated kubelet, which the real server reaches, uses the same function)
      const cut = cutLog(text, logOption(url, "tailLines"), logOption(url, "limitBytes"));
      res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": String(Buffer.byteLength(cut)) });
      res.end(cut);
      return;
    }
    if (t.subresource === "scale") {
      sendJson(res, 200, this.store.scaleOf(def, obj));
      return;
    }
    const accept = req.headers.accept;
    if (wantsTable(accept)) {
      sendJson(
        res,
        200,
        tableFor(def, [obj], this.store.currentResourceVersion(), accept, { includeObject: includeObjectOf(url) }),
      );
      return;
    }
    sendJson(res, 200, this.store.served(def, obj) === obj ? JSON.stringify(obj) : this.store.served(def, obj));
  }

  private listOptions(def: ResourceDefinition, t: ResourceTarget, url: URL): ListOptions {
    const o: ListOptions = {};
    if (t.namespace !== undefined) o.namespace = t.namespace;
    const ls = url.searchParams.get("labelSelector");
    const fs = url.searchParams.get("fieldSelector");
    if (ls) o.labelSelector = ls;
    if (fs) o.fieldSelector = fs;
    if (!def.namespaced && t.namespace !== undefined) throw pathNotFound();
    return o;
  }

  private list(req: IncomingMessage, res: ServerResponse, def: ResourceDefinition, t: ResourceTarget, url: URL): void {
    const opts = this.listOptions(def, t, url);
    const match = this.store.matcher(def, opts);
    const limitParam = url.searchParams.get("limit");
    const limit = limitParam === null || limitParam === "" ? 0 : Number(limitParam);
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`invalid limit: ${JSON.stringify(limitParam)}`);
    const cont = url.searchParams.get("continue");
    let after: string | undefined;
    if (cont) {
      try {
        const parsed = JSON.parse(Buffer.from(cont, "base64url").toString("utf8")) as { k?: unknown };
        if (typeof parsed.k !== "string") throw new Error("bad token");
        after = parsed.k;
      } catch {
        throw badRequest("continue key is not valid: the continue token is malformed");
      }
    }
    const rv = this.store.currentResourceVersion();
    const entries = this.store.sortedEntries(def);
    const selected: KubeObject[] = [];
    const texts: string[] = [];
    let lastKey: string | undefined;
    let count = 0;
    let remaining = 0;
    const table = wantsTable(req.headers.accept);
    const sameVersion = def.version === def.storageVersion;
    for (const e of entries) {
      const o = e.obj;
      if (!match(o)) continue;
      const k = `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
      if (after !== undefined && k <= after) continue;
      if (limit > 0 && count >= limit) {
        remaining++;
        continue;
      }
      count++;
      lastKey = k;
      if (table) selected.push(this.store.served(def, o));
      else texts.push(sameVersion ? this.store.entryJson(e) : JSON.stringify(this.store.served(def, o)));
    }
    const meta: Record<string, unknown> = { resourceVersion: rv };
    if (remaining > 0 && lastKey !== undefined) {
      meta.continue = Buffer.from(JSON.stringify({ k: lastKey, rv })).toString("base64url");
      meta.remainingItemCount = remaining;
    }
    if (table) {
      const tbl = tableFor(def, selected, rv, req.headers.accept, { includeObject: includeObjectOf(url) });
      tbl.metadata = meta;
      sendJson(res, 200, tbl);
      return;
    }
    const apiVersion = def.group === "" ? def.version : `${def.group}/${def.version}`;
    sendJson(
      res,
      200,
      `{"kind":${JSON.stringify(def.listKind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(meta)},"items":[${texts.join(",")}]}`,
    );
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    def: ResourceDefinition,
    t: ResourceTarget,
    url: URL,
    dropAfterMs: number | undefined,
    dropAbruptly: boolean,
  ): void {
    const opts = this.listOptions(def, t, url);
    const base = this.store.matcher(def, opts);
    const only = t.name;
    const match = only === undefined ? base : (o: KubeObject) => o.metadata.name === only && base(o);
    const rv = url.searchParams.get("resourceVersion") ?? undefined;
    if (rv !== undefined && rv !== "" && !/^\d+$/.test(rv))
      throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rv)}: must be a non-negative integer`);
    const timeout = url.searchParams.get("timeoutSeconds");
    const accept = req.headers.accept;
    const params: Parameters<typeof serveWatch>[4] = {
      def,
      match,
      resourceVersion: rv,
      allowBookmarks: url.searchParams.get("allowWatchBookmarks") === "true",
      sendInitialEvents: url.searchParams.get("sendInitialEvents") === "true",
      timeoutSeconds: timeout === null ? undefined : Number(timeout),
      bookmarkIntervalMs: this.bookmarkIntervalMs,
    };
    if (wantsTable(accept)) {
      const includeObject = includeObjectOf(url);
      params.table = (obj, first) =>
        JSON.stringify(
          tableFor(def, [obj], obj.metadata.resourceVersion ?? "", accept, {
            includeObject,
            omitColumnDefinitions: !first,
          }),
        );
    }
    if (dropAfterMs !== undefined) {
      params.dropAfterMs = dropAfterMs;
      params.dropAbruptly = dropAbruptly;
    }
    serveWatch(this.store, this.watches, req, res, params);
  }

  private writeOptions(def: ResourceDefinition, t: ResourceTarget, url: URL): StoreWriteOptions {
    const o: StoreWriteOptions = {};
    const dryRun = url.searchParams.getAll("dryRun");
    for (const d of dryRun) {
      if (d !== "All") throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(d)}: supported values: "All"`);
      o.dryRun = true;
    }
    const fm = url.searchParams.get("fieldManager");
    if (fm !== null) {
      if (fm.length > 128) throw badRequest("fieldManager: Too long: may not be more than 128 bytes");
      o.fieldManager = fm;
    }
    const fv = url.searchParams.get("fieldValidation");
    if (fv !== null && fv !== "") {
      if (fv !== "Strict" && fv !== "Warn" && fv !== "Ignore")
        throw badRequest(
          `fieldValidation: Unsupported value: ${JSON.stringify(fv)}: supported values: "Ignore", "Strict", "Warn"`,
        );
      o.fieldValidation = fv as FieldValidation;
    }
    const force = url.searchParams.get("force");
    if (force === "true") o.force = true;
    if (t.subresource === "status" || t.subresource === "scale") o.subresource = t.subresource;
    if (def.namespaced && t.namespace !== undefined) o.namespace = t.namespace;
    return o;
  }

  private respondWrite(
    res: ServerResponse,
    def: ResourceDefinition,
    r: WriteResult,
    code: number,
    webhookWarnings: readonly string[],
  ): void {
    const served = this.store.served(def, r.object);
    const body = served === r.object ? this.store.objectJson(served) : served;
    // the decoder's warnings (unknown fields) come before the webhooks', as the real server adds them
    sendJson(res, code, body, { warnings: [...r.warnings, ...webhookWarnings] });
  }

  private async create(
    req: IncomingMessage,
    res: ServerResponse,
    def: ResourceDefinition,
    t: ResourceTarget,
    url: URL,
    warnings: string[],
  ): Promise<void> {
    if (t.subresource) throw methodNotAllowed();
    const opts = this.writeOptions(def, t, url);
    opts.fieldManager ??= fieldManagerFromUserAgent(req);
    const body = decodeObjectBody(await readBody(req), req.headers["content-type"], def.kind);
    if (!isObject(body))
      throw badRequest(`the object provided is unrecognized (must be of type ${def.kind}): Object 'Kind' is missing`);
    if (def.namespaced && t.namespace !== undefined && isObject(body.metadata) && body.metadata.namespace === undefined)
      body.metadata.namespace = t.namespace;
    const hookOpts = { ...opts, warnings };
    const input = await this.webhooks.mutate(def, "CREATE", body as KubeObject, undefined, hookOpts);
    if (this.webhooks.active(def)) {
      const dry = this.store.createEx(this.key(def), input, { ...opts, dryRun: true });
      await this.webhooks.validate(def, "CREATE", dry.object, undefined, hookOpts);
    }
    const r = this.store.createEx(this.key(def), input, opts);
    this.respondWrite(res, def, r, 201, warnings);
  }

  private async update(
    req: IncomingMessage,
    res: ServerResponse,
    def: ResourceDefinition,
    t: ResourceTarget,
    url: URL,
    warnings: string[],
  ): Promise<void> {
    const opts = this.writeOptions(def, t, url);
    opts.fieldManager ??= fieldManagerFromUserAgent(req);
    const body = decodeObjectBody(await readBody(req), req.headers["content-type"], def.kind);
    if (!isObject(body)) throw badRequest(`the object provided is unrecognized (must be of type ${def.kind})`);
    const obj = body as KubeObject;
    if (!isObject(obj.metadata)) obj.metadata = {};
    if (t.subresource === "scale") {
      obj.metadata.name ??= t.name ?? "";
      const r = this.store.updateEx(this.key(def), obj, opts);
      sendJson(res, 200, r.object);
      return;
    }
    if (obj.metadata.name !== undefined && obj.metadata.name !== t.name)
      throw badRequest(
        `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${t.name ?? ""})`,
      );
    obj.metadata.name = t.name ?? "";
    const old = this.store.getRef(this.key(def), t.namespace, t.name ?? "");
    const hookOpts = { ...opts, warnings };
    const input = await this.webhooks.mutate(def, "UPDATE", obj, old, hookOpts);
    if (this.webhooks.active(def)) {
      const dry = this.store.updateEx(this.key(def), input, { ...opts, dryRun: true });
      await this.webhooks.validate(def, "UPDATE", dry.object, old, hookOpts);
    }
    const r = this.store.updateEx(this.key(def), input, opts);
    this.respondWrite(res, def, r, 200, warnings);
  }

  private async patch(
    req: IncomingMessage,
    res: ServerResponse,
    def: ResourceDefinition,
    t: ResourceTarget,
    url: URL,
    warnings: string[],
  ): Promise<void> {
    const opts = this.writeOptions(def, t, url);
    const ct = mediaType(req.headers["content-type"]);
    const type = PATCH_TYPES[ct];
    if (!type) {
      throw new ClusterSimError(
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: ${acceptedPatchTypes(def).join(", ")}`,
      );
    }
    if (type !== "apply") opts.fieldManager ??= fieldManagerFromUserAgent(req);
    const raw = await readBody(req);
    const patch = type === "apply" ? decodeYaml(raw, def.kind) : decodeJson(raw, "patch");
    const name = t.name ?? "";
    if (this.webhooks.active(def) && t.subresource !== "scale") {
      const r0 = this.store.patchEx(this.key(def), t.namespace, name, type, patch, { ...opts, dryRun: true });
      const old = this.store.getRef(this.key(def), t.namespace, name);
      const op = r0.created ? "CREATE" : "UPDATE";
      const hookOpts = { ...opts, warnings };
      const mutated = await this.webhooks.mutate(def, op, r0.object, old, hookOpts);
      await this.webhooks.validate(def, op, mutated, old, hookOpts);
      if (mutated !== r0.object && !opts.dryRun) {
        const r = r0.created
          ? this.store.createEx(this.key(def), mutated, opts)
          : this.store.updateEx(this.key(def), mutated, opts);
        this.respondWrite(res, def, r, r.created ? 201 : 200, warnings);
        return;
      }
    }
    const r = this.store.patchEx(this.key(def), t.namespace, name, type, patch, opts);
    if (t.subresource === "scale") {
      sendJson(res, 200, r.object, { warnings: r.warnings });
      return;
    }
    this.respondWrite(res, def, r, r.created ? 201 : 200, warnings);
  }

  private async deleteOptions(
    req: IncomingMessage,
    url: URL,
  ): Promise<StoreDeleteOptions & { orphanDependentsFalse?: boolean }> {
    const o: StoreDeleteOptions & { orphanDependentsFalse?: boolean } = {};
    const raw = await readBody(req);
    if (raw.length > 0) {
      const body = decodeJson(raw, "DeleteOptions");
      if (!isObject(body)) throw badRequest("DeleteOptions must be an object");
      if (typeof body.gracePeriodSeconds === "number") o.gracePeriodSeconds = body.gracePeriodSeconds;
      const pp = body.propagationPolicy;
      if (pp !== undefined && pp !== null) o.propagationPolicy = checkPolicy(pp);
      if (body.orphanDependents === true) o.propagationPolicy = "Orphan";
      if (body.orphanDependents === false) o.orphanDependentsFalse = true;
      if (isObject(body.preconditions)) {
        if (typeof body.preconditions.uid === "string") o.preconditionUid = body.preconditions.uid;
        if (typeof body.preconditions.resourceVersion === "string")
          o.preconditionResourceVersion = body.preconditions.resourceVersion;
      }
      if (Array.isArray(body.dryRun) && body.dryRun.includes("All")) o.dryRun = true;
    }
    const gp = url.searchParams.get("gracePeriodSeconds");
    if (gp !== null && gp !== "") {
      const n = Number(gp);
      if (!Number.isInteger(n)) throw badRequest(`gracePeriodSeconds: invalid value ${JSON.stringify(gp)}`);
      o.gracePeriodSeconds = n;
    }
    const pp = url.searchParams.get("propagationPolicy");
    if (pp) o.propagationPolicy = checkPolicy(pp);
    if (url.searchParams.getAll("dryRun").includes("All")) o.dryRun = true;
    return o;
  }

  private async delete(
    req: IncomingMessage,
    res: ServerResponse,
    def: ResourceDefinition,
    t: ResourceTarget,
    url: URL,
    warnings: string[],
  ): Promise<void> {
    if (t.subresource) throw methodNotAllowed();
    const opts = await this.deleteOptions(req, url);
    const old = this.store.getRef(this.key(def), t.namespace, t.name ?? "");
    if (old && this.webhooks.active(def))
      await this.webhooks.validate(def, "DELETE", undefined, old, { dryRun: opts.dryRun === true, warnings });
    const r = this.store.deleteEx(this.key(def), t.namespace, t.name ?? "", opts);
    // as the real handler: 200, also for graceful pod deletion and finalizers; 202 only when the object stays and the
    // client asked `orphanDependents: false`
    const code = !r.removed && opts.orphanDependentsFalse ? 202 : 200;
    const served = this.store.served(def, r.object);
    sendJson(res, code, r.removed && !def.builtin ? deletedStatus(def, served) : served, { warnings });
  }

  private async deleteCollection(
    req: IncomingMessage,
    res: ServerResponse,
    def: ResourceDefinition,
    t: ResourceTarget,
    url: URL,
  ): Promise<void> {
    const opts = await this.deleteOptions(req, url);
    const listOpts = this.listOptions(def, t, url);
    const items = this.store.deleteCollection(this.key(def), listOpts, opts);
    const apiVersion = def.group === "" ? def.version : `${def.group}/${def.version}`;
    sendJson(res, 200, {
      kind: def.listKind,
      apiVersion,
      metadata: { resourceVersion: this.store.currentResourceVersion() },
      items: items.map((o) => this.store.served(def, o)),
    });
  }

  /** Sends an error (used by callers that catch around {@link handle}). */
  fail(res: ServerResponse, e: unknown): void {
    sendError(res, e);
  }
}

/**
 * The answer to a DELETE of a custom resource that is gone (the real server's CRD store does not return the deleted
 * object): a `Status` of `Success` naming it; an object kept by finalizers is answered with the object instead.
 */
export function deletedStatus(def: ResourceDefinition, obj: KubeObject): Record<string, unknown> {
  const details: Record<string, unknown> = { name: obj.metadata.name ?? "", group: def.group, kind: def.resource };
  if (obj.metadata.uid !== undefined) details.uid = obj.metadata.uid;
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}

/** A non-negative integer option of `pods/log` (`tailLines`, `limitBytes`); absent or malformed is no limit. */
function logOption(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  return v === null || !/^\d+$/.test(v) ? undefined : Number(v);
}

function checkPolicy(p: unknown): "Background" | "Foreground" | "Orphan" {
  if (p === "Background" || p === "Foreground" || p === "Orphan") return p;
  throw new ClusterSimError(
    "Invalid",
    `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: ${JSON.stringify(p)}: supported values: "Foreground", "Background", "Orphan"`,
    {
      details: {
        group: "meta.k8s.io",
        kind: "DeleteOptions",
        causes: [
          {
            reason: "FieldValueNotSupported",
            message: `Unsupported value: ${JSON.stringify(p)}: supported values: "Foreground", "Background", "Orphan"`,
            field: "propagationPolicy",
          },
        ],
      },
    },
  );
}

/** The default field manager of non-apply writes: the User-Agent's product, as the real server derives it. */
function fieldManagerFromUserAgent(req: IncomingMessage): string {
  const ua = req.headers["user-agent"] ?? "unknown";
  return (ua.split(/[\s/]/)[0] ?? "unknown").slice(0, 128) || "unknown";
}
