/**
 * The part of cel-go's type check that `@marcbachmann/cel-js` cannot do with `self` declared `dyn`: a field selected
 * on an object whose schema declares its properties must be one of them (`self.nope` → `undefined field 'nope'`),
 * as apiextensions compiles a CRD's rules against the schema's types at registration. Only what is certain is
 * reported: selections through `self`/`oldSelf`, declared properties, list and map elements and the variables of the
 * `all`/`exists`/`exists_one`/`map`/`filter` macros; anything else is left to evaluation.
 */
import { additionalPropertiesSchema, itemsSchema, type JSONSchemaProps } from "./schema-types.ts";

/** A node of cel-js's parsed expression (`{op, args, pos}`). */
interface AstNode {
  op: string;
  args: unknown;
  pos: number;
}

const MACROS = new Set(["all", "exists", "exists_one", "map", "filter"]);

/** Fields every object at the root of a custom resource has, declared or not. */
const ROOT_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

function isNode(v: unknown): v is AstNode {
  return typeof v === "object" && v !== null && typeof (v as { op?: unknown }).op === "string";
}

/** Whether selecting a field on a value of this schema is checked: a declared object, not open to unknown fields. */
function closedObject(s: JSONSchemaProps | undefined): s is JSONSchemaProps & { properties: Record<string, unknown> } {
  if (s === undefined || s.properties === undefined || Object.keys(s.properties).length === 0) return false;
  if (s["x-kubernetes-preserve-unknown-fields"] === true || s["x-kubernetes-embedded-resource"] === true) return false;
  return additionalPropertiesSchema(s) === undefined;
}

/** cel-go's display of a compile error: `ERROR: <input>:L:C: message`, the source line and a `....^` indicator. */
export function celErrorText(expression: string, pos: number, message: string): string {
  const before = expression.slice(0, pos);
  const line = before.split("\n").length;
  const column = pos - (before.lastIndexOf("\n") + 1);
  const source = (expression.split("\n")[line - 1] ?? "").replaceAll("\t", " ");
  return `ERROR: <input>:${line}:${column + 1}: ${message}\n | ${source}\n | ${".".repeat(column)}^`;
}

/**
 * The first selection of an undeclared field in a parsed rule (`ast` from cel-js), as cel-go words it; undefined
 * when there is none. `schema` is the schema node the rule is attached to (`self`), `root` the CRD version's
 * `openAPIV3Schema` (whose `apiVersion`, `kind` and `metadata` always exist).
 */
export function undeclaredFieldError(
  ast: unknown,
  schema: JSONSchemaProps,
  expression: string,
  root?: JSONSchemaProps,
): string | undefined {
  let found: { pos: number; name: string } | undefined;
  const visit = (
    node: unknown,
    scope: ReadonlyMap<string, JSONSchemaProps | undefined>,
  ): JSONSchemaProps | undefined => {
    if (found !== undefined || !isNode(node)) return undefined;
    const args = Array.isArray(node.args) ? (node.args as unknown[]) : [];
    switch (node.op) {
      case "id":
        return typeof node.args === "string" ? scope.get(node.args) : undefined;
      case ".":
      case ".?": {
        const target = visit(args[0], scope);
        const name = typeof args[1] === "string" ? args[1] : undefined;
        if (name === undefined || target === undefined) return undefined;
        if (closedObject(target)) {
          const child = target.properties[name] as JSONSchemaProps | undefined;
          // cel-go places the error at the `.` of the selection
          if (child === undefined && node.op === "." && !(target === root && ROOT_FIELDS.has(name)))
            found = { pos: Math.max(0, expression.lastIndexOf(".", node.pos - 1)), name };
          return child;
        }
        return additionalPropertiesSchema(target);
      }
      case "[]":
      case "[?]": {
        const target = visit(args[0], scope);
        visit(args[1], scope);
        if (target === undefined) return undefined;
        return itemsSchema(target) ?? additionalPropertiesSchema(target);
      }
      case "call": {
        const fnArgs = Array.isArray(args[1]) ? (args[1] as unknown[]) : [];
        for (const a of fnArgs) visit(a, scope);
        // in `has(x.f)` with `f` undeclared, cel-go places the error at the macro's `(`
        const tested = fnArgs[0];
        // (set by the calls above: read it again, past the narrowing of the check at the top)
        const inArgs = found as { pos: number; name: string } | undefined;
        if (
          inArgs !== undefined &&
          args[0] === "has" &&
          isNode(tested) &&
          tested.op === "." &&
          inArgs.pos === expression.lastIndexOf(".", tested.pos - 1)
        )
          found = { pos: Math.max(node.pos, expression.indexOf("(", node.pos)), name: inArgs.name };
        return undefined;
      }
      case "rcall": {
        const name = typeof args[0] === "string" ? args[0] : "";
        const receiver = visit(args[1], scope);
        const fnArgs = Array.isArray(args[2]) ? (args[2] as unknown[]) : [];
        const iter = fnArgs[0];
        if (MACROS.has(name) && isNode(iter) && iter.op === "id" && typeof iter.args === "string") {
          // a list's iteration variable is an element; a map's is a key (a string: nothing to check)
          const element = receiver !== undefined ? itemsSchema(receiver) : undefined;
          const inner = new Map(scope);
          inner.set(iter.args, element);
          for (const a of fnArgs.slice(1)) visit(a, inner);
          return undefined;
        }
        for (const a of fnArgs) visit(a, scope);
        return undefined;
      }
      default:
        for (const a of args)
          if (isNode(a)) visit(a, scope);
          else if (Array.isArray(a)) for (const x of a) visit(x, scope);
        return undefined;
    }
  };
  visit(
    ast,
    new Map([
      ["self", schema],
      ["oldSelf", schema],
    ]),
  );
  return found === undefined ? undefined : celErrorText(expression, found.pos, `undefined field '${found.name}'`);
}
