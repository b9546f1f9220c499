/**
 * Kaito's helper containers: the weights downloader (`oras pull`), the image puller (skopeo), the tuning data
 * downloader (curl), and the tuning pusher — here our `kaito-publish` (kaito-compat §2.4, §6.2, §6.3, §6.6).
 * The shell scripts are written for kaito-ts from Kaito's documented behaviour; values reach them as positional
 * parameters or environment variables, never spliced into the script text.
 *
 * @packageDocumentation
 */
import type { V1Container, V1VolumeMount } from "@kubernetes/client-node";
import { parseImageReference } from "@kaito-ts/workspace-types";
import type { BuildOptions } from "./options.ts";
import { Paths } from "./pod-parts.ts";

/** The file the trainer writes when it is done; the pusher waits for it. */
export const TUNING_SENTINEL_FILE = "fine_tuning_completed.txt";

/**
 * The puller: copy `$1` with skopeo into a `dir:` layout — anonymously first, then with each auth file under
 * `/root/.docker/config.d` — unpack every layer, and put the image's `/data` into `$2`: as the folder `$2/data` when
 * `$3` is `folder` (tuning input), or its contents into `$2` when `$3` is `contents` (adapters).
 */
export const PULLER_SCRIPT = `set -eu
ref="$1"; out="$2"; mode="$3"
work="$(mktemp -d)"
copy() { skopeo copy "$@" "docker://$ref" "dir:$work/image"; }
if ! copy; then
  pulled=""
  for auth in $(find ${Paths.DockerConfigDir} -type f -name '*.json' 2>/dev/null); do
    if copy --src-authfile "$auth"; then pulled=1; break; fi
  done
  if [ -z "$pulled" ]; then echo "puller: cannot pull $ref anonymously or with the mounted pull secrets" >&2; exit 1; fi
fi
mkdir -p "$work/rootfs" "$out"
for blob in "$work"/image/*; do
  case "$(basename "$blob")" in manifest.json|version) ;; *) tar -xf "$blob" -C "$work/rootfs" 2>/dev/null || true ;; esac
done
if [ ! -d "$work/rootfs/data" ]; then echo "puller: $ref has no /data folder" >&2; exit 1; fi
if [ "$mode" = folder ]; then mv "$work/rootfs/data" "$out/"; else cp -R "$work/rootfs/data/." "$out/"; fi
rm -rf "$work"
`;

/**
 * The data downloader: each URL of `$DATA_URLS` (space-separated) into `$DATA_VOLUME_PATH/<basename without ?… or
 * #…>`; up to 3 attempts 2 s apart; a download counts when the answer is HTTP 200 and the file is not empty.
 */
export const DATA_DOWNLOADER_SCRIPT = `set -u
mkdir -p "$DATA_VOLUME_PATH"
for url in $DATA_URLS; do
  name="\${url%%[?#]*}"; name="\${name##*/}"; [ -n "$name" ] || name=data
  ok=""
  for attempt in 1 2 3; do
    code="$(curl -sSL -o "$DATA_VOLUME_PATH/$name" -w '%{http_code}' "$url")" || code=000
    if [ "$code" = 200 ] && [ -s "$DATA_VOLUME_PATH/$name" ]; then ok=1; break; fi
    echo "data-downloader: attempt $attempt for $url failed (HTTP $code)" >&2
    [ "$attempt" = 3 ] || sleep 2
  done
  if [ -z "$ok" ]; then echo "data-downloader: giving up on $url" >&2; exit 1; fi
done
`;

/**
 * The pusher: `kaito-publish push "$@"` (waits for the sentinel, pushes the adapter image); on success it stops the
 * pod's `pause` container (argv[0] `/pause`) so the Job's pod can complete — the pod shares one process namespace.
 */
export const PUSHER_SCRIPT = `kaito-publish push "$@" || exit $?
for p in /proc/[0-9]*; do
  if [ "$(tr '\\0' '\\n' < "$p/cmdline" 2>/dev/null | head -n 1)" = /pause ]; then kill -TERM "\${p#/proc/}" 2>/dev/null || true; fi
done
`;

