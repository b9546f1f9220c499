/** Bad input for every UPDATE rule of Kaito's webhook (compat §1.6): one row per rule, with path and code. */
import { describe, expect, it } from "vitest";
import type { ValidationCode, ValidationContext } from "../../src/index.ts";
import { validateWorkspaceUpdate } from "../../src/index.ts";
import {
  adapter,
  type ApiVersion,
  expectIssue,
  expectValid,
  inferenceWs,
  type Obj,
  tuningWs,
  VERSIONS,
} from "./builders.ts";
import { fullContext } from "./fake-context.ts";

interface Row {
  readonly rule: string;
  readonly base: "inference" | "tuning";
  readonly versions?: readonly ApiVersion[];
  readonly ctx?: Partial<ValidationContext>;
  /** Change the old object (before the update), e.g. to give it adapters. */
  readonly before?: (ws: Obj) => void;
  readonly mutate: (ws: Obj) => void;
  readonly code: ValidationCode;
  readonly path: string;
  /** `warning` where Kaito accepts the update and kaito-ts only reports it. */
  readonly severity?: "error" | "warning";
  readonly message?: RegExp;
}

const BETA: readonly ApiVersion[] = ["kaito.sh/v1beta1"];
const BYO = { nodeAutoProvisioning: false } as const;

