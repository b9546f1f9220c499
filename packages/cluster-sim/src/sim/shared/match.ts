/** Pure matchers: globs, label selectors, node selector terms, taints and tolerations. */
import { asObj, asObjArray, asStringArray, asStringRecord, type Obj, str } from "./objects.ts";

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters, `?` one character; everything else is literal. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? "i" : "c"}:${pattern}`;
  let re = globCache.get(cacheKey);
  if (re === undefined) {
    const body = [...pattern]
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/-]/g, "\\$&")))
      .join("");
    re = new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
    globCache.set(cacheKey, re);
  }
  return re.test(value);
}

/** Matches a `metav1.LabelSelector` (`matchLabels` + `matchExpressions`). An empty selector matches everything. */
export function labelSelectorMatches(selector: unknown, labels: Record<string, string> | undefined): boolean {
  const sel = asObj(selector);
  const l = labels ?? {};
  for (const [k, v] of Object.entries(asStringRecord(sel.matchLabels))) if (l[k] !== v) return false;
  for (const e of asObjArray(sel.matchExpressions)) {
    const key = str(e.key) ?? "";
    const values = asStringArray(e.values);
    const has = Object.hasOwn(l, key);
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(l[key] ?? "")) return false;
        break;
      case "NotIn":
        if (has && values.includes(l[key] ?? "")) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Matches a Service-style selector (a plain map). An empty map matches nothing, as for Services. */
export function mapSelectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined) {
  const entries = Object.entries(selector);
  if (entries.length === 0) return false;
  return entries.every(([k, v]) => labels?.[k] === v);
}

/** One `NodeSelectorRequirement` against node labels. */
export function nodeRequirementMatches(req: Obj, labels: Record<string, string>): boolean {
  const key = str(req.key) ?? "";
  const values = asStringArray(req.values);
  const has = Object.hasOwn(labels, key);
  const value = labels[key] ?? "";
  switch (req.operator) {
    case "In":
      return has && values.includes(value);
    case "NotIn":
      return !has || !values.includes(value);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      if (!has || values.length !== 1) return false;
      const a = Number.parseInt(value, 10);
      const b = Number.parseInt(values[0] ?? "", 10);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return req.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** `nodeSelectorTerms` are ORed; requirements within a term are ANDed; an empty term matches nothing. */
export function nodeSelectorTermsMatch(terms: unknown, labels: Record<string, string>, fields: Record<string, string>) {
  return asObjArray(terms).some((term) => {
    const exprs = asObjArray(term.matchExpressions);
    const fieldExprs = asObjArray(term.matchFields);
    if (exprs.length === 0 && fieldExprs.length === 0) return false;
    return (
      exprs.every((r) => nodeRequirementMatches(r, labels)) &&
      fieldExprs.every((r) => nodeRequirementMatches(r, fields))
    );
  });
}

/** nodeSelector and required node affinity of a pod spec against a node. */
export function podMatchesNodeLabels(podSpec: Obj, nodeName: string, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(asStringRecord(podSpec.nodeSelector))) if (labels[k] !== v) return false;
  const required = asObj(asObj(asObj(podSpec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution);
  if (required.nodeSelectorTerms !== undefined) {
    return nodeSelectorTermsMatch(required.nodeSelectorTerms, labels, { "metadata.name": nodeName });
  }
  return true;
}

/** True when `toleration` tolerates `taint` (Kubernetes `Toleration.ToleratesTaint`). */
export function tolerates(toleration: Obj, taint: Obj): boolean {
  const effect = str(toleration.effect) ?? "";
  if (effect !== "" && effect !== taint.effect) return false;
  const key = str(toleration.key) ?? "";
  const operator = str(toleration.operator) ?? "Equal";
  if (key === "") return operator === "Exists";
  if (key !== taint.key) return false;
  if (operator === "Exists") return true;
  return (str(toleration.value) ?? "") === (str(taint.value) ?? "");
}

/** The first NoSchedule/NoExecute taint none of the tolerations tolerates. */
export function firstUntoleratedTaint(taints: Obj[], tolerations: Obj[]): Obj | undefined {
  return taints.find(
    (t) => (t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerations.some((tol) => tolerates(tol, t)),
  );
}
