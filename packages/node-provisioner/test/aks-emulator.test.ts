/**
 * The agentPools ARM emulation on the wire: the status codes, headers and bodies the real service answers, checked
 * with raw HTTPS requests (the provisioner tests drive it through the real SDK).
 */
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AksEmulator, startAksEmulator } from "../src/aks-emulator/index.ts";

let emulator: AksEmulator;
const API = "api-version=2026-06-01";

beforeAll(async () => {
  emulator = await startAksEmulator({ pollsToComplete: 1 });
});
afterAll(async () => {
  await emulator.stop();
});

function call(
  method: string,
  path: string,
  body?: unknown,
  auth: string | null = "Bearer t0k3n",
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const url = path.startsWith("https://") ? new URL(path) : new URL(`${emulator.endpoint}${path}`);
    const req = request(
      url,
      {
        method,
        agent: emulator.agent,
        headers: { "content-type": "application/json", ...(auth === null ? {} : { authorization: auth }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text === "" ? undefined : JSON.parse(text),
          });
        });
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

const pools = () =>
  `/subscriptions/${emulator.subscriptionId}/resourceGroups/${emulator.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${emulator.clusterName}/agentPools`;

describe("agentPools ARM emulation", () => {
  it("PUT 201 with Azure-AsyncOperation and Location; the operation goes InProgress → Succeeded; PUT again is 200", async () => {
    const put = await call("PUT", `${pools()}/wsaaa?${API}`, {
      properties: { count: 1, vmSize: "Standard_NC24ads_A100_v4" },
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ name: "wsaaa", properties: { provisioningState: "Creating", count: 1 } });
    const op = String(put.headers["azure-asyncoperation"]);
    expect(op).toMatch(
      /\/providers\/Microsoft\.ContainerService\/locations\/[^/]+\/operations\/[0-9a-f-]+\?api-version=2026-06-01$/,
    );
    expect(String(put.headers.location)).toContain("/operationresults/");
    const busy = await call("PUT", `${pools()}/wsaaa?${API}`, {
      properties: { count: 1, vmSize: "Standard_NC24ads_A100_v4" },
    });
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ error: { code: "OperationNotAllowed" } });
    expect((busy.body as { error: { message: string } }).error.message).toContain(
      "in progress create node pool operation",
    );
    expect((await call("GET", op)).body).toMatchObject({ status: "InProgress" });
    const done = await call("GET", op);
    expect(done.body).toMatchObject({ status: "Succeeded" });
    expect((await call("GET", `${pools()}/wsaaa?${API}`)).body).toMatchObject({
      properties: { provisioningState: "Succeeded" },
    });
    const update = await call("PUT", `${pools()}/wsaaa?${API}`, {
      properties: { count: 1, vmSize: "Standard_NC24ads_A100_v4" },
    });
    expect(update.status).toBe(200);
    await emulator.settle();
  });

  it("DELETE 202 then 204 once gone; GET 404 with the ARM error body", async () => {
    const del = await call("DELETE", `${pools()}/wsaaa?${API}`);
    expect(del.status).toBe(202);
    expect(del.headers["azure-asyncoperation"]).toBeDefined();
    expect(del.headers.location).toBeDefined();
    await emulator.settle();
    expect((await call("DELETE", `${pools()}/wsaaa?${API}`)).status).toBe(204);
    const get = await call("GET", `${pools()}/wsaaa?${API}`);
    expect(get.status).toBe(404);
    expect(get.body).toEqual({
      error: {
        code: "NotFound",
        message: `Could not find agent pool wsaaa in managed cluster ${emulator.clusterName}.`,
      },
    });
  });

  it.each([
    {
      what: "no Authorization",
      path: () => `${pools()}?${API}`,
      auth: null,
      status: 401,
      code: "AuthenticationFailed",
    },
    { what: "no api-version", path: () => pools(), auth: "Bearer x", status: 400, code: "MissingApiVersionParameter" },
    {
      what: "another cluster",
      path: () => pools().replace(emulator.clusterName, "nope") + `?${API}`,
      auth: "Bearer x",
      status: 404,
      code: "ResourceNotFound",
    },
  ])("$what → $status $code", async ({ path, auth, status, code }) => {
    const r = await call("GET", path(), undefined, auth);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ error: { code } });
  });

  it("refuses pool names AKS refuses and bodies without vmSize", async () => {
    const name = await call("PUT", `${pools()}/Bad-Name?${API}`, { properties: { count: 1, vmSize: "x" } });
    expect(name.status).toBe(400);
    expect(name.body).toMatchObject({ error: { code: "InvalidParameter" } });
    const body = await call("PUT", `${pools()}/wsbbb?${API}`, { properties: { count: 1 } });
    expect(body.status).toBe(400);
  });

  it("quota faults answer QuotaExceeded with ARM's wording; throttling answers 429 with Retry-After", async () => {
    const q = emulator.faults.quota({ vmSize: "Standard_NC96ads_A100_v4" });
    const quota = await call("PUT", `${pools()}/wsccc?${API}`, {
      properties: { count: 1, vmSize: "Standard_NC96ads_A100_v4" },
    });
    emulator.faults.remove(q);
    expect(quota.status).toBe(400);
    expect((quota.body as { error: { code: string; message: string } }).error).toMatchObject({ code: "QuotaExceeded" });
    expect((quota.body as { error: { message: string } }).error.message).toContain(
      "Operation could not be completed as it results in exceeding approved",
    );
    emulator.faults.throttle({ count: 2, retryAfterSeconds: 3 });
    expect((await call("GET", `${pools()}?${API}`)).headers["retry-after"]).toBe("3");
    expect((await call("GET", `${pools()}?${API}`)).status).toBe(429);
    expect((await call("GET", `${pools()}?${API}`)).status).toBe(200);
  });

  it("records whether a bearer token came, never the token", () => {
    expect(JSON.stringify(emulator.requests)).not.toContain("t0k3n");
    expect(emulator.requests.some((r) => r.authorization === "bearer")).toBe(true);
    expect(emulator.requests.some((r) => r.authorization === "none")).toBe(true);
  });
});
