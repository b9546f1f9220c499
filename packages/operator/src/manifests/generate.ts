/**
 * The install manifests, generated from code: the Workspace CRD (workspace-types), the namespace, ServiceAccount,
 * least-privilege RBAC ({@link CLUSTER_RULES}, {@link LEASE_RULES}), the Deployment, the webhook Service and
 * `ValidatingWebhookConfiguration`, and the default tuning ConfigMaps (preset-catalog's templates). `kaito manifests`
 * prints them; `packages/operator/manifests/install.yaml` is this output, committed (a test keeps it current).
 */
import { tuningTemplate } from "@kaito-ts/preset-catalog";
import { CONTROLLER_NODE_FLAGS } from "@kaito-ts/reconciler-core";
import { workspaceCrd } from "@kaito-ts/workspace-types";
import { stringify } from "yaml";
import { OPERATOR_DEFAULTS } from "../operator/config.ts";
import { WEBHOOK_PATH } from "../operator/servers.ts";
import { CLUSTER_RULES, LEASE_RULES, policyRule } from "./rbac.ts";

/** Options of {@link installManifests}. */
export interface ManifestOptions {
  /** Release namespace (default `kaito-system`). */
  readonly namespace?: string;
  /** Operator image (default `ghcr.io/kaito-ts/operator:<version>`). */
  readonly image?: string;
  /** Replicas (default 2, with leader election). */
  readonly replicas?: number;
}

/** Names of the objects, for tests and docs. */
export const ManifestNames = Object.freeze({
  serviceAccount: "kaito-ts-operator",
  clusterRole: "kaito-ts-operator",
  leaseRole: "kaito-ts-operator-leader-election",
  deployment: "kaito-ts-operator",
  webhookService: "kaito-ts-webhook",
  webhookSecret: "kaito-ts-webhook-cert",
  webhookConfiguration: "validation.workspace.kaito.sh",
  webhookName: "validation.workspace.kaito.sh",
});

/** The default operator image. */
export const DEFAULT_OPERATOR_IMAGE = "ghcr.io/kaito-ts/operator:0.1.0";

const LABELS = { "app.kubernetes.io/name": "kaito-ts-operator", "app.kubernetes.io/part-of": "kaito-ts" };

/** A Kubernetes object as plain JSON. */
export type ManifestObject = Record<string, unknown> & { apiVersion: string; kind: string };

/** The ClusterRole with the given rules (tests pass reduced sets). */
export function operatorClusterRole(rules = CLUSTER_RULES): ManifestObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: ManifestNames.clusterRole, labels: LABELS },
    rules: rules.map(policyRule),
  };
}

/** The ValidatingWebhookConfiguration; `clientConfig` defaults to the in-cluster Service. */
export function webhookConfiguration(
  namespace: string,
  clientConfig?: { url: string; caBundle: string },
): ManifestObject {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: {
      name: ManifestNames.webhookConfiguration,
      labels: LABELS,
      annotations: { "cert-manager.io/inject-ca-from": `${namespace}/${ManifestNames.webhookSecret}` },
    },
    webhooks: [
      {
        name: ManifestNames.webhookName,
        clientConfig: clientConfig ?? {
          service: { namespace, name: ManifestNames.webhookService, path: WEBHOOK_PATH, port: 443 },
        },
        rules: [
          {
            apiGroups: ["kaito.sh"],
            apiVersions: ["v1alpha1", "v1beta1"],
            operations: ["CREATE", "UPDATE"],
            resources: ["workspaces"],
            scope: "Namespaced",
          },
        ],
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        failurePolicy: "Fail",
        timeoutSeconds: 10,
      },
    ],
  };
}

/**
 * Every install object, in apply order.
 * @example for (const o of installManifests()) console.log(o.kind);
 */
