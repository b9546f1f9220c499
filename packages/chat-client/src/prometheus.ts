/**
 * A small parser for the Prometheus text exposition format (what vLLM's `/metrics` serves).
 */
import type { PrometheusSample } from "./types.ts";

function parseValue(v: string): number {
  if (v === "+Inf" || v === "Inf") return Number.POSITIVE_INFINITY;
  if (v === "-Inf") return Number.NEGATIVE_INFINITY;
  if (v === "NaN") return Number.NaN;
  return Number(v);
}

function unescapeLabel(v: string): string {
  return v.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}

/**
 * Parses samples (`name{label="value",…} value [timestamp]`); `# HELP`/`# TYPE` and other comment lines are
 * skipped, as are malformed lines.
 */
export function parsePrometheusText(text: string): PrometheusSample[] {
  const out: PrometheusSample[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    const body = m[3];
    if (body !== undefined && body !== "") {
      const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
      let lm: RegExpExecArray | null = re.exec(body);
      let consumed = 0;
      while (lm !== null) {
        labels[lm[1] as string] = unescapeLabel(lm[2] as string);
        consumed = re.lastIndex;
        lm = re.exec(body);
      }
      if (body.slice(consumed).trim() !== "") continue;
    }
    const value = parseValue(m[4] as string);
    if (Number.isNaN(value) && m[4] !== "NaN") continue;
    const sample: { -readonly [K in keyof PrometheusSample]: PrometheusSample[K] } = {
      name: m[1] as string,
      labels,
      value,
    };
    if (m[5] !== undefined) sample.timestampMs = Number(m[5]);
    out.push(sample);
  }
  return out;
}
