/** Kubernetes resource quantities as numbers (cores for cpu, bytes for memory, counts for the rest). */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Parses a quantity (`100m`, `16Gi`, `1.5`, `2e3`); undefined when malformed. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])?)$/.exec(value.trim());
  if (m === null) return undefined;
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
  if (m[3] !== undefined) return base * (BINARY[m[3]] ?? 1);
  return base * (DECIMAL[m[4] ?? ""] ?? 1);
}

/** A resource list (`{cpu: "1", "nvidia.com/gpu": "2"}`) as numbers; malformed entries dropped. */
export function parseResourceList(list: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (list === null || typeof list !== "object") return out;
  for (const [k, v] of Object.entries(list as Record<string, unknown>)) {
    const q = parseQuantity(v);
    if (q !== undefined) out[k] = q;
  }
  return out;
}
