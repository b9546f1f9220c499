/**
 * Services: a ClusterIP from the service range when the store did not allocate one, and the Endpoints object
 * (ready / not-ready addresses per resolved port set, `publishNotReadyAddresses`, named target ports, headless).
 */
import { ClusterSimError } from "../../errors/index.ts";
import type { KubeObject } from "../../store/api.ts";
import type { SimContext } from "../shared/context.ts";
import {
  asObj,
  asObjArray,
  asStringRecord,
  controllerRef,
  isPodReady,
  isPodTerminal,
  isReason,
  jsonEqual,
  num,
  type Obj,
  specOf,
  statusOf,
  str,
} from "../shared/objects.ts";
import type { HandlerResult } from "../shared/queue.ts";
import { R } from "../shared/resources.ts";

/** The container port a service port targets on a pod (by number, or by container port name); undefined if none. */
export function resolveTargetPort(servicePort: Obj, pod: KubeObject): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === "number") return target;
  if (typeof target === "string" && /^\d+$/.test(target)) return Number(target);
  for (const c of asObjArray(specOf(pod).containers)) {
    for (const p of asObjArray(c.ports)) if (p.name === target) return num(p.containerPort);
  }
  return undefined;
}

/** The `subsets` of a Service's Endpoints from the candidate pods (pure). */
export function endpointSubsets(service: KubeObject, pods: readonly KubeObject[]): Obj[] {
  const spec = specOf(service);
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const servicePorts = asObjArray(spec.ports);
  const groups = new Map<string, { ports: Obj[]; addresses: Obj[]; notReady: Obj[] }>();
  for (const pod of pods) {
    const ip = str(statusOf(pod).podIP);
    if (ip === undefined || ip === "" || isPodTerminal(pod) || pod.metadata.deletionTimestamp !== undefined) continue;
    const ports: Obj[] = [];
    for (const sp of servicePorts) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      const ep: Obj = { port, protocol: str(sp.protocol) ?? "TCP" };
      if (str(sp.name)) ep.name = str(sp.name);
      if (str(sp.appProtocol)) ep.appProtocol = str(sp.appProtocol);
      ports.push(ep);
    }
    if (servicePorts.length > 0 && ports.length === 0) continue;
    const podSpec = specOf(pod);
    const address: Obj = {
      ip,
      targetRef: {
        kind: "Pod",
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
      },
    };
    if (str(podSpec.nodeName)) address.nodeName = str(podSpec.nodeName);
    if (str(podSpec.hostname) && podSpec.subdomain === service.metadata.name) address.hostname = str(podSpec.hostname);
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { ports, addresses: [], notReady: [] };
    groups.set(key, group);
    if (publishNotReady || isPodReady(pod)) group.addresses.push(address);
    else group.notReady.push(address);
  }
  const byIp = (a: Obj, b: Obj) => String(a.ip).localeCompare(String(b.ip), undefined, { numeric: true });
  return [...groups.values()].map((g) => {
    const subset: Obj = {};
    if (g.addresses.length > 0) subset.addresses = g.addresses.sort(byIp);
    if (g.notReady.length > 0) subset.notReadyAddresses = g.notReady.sort(byIp);
    if (g.ports.length > 0) subset.ports = g.ports;
    return subset;
  });
}

/** Allocates cluster IPs from a CIDR (sequentially, skipping the network address and `.1`). */
export class ClusterIpAllocator {
  readonly #base: number;
  readonly #size: number;
  #next = 8;
  readonly #used = new Set<string>();

  constructor(cidr: string) {
    const [ip, bits] = cidr.split("/");
    const parts = (ip ?? "10.96.0.0").split(".").map(Number);
    this.#base = (((parts[0] ?? 10) << 24) | ((parts[1] ?? 96) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
    this.#size = 2 ** (32 - Number(bits ?? 16));
  }

  /** Marks an address as taken. */
  reserve(ip: string): void {
    this.#used.add(ip);
  }

