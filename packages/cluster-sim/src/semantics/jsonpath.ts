/**
 * The kubectl JSONPath subset used by CRD `additionalPrinterColumns` (and `kubectl get -o jsonpath`):
 * `.a.b`, `['a.b']`, `[0]`, `[-1]`, `[1:3]`, `[*]`, `..name`, `[?(@.type=="Ready")]` (with `==`, `!=`, `<`, `<=`,
 * `>`, `>=` and existence `[?(@.x)]`), optionally wrapped in `{}`.
 */
import { badRequest } from "../errors/index.ts";
import { isPlainObject } from "./schema-types.ts";

type Step =
  | { t: "field"; name: string }
  | { t: "index"; i: number }
  | { t: "slice"; start: number | undefined; end: number | undefined }
  | { t: "wildcard" }
  | { t: "recursive"; name: string | undefined }
  | { t: "filter"; path: Step[]; op: string | undefined; value: unknown; valuePath: Step[] | undefined };

const cache = new Map<string, Step[]>();

function parseError(expr: string, why: string): Error {
  return badRequest(`unrecognized JSONPath expression ${JSON.stringify(expr)}: ${why}`);
}

function parseSteps(expr: string, src: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  // field names may contain `\.`-escaped dots (`.metadata.labels.node\.kubernetes\.io/instance-type`)
  const ident = /^(?:\\.|[A-Za-z0-9_$\-/])+/;
  const unescapeName = (name: string): string => name.replace(/\\(.)/g, "$1");
  while (i < expr.length) {
    const c = expr[i];
    if (c === "." && expr[i + 1] === ".") {
      const m = ident.exec(expr.slice(i + 2));
      steps.push({ t: "recursive", name: m ? unescapeName(m[0]) : undefined });
      i += 2 + (m?.[0].length ?? 0);
    } else if (c === ".") {
      const rest = expr.slice(i + 1);
      if (rest.startsWith("*")) {
        steps.push({ t: "wildcard" });
        i += 2;
        continue;
      }
      const m = ident.exec(rest);
      if (!m) {
        if (rest === "" || rest.startsWith("[")) {
          i += 1;
          continue;
        }
        throw parseError(src, `unexpected character at ${i + 1}`);
      }
      steps.push({ t: "field", name: unescapeName(m[0]) });
      i += 1 + m[0].length;
    } else if (c === "[") {
      const close = findClose(expr, i);
      if (close < 0) throw parseError(src, "unclosed [");
      const inner = expr.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === "*") steps.push({ t: "wildcard" });
      else if (/^-?\d+$/.test(inner)) steps.push({ t: "index", i: Number(inner) });
      else if (/^-?\d*:-?\d*(:\d*)?$/.test(inner)) {
        const [a, b] = inner.split(":");
        steps.push({ t: "slice", start: a ? Number(a) : undefined, end: b ? Number(b) : undefined });
      } else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) {
        steps.push({ t: "field", name: inner.slice(1, -1) });
      } else if (inner.startsWith("?(") && inner.endsWith(")")) {
        steps.push(parseFilter(inner.slice(2, -1).trim(), src));
      } else throw parseError(src, `unsupported subscript [${inner}]`);
    } else if (c === "@" || c === "$") {
      i += 1;
    } else if (c === " ") {
      i += 1;
    } else {
      const m = ident.exec(expr.slice(i));
      if (m && steps.length === 0) {
        steps.push({ t: "field", name: unescapeName(m[0]) });
        i += m[0].length;
      } else throw parseError(src, `unexpected character ${JSON.stringify(c)} at ${i}`);
    }
  }
  return steps;
}

function findClose(expr: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "[" || c === "(") depth++;
    else if (c === "]" || c === ")") {
      depth--;
      if (depth === 0 && c === "]") return i;
    }
  }
  return -1;
}

function parseLiteral(s: string): { value: unknown; path: Step[] | undefined } {
  const t = s.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))
    return { value: t.slice(1, -1), path: undefined };
  if (/^-?\d+(\.\d+)?$/.test(t)) return { value: Number(t), path: undefined };
  if (t === "true" || t === "false") return { value: t === "true", path: undefined };
  if (t === "nil" || t === "null") return { value: null, path: undefined };
  if (t.startsWith("@")) return { value: undefined, path: parseSteps(t.slice(1), t) };
  return { value: t, path: undefined };
}

function parseFilter(body: string, src: string): Step {
  const m = /^(@[^<>=!]*?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(body);
  if (!m) {
    if (!body.startsWith("@")) throw parseError(src, `unsupported filter ${body}`);
    return { t: "filter", path: parseSteps(body.slice(1), src), op: undefined, value: undefined, valuePath: undefined };
  }
  const lit = parseLiteral(m[3] ?? "");
  return {
    t: "filter",
    path: parseSteps((m[1] ?? "@").slice(1), src),
    op: m[2],
    value: lit.value,
    valuePath: lit.path,
  };
}

/** Parses a JSONPath (cached). Throws a 400 `ClusterSimError` for unsupported syntax. */
export function parseJsonPath(expr: string): Step[] {
  let steps = cache.get(expr);
  if (!steps) {
    let e = expr.trim();
    if (e.startsWith("{") && e.endsWith("}")) e = e.slice(1, -1).trim();
    steps = parseSteps(e, expr);
    if (cache.size > 1000) cache.clear();
    cache.set(expr, steps);
  }
  return steps;
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v))
    return Object.keys(v)
      .sort()
      .map((k) => v[k]);
  return [];
}

function compareValues(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case "==":
      if (typeof a === typeof b) return a === b;
      return (typeof a === "number" || typeof a === "string") && String(a) === String(b);
    case "!=":
      return !compareValues(a, "==", b);
    default: {
      if (typeof a === "number" && typeof b === "number") {
        return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
      }
      if (typeof a === "string" && typeof b === "string") {
        return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
      }
      return false;
    }
  }
}

function run(values: unknown[], steps: Step[]): unknown[] {
  let cur = values;
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (s.t) {
        case "field":
          if (isPlainObject(v) && Object.hasOwn(v, s.name)) next.push(v[s.name]);
          break;
        case "index":
          if (Array.isArray(v)) {
            const i = s.i < 0 ? v.length + s.i : s.i;
            if (i >= 0 && i < v.length) next.push(v[i]);
          }
          break;
        case "slice":
          if (Array.isArray(v)) next.push(...v.slice(s.start ?? 0, s.end ?? v.length));
          break;
        case "wildcard":
          next.push(...children(v));
          break;
        case "recursive": {
          const visit = (x: unknown): void => {
            if (s.name === undefined) next.push(x);
            else if (isPlainObject(x) && Object.hasOwn(x, s.name)) next.push(x[s.name]);
            for (const c of children(x)) visit(c);
          };
          visit(v);
          break;
        }
        case "filter":
          for (const item of Array.isArray(v) ? v : [v]) {
            const left = run([item], s.path);
            if (s.op === undefined) {
              if (left.length > 0) next.push(item);
              continue;
            }
            const right = s.valuePath ? run([item], s.valuePath)[0] : s.value;
            if (left.length > 0 && compareValues(left[0], s.op, right)) next.push(item);
          }
          break;
      }
    }
    cur = next;
  }
  return cur;
}

/** Evaluates a JSONPath against `obj` and returns every match (empty when nothing matches). */
export function evaluateJsonPath(obj: unknown, expr: string): unknown[] {
  return run([obj], parseJsonPath(expr));
}

/** Prints one JSONPath result as kubectl does: strings raw, numbers and booleans as text, objects/arrays as JSON. */
export function jsonPathText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}
