import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { OciRegistryError } from "../errors.ts";
import { DOCKER_HUB } from "../reference/reference.ts";
import type { CredentialProvider, RegistryCredentials } from "./credentials.ts";

/** One `auths` entry of a docker `config.json`. */
export interface DockerAuthEntry {
  /** base64 of `user:password`. */
  readonly auth?: string;
  /** User name. */
  readonly username?: string;
  /** Password. */
  readonly password?: string;
  /** OAuth2 refresh token. */
  readonly identitytoken?: string;
  /** Bearer token. */
  readonly registrytoken?: string;
}

/** The parts of a docker `config.json` this package reads. */
export interface DockerConfig {
  /** Credentials by registry key (host, URL, or legacy Docker Hub URL). */
  readonly auths: Readonly<Record<string, DockerAuthEntry>>;
}

const DOCKER_HUB_KEYS = ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"];

function invalid(where: string, why: string, cause?: unknown): never {
  throw new OciRegistryError("INVALID_INPUT", `${where}: ${why}`, cause === undefined ? {} : { cause });
}

/**
 * Parses the text of a docker `config.json` (`{"auths": {...}}`), or of a legacy `.dockercfg` (the bare `auths`
 * map). `where` names the source in errors (a path, a Secret). Credential helpers (`credHelpers`, `credsStore`) are
 * ignored: they run external programs.
 */
export function parseDockerConfig(text: string, where = "docker config"): DockerConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    // JSON.parse's message quotes the text around the error, which may be a password: keep only where it stopped,
    // and do not chain the SyntaxError as the cause.
    const at = /at position \d+(?: \(line \d+ column \d+\))?/.exec((e as Error).message)?.[0];
    invalid(
      where,
      `is not valid JSON${at === undefined ? "" : ` (${at})`}; expected a docker config.json with an "auths" object`,
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    invalid(where, 'must be a JSON object with an "auths" object');
  }
  const obj = data as Record<string, unknown>;
  const auths = "auths" in obj ? obj.auths : obj;
  if (typeof auths !== "object" || auths === null || Array.isArray(auths)) {
    invalid(where, '"auths" must be an object mapping registry hosts to credentials');
  }
  const out: Record<string, DockerAuthEntry> = {};
  for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
    if (typeof value !== "object" || value === null) continue;
    const v = value as Record<string, unknown>;
    const entry: Record<string, string> = {};
    for (const f of ["auth", "username", "password", "identitytoken", "registrytoken"] as const) {
      const x = v[f];
      if (typeof x === "string" && x !== "") entry[f] = x;
    }
    out[key] = entry;
  }
  return { auths: out };
}

/** Normalises a config key (`https://host:port/v1/`, `host`) to `host[:port]`. */
export function normaliseRegistryKey(key: string): string {
  let k = key.trim().toLowerCase();
  k = k.replace(/^[a-z]+:\/\//, "");
  k = k.replace(/\/.*$/, "");
  if (DOCKER_HUB_KEYS.includes(k)) return DOCKER_HUB;
  return k;
}

/** Turns one `auths` entry into credentials; `auth` (base64 user:password) wins over username/password. */
export function entryToCredentials(entry: DockerAuthEntry, where = "docker config"): RegistryCredentials | undefined {
  if (entry.identitytoken !== undefined) {
    return { identityToken: entry.identitytoken, ...(entry.username ? { username: entry.username } : {}) };
  }
  if (entry.registrytoken !== undefined) return { registryToken: entry.registrytoken };
  if (entry.auth !== undefined) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) invalid(where, '"auth" must be base64 of "user:password"');
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username !== undefined && entry.password !== undefined) {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/** A {@link CredentialProvider} over a parsed docker config; keys are matched by host[:port]. */
export function dockerConfigCredentials(config: DockerConfig, where = "docker config"): CredentialProvider {
  const byHost = new Map<string, DockerAuthEntry>();
  for (const [key, entry] of Object.entries(config.auths)) byHost.set(normaliseRegistryKey(key), entry);
  return (registry) => {
    const entry = byHost.get(normaliseRegistryKey(registry));
    return entry === undefined ? undefined : entryToCredentials(entry, `${where} (entry for ${registry})`);
  };
}

/**
 * Reads a docker `config.json` from `path` (a file, or a folder holding `config.json`). Without a path, uses
 * `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, and returns an empty config when that file is absent.
 */
export function readDockerConfigFile(path?: string): DockerConfig {
  let file: string;
  if (path === undefined) {
    const dir = process.env.DOCKER_CONFIG ?? join(homedir(), ".docker");
    file = join(dir, "config.json");
    if (!existsSync(file)) return { auths: {} };
  } else {
    file = existsSync(path) && statSync(path).isDirectory() ? join(path, "config.json") : path;
    if (!existsSync(file)) {
      invalid(
        file,
        "docker config file not found; pass the path of a config.json (or its folder) with --docker-config",
      );
    }
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    invalid(file, "cannot read the docker config file", e);
  }
  return parseDockerConfig(text, file);
}

/**
 * Reads the credentials of a Kubernetes Secret's `data` (values base64, as the API returns them): type
 * `kubernetes.io/dockerconfigjson` (key `.dockerconfigjson`) or the legacy `kubernetes.io/dockercfg` (key
 * `.dockercfg`). `where` names the Secret in errors, e.g. `secret default/push-secret`.
 */
export function parseDockerConfigSecret(
  data: Readonly<Record<string, string>>,
  where = "dockerconfigjson Secret",
): DockerConfig {
  const raw = data[".dockerconfigjson"] ?? data[".dockercfg"];
  if (raw === undefined) {
    invalid(
      where,
      'has neither ".dockerconfigjson" nor ".dockercfg" in its data; use a kubernetes.io/dockerconfigjson Secret',
    );
  }
  const text = Buffer.from(raw, "base64").toString("utf8");
  return parseDockerConfig(text, `${where} data[".dockerconfigjson"]`);
}
