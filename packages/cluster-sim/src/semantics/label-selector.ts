/**
 * Label selectors: the string syntax of `?labelSelector=` (apimachinery `labels.Parse`) and the structured
 * `metav1.LabelSelector` of workload specs, with the real server's parse errors.
 */
import { badRequest, type ClusterSimError } from "../errors/index.ts";

/** Operators of a label requirement. `gt`/`lt` compare integers (`k>1`, `k<5`). */
export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

/** One requirement of a label selector (all requirements must hold). */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A parsed label selector: the conjunction of its requirements. An empty list selects everything. */
export interface LabelSelector {
  requirements: LabelRequirement[];
  /** True for a selector that matches nothing (a structured selector that is `null` in some APIs). */
  matchesNothing?: boolean;
}

/** The structured selector of `spec.selector` (`metav1.LabelSelector`). */
export interface MetaLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const QUALIFIED_NAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Validates a label key (`[prefix/]name`) and returns the apimachinery error detail, or undefined when valid. */
export function validateLabelKey(key: string): string | undefined {
  const parts = key.split("/");
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) return "prefix part must be non-empty";
    if (prefix.length > 253) return "prefix part must be no more than 253 characters";
    if (!DNS1123_SUBDOMAIN_RE.test(prefix)) {
      return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    }
  } else if (parts.length > 2) {
    return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
  }
  if (name.length === 0) return "name part must be non-empty";
  if (name.length > 63) return "name part must be no more than 63 characters";
  if (!NAME_RE.test(name)) return QUALIFIED_NAME_MSG;
  return undefined;
}

/** Validates a label value; returns the error detail or undefined. */
export function validateLabelValue(value: string): string | undefined {
  if (value.length > 63) return "must be no more than 63 characters";
  if (!LABEL_VALUE_RE.test(value)) return LABEL_VALUE_MSG;
  return undefined;
}

type TokenKind = "id" | "!" | "(" | ")" | "," | "=" | "==" | "!=" | "in" | "notin" | ">" | "<" | "end";

interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIAL = new Set(["!", "(", ")", ",", "=", "<", ">"]);

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? "";
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = s.slice(i, i + 2);
      if (two === "==" || two === "!=") {
        out.push({ kind: two, text: two });
        i += 2;
      } else {
        out.push({ kind: c as TokenKind, text: c });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < s.length) {
      const d = s[j] ?? "";
      if (d === " " || d === "\t" || d === "\n" || d === "\r" || SPECIAL.has(d)) break;
      j++;
    }
    const text = s.slice(i, j);
    out.push({ kind: text === "in" ? "in" : text === "notin" ? "notin" : "id", text });
    i = j;
  }
  out.push({ kind: "end", text: "" });
  return out;
}

function isIdent(t: Token): boolean {
  return t.kind === "id" || t.kind === "in" || t.kind === "notin";
}

function selectorError(message: string): ClusterSimError {
  return badRequest(message);
}

/**
 * Parses a label selector string (`app=x,tier in (a,b),!legacy,env!=prod,k,k==v,k notin (a)`).
 * Throws a `ClusterSimError` (400 BadRequest) with apimachinery's wording (`unable to parse requirement: …`,
 * `found ')', expected: …`) for invalid input. The empty string selects everything.
 */
