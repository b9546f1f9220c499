/**
 * A pure, incremental Server-Sent Events parser (WHATWG "event stream interpretation"): bytes in, events out.
 * No I/O, no timers; feed it whatever slices of the body arrive, in order.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, `"message"` when absent. */
  readonly event: string;
  /** The `data:` lines joined with `\n`. */
  readonly data: string;
  /** The last `id:` seen so far in the stream (it persists across events), or `undefined`. */
  readonly id: string | undefined;
  /** The `retry:` field of this event, in milliseconds, when present and valid. */
  readonly retry: number | undefined;
}

/**
 * Incremental SSE parser. Handles `\r\n`, `\r` and `\n` line ends (also when a `\r\n` pair is split across
 * pushes), comments, multi-line `data:`, `event:`/`id:`/`retry:`, and UTF-8 characters split across pushes.
 */
export class SseParser {
  private readonly decoder = new TextDecoder("utf-8");
  private buffer = "";
  private skipLeadingLf = false;
  private dataParts: string[] = [];
  private hasData = false;
  private eventType = "";
  private lastId: string | undefined = undefined;
  private retry: number | undefined = undefined;
  private sawField = false;

  /** Feeds raw bytes; returns the events completed by them. */
  push(bytes: Uint8Array): SseEvent[] {
    return this.pushText(this.decoder.decode(bytes, { stream: true }));
  }

  /** Feeds already-decoded text; returns the events completed by it. */
  pushText(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    if (text.length === 0) return out;
    let buf = this.buffer.length === 0 ? text : this.buffer + text;
    let pos = 0;
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (buf.charCodeAt(0) === 10) pos = 1;
    }
    const len = buf.length;
    let lf = buf.indexOf("\n", pos);
    let cr = buf.indexOf("\r", pos);
    while (pos < len) {
      if (lf !== -1 && lf < pos) lf = buf.indexOf("\n", pos);
      if (cr !== -1 && cr < pos) cr = buf.indexOf("\r", pos);
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        if (lf === -1) break;
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        if (cr + 1 < len) next = buf.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        else {
          next = cr + 1;
          this.skipLeadingLf = true;
        }
      }
      this.line(buf, pos, end, out);
      pos = next;
    }
    buf = pos >= len ? "" : buf.slice(pos);
    this.buffer = buf;
    return out;
  }

  /**
   * Ends the stream: flushes the decoder. Per the spec an event not terminated by a blank line is discarded;
   * {@link SseParser.hasPartialEvent} tells whether that happened.
   */
  end(): SseEvent[] {
    const rest = this.decoder.decode();
    return rest.length > 0 ? this.pushText(rest) : [];
  }

  /** True when bytes of an event that was never completed are pending (a stream cut mid-event). */
  get hasPartialEvent(): boolean {
    return this.buffer.length > 0 || this.sawField;
  }

  private line(buf: string, start: number, end: number, out: SseEvent[]): void {
    if (start === end) {
      this.dispatch(out);
      return;
    }
    const first = buf.charCodeAt(start);
    if (first === 58 /* ":" */) return; // comment
    this.sawField = true;
    const colon = buf.indexOf(":", start);
    let name: string;
    let value: string;
    if (colon === -1 || colon >= end) {
      name = buf.slice(start, end);
      value = "";
    } else {
      name = buf.slice(start, colon);
      const v = buf.charCodeAt(colon + 1) === 32 && colon + 1 < end ? colon + 2 : colon + 1;
      value = buf.slice(v, end);
    }
    switch (name) {
      case "data":
        this.dataParts.push(value);
        this.hasData = true;
        break;
      case "event":
        this.eventType = value;
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private dispatch(out: SseEvent[]): void {
    this.sawField = false;
    if (!this.hasData) {
      this.eventType = "";
      this.retry = undefined;
      return;
    }
    const parts = this.dataParts;
    const data = parts.length === 1 ? (parts[0] as string) : parts.join("\n");
    out.push({ event: this.eventType === "" ? "message" : this.eventType, data, id: this.lastId, retry: this.retry });
    this.dataParts = [];
    this.hasData = false;
    this.eventType = "";
    this.retry = undefined;
  }
}

/** Parses a complete SSE text at once (convenience for tests and small bodies). */
export function parseSseText(text: string): SseEvent[] {
  const p = new SseParser();
  return [...p.pushText(text), ...p.end()];
}
