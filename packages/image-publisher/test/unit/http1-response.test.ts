import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Http1ResponseParser, HttpParseError, type ParsedHead } from "../../src/transport/http1-response.ts";
import { chunked } from "../helpers/raw-server.ts";

/** Parses `wire` fed in pieces of `step` bytes (or the given cut points); returns head, body and whether it ended. */
function parse(wire: Buffer, step = wire.byteLength, eof = false) {
  let head: ParsedHead | undefined;
  const body: Buffer[] = [];
  let ended = 0;
  const p = new Http1ResponseParser(
    {
      onHead: (h) => {
        head = h;
      },
      onBody: (b, s, e) => body.push(Buffer.from(b.subarray(s, e))),
      onEnd: () => {
        ended++;
      },
    },
    1024,
  );
  for (let i = 0; i < wire.byteLength; i += step) p.feed(wire, i, Math.min(i + step, wire.byteLength));
  if (eof) p.finish();
  return { head, body: Buffer.concat(body), ended, parser: p };
}

const data = randomBytes(5000);

describe("Http1ResponseParser", () => {
  it("reads a Content-Length body, one byte at a time and all at once, ignoring bytes after it", () => {
    const wire = Buffer.concat([
      Buffer.from(
        `HTTP/1.1 200 OK\r\nContent-Length: ${data.length}\r\nX-A: 1\r\nx-a: 2\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n\r\n`,
      ),
      data,
      Buffer.from("garbage"),
    ]);
    for (const step of [1, 7, wire.byteLength]) {
      const r = parse(wire, step);
      expect(r.head?.status).toBe(200);
      expect(r.head?.headers["x-a"]).toBe("1, 2");
      expect(r.head?.headers["set-cookie"]).toEqual(["a", "b"]);
      expect(r.body.equals(data)).toBe(true);
      expect(r.ended).toBe(1);
    }
  });

  it("reads a chunked body with extensions and trailers, chunks crossing every feed boundary", () => {
    const wire = Buffer.concat([
      Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
      chunked(data, [1, 300, 17, 2048]),
    ]);
    for (const step of [1, 3, 100, wire.byteLength]) {
      const r = parse(wire, step);
      expect(r.body.equals(data)).toBe(true);
      expect(r.ended).toBe(1);
    }
  });

  it("reads a close-delimited body up to the end of the connection", () => {
    const wire = Buffer.concat([Buffer.from("HTTP/1.0 200 OK\r\n\r\n"), data]);
    const r = parse(wire, 333, true);
    expect(r.body.equals(data)).toBe(true);
    expect(r.ended).toBe(1);
  });

  it("skips interim 1xx answers and treats 204 and Content-Length: 0 as empty", () => {
    const r = parse(Buffer.from("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
    expect(r.head?.status).toBe(200);
    expect(r.body.toString()).toBe("hi");
    expect(parse(Buffer.from("HTTP/1.1 204 No Content\r\n\r\n")).ended).toBe(1);
    expect(parse(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).ended).toBe(1);
  });

  it("rejects a malformed head as a head error", () => {
    const bad = [
      "HTTP/2 200 OK\r\n\r\n",
      "SSH-2.0-OpenSSH\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "HTTP/1.1 101 Switching Protocols\r\n\r\n",
    ];
    for (const wire of bad) {
      let err: unknown;
      try {
        parse(Buffer.from(wire));
      } catch (e) {
        err = e;
      }
      expect(err, wire).toBeInstanceOf(HttpParseError);
      expect((err as HttpParseError).inHead).toBe(true);
    }
  });

  it("rejects a head larger than the limit with a clear message", () => {
    const wire = Buffer.from(`HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(2000)}\r\n\r\n`);
    expect(() => parse(wire, 10)).toThrow(/headers are larger than 1024 bytes/);
  });

  it("rejects bad chunk framing as a body error", () => {
    const bad = [
      "zz\r\nabc\r\n0\r\n\r\n",
      "3\r\nabcX\r\n0\r\n\r\n",
      "3\nabc\r\n0\r\n\r\n",
      "3\r\nabc\r\n0\r\nbad trailer\r\n\r\n",
      "fffffffffffffff\r\n",
    ];
    for (const body of bad) {
      let err: unknown;
      try {
        parse(Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`));
      } catch (e) {
        err = e;
      }
      expect(err, body).toBeInstanceOf(HttpParseError);
      expect((err as HttpParseError).inHead).toBe(false);
    }
  });

  it("reports a connection closed before the end of the head or the body", () => {
    const cases: [string, RegExp, boolean][] = [
      ["HTTP/1.1 200 OK\r\nContent-Le", /before the response headers/, true],
      ["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", /7 bytes before the end/, false],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", /middle of a chunked body/, false],
    ];
    for (const [wire, message, inHead] of cases) {
      const r = parse(Buffer.from(wire));
      expect(r.parser.done).toBe(false);
      expect(() => r.parser.finish()).toThrow(message);
      try {
        r.parser.finish();
      } catch (e) {
        expect((e as HttpParseError).inHead).toBe(inHead);
      }
    }
  });
});
