/**
 * Adapter rules. Kaito checks count and duplicate names on create and the per-adapter rules only on update;
 * kaito-ts checks all of them on both.
 * @internal
 */

import { MAX_ADAPTERS } from "../../constants/index.ts";
import type { AdapterSpec } from "../../schema/index.ts";
import { dns1123Message, isDns1123Label, isDns1123Subdomain, suggestDns1123 } from "../names.ts";
import { at, checkImageReference, checkSecretName, type IssueList, nonEmpty } from "./common.ts";

/** Parse a strength string ("0".."1"); `undefined` when not a number. */
function parseStrength(s: string): number | undefined {
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s)) return undefined;
  return Number(s);
}

/** Count, unique names, and each adapter's source, name, image and strength. */
export function checkAdapters(adapters: readonly AdapterSpec[] | undefined, out: IssueList): void {
  if (adapters === undefined || adapters.length === 0) return;
  if (adapters.length > MAX_ADAPTERS) {
    out.error(
      "adapters-too-many",
      at("inference", "adapters"),
      `too many adapters: ${adapters.length} (at most ${MAX_ADAPTERS})`,
      `Remove ${adapters.length - MAX_ADAPTERS} adapter(s)`,
    );
  }
  const seen = new Map<string, number>();
  adapters.forEach((adapter, i) => {
    const src = adapter.source;
    if (src === undefined) {
      out.error(
        "adapter-source-missing",
        at("inference", "adapters", i, "source"),
        "Required value: each adapter needs a source with a name and an image or volumeSource",
      );
    } else {
      const name = nonEmpty(src.name);
      if (name === undefined) {
        out.error(
          "adapter-source-missing",
          at("inference", "adapters", i, "source", "name"),
          "Required value: each adapter needs source.name",
        );
      } else {
        const prev = seen.get(name);
        if (prev !== undefined) {
          out.error(
            "adapter-name-duplicate",
            at("inference", "adapters", i, "source", "name"),
            `Duplicate value: adapter name ${JSON.stringify(name)} is also used by adapters[${prev}]`,
            "Adapter names must be unique: they become container and volume names",
          );
        } else {
          seen.set(name, i);
        }
        if (!isDns1123Subdomain(name)) {
          out.error(
            "adapter-name-invalid",
            at("inference", "adapters", i, "source", "name"),
            `${JSON.stringify(name)} is not a valid adapter name: ${dns1123Message(name, "subdomain")}`,
            `Try "${suggestDns1123(name)}"`,
          );
        } else if (src.image !== undefined && !isDns1123Label(`puller-${name}`)) {
          out.warn(
            "adapter-name-container",
            at("inference", "adapters", i, "source", "name"),
            `adapter name ${JSON.stringify(name)} makes the init container name "puller-${name}", which is not a valid container name (no dots, at most 63 characters): the inference pod cannot be created`,
            `Try "${suggestDns1123(name).replaceAll(".", "-").slice(0, 56)}"`,
          );
        }
      }
      if (src.urls !== undefined && src.urls.length > 0) {
        out.error(
          "adapter-urls-unsupported",
          at("inference", "adapters", i, "source", "urls"),
          "adapters cannot be downloaded from URLs; use an image or a volumeSource",
          "Publish the adapter as an image (a tuning Workspace with output.image does this)",
        );
      }
      const image = nonEmpty(src.image);
      if (image === undefined && src.volumeSource === undefined) {
        out.error(
          "adapter-source-kind",
          at("inference", "adapters", i, "source"),
          "an adapter source needs an image or a volumeSource",
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
        out.error(
          "adapter-strength-invalid",
          at("inference", "adapters", i, "strength"),
          v === undefined
            ? `strength ${JSON.stringify(adapter.strength)} is not a number`
            : `strength ${adapter.strength} must be between 0 and 1`,
          'Write a decimal string between "0" and "1", e.g. "0.5"',
        );
      }
    }
  });
}
