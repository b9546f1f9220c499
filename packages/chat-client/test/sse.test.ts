import { describe, expect, it } from "vitest";
import { parseSseText, type SseEvent, SseParser } from "../src/index.ts";

const enc = new TextEncoder();

/** Feeds `bytes` split at every given offset and collects the events. */
function feedSplit(bytes: Uint8Array, cuts: readonly number[]): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(...p.push(bytes.subarray(prev, c)));
    prev = c;
  }
  out.push(...p.end());
  return out;
}

describe("SseParser", () => {
  it("parses data events with \\n, \\r\\n and \\r line ends alike", () => {
    for (const nl of ["\n", "\r\n", "\r"]) {
      const events = parseSseText(`data: a${nl}${nl}data: b${nl}${nl}`);
      expect(events.map((e) => e.data)).toEqual(["a", "b"]);
    }
  });

  it("joins multi-line data with \\n and strips one leading space only", () => {
    const [e] = parseSseText("data: line1\ndata:line2\ndata:  indented\n\n");
    expect(e?.data).toBe("line1\nline2\n indented");
  });

  it("ignores comments and unknown fields; events without data are not dispatched", () => {
    const events = parseSseText(": ping\nfoo: bar\n\nevent: only-type\n\n: another\ndata: x\n\n");
    expect(events).toEqual([{ event: "message", data: "x", id: undefined, retry: undefined }]);
  });

  it("reads event, id (persisting) and retry fields", () => {
    const events = parseSseText("event: error\nid: 7\nretry: 1500\ndata: {}\n\ndata: y\n\nretry: soon\ndata: z\n\n");
    expect(events).toEqual([
      { event: "error", data: "{}", id: "7", retry: 1500 },
      { event: "message", data: "y", id: "7", retry: undefined },
      { event: "message", data: "z", id: "7", retry: undefined },
    ]);
  });

  it("treats a field line without a colon as a field with an empty value", () => {
    expect(parseSseText("data\n\n")).toEqual([{ event: "message", data: "", id: undefined, retry: undefined }]);
  });

  it("matches field names exactly (no prefix or look-alike counts as data, event, id or retry)", () => {
    const text = "datax: no\ndat: no\nevent2: no\nidx: no\nretryy: 5\ndata: yes\n\n";
    expect(parseSseText(text)).toEqual([{ event: "message", data: "yes", id: undefined, retry: undefined }]);
    expect(parseSseText("data\ndata: b\ndata\n\n")).toEqual([
      { event: "message", data: "\nb\n", id: undefined, retry: undefined },
    ]);
  });

  it("passes [DONE] through as data", () => {
    expect(parseSseText("data: [DONE]\n\n").map((e) => e.data)).toEqual(["[DONE]"]);
  });

  it("gives the same events for every split point, including inside a \\r\\n pair and inside UTF-8 characters", () => {
    const wire = enc.encode(
      ': c\r\nevent: message\r\ndata: {"t":"é🌍ü"}\r\ndata: 2nd\r\n\r\ndata: ñ\r\rdata: [DONE]\n\n',
    );
    const whole = feedSplit(wire, []);
    expect(whole.map((e) => e.data)).toEqual(['{"t":"é🌍ü"}\n2nd', "ñ", "[DONE]"]);
    for (let i = 1; i < wire.length; i++) {
      expect(feedSplit(wire, [i])).toEqual(whole);
    }
    for (let i = 1; i < wire.length - 1; i++) {
      expect(feedSplit(wire, [i, i + 1])).toEqual(whole);
    }
    const oneByOne = feedSplit(
      wire,
      Array.from({ length: wire.length - 1 }, (_, i) => i + 1),
    );
    expect(oneByOne).toEqual(whole);
  });

  it("does not take a \\r at the end of one push plus \\n at the start of the next as two lines", () => {
    const p = new SseParser();
    expect(p.pushText("data: a\r")).toEqual([]);
    expect(p.pushText("\n")).toEqual([]);
    expect(p.pushText("\r\n").map((e) => e.data)).toEqual(["a"]);
  });

  it("reports a partial event at the end of the stream and discards it", () => {
    const p = new SseParser();
    expect(p.pushText('data: a\n\ndata: {"partial')).toHaveLength(1);
    expect(p.end()).toEqual([]);
    expect(p.hasPartialEvent).toBe(true);
    const q = new SseParser();
    q.pushText("data: complete-line\n");
    expect(q.hasPartialEvent).toBe(true);
    const r = new SseParser();
    r.pushText("data: a\n\n: trailing comment\n");
    expect(r.hasPartialEvent).toBe(false);
  });

  it("strips a UTF-8 BOM at the start of the stream", () => {
    const p = new SseParser();
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode("data: x\n\n")]);
    expect(p.push(bytes).map((e) => e.data)).toEqual(["x"]);
  });

  it("handles many events in one large push", () => {
    const n = 10_000;
    const text = Array.from({ length: n }, (_, i) => `data: ${i}\n\n`).join("");
    const events = parseSseText(text);
    expect(events).toHaveLength(n);
    expect(events[n - 1]?.data).toBe(String(n - 1));
  });
});

describe("SseParser.feed/next (one event at a time)", () => {
  it("hands out the first event before parsing the rest, and keeps the rest pending", () => {
    const p = new SseParser();
    p.feedText("data: a\n\ndata: b\n\n: comment\ndata: c");
    expect(p.next()?.data).toBe("a");
    expect(p.hasPartialEvent).toBe(true);
    expect(p.next()?.data).toBe("b");
    expect(p.next()).toBeUndefined(); // "c" has no terminating blank line yet
    p.feedText("\n\n");
    expect(p.next()?.data).toBe("c");
    expect(p.next()).toBeUndefined();
    expect(p.hasPartialEvent).toBe(false);
  });

  it("gives the same events as push for any split of the bytes, CR LF pairs and UTF-8 characters included", () => {
    const text = "event: x\r\ndata: h\u00e9llo\r\ndata: \u{1f600}\r\n\r\nid: 7\rdata: two\r\r:c\ndata: three\n\n";
    const bytes = new TextEncoder().encode(text);
    const whole = new SseParser().push(bytes);
    expect(whole.map((e) => e.data)).toEqual(["h\u00e9llo\n\u{1f600}", "two", "three"]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const p = new SseParser();
      const got = [];
      for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
        p.feed(part);
        for (let e = p.next(); e !== undefined; e = p.next()) got.push(e);
      }
      expect(got, `split at byte ${cut}`).toEqual(whole);
    }
  });
});