export function installManifests(opts: ManifestOptions = {}): ManifestObject[] {
  const ns = opts.namespace ?? OPERATOR_DEFAULTS.namespace;
  const image = opts.image ?? DEFAULT_OPERATOR_IMAGE;
  const sa = ManifestNames.serviceAccount;
  const subject = [{ kind: "ServiceAccount", name: sa, namespace: ns }];
  const templates = (["lora", "qlora"] as const).map((m): ManifestObject => {
    const t = tuningTemplate(m);
    return {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: t.configMapName, namespace: ns, labels: LABELS },
      data: { [t.key]: t.trainingConfigYaml },
    };
  });
  return [
    workspaceCrd as unknown as ManifestObject,
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: LABELS } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: ns, labels: LABELS } },
    operatorClusterRole(),
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: ManifestNames.clusterRole, labels: LABELS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: ManifestNames.clusterRole },
      subjects: subject,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: ManifestNames.leaseRole, namespace: ns, labels: LABELS },
      rules: LEASE_RULES.map(policyRule),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: ManifestNames.leaseRole, namespace: ns, labels: LABELS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: ManifestNames.leaseRole },
      subjects: subject,
    },
    ...templates,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: ManifestNames.webhookService, namespace: ns, labels: LABELS },
      spec: {
        selector: { "app.kubernetes.io/name": "kaito-ts-operator" },
        ports: [{ name: "webhook", port: 443, targetPort: "webhook", protocol: "TCP" }],
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: ManifestNames.deployment, namespace: ns, labels: LABELS },
      spec: {
        replicas: opts.replicas ?? 2,
        selector: { matchLabels: { "app.kubernetes.io/name": "kaito-ts-operator" } },
        template: {
          metadata: { labels: LABELS },
          spec: {
            serviceAccountName: sa,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: "RuntimeDefault" },
            },
            terminationGracePeriodSeconds: 40,
            containers: [
              {
                name: "operator",
                image,
                args: [
                  "operator",
                  `--namespace=${ns}`,
                  "--leader-elect=true",
                  `--lease-name=${OPERATOR_DEFAULTS.leaseName}`,
                  `--webhook-cert-dir=/etc/kaito-ts/webhook-certs`,
                ],
                env: [
                  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  { name: "CLOUD_PROVIDER", value: "azure" },
                  { name: "PRESET_REGISTRY_NAME", value: OPERATOR_DEFAULTS.presetRegistry },
                  { name: "FEATURE_GATES", value: "vLLM=true" },
                  { name: "LOG_LEVEL", value: "info" },
                  // V8's young generation capped, as reconciler-core recommends for a controller process.
                  { name: "NODE_OPTIONS", value: CONTROLLER_NODE_FLAGS.join(" ") },
                ],
                ports: [
                  { name: "metrics", containerPort: OPERATOR_DEFAULTS.metricsPort },
                  { name: "health", containerPort: OPERATOR_DEFAULTS.healthPort },
                  { name: "webhook", containerPort: OPERATOR_DEFAULTS.webhookPort },
                ],
                livenessProbe: {
                  httpGet: { path: "/healthz", port: "health" },
                  initialDelaySeconds: 10,
                  periodSeconds: 10,
                },
                readinessProbe: {
                  httpGet: { path: "/readyz", port: "health" },
                  initialDelaySeconds: 3,
                  periodSeconds: 5,
                },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMounts: [
                  { name: "webhook-certs", mountPath: "/etc/kaito-ts/webhook-certs", readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [
              { name: "webhook-certs", secret: { secretName: ManifestNames.webhookSecret } },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
      },
    },
    webhookConfiguration(ns),
  ];
}

/** Multi-document YAML of {@link installManifests}, with a header saying how it was made. */
export function renderManifests(opts: ManifestOptions = {}): string {
  const header = [
    "# kaito-ts install manifests — generated by `kaito manifests`; do not edit by hand.",
    "# The webhook needs a TLS Secret kaito-ts-webhook-cert (tls.crt, tls.key) in the release namespace for",
    "# kaito-ts-webhook.<namespace>.svc, and its CA in the ValidatingWebhookConfiguration's caBundle (cert-manager",
    "# fills both through the cert-manager.io/inject-ca-from annotation; or create them yourself).",
    "# Karpenter NodeClaim mode: the NodeClaim CRD comes with Karpenter / gpu-provisioner.",
  ].join("\n");
  return `${header}\n${installManifests(opts)
    .map((o) => `---\n${stringify(o, { lineWidth: 0 })}`)
    .join("")}`;
}
