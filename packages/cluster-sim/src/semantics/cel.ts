/**
 * `x-kubernetes-validations` (CEL) rules of CRD schemas, evaluated like apiextensions-apiserver does.
 *
 * Library choice: `@marcbachmann/cel-js` (8.0.0, MIT, zero dependencies, maintained). It parses and type-checks
 * (`Environment.check` reports unknown functions and variables, which gives registration-time errors), has the
 * standard macros (`has`, `all`, `exists`, `exists_one`, `map`, `filter`), optional types (for `optionalOldSelf`),
 * string functions (`matches`, `startsWith`, `lowerAscii`, …), int/uint as BigInt and is about 10x faster than the
 * alternatives. `@bufbuild/cel` is closer to cel-go but needs protobuf descriptors for typed objects; dynamic JSON is
 * all a CRD rule sees, so the lighter library fits. The Kubernetes CEL extension functions it lacks are registered
 * below (`isSorted`, `sum`, `min`, `max`, list `indexOf`, `replace`, `find`, `findAll`, `isURL`, `isIP`, `isCIDR`,
 * `isQuantity`, `charAt`, `reverse`, `trim`); others (`quantity()`, `url()`, `ip()`, `cidr()`, `format()`) are not
 * supported and are reported when the CRD is registered (`found no matching overload for …`).
 */
import { Environment, Optional } from "@marcbachmann/cel-js";
import {
  childPath,
  type FieldCause,
  forbiddenError,
  indexPath,
  invalidError,
  invalidOmittedValueError,
  keyPath,
  requiredError,
} from "./field-errors.ts";
import { undeclaredFieldError } from "./cel-fields.ts";
import { duplicateError } from "./field-errors.ts";
import {
  additionalPropertiesSchema,
  isPlainObject,
  itemsSchema,
  type JSONSchemaProps,
  type ValidationRule,
} from "./schema-types.ts";
import { checkStringFormat } from "./schema-validate.ts";

type ParsedExpr = ReturnType<Environment["parse"]>;

function compare(a: unknown, b: unknown): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint")) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  throw new Error("no such overload");
}

function celEqual(a: unknown, b: unknown): boolean {
  try {
    return compare(a, b) === 0;
  } catch {
    return (
      JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ===
      JSON.stringify(b, (_k, v) => (typeof v === "bigint" ? v.toString() : v))
    );
  }
}

const QUANTITY_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\d+))?$/;

function isIP(s: string): boolean {
  return checkStringFormat("ipv4", s) || checkStringFormat("ipv6", s);
}

function buildEnvironment(): Environment {
  const env = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true })
    .registerVariable("self", "dyn")
    .registerVariable("oldSelf", "dyn");
  env
    .registerFunction("list.isSorted(): bool", (l: unknown[]) =>
      l.every((x, i) => i === 0 || compare(l[i - 1], x) <= 0),
    )
    .registerFunction("list.sum(): dyn", (l: unknown[]) => {
      if (l.length === 0) return 0n;
      return l.reduce((a, b) => {
        if (typeof a === "bigint" && typeof b === "bigint") return a + b;
        return Number(a) + Number(b);
      });
    })
    .registerFunction("list.min(): dyn", (l: unknown[]) => {
      if (l.length === 0) throw new Error("min called on empty list");
      return l.reduce((a, b) => (compare(b, a) < 0 ? b : a));
    })
    .registerFunction("list.max(): dyn", (l: unknown[]) => {
      if (l.length === 0) throw new Error("max called on empty list");
      return l.reduce((a, b) => (compare(b, a) > 0 ? b : a));
    })
    .registerFunction("list.indexOf(dyn): int", (l: unknown[], v: unknown) =>
      BigInt(l.findIndex((x) => celEqual(x, v))),
    )
    .registerFunction("list.lastIndexOf(dyn): int", (l: unknown[], v: unknown) =>
      BigInt(l.findLastIndex((x) => celEqual(x, v))),
    )
    .registerFunction("string.replace(string, string): string", (s: string, a: string, b: string) => s.split(a).join(b))
    .registerFunction("string.replace(string, string, int): string", (s: string, a: string, b: string, n: bigint) => {
      if (n < 0n) return s.split(a).join(b);
      let out = s;
      let from = 0;
      for (let i = 0n; i < n; i++) {
        const at = out.indexOf(a, from);
        if (at < 0) break;
        out = out.slice(0, at) + b + out.slice(at + a.length);
        from = at + b.length;
      }
      return out;
    })
    .registerFunction("string.charAt(int): string", (s: string, i: bigint) => [...s][Number(i)] ?? "")
    .registerFunction("string.reverse(): string", (s: string) => [...s].reverse().join(""))
    .registerFunction("string.find(string): string", (s: string, re: string) => new RegExp(re, "u").exec(s)?.[0] ?? "")
    .registerFunction("string.findAll(string): list<string>", (s: string, re: string) =>
      [...s.matchAll(new RegExp(re, "gu"))].map((m) => m[0]),
    )
    .registerFunction("string.findAll(string, int): list<string>", (s: string, re: string, n: bigint) => {
      const all = [...s.matchAll(new RegExp(re, "gu"))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    })
    .registerFunction("isURL(string): bool", (s: string) => {
      try {
        new URL(s);
        return true;
      } catch {
        return s.startsWith("/");
      }
    })
    .registerFunction("isIP(string): bool", (s: string) => isIP(s))
    .registerFunction("isCIDR(string): bool", (s: string) => checkStringFormat("cidr", s))
    .registerFunction("isQuantity(string): bool", (s: string) => QUANTITY_RE.test(s));
  return env;
}