  /** The next free address. */
  allocate(): string {
    for (let i = 0; i < this.#size; i++) {
      const offset = 2 + (this.#next++ % Math.max(1, this.#size - 3));
      const n = (this.#base + offset) >>> 0;
      const ip = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
      if (!this.#used.has(ip)) {
        this.#used.add(ip);
        return ip;
      }
    }
    throw new ClusterSimError(
      "InternalError",
      "the simulated service IP range is exhausted: pass a wider serviceCidr to the simulation",
    );
  }
}

/** Reconciles Services by `ns/name`. */
export class EndpointsController {
  readonly #ctx: SimContext;
  readonly #ips: ClusterIpAllocator;
  constructor(ctx: SimContext) {
    this.#ctx = ctx;
    this.#ips = new ClusterIpAllocator(ctx.options.serviceCidr);
  }

  async handle(key: string): Promise<HandlerResult> {
    const [namespace, name] = key.split("/") as [string, string];
    const { api } = this.#ctx;
    let svc = api.get(R.services, namespace, name);
    if (svc === undefined) {
      const ep = api.get(R.endpoints, namespace, name);
      if (ep?.metadata.ownerReferences?.some((r) => r.kind === "Service")) {
        try {
          await api.delete(R.endpoints, namespace, name);
        } catch (error) {
          if (!isReason(error, "NotFound")) throw error;
        }
      }
      return undefined;
    }
    if (svc.metadata.deletionTimestamp !== undefined) return undefined;
    svc = await this.#ensureClusterIp(svc);
    await this.#ensureLoadBalancer(svc);
    const spec = specOf(svc);
    const selector = asStringRecord(spec.selector);
    if (Object.keys(selector).length === 0 || spec.type === "ExternalName") return undefined;
    const pods = api.listSelected(R.pods, namespace, selector);
    const subsets = endpointSubsets(svc, pods);
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (spec.clusterIP === "None") labels["service.kubernetes.io/headless"] = "";
    const existing = api.get(R.endpoints, namespace, name);
    const body: KubeObject = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: {
        name,
        namespace,
        labels,
        annotations: { "endpoints.kubernetes.io/last-change-trigger-time": this.#ctx.nowIso() },
        ownerReferences: [controllerRef(svc)],
      },
    };
    if (subsets.length > 0) body.subsets = subsets;
    if (existing === undefined) {
      await api.create(R.endpoints, body);
      return undefined;
    }
    if (jsonEqual(existing.subsets ?? [], subsets) && jsonEqual(existing.metadata.labels ?? {}, labels))
      return undefined;
    await api.update(R.endpoints, {
      ...body,
      metadata: {
        ...existing.metadata,
        labels,
        annotations: { ...(existing.metadata.annotations ?? {}), ...body.metadata.annotations },
        ownerReferences: existing.metadata.ownerReferences ?? [controllerRef(svc)],
      },
    });
    return undefined;
  }

  async #ensureClusterIp(svc: KubeObject): Promise<KubeObject> {
    const spec = specOf(svc);
    const current = str(spec.clusterIP);
    if (current !== undefined && current !== "") {
      if (current !== "None") this.#ips.reserve(current);
      return svc;
    }
    if (spec.type === "ExternalName") return svc;
    for (const other of this.#ctx.api.list(R.services)) {
      const ip = str(specOf(other).clusterIP);
      if (ip && ip !== "None") this.#ips.reserve(ip);
    }
    const ip = this.#ips.allocate();
    return await this.#ctx.api.patch(R.services, svc.metadata.namespace, svc.metadata.name ?? "", "merge", {
      spec: { clusterIP: ip, clusterIPs: [ip] },
    });
  }

  async #ensureLoadBalancer(svc: KubeObject): Promise<void> {
    if (specOf(svc).type !== "LoadBalancer") return;
    const ingress = asObjArray(asObj(statusOf(svc).loadBalancer).ingress);
    if (ingress.length > 0) return;
    await this.#ctx.api.patch(
      R.services,
      svc.metadata.namespace,
      svc.metadata.name ?? "",
      "merge",
      { status: { loadBalancer: { ingress: [{ ip: "127.0.0.1", ipMode: "VIP" }] } } },
      { subresource: "status" },
    );
  }
}
