/**
 * Version conversion.
 * @packageDocumentation
 */
export { type ConvertResult, convertWorkspace } from "./convert.ts";
