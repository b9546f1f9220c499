import { parseArgs } from "node:util";

/** A parsed `kaito-publish` command. */
export type CliCommand =
  | { readonly kind: "help"; readonly topic?: string }
  | { readonly kind: "version" }
  | {
      readonly kind: "push";
      readonly paths: readonly string[];
      readonly reference: string;
      readonly adapter: boolean;
      readonly annotations: Readonly<Record<string, string>>;
      readonly modelName?: string;
      readonly artifactType?: string;
      readonly tags: readonly string[];
      readonly waitFor?: string;
      readonly waitTimeoutMs?: number;
      readonly waitIntervalMs: number;
      readonly dockerConfig?: string;
      readonly plainHttp: boolean;
    }
  | {
      readonly kind: "pull";
      readonly reference: string;
      readonly target: string;
      readonly adapter: boolean;
      readonly dockerConfig?: string;
      readonly plainHttp: boolean;
    };

/** A command-line mistake; the message says what to change. */
export class UsageError extends Error {
  /** Creates a usage error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The help text. */
export const HELP = `kaito-publish — push and pull Kaito adapter images and ORAS-style artifacts

Usage:
  kaito-publish push <dir-or-files…> <ref> [--adapter] [--annotation k=v]… [--model-name NAME]
                [--tag TAG]… [--artifact-type TYPE] [--wait-for FILE] [--wait-timeout SECONDS]
                [--docker-config PATH] [--plain-http]
  kaito-publish pull <ref> <dir> [--adapter] [--docker-config PATH] [--plain-http]

push:
  --adapter            build a Kaito adapter image from the folder's adapter_config.json and
                       adapter_model.safetensors (layer data/…, rootfs.diff_ids, sh.kaito.model.name)
                       Without it, files and folders are pushed as an ORAS artifact.
  --annotation k=v     manifest annotation (repeatable)
  --model-name NAME    value of sh.kaito.model.name (default: base_model_name_or_path of the adapter)
  --tag TAG            also push under this tag (repeatable)
  --artifact-type T    artifactType of an ORAS artifact (default application/vnd.unknown.artifact.v1)
  --wait-for FILE      wait until FILE exists before pushing (the tuning job's sentinel)
  --wait-timeout S     give up waiting after S seconds (default: wait forever)
pull:
  --adapter            extract the adapter image's data/ folder into <dir>
common:
  --docker-config PATH docker config.json (or its folder) with registry credentials
                       (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json)
  --plain-http         talk http:// instead of https:// (loopback registries)

Prints the manifest digest on stdout. Exit codes: 0 ok, 1 registry error, 2 usage or bad reference,
3 missing or unusable files, 4 wrong or insufficient credentials, 5 registry unreachable or failing.
`;

function parseAnnotation(s: string): [string, string] {
  const eq = s.indexOf("=");
  if (eq <= 0) throw new UsageError(`--annotation "${s}" must be key=value`);
  return [s.slice(0, eq), s.slice(eq + 1)];
}

const OPTIONS = {
  adapter: { type: "boolean" },
  annotation: { type: "string", multiple: true },
  "model-name": { type: "string" },
  "artifact-type": { type: "string" },
  tag: { type: "string", multiple: true },
  "wait-for": { type: "string" },
  "wait-timeout": { type: "string" },
  "wait-interval-ms": { type: "string" },
  "docker-config": { type: "string" },
  "plain-http": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

function parseWithOptions(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
}

/** Parses `kaito-publish` arguments (without `node` and the script). Throws {@link UsageError}. */
export function parseCli(argv: readonly string[]): CliCommand {
  let parsed: ReturnType<typeof parseWithOptions>;
  try {
    parsed = parseWithOptions(argv);
  } catch (e) {
    throw new UsageError(`${(e as Error).message}. Run kaito-publish --help`);
  }
  const v = parsed.values;
  const [command, ...rest] = parsed.positionals;
  if (v.version === true) return { kind: "version" };
  if (v.help === true || command === undefined || command === "help") {
    return command !== undefined && command !== "help" ? { kind: "help", topic: command } : { kind: "help" };
  }
  const common = {
    ...(v["docker-config"] !== undefined ? { dockerConfig: v["docker-config"] } : {}),
    plainHttp: v["plain-http"] === true,
  };
  if (command === "push") {
    if (rest.length < 2) {
      throw new UsageError(
        "push needs at least one file or folder and a reference: kaito-publish push <dir-or-files…> <ref>",
      );
    }
    const reference = rest[rest.length - 1] as string;
    const paths = rest.slice(0, -1);
    if (v.adapter === true && paths.length !== 1) {
      throw new UsageError(
        "push --adapter takes exactly one folder (holding adapter_config.json and adapter_model.safetensors)",
      );
    }
    let waitTimeoutMs: number | undefined;
    if (v["wait-timeout"] !== undefined) {
      const n = Number(v["wait-timeout"]);
      if (!Number.isFinite(n) || n <= 0)
        throw new UsageError(`--wait-timeout "${v["wait-timeout"]}" must be a positive number of seconds`);
      waitTimeoutMs = n * 1000;
    }
    const interval = Number(v["wait-interval-ms"] ?? "500");
    if (!Number.isFinite(interval) || interval <= 0)
      throw new UsageError("--wait-interval-ms must be a positive number");
    return {
      kind: "push",
      paths,
      reference,
      adapter: v.adapter === true,
      annotations: Object.fromEntries((v.annotation ?? []).map(parseAnnotation)),
      ...(v["model-name"] !== undefined ? { modelName: v["model-name"] } : {}),
      ...(v["artifact-type"] !== undefined ? { artifactType: v["artifact-type"] } : {}),
      tags: v.tag ?? [],
      ...(v["wait-for"] !== undefined ? { waitFor: v["wait-for"] } : {}),
      ...(waitTimeoutMs !== undefined ? { waitTimeoutMs } : {}),
      waitIntervalMs: interval,
      ...common,
    };
  }
  if (command === "pull") {
    if (rest.length !== 2) throw new UsageError("pull needs a reference and a folder: kaito-publish pull <ref> <dir>");
    return {
      kind: "pull",
      reference: rest[0] as string,
      target: rest[1] as string,
      adapter: v.adapter === true,
      ...common,
    };
  }
  throw new UsageError(`unknown command "${command}"; use push or pull (kaito-publish --help)`);
}
