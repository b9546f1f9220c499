/**
 * Admission webhooks: `MutatingWebhookConfiguration` and `ValidatingWebhookConfiguration` objects are honoured for
 * writes through the HTTP API. The server POSTs an `AdmissionReview` (admission.k8s.io/v1) to the webhook's URL or
 * service (HTTPS with the `caBundle`), applies JSONPatch answers, and follows `failurePolicy`. The `warnings` of each
 * answer — of a denial too — go to the caller's `warnings` list, which the handler sends as `Warning:` headers, as the
 * real server relays them.
 */
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ResourceDefinition } from "../builtin/types.ts";
import { ClusterSimError, internalError } from "../errors/index.ts";
import { applyJsonPatch, labelSelectorFromObject, matchesLabelSelector } from "../semantics/index.ts";
import type { KubeObject } from "../store/api.ts";
import { isObject } from "../store/json.ts";
import type { StoreBackend } from "../store/backend.ts";
import type { ServiceResolver } from "./proxy.ts";

type Obj = Record<string, unknown>;
type Operation = "CREATE" | "UPDATE" | "DELETE";

/** Options of one admission call; `warnings` collects the texts of the webhooks' `response.warnings`. */
export interface WebhookCallOptions {
  dryRun?: boolean;
  subresource?: string;
  warnings?: string[];
}

/** The admission step of the HTTP write path. */
export interface WebhookAdmission {
  /** True when some webhook configuration may match writes of this kind (cheap check for the hot path). */
  active(def: ResourceDefinition): boolean;
  /** Runs the matching mutating webhooks; returns the (possibly patched) object. */
  mutate(
    def: ResourceDefinition,
    op: Operation,
    obj: KubeObject,
    old: KubeObject | undefined,
    opts: WebhookCallOptions,
  ): Promise<KubeObject>;
  /** Runs the matching validating webhooks; throws the denial. */
  validate(
    def: ResourceDefinition,
    op: Operation,
    obj: KubeObject | undefined,
    old: KubeObject | undefined,
    opts: WebhookCallOptions,
  ): Promise<void>;
  /** Where `service` client configs are sent. */
  serviceResolver: ServiceResolver | undefined;
}

interface Hook {
  name: string;
  config: Obj;
}

function matchRule(rule: Obj, def: ResourceDefinition, op: Operation, sub: string | undefined): boolean {
  const list = (k: string): string[] => (Array.isArray(rule[k]) ? (rule[k] as unknown[]).map(String) : []);
  const ops = list("operations");
  if (!ops.includes("*") && !ops.includes(op)) return false;
  const groups = list("apiGroups");
  if (!groups.includes("*") && !groups.includes(def.group)) return false;
  const versions = list("apiVersions");
  if (!versions.includes("*") && !versions.includes(def.version)) return false;
  const resources = list("resources");
  const full = sub ? `${def.resource}/${sub}` : def.resource;
  const resOk = resources.some((r) => {
    if (r === "*/*") return true;
    if (r === "*") return sub === undefined;
    if (r.startsWith("*/")) return sub !== undefined && r.slice(2) === sub;
    if (r.endsWith("/*")) return r.slice(0, -2) === def.resource;
    return r === full;
  });
  if (!resOk) return false;
  const scope = typeof rule.scope === "string" ? rule.scope : "*";
  if (scope === "Namespaced" && !def.namespaced) return false;
  if (scope === "Cluster" && def.namespaced) return false;
  return true;
}

