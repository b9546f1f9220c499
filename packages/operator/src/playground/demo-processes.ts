/**
 * What the demo's containers run, under cluster-sim's process runtime (a container = a local process):
 * - the trainer (`kaito-base` in a tuning Job's pod) is SIMULATED: a short Node script that prints Hugging Face
 *   trainer-style progress and writes a tiny LoRA adapter (`adapter_config.json`, `adapter_model.safetensors`) and
 *   `fine_tuning_completed.txt` into the results volume;
 * - the pusher (the `kaito-publish` image) is REAL: the `kaito-publish` CLI of `@kaito-ts/image-publisher`, with the
 *   argv the reconciler built (mount paths rewritten to the pod's folders), pushing to the local registry;
 * - the inference server (`kaito-base` in the StatefulSet's pod): see `demo-model-server.ts`.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The trainer: progress lines like `fine_tuning.py`, then the adapter files and the completion marker. */
export const TRAINER_SCRIPT = `
const fs = require("node:fs"); const path = require("node:path");
const out = process.env.RESULTS_DIR;
const steps = 10; let i = 0;
console.log("[simulated trainer] fine-tuning " + (process.env.MODEL || "the preset") + " (no GPU, no weights: a demo)");
const t = setInterval(() => {
  i++;
  console.log("{'loss': " + (2.2 - i * 0.15).toFixed(4) + ", 'learning_rate': 0.0002, 'epoch': " + (i / steps).toFixed(2) + "}");
  process.stdout.write(" " + (i * 10) + "%|#| " + i + "/" + steps + " [00:0" + i + "<00:0" + (steps - i) + ",  1.00it/s]\\n");
  if (i < steps) return;
  clearInterval(t);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "adapter_config.json"), JSON.stringify({
    base_model_name_or_path: "microsoft/Phi-3-mini-128k-instruct", peft_type: "LORA", task_type: "CAUSAL_LM",
    r: 8, lora_alpha: 16, lora_dropout: 0.05, target_modules: ["qkv_proj", "o_proj"], inference_mode: true,
  }, null, 2));
  const header = Buffer.from(JSON.stringify({ "base_model.model.lm_head.lora_A.weight": { dtype: "F32", shape: [1, 4], data_offsets: [0, 16] } }));
  const len = Buffer.alloc(8); len.writeBigUInt64LE(BigInt(header.length));
  fs.writeFileSync(path.join(out, "adapter_model.safetensors"), Buffer.concat([len, header, Buffer.alloc(16)]));
  fs.writeFileSync(path.join(out, "fine_tuning_completed.txt"), "Fine-Tuning completed\\n");
  console.log("{'train_runtime': 1.0, 'train_loss': 0.9, 'epoch': 1.0}");
  console.log("[simulated trainer] adapter written to the results volume");
  process.exit(0);
}, 150);
`;

/** The `kaito-publish` CLI file and the Node flags it needs (the source with the source condition in this repository). */
export function kaitoPublishCommand(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  // In this repository: packages/operator/src/playground → packages/image-publisher/src/cli/main.ts
  const source = join(here, "..", "..", "..", "image-publisher", "src", "cli", "main.ts");
  if (existsSync(source)) return [process.execPath, "--conditions=@kaito-ts/source", source];
  // Installed: resolve the package's entry, then its cli/main.js beside it.
  const entry = fileURLToPath(import.meta.resolve("@kaito-ts/image-publisher"));
  return [process.execPath, join(dirname(entry), "cli", "main.js")];
}

/**
 * The pusher container's argv is `/bin/sh -c <script> pusher <args…>` (the reconciler's wrapper that stops `pause`
 * afterwards); the process runtime runs `kaito-publish push <args…>` — the pause container is a sidecar the
 * simulation stops on its own.
 */
export function pusherArgv(containerArgv: readonly string[]): string[] {
  const i = containerArgv.indexOf("pusher");
  const args = i >= 0 ? containerArgv.slice(i + 1) : containerArgv.slice(1);
  return [...kaitoPublishCommand(), "push", ...args];
}
