/** `kaito demo`: tune, publish, serve and chat on a local playground (see `playground/demo.ts`). */
import type { Command } from "commander";
import { runDemo } from "../../playground/demo.ts";
import type { CliIO } from "../io.ts";

/** Register `kaito demo`; `setExit` receives the exit code. */
export function registerDemoCommand(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command("demo")
    .description("the seed's story on this machine: tune (simulated trainer), publish (kaito-publish), serve, chat")
    .option("--keep", "keep the playground running after the chat, until Ctrl-C", false)
    .option("--kubeconfig <path>", "where to write the kubeconfig (default: a temporary file)")
    .option("--phase-timeout-ms <ms>", "longest wait of each phase", "180000")
    .action(async (o: Record<string, unknown>) => {
      setExit(
        await runDemo(io, {
          keep: o.keep === true,
          phaseTimeoutMs: Number(o.phaseTimeoutMs),
          ...(typeof o.kubeconfig === "string" ? { kubeconfig: o.kubeconfig } : {}),
        }),
      );
    });
}
