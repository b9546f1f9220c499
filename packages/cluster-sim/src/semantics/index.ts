/**
 * Pure Kubernetes API semantics used by the cluster-sim API server: selectors, structural schemas, CEL rules,
 * patches, server-side apply and server-side printing. No I/O; internal to the package (the public barrel
 * re-exports what users need).
 */
export * from "./field-errors.ts";
export * from "./field-selector.ts";
export * from "./label-selector.ts";
export * from "./schema-defaults.ts";
export * from "./schema-structural.ts";
export * from "./schema-types.ts";
export * from "./schema-validate.ts";
export * from "./cel.ts";
export * from "./json-patch.ts";
export * from "./patch-meta.ts";
export * from "./strategic-merge-patch.ts";
export * from "./field-set.ts";
export * from "./managed-fields.ts";
export * from "./server-side-apply.ts";
export * from "./jsonpath.ts";
export * from "./printers.ts";
export * from "./table.ts";
