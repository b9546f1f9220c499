import type { BlobProgressEvent, ProgressListener } from "./events.ts";

/** Formats a byte count for people (`12.3 MiB`). */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** A one-line text bar: `[=======>      ]  52% 10.0 MiB/19.2 MiB`. Pure. */
export function renderBar(done: number, total: number | undefined, width = 24): string {
  if (total === undefined || total <= 0) return `${formatBytes(done)}`;
  const ratio = Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  const bar = `${"=".repeat(Math.max(0, filled - 1))}${filled > 0 ? (ratio >= 1 ? "=" : ">") : ""}${" ".repeat(width - filled)}`;
  return `[${bar}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)}`;
}

function name(e: BlobProgressEvent): string {
  return e.label ?? e.digest?.slice(0, 19) ?? "blob";
}

/** A plain-line description of an event, or `undefined` for events not worth a line (byte progress). */
export function describeEvent(e: BlobProgressEvent): string | undefined {
  const size = e.bytesTotal !== undefined ? ` (${formatBytes(e.bytesTotal)})` : "";
  switch (e.phase) {
    case "start":
      return `${e.direction === "push" ? "pushing" : "pulling"} ${name(e)}${size}`;
    case "exists":
      return `${name(e)} already in the registry, skipped${size}`;
    case "mounted":
      return `${name(e)} mounted from another repository${size}`;
    case "resumed":
      return `${name(e)}: connection lost, resuming at ${formatBytes(e.bytesDone)}`;
    case "done":
      return `${e.direction === "push" ? "pushed" : "pulled"} ${name(e)} ${e.digest ?? ""}`.trimEnd();
    default:
      return undefined;
  }
}

/**
 * A progress listener writing to a stream: a redrawn bar on a terminal, plain lines (no byte-level noise)
 * otherwise, e.g. in a pod's log.
 */
export function progressPrinter(out: { write(s: string): unknown; isTTY?: boolean }): ProgressListener {
  let lastDraw = 0;
  let barShown = false;
  return (e) => {
    if (out.isTTY === true) {
      if (e.phase === "progress") {
        const now = Date.now();
        if (now - lastDraw < 100 && e.bytesDone !== e.bytesTotal) return;
        lastDraw = now;
        out.write(`\r\x1b[2K${renderBar(e.bytesDone, e.bytesTotal)} ${name(e)}`);
        barShown = true;
        return;
      }
      const line = describeEvent(e);
      if (line === undefined) return;
      out.write(`${barShown ? "\r\x1b[2K" : ""}${line}\n`);
      barShown = false;
      return;
    }
    const line = describeEvent(e);
    if (line !== undefined) out.write(`${line}\n`);
  };
}