let environment: Environment | undefined;

function env(): Environment {
  environment ??= buildEnvironment();
  return environment;
}

/** A rule after compilation. */
interface CompiledRule {
  rule: ValidationRule;
  program: ParsedExpr;
  message: ParsedExpr | undefined;
  usesOldSelf: boolean;
  fieldPath: string[];
}

const compileCache = new Map<string, { program: ParsedExpr; type: string } | { error: string }>();

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return (msg.split("\n")[0] ?? msg).trim();
}

/** Parses and type-checks one CEL expression, cached by its text. Returns the program or the error text. */
export function compileCel(expression: string): { program: ParsedExpr; type: string } | { error: string } {
  let hit = compileCache.get(expression);
  if (!hit) {
    try {
      const checked = env().check(expression);
      if (!checked.valid) hit = { error: firstLine(checked.error) };
      else hit = { program: env().parse(expression), type: checked.type ?? "dyn" };
    } catch (e) {
      hit = { error: firstLine(e) };
    }
    if (compileCache.size > 5000) compileCache.clear();
    compileCache.set(expression, hit);
  }
  return hit;
}

const OLD_SELF_RE = /\boldSelf\b/;

/** Parses a rule's `fieldPath` (`.spec.x`, `.list[0]`, `['a.b']`) into path steps (`.x`, `[0]`, `[a.b]`). */
export function parseRuleFieldPath(fieldPath: string): string[] | undefined {
  const steps: string[] = [];
  let i = 0;
  while (i < fieldPath.length) {
    const c = fieldPath[i];
    if (c === ".") {
      const m = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(fieldPath.slice(i + 1));
      if (!m) return undefined;
      steps.push(`.${m[0]}`);
      i += 1 + m[0].length;
    } else if (c === "[") {
      const rest = fieldPath.slice(i);
      const q = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest) ?? /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest);
      const n = /^\[(\d+)\]/.exec(rest);
      if (q) {
        steps.push(`[${q[1] ?? ""}]`);
        i += q[0].length;
      } else if (n) {
        steps.push(`[${n[1] ?? ""}]`);
        i += n[0].length;
      } else return undefined;
    } else return undefined;
  }
  return steps;
}

function appendSteps(path: string, steps: string[]): string {
  let out = path;
  for (const s of steps) out = s.startsWith(".") ? childPath(out, s.slice(1)) : `${out}${s}`;
  return out;
}

