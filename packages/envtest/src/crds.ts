/** Installing CustomResourceDefinitions and waiting until the API server serves them (condition Established). */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import {
  ApiException,
  ApiextensionsV1Api,
  type KubeConfig,
  type KubernetesObject,
  loadAllYaml,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { EnvtestError } from "./errors.ts";

/** A CRD to install: an object (typed or parsed from YAML), or the path of a YAML/JSON file or of a folder of them. */
export type CrdSource = string | V1CustomResourceDefinition | KubernetesObject;

/** Options of {@link installCRDs}. */
export interface InstallCrdsOptions {
  /** How long to wait for every CRD to be Established, in ms (default 30 000). */
  readonly timeoutMs?: number;
}

/** A CRD that was installed and is Established. */
export interface InstalledCrd {
  /** Its name, `<plural>.<group>`. */
  readonly name: string;
  /** Where it came from: a file path, or `object #<i>`. */
  readonly source: string;
}

interface Loaded {
  readonly crd: V1CustomResourceDefinition;
  readonly source: string;
}

const YAML_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

function load(input: CrdSource, index: number): Loaded[] {
  if (typeof input !== "string") {
    const source = `object #${index}`;
    return [{ crd: toTypedModel(checkCrd(input, source)), source }];
  }
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(input);
  } catch (e) {
    throw new EnvtestError("INVALID_INPUT", `installCRDs: ${input} does not exist or cannot be read`, { cause: e });
  }
  if (stat.isDirectory()) {
    const files = readdirSync(input)
      .filter((f) => YAML_EXTENSIONS.has(extname(f)))
      .sort();
    if (files.length === 0)
      throw new EnvtestError("INVALID_INPUT", `installCRDs: folder ${input} has no .yaml, .yml or .json file`);
    return files.flatMap((f) => load(join(input, f), index));
  }
  let docs: unknown[];
  try {
    docs = loadAllYaml(readFileSync(input, "utf8")).filter((d: unknown) => d !== null && d !== undefined);
  } catch (e) {
    throw new EnvtestError("INVALID_INPUT", `installCRDs: ${input} is not valid YAML: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return docs.map((d, i) => {
    const source = docs.length > 1 ? `${input} (document ${i + 1})` : input;
    return { crd: checkCrd(d, source), source };
  });
}

/**
 * A CRD given as a plain object in its wire form (`enum`, `default`, `x-kubernetes-validations`,
 * `x-kubernetes-preserve-unknown-fields`, `$ref`, …) is turned into client-node's typed model first: its serializer
 * writes only the model's own property names (`_enum`, `x_kubernetes_validations`, …), so it would silently drop those
 * keys and the API server would get a CRD without its enums, defaults and CEL rules. Parsing it as YAML (JSON is YAML)
 * goes through the same deserializer as a file. An object already in the typed model is kept as it is.
 */
function toTypedModel(crd: V1CustomResourceDefinition): V1CustomResourceDefinition {
  if (hasModelOnlyKey(crd)) return crd;
  return loadAllYaml(JSON.stringify(crd))[0] as V1CustomResourceDefinition;
}

/** True when some key is spelled the typed model's way (`_enum`, `_default`, `x_kubernetes_…`), never the wire's. */
function hasModelOnlyKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasModelOnlyKey);
  if (typeof value !== "object" || value === null) return false;
  return Object.entries(value).some(
    ([k, v]) => k.startsWith("_") || k.startsWith("x_kubernetes_") || hasModelOnlyKey(v),
  );
}

function checkCrd(doc: unknown, source: string): V1CustomResourceDefinition {
  const o = doc as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
  if (typeof o !== "object" || o === null || o.kind !== "CustomResourceDefinition")
    throw new EnvtestError(
      "INVALID_INPUT",
      `installCRDs: ${source} is a ${typeof o === "object" && o !== null ? String(o.kind ?? "document without kind") : typeof o}, not a CustomResourceDefinition`,
    );
  if (o.apiVersion !== "apiextensions.k8s.io/v1")
    throw new EnvtestError(
      "INVALID_INPUT",
      `installCRDs: ${source} has apiVersion ${String(o.apiVersion)}; only apiextensions.k8s.io/v1 is served`,
    );
  if (typeof o.metadata?.name !== "string" || o.metadata.name === "")
    throw new EnvtestError("INVALID_INPUT", `installCRDs: ${source} has no metadata.name`);
  return doc as V1CustomResourceDefinition;
}

/**
 * Creates each CustomResourceDefinition (replacing one that exists) and waits until every one has the condition
 * `Established=True`. `objectsOrPaths`: CRD objects, YAML/JSON files (several documents allowed) or folders of them.
 * Throws an `EnvtestError`: `INVALID_INPUT` (not a CRD, unreadable file, refused by the API server, naming the
 * source) or `CRD_NOT_ESTABLISHED` (naming the CRD and its conditions) after `timeoutMs`.
 */
export async function installCRDs(
  kubeConfig: KubeConfig,
  objectsOrPaths: CrdSource | readonly CrdSource[],
  options: InstallCrdsOptions = {},
): Promise<InstalledCrd[]> {
  const inputs: readonly CrdSource[] = Array.isArray(objectsOrPaths) ? objectsOrPaths : [objectsOrPaths as CrdSource];
  const loaded = inputs.flatMap((input, i) => load(input, i));
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const { crd, source } of loaded) {
    const name = crd.metadata?.name as string;
    try {
      await api.createCustomResourceDefinition({ body: crd });
    } catch (e) {
      if (!(e instanceof ApiException && e.code === 409)) throw refused(name, source, e);
      try {
        const live = await api.readCustomResourceDefinition({ name });
        const body = {
          ...crd,
          metadata: { ...crd.metadata, resourceVersion: live.metadata?.resourceVersion },
        } as V1CustomResourceDefinition;
        await api.replaceCustomResourceDefinition({ name, body });
      } catch (replace) {
        throw refused(name, source, replace);
      }
    }
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const pending = new Map(loaded.map((l) => [l.crd.metadata?.name as string, l]));
  const last = new Map<string, V1CustomResourceDefinition>();
  while (pending.size > 0) {
    for (const name of [...pending.keys()]) {
      try {
        const live = await api.readCustomResourceDefinition({ name });
        last.set(name, live);
        if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) pending.delete(name);
      } catch {
        // read again on the next round
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      const names = [...pending.keys()];
      const detail = names
        .map((n) => {
          const conditions = last.get(n)?.status?.conditions ?? [];
          const text = conditions.length
            ? conditions
                .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}: ${c.message ?? ""})` : ""}`)
                .join("; ")
            : "no conditions yet";
          return `${n} [${text}]`;
        })
        .join(", ");
      throw new EnvtestError(
        "CRD_NOT_ESTABLISHED",
        `installCRDs: not Established after ${timeoutMs} ms: ${detail}; a NamesAccepted=False condition means a name clashes with another CRD of the same group`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return loaded.map((l) => ({ name: l.crd.metadata?.name as string, source: l.source }));
}

function refused(name: string, source: string, e: unknown): EnvtestError {
  const detail =
    e instanceof ApiException
      ? `HTTP ${e.code}: ${typeof e.body === "string" ? (safeMessage(e.body) ?? e.body.slice(0, 300)) : String(e.message)}`
      : String(e);
  return new EnvtestError(
    "INVALID_INPUT",
    `installCRDs: the API server refused CRD ${name} from ${source} (${detail})`,
    {
      cause: e,
    },
  );
}

function safeMessage(body: string): string | undefined {
  try {
    const m = (JSON.parse(body) as { message?: unknown }).message;
    return typeof m === "string" ? m : undefined;
  } catch {
    return undefined;
  }
}
