/** Progress events emitted while pushing or pulling blobs, for progress bars and logs. */

/** What is happening to one blob. */
export type BlobPhase = "start" | "progress" | "exists" | "mounted" | "resumed" | "done";

/** One progress event for one blob. */
export interface BlobProgressEvent {
  /** Push or pull. */
  readonly direction: "push" | "pull";
  /** State of the blob. */
  readonly phase: BlobPhase;
  /** Digest, when known (a pushed blob whose digest is computed while streaming has none until `done`). */
  readonly digest?: string;
  /** A name for people (file name, `config`, `manifest`), when known. */
  readonly label?: string;
  /** Bytes transferred (or confirmed present) so far. */
  readonly bytesDone: number;
  /** Total size in bytes, when known. */
  readonly bytesTotal?: number;
}

/** Receives progress events. */
export type ProgressListener = (event: BlobProgressEvent) => void;

/**
 * Limits `progress` events to one per `intervalMs` per blob (other phases always pass), so that a fast stream
 * does not flood a terminal.
 */
export function throttleProgress(listener: ProgressListener, intervalMs = 100): ProgressListener {
  const last = new Map<string, number>();
  return (e) => {
    if (e.phase === "progress") {
      const key = `${e.direction}:${e.label ?? ""}:${e.digest ?? ""}`;
      const now = Date.now();
      const prev = last.get(key) ?? 0;
      if (now - prev < intervalMs && e.bytesDone !== e.bytesTotal) return;
      last.set(key, now);
    }
    listener(e);
  };
}
