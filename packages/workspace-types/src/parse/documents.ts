/**
 * YAML or JSON text → Workspace documents, each with its plain value, its problems with line and column, and a
 * way to find the position of any field path in the text. Built on the `yaml` package (JSON is YAML), keeping
 * the node ranges. Never throws on user input.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";
import { formatFieldPath } from "../schema/paths.ts";
import { isWorkspaceApiVersion } from "../schema/workspace.ts";

/** A 1-based line and column in the source text. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** One problem of a document, with where it is. */
export interface DocumentError extends SourcePosition {
  /** One line, no stack, no snippet. */
  readonly message: string;
  /** Kaito-style field path when the problem belongs to a field (`apiVersion`, `kind`), else absent. */
  readonly path?: string;
}

/** One document of the text. */
export interface ParsedDocument {
  /** 0-based index among the documents of the text. */
  readonly index: number;
  /** Where the text came from (file name, `-` for stdin), when given. */
  readonly source?: string;
  /** The plain JS value (`undefined` when the document could not be read). */
  readonly value: unknown;
  /**
   * Syntax errors, an empty document, a non-object, or a wrong `apiVersion`/`kind`; empty when the document is a
   * Workspace of a served version as far as parsing can tell (the schema and rules come next).
   */
  readonly errors: readonly DocumentError[];
  /** Parser warnings (e.g. YAML 1.1 tags), one line each. */
  readonly warnings: readonly DocumentError[];
  /** Position of the field at `path` (the key of a map entry, the item of a list), or `undefined`. */
  positionOf(path: readonly (string | number)[]): SourcePosition | undefined;
  /**
   * Position of the field at `path`, or of its nearest ancestor that exists (e.g. the `output:` key for a
   * missing `output.image`); the document start when nothing matches.
   */
  nearestPositionOf(path: readonly (string | number)[]): SourcePosition;
}

/** Options of {@link parseWorkspaceDocuments}. */
export interface ParseDocumentsOptions {
  /** Name of the input, carried on each document (for messages like `file.yaml:3:5: …`). */
  readonly source?: string;
  /**
   * Check `apiVersion`/`kind` (default true). Set to false to read any Kubernetes objects with positions.
   */
  readonly expectWorkspace?: boolean;
  /** Limit on alias expansion (YAML bombs); default 100. */
  readonly maxAliasCount?: number;
  /**
   * Read `kind: List` / `WorkspaceList` documents (what `kubectl get workspace -o yaml` prints) as one document per
   * item, with positions inside the list (default true).
   */
  readonly expandLists?: boolean;
}

type Range = readonly [number, number, number] | null | undefined;

/** Walk the YAML node tree along `path`; returns the range of the last node reached and how far it got. */
function locate(root: unknown, path: readonly (string | number)[]): { range: Range; depth: number } {
  let node: unknown = root;
  let range: Range = (root as Node | null)?.range;
  let depth = 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const k = p.key;
        return isScalar(k) ? String(k.value) === String(seg) : k === seg;
      });
      if (pair === undefined) break;
      range = (isScalar(pair.key) ? pair.key.range : undefined) ?? (pair.value as Node | null)?.range ?? range;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as Node | undefined;
      if (item === undefined) break;
      range = item.range ?? range;
      node = item;
    } else break;
    depth++;
  }
  return { range, depth };
}

function oneLine(message: string): string {
  const first = message.split("\n", 1)[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?\s*$/, "").trim();
}

function describeType(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `a ${typeof v}`;
}

function isEmptyDocument(doc: Document.Parsed): boolean {
  const c = doc.contents;
  return c === null || (isScalar(c) && c.value === null && (c.source === "" || c.source === undefined));
}

function isList(v: unknown): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const rec = v as Record<string, unknown>;
  return typeof rec.kind === "string" && rec.kind.endsWith("List") && Array.isArray(rec.items);
}

/** Object-level checks of one Workspace value: a map, apiVersion, kind. */
function checkObject(
  value: unknown,
  nearestPositionOf: (path: readonly (string | number)[]) => SourcePosition,
  opts: ParseDocumentsOptions,
): DocumentError[] {
  const errors: DocumentError[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    errors.push({
      message: `expected a Workspace object (a map of fields), got ${describeType(value)}`,
      ...nearestPositionOf([]),
    });
    return errors;
  }
  if (opts.expectWorkspace === false) return errors;
  const obj = value as Record<string, unknown>;
  const apiVersion = obj.apiVersion;
  const kind = obj.kind;
  if (!isWorkspaceApiVersion(apiVersion)) {
    errors.push({
      path: formatFieldPath(["apiVersion"]),
      message:
        apiVersion === undefined
          ? "Required value: expected kaito.sh/v1alpha1 or kaito.sh/v1beta1"
          : `Unsupported value ${JSON.stringify(apiVersion)}: a Workspace is kaito.sh/v1alpha1 or kaito.sh/v1beta1`,
      ...nearestPositionOf(["apiVersion"]),
    });
  }
  if (kind !== "Workspace") {
    errors.push({
      path: "kind",
      message:
        kind === undefined
          ? 'Required value: expected "Workspace"'
          : `Unsupported value ${JSON.stringify(kind)}: expected "Workspace"`,
      ...nearestPositionOf(["kind"]),
    });
  }
  return errors;
}

