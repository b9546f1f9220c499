/**
 * A local emulation of the Azure Resource Manager agentPools API of AKS (`Microsoft.ContainerService`), served over
 * HTTPS on 127.0.0.1 so that the real `@azure/arm-containerservice` client talks to it unchanged: PUT answers 201
 * (200 for an update) with `Azure-AsyncOperation` and `Location`, operations go `InProgress` → `Succeeded`/`Failed`,
 * DELETE answers 202 (204 when the pool is gone), GET 404 carries the ARM error body, a second write during an
 * operation gets 409 `OperationNotAllowed`, quota faults answer `QuotaExceeded` with ARM's wording, and throttling
 * answers 429 with `Retry-After`. Bearer tokens are required and never recorded.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Agent, createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { generateEmulatorTls } from "./tls.ts";

/** The `properties` of an agent pool as the emulator stores and returns them (ARM wire names). */
export interface EmulatedAgentPoolProperties {
  count?: number;
  vmSize?: string;
  osDiskSizeGB?: number;
  osType?: string;
  osSKU?: string;
  type?: string;
  mode?: string;
  nodeLabels?: Record<string, string>;
  nodeTaints?: string[];
  provisioningState?: string;
  [key: string]: unknown;
}

/** An agent pool resource on the wire. */
export interface EmulatedAgentPool {
  id: string;
  name: string;
  type: "Microsoft.ContainerService/managedClusters/agentPools";
  properties: EmulatedAgentPoolProperties;
}

/** One request the emulator answered (the `Authorization` header is recorded only as present or not). */
export interface EmulatorRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly authorization: "bearer" | "none" | "other";
}

/** A quota fault: PUTs for matching VM sizes fail with `QuotaExceeded`. */
export interface QuotaFault {
  /** Exact VM size (case-insensitive) or `*`. Default `*`. */
  readonly vmSize?: string | undefined;
  /** `validation` (default): the PUT itself answers 400; `provisioning`: the PUT is accepted, the operation fails. */
  readonly phase?: "validation" | "provisioning" | undefined;
  /** ARM's message; default the real wording for the SKU family. */
  readonly message?: string | undefined;
}

/** A throttling fault: the next `count` requests answer 429 with `Retry-After: retryAfterSeconds`. */
export interface ThrottleFault {
  readonly count: number;
  readonly retryAfterSeconds?: number | undefined;
}

/** Options of {@link startAksEmulator}. */
export interface AksEmulatorOptions {
  readonly subscriptionId?: string | undefined;
  readonly resourceGroup?: string | undefined;
  readonly clusterName?: string | undefined;
  readonly location?: string | undefined;
  /** Polls of an operation that answer `InProgress` before it ends. Default 1. */
  readonly pollsToComplete?: number | undefined;
  /** Also end operations this long after they started, polled or not (e.g. for GET-only clients). */
  readonly completeAfterMs?: number | undefined;
  /** When set, requests must carry exactly `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** Called when a create or update succeeds, before the operation reports it (e.g. register a Node). */
  readonly onPoolSucceeded?: ((pool: EmulatedAgentPool) => void | Promise<void>) | undefined;
  /** Called when a pool is deleted, before the operation reports it (e.g. remove its Node). */
  readonly onPoolDeleted?: ((pool: EmulatedAgentPool) => void | Promise<void>) | undefined;
}

/** A running emulator. */
export interface AksEmulator {
  /** `https://127.0.0.1:<port>`: the client's `endpoint`. */
  readonly endpoint: string;
  /** The CA certificate (PEM) the server certificate chains to. */
  readonly caCert: string;
  /** An `https.Agent` that trusts {@link caCert}: pass it as the client's `agent` option. */
  readonly agent: Agent;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly clusterName: string;
  /** Every answered request, in order. */
  readonly requests: EmulatorRequest[];
  /** The current pools (copies). */
  pools(): EmulatedAgentPool[];
  /** Adds a pool directly (e.g. a leaked one), `Succeeded`. */
  addPool(name: string, properties: EmulatedAgentPoolProperties): EmulatedAgentPool;
  /** Ends every running operation now. */
  settle(): Promise<void>;
  /** Fault injection; each `add*` returns an id for `remove`. */
  readonly faults: {
    quota(fault?: QuotaFault): string;
    throttle(fault: ThrottleFault): string;
    remove(id: string): boolean;
  };
  stop(): Promise<void>;
}

