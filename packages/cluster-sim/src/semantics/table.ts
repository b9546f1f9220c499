/**
 * `meta.k8s.io/v1 Table` responses (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) for the built-in kinds
 * and for custom resources with `additionalPrinterColumns`, as kube-apiserver builds them.
 */
import { evaluateJsonPath, jsonPathText } from "./jsonpath.ts";
import {
  AGE_COLUMN,
  AGE_DESCRIPTION,
  ageSince,
  NAME_COLUMN,
  printerColumnsFor,
  type TableColumn,
  type TableColumnDefinition,
} from "./printers.ts";
import { isPlainObject } from "./schema-types.ts";

/** A CRD `additionalPrinterColumns` entry. */
export interface CrdPrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** `includeObject` of the Table request (`?includeObject=`); the real server defaults to `Metadata`. */
export type IncludeObject = "None" | "Metadata" | "Object";

/** A Table row. */
export interface TableRow {
  cells: unknown[];
  object?: Record<string, unknown> | null;
}

/** The `meta.k8s.io/v1 Table` object. */
export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** Input of {@link buildTable}. */
export interface BuildTableInput {
  objects: unknown[];
  /** Columns: built-in columns with cell functions, or a CRD version's `additionalPrinterColumns`. */
  columns?: (TableColumn | CrdPrinterColumn)[];
  /** Use the standard columns of this built-in kind (when `columns` is not given). */
  builtinKind?: { group: string; kind: string };
  includeObject?: IncludeObject;
  resourceVersion?: string;
  continue?: string;
  /** Clock for Age cells. */
  now?: Date;
  /** Leave `columnDefinitions` empty (the real server sends them only on the first watch event). */
  omitColumnDefinitions?: boolean;
}

function isCrdColumn(c: TableColumn | CrdPrinterColumn): c is CrdPrinterColumn {
  return "jsonPath" in c;
}

/** The cell of a CRD printer column, as apiextensions' table convertor computes it (typed, `null` when missing). */
export function crdColumnCell(obj: unknown, column: CrdPrinterColumn, now: Date): unknown {
  let results: unknown[];
  try {
    results = evaluateJsonPath(obj, column.jsonPath);
  } catch {
    return null;
  }
  if (results.length === 0) return null;
  const value = results[0];
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case "string":
      return jsonPathText(value);
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date": {
      if (typeof value !== "string") return null;
      if (Number.isNaN(Date.parse(value))) return "<invalid>";
      return ageSince(value, now);
    }
    default:
      return null;
  }
}

/** Turns CRD printer columns into table columns (Name first; a lone Age column when the CRD declares none). */
export function crdTableColumns(columns: CrdPrinterColumn[]): TableColumn[] {
  if (columns.length === 0)
    return [NAME_COLUMN, { ...AGE_COLUMN, definition: { ...AGE_COLUMN.definition, type: "date" } }];
  return [
    NAME_COLUMN,
    ...columns.map(
      (c): TableColumn => ({
        definition: {
          name: c.name,
          type: c.type,
          format: c.format ?? "",
          description:
            c.description ??
            (c.jsonPath === ".metadata.creationTimestamp"
              ? AGE_DESCRIPTION
              : `Custom resource definition column (in JSONPath format): ${c.jsonPath}`),
          priority: c.priority ?? 0,
        },
        cell: (o, now) => crdColumnCell(o, c, now),
      }),
    ),
  ];
}

/** The `PartialObjectMetadata` of a row when `includeObject=Metadata`. */
export function partialObjectMetadata(obj: unknown): Record<string, unknown> {
  const metadata = isPlainObject(obj) && isPlainObject(obj.metadata) ? obj.metadata : {};
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata };
}

/**
 * Builds a Table: column definitions, then one row per object with its cells and, per `includeObject`, the object
 * (`Object`), its `PartialObjectMetadata` (`Metadata`, the default) or `null` (`None`).
 */
export function buildTable(input: BuildTableInput): Table {
  const now = input.now ?? new Date();
  let columns: TableColumn[];
  if (input.columns && input.columns.length > 0 && input.columns.every(isCrdColumn)) {
    columns = crdTableColumns(input.columns as CrdPrinterColumn[]);
  } else if (input.columns && input.columns.length > 0) {
    columns = input.columns.map((c) => (isCrdColumn(c) ? (crdTableColumns([c])[1] ?? NAME_COLUMN) : c));
  } else if (input.builtinKind) {
    columns = printerColumnsFor(input.builtinKind.group, input.builtinKind.kind);
  } else {
    columns = crdTableColumns([]);
  }
  const include = input.includeObject ?? "Metadata";
  const metadata: Table["metadata"] = {};
  if (input.resourceVersion !== undefined) metadata.resourceVersion = input.resourceVersion;
  if (input.continue !== undefined && input.continue !== "") metadata.continue = input.continue;
  const rows: TableRow[] = input.objects.map((o) => {
    const obj = isPlainObject(o) ? o : {};
    const cells = columns.map((c) => {
      try {
        return c.cell(obj, now) ?? null;
      } catch {
        return null;
      }
    });
    const object = include === "Object" ? obj : include === "Metadata" ? partialObjectMetadata(obj) : null;
    return { cells, object };
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: input.omitColumnDefinitions ? [] : columns.map((c) => ({ ...c.definition })),
    rows,
  };
}

const COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"];
const COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"];

/**
 * Validates a CRD version's `additionalPrinterColumns` as apiextensions does at registration. Returns one line per
 * problem (`spec.versions[0].additionalPrinterColumns[1].type: Invalid value: "text": must be one of
 * boolean,date,integer,number,string`), empty when valid.
 */
export function checkPrinterColumns(
  columns: unknown[],
  basePath = "spec.versions[0].additionalPrinterColumns",
): string[] {
  const errs: string[] = [];
  columns.forEach((raw, i) => {
    const path = `${basePath}[${i}]`;
    const c = isPlainObject(raw) ? raw : {};
    const name = typeof c.name === "string" ? c.name : "";
    const type = typeof c.type === "string" ? c.type : "";
    const format = typeof c.format === "string" ? c.format : "";
    const jsonPath = typeof c.jsonPath === "string" ? c.jsonPath : "";
    if (name === "") errs.push(`${path}.name: Required value`);
    if (type === "") errs.push(`${path}.type: Required value: must be one of ${COLUMN_TYPES.join(",")}`);
    else if (!COLUMN_TYPES.includes(type)) {
      errs.push(`${path}.type: Invalid value: ${JSON.stringify(type)}: must be one of ${COLUMN_TYPES.join(",")}`);
    }
    if (format !== "" && !COLUMN_FORMATS.includes(format)) {
      errs.push(`${path}.format: Invalid value: ${JSON.stringify(format)}: must be one of ${COLUMN_FORMATS.join(",")}`);
    }
    if (jsonPath === "") errs.push(`${path}.JSONPath: Required value`);
    else if (!jsonPath.startsWith(".")) {
      errs.push(
        `${path}.JSONPath: Invalid value: ${JSON.stringify(jsonPath)}: must be a simple json path starting with .`,
      );
    } else {
      try {
        evaluateJsonPath({}, jsonPath);
      } catch {
        errs.push(`${path}.JSONPath: Invalid value: ${JSON.stringify(jsonPath)}: must be a valid JSONPath expression`);
      }
    }
  });
  return errs;
}
