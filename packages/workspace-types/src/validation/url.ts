/**
 * Safety rules for data-source URLs (`tuning.input.urls`): the tuning Job downloads them from inside the cluster, so
 * they must not point at the node itself, the cluster network or a cloud metadata service. Each finding says whether
 * Kaito's v1beta1 webhook rejects the URL too (its rules are a subset of these).
 *
 * @packageDocumentation
 */

/** Result of {@link validateInputUrl}. */
export type InputUrlResult =
  | { readonly ok: true; readonly url: URL }
  | {
      readonly ok: false;
      /** What is wrong with the URL, in one line. */
      readonly reason: string;
      /**
       * Kaito's v1beta1 webhook rejects this URL too (empty or with leading blanks, not absolute, not http(s), no
       * host, `localhost`, its three metadata host names, or an IP literal that Go parses as loopback, private,
       * link-local or link-local multicast). `false` for the rules only kaito-ts applies (other metadata hosts,
       * unspecified/shared/reserved/multicast ranges, NAT64, site-local, IPv4 spelled in decimal, hex or octal,
       * names with a trailing dot, trailing blanks).
       */
      readonly kaitoRejects: boolean;
    };

/** A reason the host is not public, and whether Kaito's webhook rejects it too. */
interface HostFinding {
  readonly why: string;
  readonly kaito: boolean;
}

/** Host names of cloud instance-metadata services (lowercase, without trailing dot). */
export const METADATA_HOSTS: readonly string[] = [
  "metadata.google.internal",
  "metadata.google",
  "metadata.goog",
  "metadata.azure.com",
  "metadata.azure.internal",
  "instance-data",
  "instance-data.ec2.internal",
  "metadata.tencentyun.com",
  "metadata.platformequinix.com",
  "metadata.packet.net",
];

/** The metadata host names Kaito's webhook rejects (compared after lower-casing, before stripping a trailing dot). */
const KAITO_METADATA_HOSTS: readonly string[] = [
  "metadata.google.internal",
  "metadata.google",
  "instance-data.ec2.internal",
];

/** IP addresses of cloud instance-metadata services that are not already in a blocked range. */
const METADATA_IPS: readonly string[] = ["100.100.100.200", "192.0.0.192"];

type V4 = readonly [number, number, number, number];

function parseV4(text: string): V4 | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as const;
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/**
 * Why an IPv4 address is not reachable from a public download, or `undefined` when it is public. `kaito`: whether
 * Go's `IsLoopback`/`IsPrivate`/`IsLinkLocalUnicast`/`IsLinkLocalMulticast` — Kaito's rule — hold for it.
 */
function classifyV4(ip: V4): HostFinding | undefined {
  const [a, b, c] = ip;
  const text = ip.join(".");
  if (text === "169.254.169.254" || text === "169.254.170.2")
    return { why: "a cloud metadata service address", kaito: true };
  if (METADATA_IPS.includes(text)) return { why: "a cloud metadata service address", kaito: false };
  if (a === 0) return { why: "an unspecified (0.0.0.0/8) address", kaito: false };
  if (a === 127) return { why: "a loopback address", kaito: true };
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) {
    return { why: "a private address", kaito: true };
  }
  if (a === 169 && b === 254) return { why: "a link-local address", kaito: true };
  if (a === 100 && b >= 64 && b <= 127) return { why: "a shared (carrier-grade NAT) address", kaito: false };
  if (a >= 224 && a <= 239) return { why: "a multicast address", kaito: a === 224 && b === 0 && c === 0 };
  if (a >= 240) return { why: "a reserved or broadcast address", kaito: false };
  return undefined;
}

/** Parse an IPv6 literal (without brackets) into eight 16-bit groups. */
function parseV6(text: string): number[] | undefined {
  let s = text.toLowerCase();
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  const lastColon = s.lastIndexOf(":");
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes(".")) {
    const v4 = parseV4(maybeV4);
    if (!v4) return undefined;
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === "") return [];
    const groups = part.split(":");
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? "");
  const rest = halves.length === 2 ? parse(halves[1] ?? "") : [];
  if (!head || !rest) return undefined;
  const explicit = head.length + rest.length;
  if (halves.length === 1 && explicit !== 8) return undefined;
  if (halves.length === 2 && explicit > 7) return undefined;
  const zeros = new Array<number>(8 - explicit).fill(0);
  return halves.length === 2 ? [...head, ...zeros, ...rest] : head;
}

