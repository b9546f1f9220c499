/**
 * Work the real cluster does asynchronously in controllers (the garbage collector, the namespace controller) runs
 * here in a queue drained on the next turn of the event loop: after the write that caused it has returned, as a
 * client would observe it, yet without timers to wait for.
 */
export class BackgroundQueue {
  private tasks: Array<() => void> = [];
  private scheduled = false;
  private closed = false;

  /** Queues a task. A task that throws is dropped (the object changed underneath; a later event re-triggers it). */
  schedule(task: () => void): void {
    this.tasks.push(task);
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      let rounds = 0;
      while (this.tasks.length > 0 && rounds++ < 10_000) {
        const batch = this.tasks;
        this.tasks = [];
        for (const t of batch) {
          try {
            t();
          } catch {
            // the object changed underneath the collector; a later event re-triggers it
          }
        }
      }
    });
  }

  /** Stops scheduling (tasks queued afterwards never run). */
  close(): void {
    this.closed = true;
  }
}
