/**
 * `@kaito-ts/reconciler-core`: the Kaito Workspace reconciler — pure builders (Workspace + catalog + options → the
 * objects Kaito creates), the reconcile state machine, and a small controller runtime.
 *
 * @packageDocumentation
 */
export * from "./builders/index.ts";
export * from "./errors.ts";
export * from "./runtime/index.ts";
export * from "./reconcile/index.ts";
export * from "./admission/index.ts";