/** Creates the webhook admission over a store. */
export function createWebhookAdmission(store: StoreBackend): WebhookAdmission {
  const mutatingDef = store.registry.get("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations");
  const validatingDef = store.registry.get("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations");
  const hooksOf = (def: ResourceDefinition | undefined): Hook[] => {
    if (!def) return [];
    const out: Hook[] = [];
    for (const cfg of store.listRefs({ group: def.group, version: def.version, resource: def.resource })) {
      const webhooks = Array.isArray(cfg.webhooks) ? cfg.webhooks : [];
      for (const w of webhooks) if (isObject(w)) out.push({ name: String(w.name ?? cfg.metadata.name), config: w });
    }
    return out;
  };

  const matching = (
    hooks: Hook[],
    def: ResourceDefinition,
    op: Operation,
    obj: KubeObject | undefined,
    old: KubeObject | undefined,
    sub: string | undefined,
  ): Hook[] =>
    hooks.filter((h) => {
      const rules = Array.isArray(h.config.rules) ? h.config.rules.filter(isObject) : [];
      if (!rules.some((r) => matchRule(r, def, op, sub))) return false;
      const target = obj ?? old;
      if (isObject(h.config.objectSelector)) {
        const sel = labelSelectorFromObject(h.config.objectSelector as never);
        if (!matchesLabelSelector(sel, target?.metadata.labels)) return false;
      }
      if (isObject(h.config.namespaceSelector) && def.namespaced) {
        const ns = store.getRef(
          { group: "", version: "v1", resource: "namespaces" },
          undefined,
          target?.metadata.namespace ?? "",
        );
        const sel = labelSelectorFromObject(h.config.namespaceSelector as never);
        if (!matchesLabelSelector(sel, ns?.metadata.labels)) return false;
      }
      return true;
    });

  const admission: WebhookAdmission = {
    serviceResolver: undefined,
    active(def) {
      if (def.group === "admissionregistration.k8s.io") return false;
      return (
        (mutatingDef !== undefined && store.hasEntries(mutatingDef)) ||
        (validatingDef !== undefined && store.hasEntries(validatingDef))
      );
    },
    async mutate(def, op, obj, old, opts) {
      if (!admission.active(def)) return obj;
      let current = obj;
      for (const h of matching(hooksOf(mutatingDef), def, op, obj, old, opts.subresource)) {
        const response = await call(h, def, op, current, old, opts);
        if (!response) continue;
        if (response.patch !== undefined) {
          const ops = JSON.parse(Buffer.from(String(response.patch), "base64").toString("utf8")) as unknown[];
          current = applyJsonPatch(current, ops) as KubeObject;
        }
      }
      return current;
    },
    async validate(def, op, obj, old, opts) {
      if (!admission.active(def)) return;
      const hooks = matching(hooksOf(validatingDef), def, op, obj, old, opts.subresource);
      await Promise.all(hooks.map((h) => call(h, def, op, obj, old, opts)));
    },
  };

  async function call(
    h: Hook,
    def: ResourceDefinition,
    op: Operation,
    obj: KubeObject | undefined,
    old: KubeObject | undefined,
    opts: WebhookCallOptions,
  ): Promise<Obj | undefined> {
    const uid = randomUUID();
    const target = obj ?? old;
    const request: Obj = {
      uid,
      kind: { group: def.group, version: def.version, kind: def.kind },
      resource: { group: def.group, version: def.version, resource: def.resource },
      requestKind: { group: def.group, version: def.version, kind: def.kind },
      requestResource: { group: def.group, version: def.version, resource: def.resource },
      name: target?.metadata.name ?? "",
      operation: op,
      userInfo: { username: "system:admin", groups: ["system:masters", "system:authenticated"] },
      object: obj ?? null,
      oldObject: old ?? null,
      dryRun: opts.dryRun === true,
      options: {
        kind: op === "CREATE" ? "CreateOptions" : op === "UPDATE" ? "UpdateOptions" : "DeleteOptions",
        apiVersion: "meta.k8s.io/v1",
      },
    };
    if (def.namespaced && target?.metadata.namespace) request.namespace = target.metadata.namespace;
    if (opts.subresource) request.subResource = opts.subresource;
    const review = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request };
    const failurePolicy = h.config.failurePolicy === "Ignore" ? "Ignore" : "Fail";
    let answer: Obj;
    try {
      answer = await post(h, JSON.stringify(review), admission.serviceResolver);
    } catch (e) {
      if (failurePolicy === "Ignore") return undefined;
      throw internalError(`failed calling webhook "${h.name}": ${(e as Error).message}`, e);
    }
    const response = isObject(answer.response) ? answer.response : undefined;
    if (!response) {
      if (failurePolicy === "Ignore") return undefined;
      throw internalError(`failed calling webhook "${h.name}": the webhook answered without a response`);
    }
    if (opts.warnings && Array.isArray(response.warnings))
      for (const w of response.warnings) if (typeof w === "string" && w !== "") opts.warnings.push(w);
    if (response.allowed !== true) {
      const status = isObject(response.status) ? response.status : {};
      const msg = typeof status.message === "string" && status.message !== "" ? status.message : "";
      const code = typeof status.code === "number" ? status.code : 403;
      throw new ClusterSimError(
        code === 403 ? "Forbidden" : code === 422 ? "Invalid" : code === 400 ? "BadRequest" : "Forbidden",
        msg
          ? `admission webhook "${h.name}" denied the request: ${msg}`
          : `admission webhook "${h.name}" denied the request without explanation`,
        { httpCode: code },
      );
    }
    return response;
  }

  return admission;
}

function post(h: Hook, body: string, resolver: ServiceResolver | undefined): Promise<Obj> {
  const cc = isObject(h.config.clientConfig) ? h.config.clientConfig : {};
  const timeoutMs = (typeof h.config.timeoutSeconds === "number" ? h.config.timeoutSeconds : 10) * 1000;
  let url: URL;
  if (typeof cc.url === "string") url = new URL(cc.url);
  else if (isObject(cc.service)) {
    const svc = cc.service;
    const port = typeof svc.port === "number" ? svc.port : 443;
    const ep = resolver?.(String(svc.namespace ?? "default"), String(svc.name ?? ""), String(port));
    if (!ep)
      return Promise.reject(new Error(`service "${String(svc.namespace)}/${String(svc.name)}" has no endpoints`));
    url = new URL(`https://${ep.host}:${ep.port}${typeof svc.path === "string" ? svc.path : "/"}`);
  } else return Promise.reject(new Error("clientConfig has neither url nor service"));
  const ca = typeof cc.caBundle === "string" ? Buffer.from(cc.caBundle, "base64") : undefined;
  return new Promise((resolve, reject) => {
    const options = {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Content-Length": Buffer.byteLength(body),
      },
      timeout: timeoutMs,
      ...(ca ? { ca } : {}),
    };
    const onResponse = (res: import("node:http").IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        if ((res.statusCode ?? 500) >= 400) {
          reject(new Error(`Post "${url.href}": HTTP ${res.statusCode}`));
          return;
        }
        try {
          const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
          if (!isObject(parsed)) throw new Error("not an object");
          resolve(parsed);
        } catch (e) {
          reject(new Error(`Post "${url.href}": invalid AdmissionReview answer: ${(e as Error).message}`));
        }
      });
      res.on("error", reject);
    };
    const req =
      url.protocol === "https:" ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    req.on("timeout", () => req.destroy(new Error(`Post "${url.href}": context deadline exceeded`)));
    req.on("error", (e) => reject(new Error(`Post "${url.href}": ${e.message}`)));
    req.end(body);
  });
}
