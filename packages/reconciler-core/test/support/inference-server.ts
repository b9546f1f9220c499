/**
 * The simulated inference server the end-to-end tests map Kaito's `kaito-base` image to: a Node process that answers
 * every request (the probes' `/health` included) on the container's port 5000.
 */
const SERVER = `require("node:http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT));`;

/** The process-runtime answer that runs the server for a pod, on the host port the simulation gave port 5000. */
export function inferenceServerProcess(ctx: { readonly ports: Readonly<Record<number, number>> }): {
  command: string[];
  env: Record<string, string>;
} {
  return { command: [process.execPath, "-e", SERVER], env: { PORT: String(ctx.ports[5000] ?? 0) } };
}