const ROWS: readonly Row[] = [
  {
    rule: "inference removed, tuning added",
    base: "inference",
    mutate: (w) => {
      delete w.inference;
      w.tuning = tuningWs().tuning;
    },
    code: "UPDATE_MODE_CHANGED",
    path: "spec.inference",
  },
  {
    rule: "tuning added to an inference Workspace",
    base: "inference",
    mutate: (w) => {
      w.tuning = tuningWs().tuning;
    },
    code: "UPDATE_MODE_CHANGED",
    path: "spec.tuning",
  },
  {
    rule: "tuning removed",
    base: "tuning",
    mutate: (w) => {
      delete w.tuning;
      w.inference = inferenceWs().inference;
    },
    code: "UPDATE_MODE_CHANGED",
    path: "spec.tuning",
  },
  {
    rule: "resource.count changed",
    base: "inference",
    mutate: (w) => {
      w.resource.count = 2;
    },
    code: "FIELD_IMMUTABLE",
    path: "spec.resource.count",
  },
  {
    rule: "resource.partition changed",
    base: "inference",
    versions: BETA,
    ctx: BYO,
    before: (w) => {
      delete w.resource.instanceType;
      w.resource.partition = { mode: "mig", profile: "1g.10gb" };
    },
    mutate: (w) => {
      w.resource.partition.profile = "2g.20gb";
    },
    code: "FIELD_IMMUTABLE",
    path: "spec.resource.partition",
  },
  {
    rule: "resource.labelSelector changed",
    base: "inference",
    mutate: (w) => {
      w.resource.labelSelector.matchLabels.apps = "other";
    },
    code: "FIELD_IMMUTABLE",
    path: "spec.resource.labelSelector",
  },
  {
    rule: "resource.instanceType changed (NAP)",
    base: "inference",
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC96ads_A100_v4";
    },
    code: "FIELD_IMMUTABLE",
    path: "spec.resource.instanceType",
  },
  {
    rule: "resource.instanceType cleared (NAP)",
    base: "tuning",
    versions: BETA,
    mutate: (w) => {
      delete w.resource.instanceType;
    },
    code: "FIELD_IMMUTABLE",
    path: "spec.resource.instanceType",
  },
  {
    rule: "resource.instanceType changed (BYO)",
    base: "inference",
    ctx: BYO,
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC96ads_A100_v4";
    },
    code: "FIELD_IMMUTABLE",
    path: "spec.resource.instanceType",
  },
  {
    rule: "inference.preset changed",
    base: "inference",
    mutate: (w) => {
      w.inference.preset.name = "phi-3-mini-128k-instruct";
    },
    code: "FIELD_IMMUTABLE",
    path: "spec.inference.preset",
  },
  {
    rule: "inference.template set after creation",
    base: "inference",
    mutate: (w) => {
      delete w.inference.preset;
      w.inference.template = { spec: { containers: [] } };
    },
    code: "TEMPLATE_TOGGLED",
    path: "spec.inference.template",
  },
  {
    rule: "inference.template unset after creation",
    base: "inference",
    before: (w) => {
      w.inference = { template: { spec: { containers: [] } } };
    },
    mutate: (w) => {
      w.inference = { preset: { name: "phi-3-mini-4k-instruct" } };
    },
    code: "TEMPLATE_TOGGLED",
    path: "spec.inference.template",
  },
  {
    rule: "adapter without source",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ strength: "0.5" }];
    },
    code: "ADAPTER_SOURCE_MISSING",
    path: "spec.inference.adapters[0].source",
  },
  {
    rule: "adapter without name",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { image: "reg.io/a:1" } }];
    },
    code: "ADAPTER_SOURCE_MISSING",
    path: "spec.inference.adapters[0].source.name",
  },
  {
    rule: "adapter name not a DNS-1123 subdomain",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("bad_name")];
    },
    code: "ADAPTER_NAME_INVALID",
    path: "spec.inference.adapters[0].source.name",
  },
  {
    rule: "adapter with neither image nor volume",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "a1" } }];
    },
    code: "ADAPTER_SOURCE_KIND",
    path: "spec.inference.adapters[0].source",
  },
  {
    rule: "adapter with URLs",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "a1", urls: ["https://example.com/a"], image: "reg.io/a:1" } }];
    },
    code: "ADAPTER_URLS_UNSUPPORTED",
    path: "spec.inference.adapters[0].source.urls",
  },
  {
    rule: "adapter strength unparsable",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("a1", { strength: "half" })];
    },
    code: "ADAPTER_STRENGTH_INVALID",
    path: "spec.inference.adapters[0].strength",
  },
  {
    rule: "adapter strength outside [0,1]",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("a1", { strength: "-0.1" })];
    },
    code: "ADAPTER_STRENGTH_INVALID",
    path: "spec.inference.adapters[0].strength",
  },
  {
    rule: "duplicate adapter names",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [adapter("a1"), adapter("a2"), adapter("a1")];
    },
    code: "ADAPTER_NAME_DUPLICATE",
    path: "spec.inference.adapters[2].source.name",
  },
  {
    rule: "more than 10 adapters",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = Array.from({ length: 12 }, (_, i) => adapter(`a${i}`));
    },
    code: "ADAPTERS_TOO_MANY",
    path: "spec.inference.adapters",
    severity: "warning",
    message: /does not count adapters on update/,
  },
  {
    rule: "tuning.preset changed",
    base: "tuning",
    mutate: (w) => {
      w.tuning.preset.name = "phi-3-mini-4k-instruct";
    },
    code: "FIELD_IMMUTABLE",
    path: "spec.tuning.preset",
  },
  {
    rule: "tuning.method changed",
    base: "tuning",
    mutate: (w) => {
      w.tuning.method = "lora";
    },
    code: "FIELD_IMMUTABLE",
    path: "spec.tuning.method",
  },
  {
    rule: "tuning.input.name changed",
    base: "tuning",
    before: (w) => {
      w.tuning.input.name = "dolly";
    },
    mutate: (w) => {
      w.tuning.input.name = "alpaca";
    },
    code: "FIELD_IMMUTABLE",
    path: "spec.tuning.input.name",
  },
  {
    rule: "invalid output image",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output.image = "ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1";
    },
    code: "IMAGE_REFERENCE_INVALID",
    path: "spec.tuning.output.image",
  },
  {
    rule: "labelSelector changed to a selector that is not convertible",
    base: "inference",
    mutate: (w) => {
      w.resource.labelSelector = { matchExpressions: [{ key: "apps", operator: "NotIn", values: ["x"] }] };
    },
    code: "LABEL_SELECTOR_INVALID",
    path: "spec.resource.labelSelector",
  },
  {
    rule: "BYO: instanceType set after creation",
    base: "inference",
    versions: BETA,
    ctx: BYO,
    before: (w) => {
      delete w.resource.instanceType;
    },
    mutate: (w) => {
      w.resource.instanceType = "Standard_NC24ads_A100_v4";
    },
    code: "INSTANCE_TYPE_FORBIDDEN",
    path: "spec.resource.instanceType",
  },
  {
    rule: "adapter with image and volume",
    base: "inference",
    mutate: (w) => {
      w.inference.adapters = [{ source: { name: "a1", image: "reg.io/a:1", volumeSource: { emptyDir: {} } } }];
    },
    code: "ADAPTER_SOURCE_KIND",
    path: "spec.inference.adapters[0].source",
    message: /found both/,
  },
  // kaito-ts: stateless content rules also guard the fields that may change — as warnings where Kaito's webhook
  // does not check them on update
  {
    rule: "new input URL to a private address",
    base: "tuning",
    mutate: (w) => {
      w.tuning.input.urls = ["http://192.168.0.10/data.csv"];
    },
    code: "INPUT_URL_INVALID",
    path: "spec.tuning.input.urls[0]",
    severity: "warning",
    message: /does not check input URLs on update/,
  },
  {
    rule: "input left without a source",
    base: "tuning",
    mutate: (w) => {
      delete w.tuning.input.urls;
    },
    code: "TUNING_INPUT_EXACTLY_ONE",
    path: "spec.tuning.input",
    severity: "warning",
  },
  {
    rule: "output with image and volume",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output.volumeSource = { emptyDir: {} };
    },
    code: "TUNING_OUTPUT_EXACTLY_ONE",
    path: "spec.tuning.output",
    severity: "warning",
  },
  {
    rule: "output image without imagePushSecret",
    base: "tuning",
    mutate: (w) => {
      delete w.tuning.output.imagePushSecret;
    },
    code: "OUTPUT_PUSH_SECRET_REQUIRED",
    path: "spec.tuning.output.imagePushSecret",
    severity: "warning",
  },
  {
    rule: "new push secret not a Secret name",
    base: "tuning",
    mutate: (w) => {
      w.tuning.output.imagePushSecret = "ACR_REGISTRY_SECRET_HERE";
    },
    code: "SECRET_NAME_INVALID",
    path: "spec.tuning.output.imagePushSecret",
  },
  {
    rule: "name not a DNS-1123 label (checked on every operation)",
    base: "inference",
    mutate: (w) => {
      w.metadata.name = "Bad.Name";
    },
    code: "NAME_INVALID",
    path: "metadata.name",
  },
  {
    rule: "annotation value invalid (Kaito checks annotations on create only)",
    base: "inference",
    mutate: (w) => {
      w.metadata.annotations = { "kaito.sh/performance-mode": "turbo" };
    },
    code: "ANNOTATION_INVALID_VALUE",
    path: 'metadata.annotations["kaito.sh/performance-mode"]',
    severity: "warning",
    message: /does not check annotations on update/,
  },
];

