/**
 * Generates `docs/workspace-reference.md` — every field of the Workspace (`kaito.sh/v1beta1` and `v1alpha1`) with its
 * type, whether it is required, its default and its description — from workspace-types' zod schemas (their
 * `.describe()` texts, through zod's JSON Schema output). A test keeps the committed page current.
 *
 *   node --conditions=@kaito-ts/source scripts/docs-workspace-reference.ts          write the page
 *   node --conditions=@kaito-ts/source scripts/docs-workspace-reference.ts --check  exit 1 when it is stale
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { WorkspaceV1alpha1Schema, WorkspaceV1beta1Schema } from "../packages/workspace-types/src/index.ts";

// zod is workspace-types' dependency (not the root's): resolve it from there.
const wtRequire = createRequire(join(import.meta.dirname, "..", "packages", "workspace-types", "package.json"));
/** The part of zod's API used here (its types live with workspace-types). */
interface ZodJsonSchemaApi {
  toJSONSchema(schema: unknown, options: { unrepresentable: "any"; io: "input" }): unknown;
}
const { z } = (await import(pathToFileURL(wtRequire.resolve("zod")).href)) as { z: ZodJsonSchemaApi };

/** Where the page lives. */
export const REFERENCE_PATH = join(import.meta.dirname, "..", "docs", "workspace-reference.md");

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum !== undefined) return s.enum.map((e) => `\`${JSON.stringify(e)}\``).join(" | ");
  const alts = s.anyOf ?? s.oneOf;
  if (alts !== undefined) return alts.map(typeOf).join(" | ");
  const t = Array.isArray(s.type) ? s.type.join(" | ") : (s.type ?? "any");
  if (t === "array" && s.items !== undefined) return `${typeOf(s.items)}[]`;
  if (t === "object" && s.properties === undefined && typeof s.additionalProperties === "object")
    return `map of ${typeOf(s.additionalProperties)}`;
  return t;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  const req = new Set(schema.required ?? []);
  for (const [name, child0] of Object.entries(schema.properties ?? {})) {
    const child = (child0.anyOf ?? child0.oneOf)?.find((a) => a.properties !== undefined) ?? child0;
    const path = `${prefix}${name}`;
    const def = child0.default !== undefined ? `\`${JSON.stringify(child0.default)}\`` : "";
    const desc = child0.description ?? child.description ?? "";
    out.push(`| \`${path}\` | ${cell(typeOf(child0))} | ${req.has(name) ? "yes" : ""} | ${def} | ${cell(desc)} |`);
    if (child.properties !== undefined) rows(child, `${path}.`, out);
    else if (child.items?.properties !== undefined) rows(child.items, `${path}[].`, out);
  }
}

function section(title: string, schema: unknown): string {
  const json = z.toJSONSchema(schema, { unrepresentable: "any", io: "input" }) as JsonSchema;
  const out: string[] = [];
  for (const top of ["resource", "inference", "tuning", "status"]) {
    const s = json.properties?.[top];
    if (s === undefined) continue;
    out.push(`\n### \`${top}\`\n`, "| field | type | required | default | description |", "|---|---|---|---|---|");
    rows({ properties: { [top]: s } }, "", out);
  }
  return `## ${title}\n${out.join("\n")}\n`;
}

/** The page's text. */
export function renderWorkspaceReference(): string {
  return `# Workspace reference

<!-- Generated from @kaito-ts/workspace-types' zod schemas by scripts/docs-workspace-reference.ts; do not edit. -->

Every field of a \`Workspace\` as the API server stores it (the CRD's defaults applied), with the descriptions of the
schemas in \`@kaito-ts/workspace-types\`. A Kaito Workspace YAML is valid here unchanged. Besides these types, the
admission rules (\`kaito validate\`, the operator's webhook) check the cross-field rules — see
[differences.md](differences.md) for the ones kaito-ts words or applies differently. Metadata (\`metadata.name\`,
\`namespace\`, \`labels\`, \`annotations\`) is Kubernetes' \`ObjectMeta\`; the annotations Kaito reads are
\`kaito.sh/runtime\` (\`vllm\` or \`transformers\`), \`kaito.sh/enablelb\` and \`kaito.sh/node-image-family\`.

${section("kaito.sh/v1beta1 (the storage version)", WorkspaceV1beta1Schema)}
${section("kaito.sh/v1alpha1", WorkspaceV1alpha1Schema)}`;
}

if (import.meta.main) {
  const text = renderWorkspaceReference();
  if (process.argv.includes("--check")) {
    const now = readFileSync(REFERENCE_PATH, "utf8");
    if (now !== text) {
      console.error(
        "docs/workspace-reference.md is stale: run node --conditions=@kaito-ts/source scripts/docs-workspace-reference.ts",
      );
      process.exitCode = 1;
    }
  } else {
    writeFileSync(REFERENCE_PATH, text);
    console.log(`wrote ${REFERENCE_PATH}`);
  }
}
