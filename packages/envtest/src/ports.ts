/** Loopback ports: free ones picked by the kernel, and a check that a port asked for is not taken. */
import { createServer, type Server } from "node:net";
import { EnvtestError } from "./errors.ts";

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** `count` distinct free ports on 127.0.0.1 (all held open together while picking, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listen(0));
    return servers.map((s) => {
      const address = s.address();
      if (address === null || typeof address === "string") throw new Error("no TCP address");
      return address.port;
    });
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** Throws `PORT_IN_USE` when `port` cannot be bound on 127.0.0.1; `what` names the option that asked for it. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new EnvtestError("INVALID_INPUT", `${what} must be an integer port between 1 and 65535 (got ${port})`);
  let server: Server;
  try {
    server = await listen(port);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EnvtestError(
      "PORT_IN_USE",
      `${what}: port ${port} on 127.0.0.1 is ${code === "EACCES" ? "not allowed for this user" : "already in use"}; pick another port or leave ${what} unset to use a free one`,
      { cause: e },
    );
  }
  await close(server);
}