/** `model-weights-downloader`: `oras pull <image> -o /workspace/weights`. */
export function weightsDownloaderContainer(image: string, options: BuildOptions, mount: V1VolumeMount): V1Container {
  return {
    name: "model-weights-downloader",
    image: options.images.oras,
    command: ["oras", "pull", image, "-o", Paths.Weights],
    volumeMounts: [{ ...mount }],
  };
}

/** An image puller init container (`puller` or `puller-<adapter>`). */
export function pullerContainer(
  name: string,
  image: string,
  outputDir: string,
  mode: "folder" | "contents",
  options: BuildOptions,
  mounts: readonly V1VolumeMount[],
): V1Container {
  return {
    name,
    image: options.images.puller,
    command: ["/bin/sh", "-c"],
    args: [PULLER_SCRIPT, "puller", normalizeImageReference(image), outputDir, mode],
    volumeMounts: mounts.map((m) => ({ ...m })),
  };
}

/** `data-downloader`: curl the tuning input URLs into `/mnt/data`. */
export function dataDownloaderContainer(
  urls: readonly string[],
  options: BuildOptions,
  mount: V1VolumeMount,
): V1Container {
  return {
    name: "data-downloader",
    image: options.images.dataDownloader,
    command: ["sh", "-c", DATA_DOWNLOADER_SCRIPT],
    env: [
      { name: "DATA_URLS", value: urls.join(" ") },
      { name: "DATA_VOLUME_PATH", value: Paths.Data },
    ],
    volumeMounts: [{ ...mount }],
  };
}

/** True for registries the pusher must talk plain HTTP to. */
export function isPlainHttpRegistry(image: string, options: BuildOptions): boolean {
  const parsed = parseImageReference(image);
  if (!parsed.ok) return false;
  const host = parsed.reference.registry;
  if (host === undefined) return false;
  const port = parsed.reference.port;
  const registry = port === undefined ? host : `${host}:${port}`;
  return (
    host === "localhost" ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === "[::1]" ||
    options.insecureRegistries.includes(registry)
  );
}

/**
 * `pusher`: our `kaito-publish` waiting for `<outputDir>/fine_tuning_completed.txt`, then pushing only
 * `adapter_config.json` and `adapter_model.safetensors` as a Kaito adapter image with `sh.kaito.model.name=<preset>`,
 * with the push secret mounted as `/root/.docker/config.json`.
 */
export function pusherContainer(
  outputDir: string,
  image: string,
  presetName: string,
  options: BuildOptions,
  mounts: readonly V1VolumeMount[],
): V1Container {
  const args = [
    PUSHER_SCRIPT,
    "pusher",
    outputDir,
    image,
    "--adapter",
    "--wait-for",
    `${outputDir}/${TUNING_SENTINEL_FILE}`,
    "--model-name",
    presetName,
    "--docker-config",
    `${Paths.DockerConfig}/config.json`,
  ];
  if (isPlainHttpRegistry(image, options)) args.push("--plain-http");
  return {
    name: "pusher",
    image: options.pusherImage,
    command: ["/bin/sh", "-c"],
    args,
    volumeMounts: mounts.map((m) => ({ ...m })),
  };
}

/** Docker's normalisation of a reference (`ubuntu` → `docker.io/library/ubuntu:latest`), as Kaito's templates do. */
export function normalizeImageReference(image: string): string {
  const parsed = parseImageReference(image);
  if (!parsed.ok) return image;
  const r = parsed.reference;
  const registry =
    r.registry === undefined ? "docker.io" : r.port === undefined ? r.registry : `${r.registry}:${r.port}`;
  const repo = registry === "docker.io" && !r.repository.includes("/") ? `library/${r.repository}` : r.repository;
  const digest = r.digest !== undefined ? `@${r.digest}` : "";
  const tag = r.tag !== undefined ? `:${r.tag}` : digest === "" ? ":latest" : "";
  return `${registry}/${repo}${tag}${digest}`;
}
