import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

/** A temporary folder removed by `dispose`. */
export async function tempFolder(prefix = "kaito-ip-test-"): Promise<{ path: string; dispose: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, dispose: () => rm(path, { recursive: true, force: true }) };
}

/** Writes a fake adapter folder (adapter_config.json + random safetensors bytes). */
export async function writeAdapterFolder(
  dir: string,
  options: { modelBytes?: number; base?: string; withConfig?: boolean } = {},
): Promise<{ config: string; model: Buffer }> {
  await mkdir(dir, { recursive: true });
  const config = JSON.stringify({
    base_model_name_or_path: options.base ?? "phi-3-mini-4k-instruct",
    peft_type: "LORA",
    r: 8,
  });
  const model = randomBytes(options.modelBytes ?? 4096);
  if (options.withConfig !== false) await writeFile(join(dir, "adapter_config.json"), config);
  await writeFile(join(dir, "adapter_model.safetensors"), model);
  // Files the pusher must leave out.
  await writeFile(join(dir, "training_args.bin"), "not part of the image");
  return { config, model };
}

/** Lists the entries of a tar (uncompressed or gzipped) buffer: name, type flag, size, content. */
export function listTar(buf: Buffer): { name: string; type: string; size: number; data: Buffer }[] {
  const tar = buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf;
  const out: { name: string; type: string; size: number; data: Buffer }[] = [];
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, l: number) => h.toString("utf8", a, a + l).replace(/\0.*$/s, "");
    const name = str(0, 100);
    const prefix = str(345, 155);
    const size = Number.parseInt(str(124, 12).trim() || "0", 8);
    out.push({
      name: prefix ? `${prefix}/${name}` : name,
      type: String.fromCharCode(h[156] ?? 0),
      size,
      data: tar.subarray(off + 512, off + 512 + size),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