/** Like {@link classifyV4} for IPv6 (Go applies the IPv4 rules to IPv4-mapped addresses only). */
function classifyV6(g: number[]): HostFinding | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded: V4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 0) return { why: "an unspecified (::) address", kaito: false };
  if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 1) return { why: "a loopback address", kaito: true };
  if (firstFiveZero && (g5 === 0xffff || g5 === 0)) {
    const inner = classifyV4(embedded);
    if (inner === undefined) return undefined;
    return { why: `an IPv4-mapped IPv6 address of ${inner.why}`, kaito: g5 === 0xffff && inner.kaito };
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    const inner = classifyV4(embedded);
    return inner ? { why: `a NAT64 address of ${inner.why}`, kaito: false } : undefined;
  }
  if (g0 === 0xfd00 && g1 === 0x0ec2 && g7 === 0x0254 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0) {
    return { why: "a cloud metadata service address", kaito: true };
  }
  if ((g0 & 0xfe00) === 0xfc00) return { why: "a private (unique local) address", kaito: true };
  if ((g0 & 0xffc0) === 0xfe80) return { why: "a link-local address", kaito: true };
  if ((g0 & 0xffc0) === 0xfec0) return { why: "a site-local address", kaito: false };
  if ((g0 & 0xff00) === 0xff00) return { why: "a multicast address", kaito: (g0 & 0xff0f) === 0xff02 };
  return undefined;
}

/**
 * Check a data-source URL the way kaito-ts admits it: `http` or `https` only, a host is required, and the host may
 * not be `localhost`/`*.localhost`, a cloud metadata host (`169.254.169.254`, `metadata.google.internal`,
 * `metadata.azure.com`, …) or an IPv4/IPv6 literal that is loopback, private, link-local, unspecified or otherwise
 * not public — including IPv4-mapped IPv6 (`[::ffff:127.0.0.1]`) and the decimal, hex and octal IPv4 spellings
 * (`2130706433`, `0x7f.1`, `0177.0.0.1`), which WHATWG URL parsing normalises before the check.
 *
 * Host names are not resolved (admission does no network I/O).
 */
export function validateInputUrl(text: string): InputUrlResult {
  if (text.trim() !== text || text.length === 0) {
    // Go's url.ParseRequestURI (Kaito) rejects an empty URL and leading blanks, not trailing ones.
    return {
      ok: false,
      reason: text.length === 0 ? "the URL is empty" : "the URL has leading or trailing spaces",
      kaitoRejects: text.length === 0 || text.trimStart() !== text,
    };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "it is not an absolute URL (expected http:// or https://…)", kaitoRejects: true };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      ok: false,
      reason: `scheme "${url.protocol.slice(0, -1)}" is not allowed: only http and https`,
      kaitoRejects: true,
    };
  }
  const written = url.hostname.toLowerCase();
  if (written === "") return { ok: false, reason: "the URL has no host", kaitoRejects: true };
  const host = written.endsWith(".") ? written.slice(0, -1) : written;
  if (host === "localhost" || host.endsWith(".localhost")) {
    return {
      ok: false,
      reason: `host "${url.hostname}" is the local machine (localhost)`,
      kaitoRejects: written === host,
    };
  }
  if (METADATA_HOSTS.includes(host)) {
    return {
      ok: false,
      reason: `host "${url.hostname}" is a cloud metadata service`,
      kaitoRejects: KAITO_METADATA_HOSTS.includes(written),
    };
  }
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseV6(host.slice(1, -1));
    if (!groups) return { ok: false, reason: `host "${url.hostname}" is not a valid IPv6 literal`, kaitoRejects: true };
    const found = classifyV6(groups);
    if (found) return { ok: false, reason: `host "${url.hostname}" is ${found.why}`, kaitoRejects: found.kaito };
    return { ok: true, url };
  }
  const v4 = parseV4(host);
  if (v4) {
    const found = classifyV4(v4);
    const spelledAs = (text.split("/")[2] ?? "").replace(/^.*@/, "").replace(/:\d*$/, "");
    const canonical = spelledAs.toLowerCase() === host;
    const spelled = canonical ? "" : ` (written "${spelledAs}")`;
    // Go's net.ParseIP (Kaito) reads only the dotted-quad spelling; WHATWG URL also reads decimal, hex and octal.
    if (found)
      return { ok: false, reason: `host ${host}${spelled} is ${found.why}`, kaitoRejects: canonical && found.kaito };
  }
  return { ok: true, url };
}
