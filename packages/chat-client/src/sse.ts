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
  /** Text fed but not yet split into lines, read from {@link SseParser.pos}. */
  private pending = "";
  private pos = 0;
  /** Cached positions of the next `\n` / `\r` at or after `pos` (-1: none; -2: not searched yet). */
  private lfAt = -2;
  private crAt = -2;
  private skipLeadingLf = false;
  /** The event's first `data:` line, and the further ones (rare) in `moreData`. */
  private firstData: string | undefined = undefined;
  private moreData: string[] | undefined = undefined;
  private eventType = "";
  private lastId: string | undefined = undefined;
  private retry: number | undefined = undefined;
  private sawField = false;

  /** Feeds raw bytes; returns the events completed by them. */
  push(bytes: Uint8Array): SseEvent[] {
    this.feed(bytes);
    return this.drain();
  }

  /** Feeds already-decoded text; returns the events completed by it. */
  pushText(text: string): SseEvent[] {
    this.feedText(text);
    return this.drain();
  }

  /**
   * Feeds raw bytes without parsing them yet: take the completed events one at a time with
   * {@link SseParser.next}, so that the first event of a large read is available before the rest is parsed.
   */
  feed(bytes: Uint8Array): void {
    this.feedText(this.decoder.decode(bytes, { stream: true }));
  }

  /** Feeds already-decoded text without parsing it yet (see {@link SseParser.feed}). */
  feedText(text: string): void {
    if (text.length === 0) return;
    this.pending = this.pos >= this.pending.length ? text : this.pending.slice(this.pos) + text;
    this.pos = 0;
    this.lfAt = -2;
    this.crAt = -2;
  }

  /** The next event completed by the text fed so far, or `undefined` when none is complete yet. */
  next(): SseEvent | undefined {
    const buf = this.pending;
    const len = buf.length;
    while (this.pos < len) {
      const start = this.pos;
      if (this.skipLeadingLf) {
        this.skipLeadingLf = false;
        if (buf.charCodeAt(start) === 10) {
          this.pos = start + 1;
          continue;
        }
      }
      if (this.lfAt !== -1 && this.lfAt < start) this.lfAt = buf.indexOf("\n", start);
      if (this.crAt !== -1 && this.crAt < start) this.crAt = buf.indexOf("\r", start);
      const lf = this.lfAt;
      const cr = this.crAt;
      let end: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        if (lf === -1) break; // an incomplete line: wait for more text
        end = lf;
        this.pos = lf + 1;
      } else {
        end = cr;
        if (cr + 1 < len) this.pos = buf.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        else {
          this.pos = cr + 1;
          this.skipLeadingLf = true; // a "\r\n" pair may be split across reads
        }
      }
      const event = this.line(buf, start, end);
      if (event !== undefined) return event;
    }
    return undefined;
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
    return this.pos < this.pending.length || this.sawField;
  }

  private drain(): SseEvent[] {
    const out: SseEvent[] = [];
    for (let e = this.next(); e !== undefined; e = this.next()) out.push(e);
    return out;
  }

  private line(buf: string, start: number, end: number): SseEvent | undefined {
    if (start === end) return this.dispatch();
    const first = buf.charCodeAt(start);
    if (first === 58 /* ":" */) return undefined; // comment
    this.sawField = true;
    let colon = buf.indexOf(":", start);
    if (colon === -1 || colon > end) colon = end;
    // The field name is compared in place (no string per line for it); the value starts after ": " or ":".
    const nameLength = colon - start;
    const v = colon < end && buf.charCodeAt(colon + 1) === 32 && colon + 1 < end ? colon + 2 : colon + 1;
    const value = colon === end ? "" : buf.slice(v, end);
    if (nameLength === 4 && buf.startsWith("data", start)) {
      if (this.firstData === undefined) this.firstData = value;
      else if (this.moreData === undefined) this.moreData = [value];
      else this.moreData.push(value);
    } else if (nameLength === 5 && buf.startsWith("event", start)) this.eventType = value;
    else if (nameLength === 2 && buf.startsWith("id", start)) {
      if (!value.includes("\0")) this.lastId = value;
    } else if (nameLength === 5 && buf.startsWith("retry", start)) {
      if (/^\d+$/.test(value)) this.retry = Number(value);
    } // unknown fields are ignored
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    this.sawField = false;
    const first = this.firstData;
    if (first === undefined) {
      this.eventType = "";
      this.retry = undefined;
      return undefined;
    }
    const data = this.moreData === undefined ? first : [first, ...this.moreData].join("\n");
    const event = {
      event: this.eventType === "" ? "message" : this.eventType,
      data,
      id: this.lastId,
      retry: this.retry,
    };
    this.firstData = undefined;
    this.moreData = undefined;
    this.eventType = "";
    this.retry = undefined;
    return event;
  }
}

/** Parses a complete SSE text at once (convenience for tests and small bodies). */
export function parseSseText(text: string): SseEvent[] {
  const p = new SseParser();
  return [...p.pushText(text), ...p.end()];
}
