import { describe, expect, it } from "vitest";
import { nextOffsetFromRange, withDigestParam } from "../../src/blobs/push.ts";
import { OffsetHasher, sha256Digest } from "../../src/digest.ts";
import { errorFromResponse, parseRegistryErrors } from "../../src/transport/errors.ts";
import { isRetryableStatus, parseRetryAfter, resolveRetryOptions, retryDelay } from "../../src/transport/retry.ts";

describe("retry policy", () => {
  it("retries 408/429/5xx only", () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 416, 501].some(isRetryableStatus)).toBe(false);
  });

  it("parses Retry-After seconds and dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("backs off exponentially with jitter, and honours Retry-After up to a cap", () => {
    const o = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 });
    expect(retryDelay(0, o, undefined, () => 0)).toBe(50);
    expect(retryDelay(0, o, undefined, () => 1)).toBe(100);
    expect(retryDelay(3, o, undefined, () => 1)).toBe(800);
    expect(retryDelay(10, o, undefined, () => 1)).toBe(1000);
    expect(retryDelay(0, o, 2000)).toBe(2000);
    expect(retryDelay(0, o, 60_000)).toBe(5000);
  });
});

describe("error mapping", () => {
  const url = new URL("http://r.io/v2/a/blobs/uploads/x?_state=SECRET");

  it("uses the registry's code and message, and drops the query", () => {
    const e = errorFromResponse(
      "PUT",
      url,
      400,
      '{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match"}]}',
    );
    expect(e.code).toBe("DIGEST_INVALID");
    expect(e.status).toBe(400);
    expect(e.message).toContain("DIGEST_INVALID: provided digest did not match");
    expect(e.message).not.toContain("SECRET");
    expect(e.url).toBe("http://r.io/v2/a/blobs/uploads/x");
    expect(e.registryErrors).toHaveLength(1);
    expect(e.registryCode).toBe("DIGEST_INVALID");
  });

  it("derives codes from statuses when the body is not a registry error", () => {
    expect(errorFromResponse("GET", url, 401, "").code).toBe("UNAUTHORIZED");
    expect(errorFromResponse("GET", url, 403, "").code).toBe("DENIED");
    expect(errorFromResponse("GET", url, 404, "", "BLOB_UNKNOWN").code).toBe("BLOB_UNKNOWN");
    expect(errorFromResponse("GET", url, 429, "").code).toBe("TOOMANYREQUESTS");
    expect(errorFromResponse("GET", url, 503, "<html>").code).toBe("UNAVAILABLE");
    expect(errorFromResponse("GET", url, 418, "<html>teapot</html>").message).toContain("unexpected answer");
    expect(errorFromResponse("GET", url, 400, '{"errors":[{"code":"WEIRD"}]}').code).toBe("UNKNOWN");
  });

  it("keeps the registry's own code on registryCode, apart from ours", () => {
    const vendor = errorFromResponse("GET", url, 400, '{"errors":[{"code":"QUOTA_EXCEEDED","message":"no room"}]}');
    expect(vendor.code).toBe("UNKNOWN");
    expect(vendor.registryCode).toBe("QUOTA_EXCEEDED");
    const byStatus = errorFromResponse("GET", url, 401, "");
    expect(byStatus.code).toBe("UNAUTHORIZED");
    expect(byStatus.registryCode).toBeUndefined();
  });

  it("ignores malformed error bodies", () => {
    expect(parseRegistryErrors("nope")).toEqual([]);
    expect(parseRegistryErrors('{"errors":[1,{"code":2},{"code":"X"}]}')).toEqual([{ code: "X", message: "" }]);
  });
});

describe("upload helpers", () => {
  it("appends the digest without re-encoding the upload state", () => {
    const loc = new URL("http://r/v2/a/blobs/uploads/u?_state=a%2Bb%3D%3D&x=1");
    expect(withDigestParam(loc, "sha256:ab").search).toBe("?_state=a%2Bb%3D%3D&x=1&digest=sha256%3Aab");
    expect(withDigestParam(new URL("http://r/u"), "sha256:ab").search).toBe("?digest=sha256%3Aab");
  });

  it("reads the next offset from a Range header", () => {
    expect(nextOffsetFromRange("0-1023")).toBe(1024);
    expect(nextOffsetFromRange("bytes=0-9")).toBe(10);
    expect(nextOffsetFromRange("junk")).toBeUndefined();
    expect(nextOffsetFromRange(undefined)).toBeUndefined();
  });

  it("hashes each offset once, so that a resumed upload keeps the right digest", () => {
    const data = Buffer.from("0123456789abcdef");
    const h = new OffsetHasher();
    h.update(data.subarray(0, 10), 0);
    h.update(data.subarray(4, 12), 4); // resent after a resume from offset 4
    h.update(data.subarray(12), 12);
    expect(h.hashedBytes).toBe(16);
    expect(h.digest()).toBe(sha256Digest(data));
    expect(() => new OffsetHasher().update(data, 5)).toThrow(/gap/);
  });
});