export function parseLabelSelector(s: string): LabelSelector {
  const tokens = tokenize(s);
  let pos = 0;
  const peek = (): Token => tokens[pos] ?? { kind: "end", text: "" };
  const next = (): Token => {
    const t = peek();
    pos++;
    return t;
  };
  const requirements: LabelRequirement[] = [];
  if (peek().kind === "end") return { requirements };
  for (;;) {
    const first = peek();
    if (!isIdent(first) && first.kind !== "!") {
      throw selectorError(`found '${first.text}', expected: !, identifier, or 'end of string'`);
    }
    requirements.push(parseRequirement());
    const t = next();
    if (t.kind === "end") break;
    if (t.kind !== ",") throw selectorError(`found '${t.text}', expected: ',' or 'end of string'`);
    const after = peek();
    if (!isIdent(after) && after.kind !== "!") {
      throw selectorError(`found '${after.text}', expected: identifier after ','`);
    }
  }
  return { requirements };

  function parseRequirement(): LabelRequirement {
    let t = next();
    let negated = false;
    if (t.kind === "!") {
      negated = true;
      t = next();
    }
    if (!isIdent(t)) {
      throw selectorError(`unable to parse requirement: found '${t.text}', expected: identifier`);
    }
    const key = t.text;
    const keyErr = validateLabelKey(key);
    if (keyErr)
      throw selectorError(`unable to parse requirement: key: Invalid value: ${JSON.stringify(key)}: ${keyErr}`);
    if (negated) return { key, operator: "!", values: [] };
    const op = peek();
    if (op.kind === "," || op.kind === "end") return { key, operator: "exists", values: [] };
    pos++;
    let operator: LabelOperator;
    switch (op.kind) {
      case "=":
      case "==":
      case "!=":
      case "in":
      case "notin":
        operator = op.kind;
        break;
      case ">":
        operator = "gt";
        break;
      case "<":
        operator = "lt";
        break;
      default:
        throw selectorError(`unable to parse requirement: found '${op.text}', expected: '=', '!=', '==', 'in', notin'`);
    }
    let values: string[];
    if (operator === "in" || operator === "notin") {
      const open = next();
      if (open.kind !== "(") throw selectorError(`unable to parse requirement: found '${open.text}' expected: '('`);
      values = parseValueList();
    } else {
      const v = peek();
      if (isIdent(v)) {
        pos++;
        values = [v.text];
      } else if (v.kind === "," || v.kind === "end") {
        values = [""];
      } else {
        throw selectorError(`unable to parse requirement: found '${v.text}', expected: identifier`);
      }
    }
    if (operator === "gt" || operator === "lt") {
      const v = values[0] ?? "";
      if (!/^-?\d+$/.test(v)) {
        throw selectorError(
          `unable to parse requirement: values[0]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`,
        );
      }
    } else {
      values.forEach((v, i) => {
        const err = validateLabelValue(v);
        if (err) {
          throw selectorError(
            `unable to parse requirement: values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${err}`,
          );
        }
      });
    }
    return { key, operator, values };
  }

  function parseValueList(): string[] {
    const first = peek();
    if (first.kind === ")") {
      pos++;
      return [""];
    }
    if (!isIdent(first) && first.kind !== ",") {
      throw selectorError(`unable to parse requirement: found '${first.text}', expected: ',', ')' or identifier`);
    }
    const values = new Set<string>();
    for (;;) {
      const t = next();
      if (isIdent(t)) {
        values.add(t.text);
        const sep = peek();
        if (sep.kind === ",") {
          pos++;
          if (peek().kind === ")") values.add("");
          continue;
        }
        if (sep.kind === ")") {
          pos++;
          return [...values];
        }
        throw selectorError(`unable to parse requirement: found '${sep.text}', expected: ',' or ')'`);
      }
      if (t.kind === ",") {
        values.add("");
        if (peek().kind === ")") {
          pos++;
          return [...values];
        }
        continue;
      }
      if (t.kind === ")") return [...values];
      throw selectorError(`unable to parse requirement: found '${t.text}', expected: ',', or identifier`);
    }
  }
}

/** True when `labels` satisfy every requirement of `sel`. */
export function matchesLabelSelector(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (sel.matchesNothing) return false;
  const l = labels ?? {};
  for (const r of sel.requirements) {
    const has = Object.hasOwn(l, r.key);
    const v = has ? l[r.key] : undefined;
    switch (r.operator) {
      case "=":
      case "==":
      case "in":
        if (!has || !r.values.includes(v ?? "")) return false;
        break;
      case "!=":
      case "notin":
        if (has && r.values.includes(v ?? "")) return false;
        break;
      case "exists":
        if (!has) return false;
        break;
      case "!":
        if (has) return false;
        break;
      case "gt":
      case "lt": {
        if (!has || !/^-?\d+$/.test(v ?? "")) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.operator === "gt" ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** Renders a selector back to its canonical string form (sorted by key, as apimachinery does). */
export function formatLabelSelector(sel: LabelSelector): string {
  const parts = [...sel.requirements]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.operator) {
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
        case "in":
        case "notin":
          return `${r.key} ${r.operator} (${[...r.values].sort().join(",")})`;
        case "gt":
          return `${r.key}>${r.values[0] ?? ""}`;
        case "lt":
          return `${r.key}<${r.values[0] ?? ""}`;
        default:
          return `${r.key}${r.operator}${r.values[0] ?? ""}`;
      }
    });
  return parts.join(",");
}

/**
 * Converts a structured `metav1.LabelSelector` (`matchLabels` + `matchExpressions`, operators `In`, `NotIn`,
 * `Exists`, `DoesNotExist`). `undefined`/`null` selects nothing (as `LabelSelectorAsSelector(nil)`); `{}` selects
 * everything. Throws a 400 `ClusterSimError` with the real wording for bad operators or values.
 */
export function labelSelectorFromObject(sel: MetaLabelSelector | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return { requirements: [], matchesNothing: true };
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    const keyErr = validateLabelKey(key);
    if (keyErr) throw selectorError(`key: Invalid value: ${JSON.stringify(key)}: ${keyErr}`);
    const valErr = validateLabelValue(value);
    if (valErr) throw selectorError(`values[0][${key}]: Invalid value: ${JSON.stringify(value)}: ${valErr}`);
    requirements.push({ key, operator: "=", values: [value] });
  }
  for (const expr of sel.matchExpressions ?? []) {
    const keyErr = validateLabelKey(expr.key);
    if (keyErr) throw selectorError(`key: Invalid value: ${JSON.stringify(expr.key)}: ${keyErr}`);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) {
          throw selectorError(
            "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
          );
        }
        requirements.push({ key: expr.key, operator: expr.operator === "In" ? "in" : "notin", values: [...values] });
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) {
          throw selectorError(
            `values: Invalid value: []string{${values.map((v) => JSON.stringify(v)).join(", ")}}: values set must be empty for exists and does not exist`,
          );
        }
        requirements.push({ key: expr.key, operator: expr.operator === "Exists" ? "exists" : "!", values: [] });
        break;
      default:
        throw selectorError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    }
  }
  return { requirements };
}