describe("update rules (compat §1.6): one row per rule", () => {
  for (const row of ROWS) {
    for (const version of row.versions ?? VERSIONS) {
      it(`${row.rule} [${version.split("/")[1]}] → ${row.severity ?? "error"} ${row.code} at ${row.path}`, () => {
        const make = () => (row.base === "inference" ? inferenceWs(version) : tuningWs(version));
        const old = make();
        row.before?.(old);
        const cur = structuredClone(old);
        row.mutate(cur);
        const r = validateWorkspaceUpdate(old, cur, fullContext(row.ctx));
        const issue = expectIssue(r, row.code, row.path, row.severity ?? "error");
        expect(issue.message.length).toBeGreaterThan(0);
        if (row.message) expect(issue.message).toMatch(row.message);
        if (row.severity === "warning") expectValid(r);
      });
    }
  }
});

describe("allowed updates", () => {
  for (const version of VERSIONS) {
    it(`adapters, config, input URLs and output may change [${version}]`, () => {
      const oldInf = inferenceWs(version);
      const newInf = structuredClone(oldInf);
      newInf.inference.adapters = [adapter("a1"), adapter("a2", { strength: "0.3" })];
      newInf.inference.config = "new-config";
      expectValid(validateWorkspaceUpdate(oldInf, newInf, fullContext()));

      const oldTun = tuningWs(version);
      const newTun = structuredClone(oldTun);
      newTun.tuning.input.urls = ["https://example.com/other.parquet"];
      newTun.tuning.output = { volumeSource: { persistentVolumeClaim: { claimName: "results" } } };
      expectValid(validateWorkspaceUpdate(oldTun, newTun, fullContext()));
    });
  }

  for (const version of VERSIONS) {
    it(`tuning.method changed only in case is no change (Kaito compares lower-cased) [${version}]`, () => {
      const old = tuningWs(version);
      const cur = structuredClone(old);
      cur.tuning.method = "QLoRA";
      cur.tuning.config = "my-tuning"; // no default-template case warning
      const r = validateWorkspaceUpdate(old, cur, fullContext());
      expectValid(r);
      expect(r.warnings).toEqual([]);
    });

    it(`kaito.sh/node-image-family: AzureLinux on update [${version}]`, () => {
      const old = inferenceWs(version);
      const cur = structuredClone(old);
      cur.metadata.annotations = { "kaito.sh/node-image-family": "AzureLinux" };
      const r = validateWorkspaceUpdate(old, cur, fullContext());
      expectValid(r);
      expect(r.warnings).toEqual([]);
    });
  }

  it("BYO: instanceType may be cleared", () => {
    const old = inferenceWs("kaito.sh/v1beta1");
    const cur = structuredClone(old);
    delete cur.resource.instanceType;
    expectValid(validateWorkspaceUpdate(old, cur, fullContext(BYO)));
  });

  it("the same object read through the other API version is not a change", () => {
    const old = tuningWs("kaito.sh/v1alpha1");
    const cur = { ...structuredClone(old), apiVersion: "kaito.sh/v1beta1" };
    expectValid(validateWorkspaceUpdate(old, cur, fullContext()));
  });

  it("reports structural errors of the new object", () => {
    const old = inferenceWs();
    expectIssue(validateWorkspaceUpdate(old, { ...old, apiVersion: "v1" }), "INVALID_API_VERSION", "apiVersion");
  });
});
