/**
 * YAML/JSON parsing of Workspace documents with positions.
 * @packageDocumentation
 */
export {
  type DocumentError,
  formatDocumentError,
  type ParseDocumentsOptions,
  type ParsedDocument,
  parseWorkspaceDocuments,
  type SourcePosition,
} from "./documents.ts";