function compileRule(rule: ValidationRule): CompiledRule | { errors: { field: string; detail: string }[] } {
  const errors: { field: string; detail: string }[] = [];
  const c = compileCel(rule.rule);
  let message: ParsedExpr | undefined;
  if ("error" in c) errors.push({ field: "rule", detail: `compilation failed: ${c.error}` });
  else if (c.type !== "bool" && c.type !== "dyn") {
    errors.push({ field: "rule", detail: "compilation failed: cel expression must evaluate to a bool" });
  }
  if (rule.messageExpression !== undefined) {
    const m = compileCel(rule.messageExpression);
    if ("error" in m) {
      errors.push({ field: "messageExpression", detail: `messageExpression compilation failed: ${m.error}` });
    } else if (m.type !== "string" && m.type !== "dyn") {
      errors.push({ field: "messageExpression", detail: "messageExpression must evaluate to a string" });
    } else message = m.program;
  }
  let fieldPath: string[] = [];
  if (rule.fieldPath !== undefined && rule.fieldPath !== "") {
    const parsed = parseRuleFieldPath(rule.fieldPath);
    if (!parsed) errors.push({ field: "fieldPath", detail: "fieldPath must be a valid path" });
    else fieldPath = parsed;
  }
  if (
    rule.reason !== undefined &&
    !["FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"].includes(rule.reason)
  ) {
    errors.push({
      field: "reason",
      detail: 'must be one of "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
    });
  }
  if (errors.length > 0 || "error" in c) return { errors };
  return { rule, program: c.program, message, usesOldSelf: OLD_SELF_RE.test(rule.rule), fieldPath };
}

const ruleCache = new WeakMap<ValidationRule, CompiledRule | { errors: { field: string; detail: string }[] }>();

function compiled(rule: ValidationRule): CompiledRule | { errors: { field: string; detail: string }[] } {
  let c = ruleCache.get(rule);
  if (!c) {
    c = compileRule(rule);
    ruleCache.set(rule, c);
  }
  return c;
}

function walkSchema(s: JSONSchemaProps, path: string, visit: (s: JSONSchemaProps, path: string) => void): void {
  visit(s, path);
  for (const [k, p] of Object.entries(s.properties ?? {})) walkSchema(p, `${path}.properties[${k}]`, visit);
  const ap = additionalPropertiesSchema(s);
  if (ap) walkSchema(ap, `${path}.additionalProperties`, visit);
  const it = itemsSchema(s);
  if (it) walkSchema(it, `${path}.items`, visit);
}

/**
 * A validation rule as the real server prints it in a field error: Go's JSON of its `ValidationRule` struct
 * (`{"Rule":"self \u003e 1","Message":"",…}`, with `<`, `>` and `&` escaped as `json.Marshal` does).
 */
export function goRuleValue(rule: ValidationRule): string {
  return JSON.stringify({
    Rule: rule.rule,
    Message: rule.message ?? "",
    MessageExpression: rule.messageExpression ?? "",
    Reason: rule.reason ?? null,
    FieldPath: rule.fieldPath ?? "",
    OptionalOldSelf: rule.optionalOldSelf ?? null,
  }).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Compiles every `x-kubernetes-validations` rule of a schema (for CRD registration). Returns one line per problem
 * (syntax errors, unknown functions or variables, bad `messageExpression`, `fieldPath`, `reason`), e.g.
 * `spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: "self.x >": compilation failed: Unexpected token: EOF`.
 * Empty when every rule compiles; compiled programs are cached, so later evaluation does not parse again.
 */
export function compileCelValidations(
  schema: JSONSchemaProps,
  basePath = "spec.versions[0].schema.openAPIV3Schema",
): string[] {
  const out: string[] = [];
  walkSchema(schema, basePath, (s, path) => {
    (s["x-kubernetes-validations"] ?? []).forEach((rule, i) => {
      const c = compiled(rule);
      if (!("errors" in c)) {
        const undeclared = undeclaredFieldError(c.program.ast, s, rule.rule, schema);
        if (undeclared !== undefined)
          out.push(
            `${path}.x-kubernetes-validations[${i}].rule: Invalid value: ${goRuleValue(rule)}: compilation failed: ${undeclared}`,
          );
      }
      if ("errors" in c) {
        for (const e of c.errors) {
          // a rule or messageExpression that does not compile shows the whole rule as the real server's Go value
          const value =
            e.field === "rule" || e.field === "messageExpression"
              ? goRuleValue(rule)
              : JSON.stringify((e.field === "fieldPath" ? rule.fieldPath : rule.reason) ?? "");
          out.push(`${path}.x-kubernetes-validations[${i}].${e.field}: Invalid value: ${value}: ${e.detail}`);
        }
      }
    });
  });
  return out;
}

/** Converts decoded JSON to CEL values following the schema: integers → BigInt, date-time strings → Date. */
export function toCelValue(v: unknown, s: JSONSchemaProps | undefined): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") {
    if (s?.type === "number") return v;
    return Number.isInteger(v) ? BigInt(v) : v;
  }
  if (typeof v === "string") {
    if (s?.type === "string" && (s.format === "date-time" || s.format === "datetime")) {
      const t = Date.parse(v);
      if (!Number.isNaN(t)) return new Date(t);
    }
    return v;
  }
  if (Array.isArray(v)) {
    const it = itemsSchema(s);
    return v.map((x) => toCelValue(x, it));
  }
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    const ap = additionalPropertiesSchema(s);
    for (const [k, x] of Object.entries(v)) out[k] = toCelValue(x, s?.properties?.[k] ?? ap);
    return out;
  }
  return v;
}