interface Operation {
  readonly id: string;
  readonly pool: string;
  readonly kind: "create" | "update" | "delete";
  readonly startedAt: number;
  polls: number;
  status: "InProgress" | "Succeeded" | "Failed";
  error?: { code: string; message: string };
  endTime?: string;
}

type Fault = { kind: "quota"; rule: QuotaFault } | { kind: "throttle"; remaining: number; retryAfterSeconds: number };

const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;

function quotaMessage(cluster: string, rg: string, location: string, vmSize: string): string {
  const family = vmSize
    .replace(/^Standard_/i, "")
    .replace(/[0-9]+/g, "")
    .replace(/_/g, "");
  return `Preflight validation check for resource(s) for container service ${cluster} in resource group MC_${rg}_${cluster}_${location} failed. Message: Operation could not be completed as it results in exceeding approved standard${family}Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: ${location}, Current Limit: 0, Current Usage: 0, Additional Required: 24, (Minimum) New Limit Required: 24. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView by specifying parameters listed in the 'Details' section for deployment to succeed. Please read more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests`;
}

function globMatch(pattern: string | undefined, value: string): boolean {
  return pattern === undefined || pattern === "*" || pattern.toLowerCase() === value.toLowerCase();
}

/** Starts the emulator on a free port of 127.0.0.1. */
export async function startAksEmulator(options: AksEmulatorOptions = {}): Promise<AksEmulator> {
  const subscriptionId = options.subscriptionId ?? "00000000-0000-0000-0000-000000000000";
  const resourceGroup = options.resourceGroup ?? "kaito-rg";
  const clusterName = options.clusterName ?? "kaito-aks";
  const location = options.location ?? "westus3";
  const pollsToComplete = options.pollsToComplete ?? 1;
  const tls = await generateEmulatorTls();
  const pools = new Map<string, EmulatedAgentPool>();
  const operations = new Map<string, Operation>();
  const faults = new Map<string, Fault>();
  const requests: EmulatorRequest[] = [];
  let nextFault = 1;
  let endpoint = "";

  const poolId = (name: string) =>
    `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${clusterName}/agentPools/${name}`;
  const opUrl = (kind: "operations" | "operationresults", id: string, apiVersion: string) =>
    `${endpoint}/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/locations/${location}/${kind}/${id}?api-version=${encodeURIComponent(apiVersion)}`;
  const running = (pool: string) => [...operations.values()].find((o) => o.pool === pool && o.status === "InProgress");
  const quotaFault = (vmSize: string, phase: "validation" | "provisioning") => {
    for (const f of faults.values()) {
      if (f.kind === "quota" && (f.rule.phase ?? "validation") === phase && globMatch(f.rule.vmSize, vmSize)) {
        return f.rule.message ?? quotaMessage(clusterName, resourceGroup, location, vmSize);
      }
    }
    return undefined;
  };

  async function finish(op: Operation): Promise<void> {
    if (op.status !== "InProgress") return;
    const pool = pools.get(op.pool);
    op.endTime = new Date().toISOString();
    if (op.kind === "delete") {
      pools.delete(op.pool);
      op.status = "Succeeded";
      if (pool !== undefined) await options.onPoolDeleted?.(structuredClone(pool));
      return;
    }
    if (pool === undefined) {
      op.status = "Failed";
      op.error = { code: "NotFound", message: `agent pool ${op.pool} disappeared during the operation` };
      return;
    }
    const quota = quotaFault(pool.properties.vmSize ?? "", "provisioning");
    if (quota !== undefined) {
      pool.properties.provisioningState = "Failed";
      op.status = "Failed";
      op.error = { code: "QuotaExceeded", message: quota };
      return;
    }
    pool.properties.provisioningState = "Succeeded";
    op.status = "Succeeded";
    await options.onPoolSucceeded?.(structuredClone(pool));
  }

  async function settleByTime(): Promise<void> {
    if (options.completeAfterMs === undefined) return;
    const now = Date.now();
    for (const op of operations.values()) {
      if (op.status === "InProgress" && now - op.startedAt >= options.completeAfterMs) await finish(op);
    }
  }

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): number {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, {
      ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
      "x-ms-request-id": randomUUID(),
      "x-ms-correlation-request-id": randomUUID(),
      ...headers,
    });
    res.end(text);
    return status;
  }
  const armError = (res: ServerResponse, status: number, code: string, message: string, headers = {}) =>
    send(res, status, { error: { code, message } }, headers);

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  function startOperation(pool: string, kind: Operation["kind"]): Operation {
    const op: Operation = { id: randomUUID(), pool, kind, startedAt: Date.now(), polls: 0, status: "InProgress" };
    operations.set(op.id, op);
    return op;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const auth = req.headers.authorization;
    const method = req.method ?? "GET";
    for (const [id, f] of faults) {
      if (f.kind !== "throttle") continue;
      f.remaining--;
      if (f.remaining <= 0) faults.delete(id);
      return armError(
        res,
        429,
        "SubscriptionRequestsThrottled",
        `Number of '${method === "GET" ? "read" : "write"}' requests for subscription '${subscriptionId}' actor '${randomUUID()}' exceeded. Please try again after '${f.retryAfterSeconds}' seconds after additional tasks.`,
        { "retry-after": String(f.retryAfterSeconds) },
      );
    }
    if (auth === undefined || !/^Bearer \S+$/.test(auth)) {
      return armError(
        res,
        401,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
      );
    }
    if (options.token !== undefined && auth !== `Bearer ${options.token}`) {
      return armError(
        res,
        401,
        "InvalidAuthenticationToken",
        "The access token is invalid. Acquire a new token for https://management.azure.com/ and retry.",
      );
    }
    const apiVersion = url.searchParams.get("api-version");
    if (apiVersion === null || apiVersion === "") {
      return armError(
        res,
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
      );
    }
    await settleByTime();
    const opMatch =
      /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ContainerService\/locations\/([^/]+)\/(operations|operationresults)\/([^/]+)$/i.exec(
        url.pathname,
      );
    if (opMatch !== null && method === "GET") {
      const op = operations.get(opMatch[4] ?? "");
      if (op === undefined) {
        return armError(res, 404, "NotFound", `Operation id ${opMatch[4]} is not found.`);
      }
      op.polls++;
      if (op.status === "InProgress" && op.polls > pollsToComplete) await finish(op);
      if (opMatch[3]?.toLowerCase() === "operationresults") {
        if (op.status === "InProgress") {
          return send(res, 202, undefined, {
            location: opUrl("operationresults", op.id, apiVersion),
            "retry-after": "1",
          });
        }
        const pool = pools.get(op.pool);
        return op.kind === "delete" || pool === undefined ? send(res, 204) : send(res, 200, pool);
      }
      return send(res, 200, {
        name: op.id,
        status: op.status,
        startTime: new Date(op.startedAt).toISOString(),
        ...(op.endTime === undefined ? {} : { endTime: op.endTime }),
        ...(op.error === undefined ? {} : { error: op.error }),
      });
    }
    const m =
      /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)\/agentPools(?:\/([^/]+))?$/i.exec(
        url.pathname,
      );
    if (m === null) {
      return armError(
        res,
        404,
        "InvalidResourceType",
        `The resource type could not be found in the namespace for path ${url.pathname}.`,
      );
    }
    if (m[1] !== subscriptionId) {
      return armError(res, 404, "SubscriptionNotFound", `The subscription '${m[1]}' could not be found.`);
    }
    if (m[2]?.toLowerCase() !== resourceGroup.toLowerCase()) {
      return armError(res, 404, "ResourceGroupNotFound", `Resource group '${m[2]}' could not be found.`);
    }
    if (m[3]?.toLowerCase() !== clusterName.toLowerCase()) {
      return armError(
        res,
        404,
        "ResourceNotFound",
        `The Resource 'Microsoft.ContainerService/managedClusters/${m[3]}' under resource group '${m[2]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    }
    const name = m[4];
    if (name === undefined) {
      if (method !== "GET") return armError(res, 405, "MethodNotAllowed", `${method} is not allowed on agentPools.`);
      return send(res, 200, { value: [...pools.values()] });
    }
    const pool = pools.get(name);
    if (method === "GET") {
      if (pool === undefined) {
        return armError(res, 404, "NotFound", `Could not find agent pool ${name} in managed cluster ${clusterName}.`);
      }
      return send(res, 200, pool);
    }
    if (method === "PUT") {
      if (!POOL_NAME.test(name)) {
        return armError(
          res,
          400,
          "InvalidParameter",
          `The value of parameter agentPoolProfile.name is invalid: '${name}'. Agent pool names must start with a lowercase letter, have max length of 12, and only have characters a-z0-9.`,
        );
      }
      let body: { properties?: EmulatedAgentPoolProperties };
      try {
        body = JSON.parse(await readBody(req)) as { properties?: EmulatedAgentPoolProperties };
      } catch {
        return armError(
          res,
          400,
          "InvalidRequestContent",
          "The request content was invalid and could not be deserialized.",
        );
      }
      const props = body.properties ?? {};
      if (typeof props.vmSize !== "string" || props.vmSize === "") {
        return armError(res, 400, "InvalidParameter", "The value of parameter agentPoolProfile.vmSize is invalid: ''.");
      }
      if (typeof props.count !== "number" || props.count < 0) {
        return armError(
          res,
          400,
          "InvalidParameter",
          `The value of parameter agentPoolProfile.count is invalid: '${String(props.count)}'.`,
        );
      }
      const busy = running(name);
      if (busy !== undefined) {
        const what =
          busy.kind === "delete"
            ? "delete node pool"
            : busy.kind === "create"
              ? "create node pool"
              : "update node pool";
        return armError(
          res,
          409,
          "OperationNotAllowed",
          `Operation is not allowed because there's an in progress ${what} operation started at ${new Date(busy.startedAt).toISOString()}. Please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details`,
        );
      }
      const quota = quotaFault(props.vmSize, "validation");
      if (quota !== undefined) return armError(res, 400, "QuotaExceeded", quota);
      const isNew = pool === undefined;
      const op = startOperation(name, isNew ? "create" : "update");
      const next: EmulatedAgentPool = {
        id: poolId(name),
        name,
        type: "Microsoft.ContainerService/managedClusters/agentPools",
        properties: {
          mode: "User",
          osType: "Linux",
          type: "VirtualMachineScaleSets",
          orchestratorVersion: "1.33.3",
          currentOrchestratorVersion: "1.33.3",
          nodeImageVersion: "AKSUbuntu-2204gen2containerd-202511.07.0",
          powerState: { code: "Running" },
          ...props,
          provisioningState: isNew ? "Creating" : "Updating",
        },
      };
      pools.set(name, next);
      return send(res, isNew ? 201 : 200, next, {
        "azure-asyncoperation": opUrl("operations", op.id, apiVersion),
        location: opUrl("operationresults", op.id, apiVersion),
      });
    }
    if (method === "DELETE") {
      if (pool === undefined) return send(res, 204);
      const busy = running(name);
      if (busy !== undefined) {
        return armError(
          res,
          409,
          "OperationNotAllowed",
          `Operation is not allowed because there's an in progress ${busy.kind === "delete" ? "delete" : busy.kind} node pool operation started at ${new Date(busy.startedAt).toISOString()}. Please wait for it to finish before starting a new operation.`,
        );
      }
      const op = startOperation(name, "delete");
      pool.properties.provisioningState = "Deleting";
      return send(res, 202, undefined, {
        "azure-asyncoperation": opUrl("operations", op.id, apiVersion),
        location: opUrl("operationresults", op.id, apiVersion),
        "retry-after": "1",
      });
    }
    return armError(res, 405, "MethodNotAllowed", `${method} is not allowed on agent pools.`);
  }

  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const auth = req.headers.authorization;
    const authorization = auth === undefined ? "none" : auth.startsWith("Bearer ") ? "bearer" : "other";
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    handle(req, res).then(
      (status) => requests.push({ method: req.method ?? "GET", path, status, authorization }),
      (error: unknown) => {
        requests.push({ method: req.method ?? "GET", path, status: 500, authorization });
        if (!res.headersSent) {
          send(res, 500, {
            error: {
              code: "InternalServerError",
              message: `emulator failure: ${error instanceof Error ? error.message : String(error)}`,
            },
          });
        } else res.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ ca: tls.caCert, keepAlive: true });

  return {
    endpoint,
    caCert: tls.caCert,
    agent,
    subscriptionId,
    resourceGroup,
    clusterName,
    requests,
    pools: () => [...pools.values()].map((p) => structuredClone(p)),
    addPool(name, properties) {
      const pool: EmulatedAgentPool = {
        id: poolId(name),
        name,
        type: "Microsoft.ContainerService/managedClusters/agentPools",
        properties: {
          mode: "User",
          osType: "Linux",
          type: "VirtualMachineScaleSets",
          ...properties,
          provisioningState: "Succeeded",
        },
      };
      pools.set(name, pool);
      return structuredClone(pool);
    },
    async settle() {
      for (const op of operations.values()) await finish(op);
    },
    faults: {
      quota(fault = {}) {
        const id = `quota-${nextFault++}`;
        faults.set(id, { kind: "quota", rule: fault });
        return id;
      },
      throttle(fault) {
        const id = `throttle-${nextFault++}`;
        faults.set(id, { kind: "throttle", remaining: fault.count, retryAfterSeconds: fault.retryAfterSeconds ?? 1 });
        return id;
      },
      remove: (id) => faults.delete(id),
    },
    async stop() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
