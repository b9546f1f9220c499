/**
 * The Workspace admission handler (AdmissionReview in → AdmissionReview out) and its cache-backed cluster lookup.
 * @packageDocumentation
 */
export { informerClusterLookup } from "./cluster-lookup.ts";
export {
  type AdmissionHandler,
  type AdmissionHandlerOptions,
  createAdmissionHandler,
  denialMessage,
  formatIssue,
} from "./handler.ts";
export {
  ADMISSION_REVIEW_API_VERSION,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReview,
  type AdmissionStatus,
  type GroupVersionKind,
} from "./review.ts";