function schemaTypeName(s: JSONSchemaProps): string {
  if (s.type) return s.type;
  if (s["x-kubernetes-int-or-string"]) return "";
  return "object";
}

/**
 * The cause of a rule that evaluated to false. As in 1.37: a scalar's own value is shown (`Invalid value: "bad": …`,
 * `Invalid value: 12: …`), an object's or a list's is left out (`Invalid value: <message>`).
 */
function failureCause(
  rule: ValidationRule,
  path: string,
  typeName: string,
  value: unknown,
  message: string,
): FieldCause {
  switch (rule.reason) {
    case "FieldValueForbidden":
      return forbiddenError(path, message);
    case "FieldValueRequired":
      return requiredError(path, message);
    case "FieldValueDuplicate":
      return duplicateError(path, typeName);
    default:
      return value !== null && typeof value === "object"
        ? invalidOmittedValueError(path, message)
        : invalidError(path, value, message);
  }
}

/** The rule as error messages name it: its `message` when set, else its expression (apiextensions' `ruleErrorString`). */
function ruleErrorString(rule: ValidationRule): string {
  return rule.message !== undefined && rule.message.trim() !== "" ? rule.message.trim() : rule.rule.trim();
}

function defaultMessage(rule: ValidationRule): string {
  if (rule.message !== undefined && rule.message.trim() !== "") return rule.message.trim();
  return `failed rule: ${rule.rule.trim()}`;
}

interface EvalCtx {
  causes: FieldCause[];
}