function buildDocument(
  doc: Document.Parsed,
  index: number,
  lineCounter: LineCounter,
  opts: ParseDocumentsOptions,
): ParsedDocument[] {
  const pos = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const docStart = pos(doc.range[0]);
  const positionOf = (path: readonly (string | number)[]): SourcePosition | undefined => {
    const { range, depth } = locate(doc.contents, path);
    return depth === path.length && range ? pos(range[0]) : undefined;
  };
  const nearestPositionOf = (path: readonly (string | number)[]): SourcePosition => {
    const { range } = locate(doc.contents, path);
    return range ? pos(range[0]) : docStart;
  };
  const errors: DocumentError[] = [];
  const warnings: DocumentError[] = doc.warnings.map((w) => ({
    message: oneLine(w.message),
    ...(w.linePos ? { line: w.linePos[0].line, column: w.linePos[0].col } : docStart),
  }));
  for (const e of doc.errors) {
    const at = e.linePos ? { line: e.linePos[0].line, column: e.linePos[0].col } : docStart;
    errors.push({ message: `invalid YAML: ${oneLine(e.message)}`, ...at });
  }
  let value: unknown;
  if (errors.length === 0) {
    if (isEmptyDocument(doc)) {
      errors.push({ message: "empty document: expected a Workspace object", ...docStart });
    } else {
      try {
        value = doc.toJS({ maxAliasCount: opts.maxAliasCount ?? 100 });
      } catch (err) {
        errors.push({
          message: `invalid YAML: ${oneLine(err instanceof Error ? err.message : String(err))}`,
          ...docStart,
        });
      }
    }
  }
  if (errors.length === 0) {
    const items = opts.expandLists !== false && isList(value) ? (value as { items: unknown[] }).items : undefined;
    if (items !== undefined && items.length === 0) {
      errors.push({ message: "empty list: expected Workspaces in items", ...nearestPositionOf(["items"]) });
    } else if (items !== undefined) {
      return items.map((item, i) => {
        const prefix = ["items", i];
        const positionOfItem = (path: readonly (string | number)[]) => positionOf([...prefix, ...path]);
        const nearestOfItem = (path: readonly (string | number)[]) => nearestPositionOf([...prefix, ...path]);
        return {
          index,
          ...(opts.source !== undefined ? { source: opts.source } : {}),
          value: item,
          errors: checkObject(item, nearestOfItem, opts),
          warnings: i === 0 ? warnings : [],
          positionOf: positionOfItem,
          nearestPositionOf: nearestOfItem,
        };
      });
    } else {
      errors.push(...checkObject(value, nearestPositionOf, opts));
    }
  }
  return [
    {
      index,
      ...(opts.source !== undefined ? { source: opts.source } : {}),
      value,
      errors,
      warnings,
      positionOf,
      nearestPositionOf,
    },
  ];
}

/**
 * Parse YAML or JSON text holding one or more Workspaces (`---`-separated). Empty documents between others are
 * skipped, as kubectl does; a text with no document at all yields one document with the error `empty document`.
 * @example
 * for (const doc of parseWorkspaceDocuments(text, { source: "ws.yaml" })) {
 *   for (const e of doc.errors) console.error(`ws.yaml:${e.line}:${e.column}: ${e.message}`);
 * }
 */
export function parseWorkspaceDocuments(text: string, opts: ParseDocumentsOptions = {}): ParsedDocument[] {
  const lineCounter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(typeof text === "string" ? text : String(text), {
      lineCounter,
      prettyErrors: true,
      uniqueKeys: true,
    }) as Document.Parsed[];
  } catch (err) {
    return [
      {
        index: 0,
        ...(opts.source !== undefined ? { source: opts.source } : {}),
        value: undefined,
        errors: [
          { message: `invalid YAML: ${oneLine(err instanceof Error ? err.message : String(err))}`, line: 1, column: 1 },
        ],
        warnings: [],
        positionOf: () => undefined,
        nearestPositionOf: () => ({ line: 1, column: 1 }),
      },
    ];
  }
  const nonEmpty = docs.filter((d) => !isEmptyDocument(d) || d.errors.length > 0);
  if (nonEmpty.length === 0) {
    const start = docs[0];
    const at = start ? lineCounter.linePos(start.range[0]) : { line: 1, col: 1 };
    return [
      {
        index: 0,
        ...(opts.source !== undefined ? { source: opts.source } : {}),
        value: undefined,
        errors: [{ message: "empty document: expected a Workspace object", line: at.line, column: at.col }],
        warnings: [],
        positionOf: () => undefined,
        nearestPositionOf: () => ({ line: at.line, column: at.col }),
      },
    ];
  }
  return nonEmpty
    .flatMap((d, i) => buildDocument(d, i, lineCounter, opts))
    .map((d, i) => (d.index === i ? d : { ...d, index: i }));
}

/**
 * One line for a document error, compiler style: `source:line:column: message` (`line:column: message` without a
 * source).
 */
export function formatDocumentError(doc: Pick<ParsedDocument, "source">, error: DocumentError): string {
  const where = `${error.line}:${error.column}`;
  return `${doc.source !== undefined ? `${doc.source}:` : ""}${where}: ${error.path ? `${error.path}: ` : ""}${error.message}`;
}
