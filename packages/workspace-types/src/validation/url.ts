/**
 * Safety rules for data-source URLs (`tuning.input.urls`): the tuning Job downloads them from inside the cluster, so
 * they must not point at the node itself, the cluster network or a cloud metadata service.
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
    };

/** Host names of cloud instance-metadata services (lowercase, without trailing dot). */
export const METADATA_HOSTS: readonly string[] = [
  "metadata.google.internal",
  "metadata.goog",
  "metadata.azure.com",
  "metadata.azure.internal",
  "instance-data",
  "instance-data.ec2.internal",
  "metadata.tencentyun.com",
  "metadata.platformequinix.com",
  "metadata.packet.net",
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

/** Why an IPv4 address is not reachable from a public download, or `undefined` when it is public. */
function classifyV4(ip: V4): string | undefined {
  const [a, b] = ip;
  const text = ip.join(".");
  if (text === "169.254.169.254" || text === "169.254.170.2" || METADATA_IPS.includes(text)) {
    return "a cloud metadata service address";
  }
  if (a === 0) return "an unspecified (0.0.0.0/8) address";
  if (a === 127) return "a loopback address";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "a private address";
  if (a === 169 && b === 254) return "a link-local address";
  if (a === 100 && b >= 64 && b <= 127) return "a shared (carrier-grade NAT) address";
  if (a >= 224 && a <= 239) return "a multicast address";
  if (a >= 240) return "a reserved or broadcast address";
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

function classifyV6(g: number[]): string | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded: V4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 0) return "an unspecified (::) address";
  if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 1) return "a loopback address";
  if (firstFiveZero && (g5 === 0xffff || g5 === 0)) {
    const inner = classifyV4(embedded);
    return inner ? `an IPv4-mapped IPv6 address of ${inner}` : undefined;
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    const inner = classifyV4(embedded);
    return inner ? `a NAT64 address of ${inner}` : undefined;
  }
  if (g0 === 0xfd00 && g1 === 0x0ec2 && g7 === 0x0254 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0) {
    return "a cloud metadata service address";
  }
  if ((g0 & 0xfe00) === 0xfc00) return "a private (unique local) address";
  if ((g0 & 0xffc0) === 0xfe80) return "a link-local address";
  if ((g0 & 0xffc0) === 0xfec0) return "a site-local address";
  if ((g0 & 0xff00) === 0xff00) return "a multicast address";
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
    return { ok: false, reason: text.length === 0 ? "the URL is empty" : "the URL has leading or trailing spaces" };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "it is not an absolute URL (expected http:// or https://…)" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, reason: `scheme "${url.protocol.slice(0, -1)}" is not allowed: only http and https` };
  }
  let host = url.hostname.toLowerCase();
  if (host === "") return { ok: false, reason: "the URL has no host" };
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host === "localhost" || host.endsWith(".localhost")) {
    return { ok: false, reason: `host "${url.hostname}" is the local machine (localhost)` };
  }
  if (METADATA_HOSTS.includes(host)) {
    return { ok: false, reason: `host "${url.hostname}" is a cloud metadata service` };
  }
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseV6(host.slice(1, -1));
    if (!groups) return { ok: false, reason: `host "${url.hostname}" is not a valid IPv6 literal` };
    const why = classifyV6(groups);
    if (why) return { ok: false, reason: `host "${url.hostname}" is ${why}` };
    return { ok: true, url };
  }
  const v4 = parseV4(host);
  if (v4) {
    const why = classifyV4(v4);
    const written = (text.split("/")[2] ?? "").replace(/^.*@/, "").replace(/:\d*$/, "");
    const spelled = written.toLowerCase() === host ? "" : ` (written "${written}")`;
    if (why) return { ok: false, reason: `host ${host}${spelled} is ${why}` };
  }
  return { ok: true, url };
}
