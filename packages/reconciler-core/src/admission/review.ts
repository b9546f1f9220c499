/**
 * `admission.k8s.io/v1` AdmissionReview shapes, as the API server sends and expects them.
 */

/** `request.kind` / `request.resource` group-version-kind/resource. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** The request part of a review. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind?: GroupVersionKind;
  readonly resource?: { readonly group: string; readonly version: string; readonly resource: string };
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation?: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly dryRun?: boolean;
  readonly [key: string]: unknown;
}

/** The Status of a denial. */
export interface AdmissionStatus {
  readonly code: number;
  readonly reason?: string;
  readonly message: string;
}

/** The response part of a review. */
export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  /** Shown by kubectl as `Warning: …`. */
  readonly warnings?: readonly string[];
}

/** An AdmissionReview, in or out. */
export interface AdmissionReview {
  readonly apiVersion: "admission.k8s.io/v1";
  readonly kind: "AdmissionReview";
  readonly request?: AdmissionRequest;
  readonly response?: AdmissionResponse;
}

/** The API version and kind of every review. */
export const ADMISSION_REVIEW_API_VERSION = "admission.k8s.io/v1";
