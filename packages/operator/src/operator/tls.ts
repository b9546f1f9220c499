/**
 * The webhook's serving certificate: `tls.crt` + `tls.key` from a mounted folder (the Secret of the install
 * manifests, cert-manager's layout), or — for local runs only — a self-signed one made with the `openssl` command.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { OperatorError } from "../errors.ts";

/** A PEM certificate chain and its key. */
export interface ServingCertificate {
  readonly cert: string;
  readonly key: string;
  /** Where it came from (logged; never the key). */
  readonly source: string;
}

/** Read `tls.crt` and `tls.key` from `dir`. */
export async function loadCertificateDir(dir: string): Promise<ServingCertificate> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name), "utf8");
    } catch (e) {
      throw new OperatorError(
        "INPUT_UNREADABLE",
        `--webhook-cert-dir: cannot read ${join(dir, name)} (${(e as NodeJS.ErrnoException).code ?? "error"}); mount the webhook Secret there (tls.crt, tls.key) or leave the flag out for a self-signed local certificate`,
        { cause: e },
      );
    }
  };
  return { cert: await read("tls.crt"), key: await read("tls.key"), source: dir };
}

/**
 * A self-signed certificate for `localhost`, `127.0.0.1` and `hosts`, valid 30 days, made by `openssl` in a
 * temporary folder that is removed at once. For local runs; a cluster install mounts a real one.
 */
export async function selfSignedCertificate(hosts: readonly string[] = []): Promise<ServingCertificate> {
  const dir = await mkdtemp(join(tmpdir(), "kaito-webhook-"));
  try {
    const names = [
      "DNS:localhost",
      "IP:127.0.0.1",
      "IP:::1",
      ...hosts.map((h) => (/^[\d.]+$/.test(h) ? `IP:${h}` : `DNS:${h}`)),
    ];
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "30",
      "-subj",
      "/CN=kaito-ts-webhook",
      "-addext",
      `subjectAltName=${names.join(",")}`,
      "-keyout",
      join(dir, "tls.key"),
      "-out",
      join(dir, "tls.crt"),
    ]);
    const c = await loadCertificateDir(dir);
    return { ...c, source: "self-signed (openssl)" };
  } catch (e) {
    if (e instanceof OperatorError) throw e;
    throw new OperatorError(
      "MISSING_DEPENDENCY",
      "could not make a self-signed webhook certificate with openssl; install openssl, pass --webhook-cert-dir <dir with tls.crt and tls.key>, or turn the webhook off with --webhook-port -1",
      { cause: e },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