function evaluateRules(
  s: JSONSchemaProps,
  value: unknown,
  old: unknown,
  hasOld: boolean,
  nodePath: string,
  ctx: EvalCtx,
): void {
  const rules = s["x-kubernetes-validations"];
  if (!rules || rules.length === 0) return;
  // the real server validates the resource root with a nil field path, printed `<nil>`
  const path = nodePath === "" ? "<nil>" : nodePath;
  const typeName = schemaTypeName(s);
  const self = toCelValue(value, s);
  const oldCel = hasOld ? toCelValue(old, s) : undefined;
  for (const rule of rules) {
    const c = compiled(rule);
    if ("errors" in c) {
      ctx.causes.push(
        invalidError(
          path,
          typeName,
          `rule compile error: ${c.errors.map((e) => e.detail).join("; ")} for rule: ${rule.rule.trim()}`,
        ),
      );
      continue;
    }
    let oldSelf: unknown = oldCel;
    if (c.usesOldSelf) {
      if (rule.optionalOldSelf) oldSelf = hasOld ? Optional.of(oldCel) : Optional.none();
      else if (!hasOld) continue;
    }
    const fieldPath = c.fieldPath.length > 0 ? appendSteps(nodePath, c.fieldPath) : path;
    let result: unknown;
    try {
      result = c.program({ self, oldSelf });
    } catch (e) {
      const msg = firstLine(e);
      const text = msg.charAt(0).toLowerCase() + msg.slice(1);
      if (/^no (such|matching) overload/i.test(msg)) {
        ctx.causes.push(
          invalidError(
            path,
            typeName,
            `'${text}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`,
          ),
        );
      } else {
        ctx.causes.push(invalidError(path, typeName, `${text} evaluating rule: ${ruleErrorString(rule)}`));
      }
      continue;
    }
    if (result === true) continue;
    if (result !== false) {
      ctx.causes.push(invalidError(path, typeName, `rule did not evaluate to a bool for rule: ${rule.rule.trim()}`));
      continue;
    }
    let message = defaultMessage(rule);
    if (c.message) {
      try {
        const m = c.message({ self, oldSelf });
        if (typeof m === "string" && m.trim() !== "" && !m.includes("\n")) message = m;
      } catch {
        // falls back to `message` / `failed rule: …`, as the real server does
      }
    }
    ctx.causes.push(failureCause(rule, fieldPath, typeName, value, message));
  }
}

function listMapKey(item: unknown, keys: string[]): string | undefined {
  if (!isPlainObject(item)) return undefined;
  return JSON.stringify(keys.map((k) => item[k]));
}

function walk(s: JSONSchemaProps, value: unknown, old: unknown, hasOld: boolean, path: string, ctx: EvalCtx): void {
  if (value === null || value === undefined) return;
  evaluateRules(s, value, old, hasOld, path, ctx);
  if (isPlainObject(value)) {
    const oldObj = hasOld && isPlainObject(old) ? old : undefined;
    const ap = additionalPropertiesSchema(s);
    for (const [k, v] of Object.entries(value)) {
      const ps = s.properties?.[k];
      const hasChildOld = oldObj !== undefined && Object.hasOwn(oldObj, k);
      if (ps) walk(ps, v, oldObj?.[k], hasChildOld, childPath(path, k), ctx);
      else if (ap) walk(ap, v, oldObj?.[k], hasChildOld, keyPath(path, k), ctx);
    }
  } else if (Array.isArray(value)) {
    const it = itemsSchema(s);
    if (!it) return;
    const keys = s["x-kubernetes-list-type"] === "map" ? (s["x-kubernetes-list-map-keys"] ?? []) : undefined;
    let oldByKey: Map<string, unknown> | undefined;
    if (keys && hasOld && Array.isArray(old)) {
      oldByKey = new Map();
      for (const o of old) {
        const k = listMapKey(o, keys);
        if (k !== undefined) oldByKey.set(k, o);
      }
    }
    value.forEach((item, i) => {
      const k = keys ? listMapKey(item, keys) : undefined;
      const hasItemOld = oldByKey !== undefined && k !== undefined && oldByKey.has(k);
      walk(it, item, hasItemOld ? oldByKey?.get(k ?? "") : undefined, hasItemOld, indexPath(path, i), ctx);
    });
  }
}

/**
 * Evaluates every `x-kubernetes-validations` rule at its schema node: `self` is the node's value (absent and null
 * values are skipped), `oldSelf` the correlated previous value (by property, map key and list-map keys; transition
 * rules — those naming `oldSelf` — only run when such an old value exists, unless `optionalOldSelf`). Failures
 * become causes like the real server's: `{field: "spec", reason: "FieldValueInvalid",
 * message: 'Invalid value: minReplicas cannot be larger than replicas'}` (`message`, else the string from
 * `messageExpression`, else `failed rule: <rule>`; `reason` and `fieldPath` honoured).
 */
export function evaluateCelValidations(
  schema: JSONSchemaProps,
  obj: unknown,
  oldObj?: unknown,
  rootPath = "",
): FieldCause[] {
  const ctx: EvalCtx = { causes: [] };
  walk(schema, obj, oldObj, oldObj !== undefined && oldObj !== null, rootPath, ctx);
  return ctx.causes;
}
