import { describe, expect, it } from "vitest";
import { formatDocumentError, parseWorkspaceDocuments } from "../src/index.ts";
import { fixture } from "./helpers.ts";

function firstErrors(text: string): string[] {
  return parseWorkspaceDocuments(text, { source: "ws.yaml" }).flatMap((d) =>
    d.errors.map((e) => formatDocumentError(d, e)),
  );
}

describe("parseWorkspaceDocuments", () => {
  it("reads the seed example with positions of its fields", () => {
    const [doc, ...rest] = parseWorkspaceDocuments(fixture("seed-tuning-phi-3.yaml"), { source: "seed.yaml" });
    expect(rest).toHaveLength(0);
    expect(doc?.errors).toEqual([]);
    expect(doc?.source).toBe("seed.yaml");
    expect(doc?.value).toMatchObject({ metadata: { name: "workspace-tuning-phi-3" } });
    expect(doc?.positionOf(["tuning", "output", "image"])).toEqual({ line: 18, column: 5 });
    expect(doc?.positionOf(["tuning", "output", "imagePushSecret"])).toEqual({ line: 19, column: 5 });
    expect(doc?.positionOf(["tuning", "input", "urls", 0])).toEqual({ line: 16, column: 9 });
    expect(doc?.positionOf(["tuning", "output", "volumeSource"])).toBeUndefined();
    expect(doc?.nearestPositionOf(["tuning", "output", "volumeSource"])).toEqual({ line: 17, column: 3 });
    expect(doc?.nearestPositionOf(["nothing", "here"])).toEqual({ line: 1, column: 1 });
  });

  it("splits multi-document streams and skips empty documents between them", () => {
    const text = `${fixture("inference-preset.yaml")}---\n---\n# just a comment\n---\n${fixture("tuning-volume.yaml")}`;
    const docs = parseWorkspaceDocuments(text);
    expect(docs.map((d) => d.index)).toEqual([0, 1]);
    expect(docs.map((d) => d.errors)).toEqual([[], []]);
    expect(docs[1]?.positionOf(["metadata", "name"])).toEqual({
      line: text.split("\n").indexOf("  name: workspace-tuning-volume") + 1,
      column: 3,
    });
  });

  it("reads JSON, tabs included", () => {
    const json = JSON.stringify(
      { apiVersion: "kaito.sh/v1beta1", kind: "Workspace", metadata: { name: "j" }, resource: { labelSelector: {} } },
      null,
      "\t",
    );
    const [doc] = parseWorkspaceDocuments(json);
    expect(doc?.errors).toEqual([]);
    expect(doc?.positionOf(["resource", "labelSelector"])).toEqual({ line: 8, column: 3 });
  });

  it("gives a one-line reason with line and column for bad input", () => {
    expect(firstErrors("")).toEqual(["ws.yaml:1:1: empty document: expected a Workspace object"]);
    expect(firstErrors("# only a comment\n")).toEqual(["ws.yaml:1:1: empty document: expected a Workspace object"]);
    expect(firstErrors("apiVersion: kaito.sh/v1beta1\nkind: Workspace\nresource: [1\nfoo: 2\n")).toEqual([
      "ws.yaml:4:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
    expect(firstErrors("apiVersion: kaito.sh/v1beta1\nkind: Workspace\nkind: Workspace\n")).toEqual([
      "ws.yaml:3:1: invalid YAML: Map keys must be unique",
    ]);
    expect(firstErrors("- a\n- b\n")).toEqual([
      "ws.yaml:1:1: expected a Workspace object (a map of fields), got a list",
    ]);
    expect(firstErrors("hello\n")).toEqual([
      'ws.yaml:1:1: expected a Workspace object (a map of fields), got the string "hello"',
    ]);
    expect(firstErrors("apiVersion: apps/v1\nkind: Deployment\n")).toEqual([
      'ws.yaml:1:1: apiVersion: Unsupported value "apps/v1": a Workspace is kaito.sh/v1alpha1 or kaito.sh/v1beta1',
      'ws.yaml:2:1: kind: Unsupported value "Deployment": expected "Workspace"',
    ]);
    expect(firstErrors("metadata:\n  name: x\n")).toEqual([
      "ws.yaml:1:1: apiVersion: Required value: expected kaito.sh/v1alpha1 or kaito.sh/v1beta1",
      'ws.yaml:1:1: kind: Required value: expected "Workspace"',
    ]);
    expect(firstErrors("a: *nope\n")[0]).toMatch(/^ws\.yaml:1:1: invalid YAML: Unresolved alias/);
  });

  it("reports each broken document of a stream on its own line numbers", () => {
    const text = "apiVersion: kaito.sh/v1beta1\nkind: Workspace\n---\napiVersion: kaito.sh/v1beta1\nkind: Pod\n";
    const docs = parseWorkspaceDocuments(text);
    expect(docs[0]?.errors).toEqual([]);
    expect(docs[1]?.errors).toEqual([
      { path: "kind", message: 'Unsupported value "Pod": expected "Workspace"', line: 5, column: 1 },
    ]);
  });

  it("stops alias bombs instead of expanding them", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
    ].join("\n");
    const [doc] = parseWorkspaceDocuments(bomb);
    expect(doc?.errors[0]?.message).toMatch(/invalid YAML: .*alias/i);
  });

  it("can read any Kubernetes object with expectWorkspace: false", () => {
    const [doc] = parseWorkspaceDocuments("apiVersion: v1\nkind: ConfigMap\n", { expectWorkspace: false });
    expect(doc?.errors).toEqual([]);
  });

  it("reads kubectl's List output as one document per item, with positions inside the list", () => {
    const text = [
      "apiVersion: v1",
      "kind: List",
      "items:",
      "  - apiVersion: kaito.sh/v1beta1",
      "    kind: Workspace",
      "    metadata:",
      "      name: a",
      "  - apiVersion: v1",
      "    kind: Pod",
      "metadata: {}",
    ].join("\n");
    const docs = parseWorkspaceDocuments(text, { source: "list.yaml" });
    expect(docs.map((d) => d.index)).toEqual([0, 1]);
    expect(docs[0]?.errors).toEqual([]);
    expect(docs[0]?.positionOf(["metadata", "name"])).toEqual({ line: 7, column: 7 });
    expect(docs[1]?.errors.map((e) => formatDocumentError(docs[1] ?? {}, e))).toEqual([
      'list.yaml:8:5: apiVersion: Unsupported value "v1": a Workspace is kaito.sh/v1alpha1 or kaito.sh/v1beta1',
      'list.yaml:9:5: kind: Unsupported value "Pod": expected "Workspace"',
    ]);
    expect(firstErrors("apiVersion: v1\nkind: List\nitems: []\n")).toEqual([
      "ws.yaml:3:1: empty list: expected Workspaces in items",
    ]);
    const [asIs] = parseWorkspaceDocuments("kind: List\nitems: []\n", { expandLists: false, expectWorkspace: false });
    expect(asIs?.errors).toEqual([]);
  });

  it("never throws on garbage and always says where", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const alphabet = ":-[]{}&*!|>'\"%@`#,? \n\t\r\\abc019\u0000\u00e9\ud83d";
    for (let n = 0; n < 500; n++) {
      const len = Math.floor(rand() * 60);
      let text = "";
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      const docs = parseWorkspaceDocuments(text);
      expect(docs.length).toBeGreaterThan(0);
      for (const d of docs) {
        for (const e of d.errors) {
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.column).toBeGreaterThanOrEqual(1);
          expect(e.message).not.toContain("\n");
        }
      }
    }
  });
});
