/**
 * Adapter rules. Kaito checks count and duplicate names on create and the per-adapter rules only on update
 * (compat §1.7). kaito-ts checks all of them on both; on create a per-adapter rule is an error only where the
 * Workspace could never run (the adapter's name becomes the `puller-<name>` init container and the
 * `adapter-volume-<name>` volume, its pull secrets are projected into the pod, strength is parsed by the runtime —
 * compat §6.6), and a warning otherwise (Kaito accepts it, and rejects every later update of the Workspace).
 * @internal
 */

import { MAX_ADAPTERS } from "../../constants/index.ts";
import type { AdapterSpec } from "../../schema/index.ts";
import { dns1123Message, isDns1123Label, isDns1123Subdomain, suggestDns1123 } from "../names.ts";
import {
  at,
  checkImageReference,
  checkSecretName,
  type IssueList,
  nonEmpty,
  type Operation,
  type Severity,
} from "./common.ts";

/** Parse a strength string ("0".."1"); `undefined` when not a number. */
function parseStrength(s: string): number | undefined {
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s)) return undefined;
  return Number(s);
}

const CREATE_ONLY_WARNING = "Kaito accepts this when the Workspace is created, but rejects every later update of it";

/** Count, unique names, and each adapter's source, name, image and strength. */
export function checkAdapters(
  adapters: readonly AdapterSpec[] | undefined,
  out: IssueList,
  operation: Operation,
): void {
  if (adapters === undefined || adapters.length === 0) return;
  // Rules Kaito applies on update only, whose violation still lets the Workspace run.
  const updateOnly: Severity = operation === "update" ? "error" : "warning";
  const suffix = operation === "update" ? "" : ` (${CREATE_ONLY_WARNING})`;
  if (adapters.length > MAX_ADAPTERS) {
    // Kaito counts adapters on create only (compat §1.6).
    out.add(
      operation === "create" ? "error" : "warning",
      "ADAPTERS_TOO_MANY",
      at("inference", "adapters"),
      `too many adapters: ${adapters.length} (at most ${MAX_ADAPTERS})${operation === "create" ? "" : "; Kaito does not count adapters on update"}`,
      `Remove ${adapters.length - MAX_ADAPTERS} adapter(s)`,
    );
  }
  const seen = new Map<string, number>();
  adapters.forEach((adapter, i) => {
    const src = adapter.source;
    if (src === undefined) {
      out.error(
        "ADAPTER_SOURCE_MISSING",
        at("inference", "adapters", i, "source"),
        "Required value: each adapter needs a source with a name and an image or volumeSource",
      );
    } else {
      const name = nonEmpty(src.name);
      if (name === undefined) {
        out.error(
          "ADAPTER_SOURCE_MISSING",
          at("inference", "adapters", i, "source", "name"),
          "Required value: each adapter needs source.name",
        );
      } else {
        const prev = seen.get(name);
        if (prev !== undefined) {
          out.error(
            "ADAPTER_NAME_DUPLICATE",
            at("inference", "adapters", i, "source", "name"),
            `Duplicate value: adapter name ${JSON.stringify(name)} is also used by adapters[${prev}]`,
            "Adapter names must be unique: they become container and volume names",
          );
        } else {
          seen.set(name, i);
        }
        if (!isDns1123Subdomain(name)) {
          out.error(
            "ADAPTER_NAME_INVALID",
            at("inference", "adapters", i, "source", "name"),
            `${JSON.stringify(name)} is not a valid adapter name: ${dns1123Message(name, "subdomain")}`,
            `Try "${suggestDns1123(name)}"`,
          );
        } else {
          const derived =
            src.image !== undefined
              ? { name: `puller-${name}`, what: "init container" }
              : src.volumeSource !== undefined
                ? { name: `adapter-volume-${name}`, what: "volume" }
                : undefined;
          if (derived !== undefined && !isDns1123Label(derived.name)) {
            out.warn(
              "ADAPTER_NAME_CONTAINER",
              at("inference", "adapters", i, "source", "name"),
              `adapter name ${JSON.stringify(name)} makes the ${derived.what} name "${derived.name}", which is not a valid ${derived.what} name (no dots, at most 63 characters): the inference pod cannot be created`,
              `Try "${suggestDns1123(name)
                .replaceAll(".", "-")
                .slice(0, 63 - derived.name.length + name.length)}"`,
            );
          }
        }
      }
      if (src.urls !== undefined && src.urls.length > 0) {
        out.add(
          updateOnly,
          "ADAPTER_URLS_UNSUPPORTED",
          at("inference", "adapters", i, "source", "urls"),
          `adapters cannot be downloaded from URLs; use an image or a volumeSource${suffix}`,
          "Publish the adapter as an image (a tuning Workspace with output.image does this)",
        );
      }
      const image = nonEmpty(src.image);
      if ((image === undefined) === (src.volumeSource === undefined)) {
        out.add(
          updateOnly,
          "ADAPTER_SOURCE_KIND",
          at("inference", "adapters", i, "source"),
          image === undefined
            ? `an adapter source needs an image or a volumeSource: this adapter is never loaded${suffix}`
            : `an adapter source takes exactly one of image or volumeSource, found both${suffix}`,
        );
      }
      if (image !== undefined) {
        checkImageReference(
          out,
          ["inference", "adapters", i, "source", "image"],
          image,
          "myregistry.azurecr.io/adapters/my-adapter:0.0.1",
        );
      }
      src.imagePullSecrets?.forEach((s, j) => {
        checkSecretName(out, ["inference", "adapters", i, "source", "imagePullSecrets", j], s, "image pull secret");
      });
    }
    if (adapter.strength !== undefined) {
      const v = parseStrength(adapter.strength);
      if (v === undefined || v < 0 || v > 1) {
        // Not a number: the runtime cannot parse it and the pod fails. Out of range: the runtime applies it.
        out.add(
          v === undefined ? "error" : updateOnly,
          "ADAPTER_STRENGTH_INVALID",
          at("inference", "adapters", i, "strength"),
          v === undefined
            ? `strength ${JSON.stringify(adapter.strength)} is not a number`
            : `strength ${adapter.strength} must be between 0 and 1${suffix}`,
          'Write a decimal string between "0" and "1", e.g. "0.5"',
        );
      }
    }
  });
}
