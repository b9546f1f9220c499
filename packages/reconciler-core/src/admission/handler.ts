/**
 * The Workspace admission handler as a function: an `admission.k8s.io/v1` AdmissionReview in, an AdmissionReview out.
 * CREATE runs `validateWorkspace`, UPDATE `validateWorkspaceUpdate` (from `@kaito-ts/workspace-types`), with the
 * preset catalog's lookups and — through a {@link ClusterLookup} — the rules that need the cluster (the tuning and
 * inference ConfigMaps exist and are well-formed; BYO nodes carry uniform GPU labels). Messages are workspace-types'
 * own; warnings pass through. A malformed review gets an error response — the handler never throws. The operator
 * serves it as the webhook `validation.workspace.kaito.sh`.
 */
import { catalogValidationLookups } from "@kaito-ts/preset-catalog";
import {
  type ClusterLookup,
  KAITO_GROUP,
  type ValidationContext,
  type ValidationIssue,
  validateWorkspace,
  validateWorkspaceUpdate,
  WORKSPACE_KIND,
} from "@kaito-ts/workspace-types";
import {
  ADMISSION_REVIEW_API_VERSION,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReview,
} from "./review.ts";

/** Options of {@link createAdmissionHandler}. */
export interface AdmissionHandlerOptions {
  /**
   * The validation context: cloud, node auto-provisioning, default runtime, release namespace, Karpenter node
   * classes. The catalog's preset/SKU/fit/template lookups are added unless given.
   */
  readonly context?: Partial<ValidationContext>;
  /** Cluster state for the ConfigMap and BYO-node rules (e.g. {@link informerClusterLookup}). */
  readonly cluster?: ClusterLookup;
}

/** An admission handler: never throws. */
export type AdmissionHandler = (review: unknown) => AdmissionReview;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function review(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: ADMISSION_REVIEW_API_VERSION, kind: "AdmissionReview", response };
}

function allow(uid: string, warnings: readonly string[] = []): AdmissionReview {
  return review({ uid, allowed: true, ...(warnings.length > 0 ? { warnings } : {}) });
}

function deny(
  uid: string,
  code: number,
  reason: string,
  message: string,
  warnings: readonly string[] = [],
): AdmissionReview {
  return review({
    uid,
    allowed: false,
    status: { code, reason, message },
    ...(warnings.length > 0 ? { warnings } : {}),
  });
}

/** One issue as a line: `<field path>: <message>` (+ the hint in parentheses when there is one). */
export function formatIssue(issue: ValidationIssue): string {
  return `${issue.path}: ${issue.message}${issue.hint !== undefined && issue.hint !== "" ? ` (${issue.hint})` : ""}`;
}

/** The denial message of a list of errors (kubectl prints it after `admission webhook "…" denied the request: `). */
export function denialMessage(errors: readonly ValidationIssue[]): string {
  return `validation failed: ${errors.map(formatIssue).join("; ")}`;
}

function malformed(uid: string, why: string): AdmissionReview {
  return deny(
    uid,
    400,
    "BadRequest",
    `malformed AdmissionReview: ${why}; expected apiVersion admission.k8s.io/v1, kind AdmissionReview and a request with uid, operation and object`,
  );
}

function isWorkspaceRequest(req: AdmissionRequest): boolean {
  const gvk = req.kind;
  if (gvk !== undefined) return gvk.group === KAITO_GROUP && gvk.kind === WORKSPACE_KIND;
  const res = req.resource;
  return res === undefined || (res.group === KAITO_GROUP && res.resource === "workspaces");
}

/**
 * Build the handler.
 * @example
 * const handle = createAdmissionHandler({ context: { cloud: "azure" }, cluster });
 * const out = handle(JSON.parse(body)); // write JSON.stringify(out) with status 200
 */
export function createAdmissionHandler(opts: AdmissionHandlerOptions = {}): AdmissionHandler {
  const base: Partial<ValidationContext> = {
    ...catalogValidationLookups(),
    ...(opts.context ?? {}),
    ...(opts.cluster !== undefined ? { cluster: opts.cluster } : {}),
  };
  // validateWorkspace caches the merged context per object: keep one per namespace.
  const perNamespace = new Map<string, Partial<ValidationContext>>();
  const contextFor = (namespace: string | undefined): Partial<ValidationContext> => {
    if (namespace === undefined || namespace === "") return base;
    let ctx = perNamespace.get(namespace);
    if (ctx === undefined) {
      ctx = { ...base, namespace };
      if (perNamespace.size > 1000) perNamespace.clear();
      perNamespace.set(namespace, ctx);
    }
    return ctx;
  };

  return (input: unknown): AdmissionReview => {
    if (!isRecord(input)) return malformed("", "the body is not a JSON object");
    const req = input.request;
    const uid = isRecord(req) && typeof req.uid === "string" ? req.uid : "";
    if (input.apiVersion !== ADMISSION_REVIEW_API_VERSION) {
      return malformed(uid, `apiVersion is ${JSON.stringify(input.apiVersion ?? null)}, not admission.k8s.io/v1`);
    }
    if (input.kind !== "AdmissionReview")
      return malformed(uid, `kind is ${JSON.stringify(input.kind ?? null)}, not AdmissionReview`);
    if (!isRecord(req)) return malformed(uid, "request is missing");
    if (uid === "") return malformed(uid, "request.uid is missing");
    const request = req as unknown as AdmissionRequest;
    const op = request.operation;
    try {
      if (op !== "CREATE" && op !== "UPDATE") {
        if (op === "DELETE" || op === "CONNECT") return allow(uid);
        return malformed(
          uid,
          `request.operation is ${JSON.stringify(op ?? null)}, not CREATE, UPDATE, DELETE or CONNECT`,
        );
      }
      if (!isWorkspaceRequest(request)) return allow(uid);
      // Status writes and the updates of an object being deleted (the finalizer's removal) are not validated.
      if (request.subResource !== undefined && request.subResource !== "") return allow(uid);
      if (!isRecord(request.object)) return malformed(uid, "request.object is missing");
      const meta = request.object.metadata;
      if (
        op === "UPDATE" &&
        isRecord(meta) &&
        meta.deletionTimestamp !== undefined &&
        meta.deletionTimestamp !== null
      ) {
        return allow(uid);
      }
      const ctx = contextFor(request.namespace);
      let result: ReturnType<typeof validateWorkspace>;
      if (op === "CREATE") {
        result = validateWorkspace(request.object, ctx);
      } else {
        if (!isRecord(request.oldObject)) return malformed(uid, "request.oldObject is missing on UPDATE");
        result = validateWorkspaceUpdate(request.oldObject, request.object, ctx);
      }
      const warnings = result.warnings.map(formatIssue);
      if (result.valid) return allow(uid, warnings);
      return deny(uid, 400, "BadRequest", denialMessage(result.errors), warnings);
    } catch (e) {
      // A rule that throws is a bug; deny with the reason rather than failing the API request opaquely.
      return deny(
        uid,
        500,
        "InternalError",
        `Workspace validation failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  };
}
