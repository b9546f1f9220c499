/**
 * Rehearses a `docker build` + `docker run` of our Dockerfiles on a machine without a Docker engine (issue 11):
 * interprets the Dockerfile (scripts/rehearse/), builds each stage into its own temp folder from a build context
 * made of the files git knows (minus `.dockerignore`), then runs the image's ENTRYPOINT + CMD as its USER with a
 * smoke check per image, and checks the image's files (nothing writable by that user outside `/tmp`, no
 * devDependencies, no symlink leaving the image).
 *
 * `node scripts/rehearse-image.ts <Dockerfile>… [--ref <git-ref>] [--keep] [--no-smoke]`, or `pnpm rehearse-images`
 * for both images. `--ref` builds from the files of a commit instead of the work tree; `--keep` leaves the folders.
 * Exits 1 with the reason when a step fails.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildImage, mapImagePath, removeWorkDir } from "./rehearse/build.ts";
import { badSymlinks, devDependenciesIn, folderSize, writableBy } from "./rehearse/checks.ts";
import { checkoutRef, copyContext, trackedFiles } from "./rehearse/context.ts";
import { parseDockerfile } from "./rehearse/dockerfile.ts";
import { isRehearsalError, RehearsalError } from "./rehearse/errors.ts";
import { MOUNTED_WRITABLE, SMOKES } from "./rehearse/smoke.ts";

const repo = resolve(import.meta.dirname, "..");

const log = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function workspaceManifests(): { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }[] {
  const files = [
    join(repo, "package.json"),
    ...readdirSync(join(repo, "packages")).map((p) => join(repo, "packages", p, "package.json")),
  ];
  return files.flatMap((f) => {
    try {
      return [JSON.parse(readFileSync(f, "utf8"))];
    } catch {
      return [];
    }
  });
}

function parseYamlDocuments(text: string): unknown[] {
  // The operator's own `yaml` dependency, resolved from its package in this checkout.
  const yaml = createRequire(join(repo, "packages/operator/package.json"))("yaml") as {
    parseAllDocuments(s: string): { toJS(): unknown; errors: { message: string }[] }[];
  };
  return yaml.parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(`the output is not valid YAML: ${d.errors[0]?.message}`);
    return d.toJS();
  });
}

async function rehearse(dockerfile: string, opts: { ref?: string; keep: boolean; smoke: boolean }): Promise<void> {
  const started = Date.now();
  const file = relative(repo, resolve(dockerfile));
  log(`== rehearsing ${file} (no Docker engine: each stage is a folder, the base image is this machine's Node)`);
  const parsed = parseDockerfile(readFileSync(resolve(dockerfile), "utf8"), file);
  const smoke = SMOKES[file];
  if (opts.smoke && smoke === undefined) {
    throw new RehearsalError(
      "SMOKE_FAILED",
      `${file} has no smoke check in scripts/rehearse/smoke.ts (SMOKES); add one, or pass --no-smoke`,
    );
  }
  const workDir = mkdtempSync(join(tmpdir(), "rehearse-image-"));
  // The image's user must reach the final stage's folder.
  chmodSync(workDir, 0o755);
  log(`work folder: ${workDir}`);
  process.umask(0o022);
  try {
    const context = join(workDir, "context");
    mkdirSync(context);
    const files = opts.ref !== undefined ? checkoutRef(repo, opts.ref, join(workDir, "checkout")) : trackedFiles(repo);
    const summary = copyContext(opts.ref !== undefined ? join(workDir, "checkout") : repo, files, context);
    log(
      `build context: ${summary.files} files (${opts.ref !== undefined ? `commit ${opts.ref}` : "the work tree's files git knows"}), ` +
        `${summary.ignored} left out by .dockerignore (${summary.rules.length} rules)`,
    );
    const nodeBinDir = dirname(process.execPath);
    const built = buildImage(parsed, { context, workDir, nodeBinDir, log });
    const image = built.final;
    const workdir = mapImagePath(image.root, image.workdir);
    const app = folderSize(workdir);
    const all = folderSize(image.root);
    log(
      `image: WORKDIR ${image.workdir} ${mb(app.bytes)} in ${app.files} files (whole image folder ${mb(all.bytes)}, ` +
        `without the base image); USER ${image.user.uid}:${image.user.gid}; EXPOSE ${image.exposed.join(" ") || "-"}; ` +
        `ENTRYPOINT ${JSON.stringify(image.entrypoint)} CMD ${JSON.stringify(image.cmd)}; ENV ${[...image.env].map(([k, v]) => `${k}=${v}`).join(" ")}`,
    );

    const problems: string[] = [];
    const links = badSymlinks(image.root);
    if (links.length > 0)
      problems.push(`symlinks that would dangle in the image:\n  ${links.slice(0, 20).join("\n  ")}`);
    if (image.user.uid === 0) {
      log("check: the image runs as root (no USER): the read-only-root-filesystem check does not apply");
    } else {
      const writable = writableBy(image.root, image.user.uid, image.user.gid, MOUNTED_WRITABLE);
      if (writable.length > 0) {
        problems.push(
          `writable by ${image.user.uid}:${image.user.gid} outside ${MOUNTED_WRITABLE.join(", ")}:\n  ${writable.slice(0, 20).join("\n  ")}`,
        );
      } else
        log(`check: nothing writable by ${image.user.uid}:${image.user.gid} outside ${MOUNTED_WRITABLE.join(", ")}`);
    }
    const dev = devDependenciesIn(image.root, workspaceManifests());
    if (dev.length > 0) problems.push(`devDependencies in the image: ${dev.join(", ")}`);
    else log("check: no devDependency of the workspace is in the image");
    if (problems.length > 0) throw new RehearsalError("IMAGE_CHECK_FAILED", `${file}: ${problems.join("\n")}`);

    if (opts.smoke && smoke !== undefined) {
      await smoke({ repo, image, nodeBinDir, log, parseYamlDocuments });
    }
    log(`== ${file}: ok in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    if (opts.keep) log(`kept ${workDir}`);
    else removeWorkDir(workDir);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      ref: { type: "string" },
      keep: { type: "boolean", default: false },
      "no-smoke": { type: "boolean", default: false },
    },
  });
  if (positionals.length === 0) {
    process.stderr.write(
      "usage: node scripts/rehearse-image.ts <Dockerfile>… [--ref <git-ref>] [--keep] [--no-smoke]\n",
    );
    return 2;
  }
  for (const dockerfile of positionals) {
    try {
      await rehearse(dockerfile, {
        keep: values.keep === true,
        smoke: values["no-smoke"] !== true,
        ...(values.ref !== undefined ? { ref: values.ref } : {}),
      });
    } catch (e) {
      process.stderr.write(
        `rehearsal of ${dockerfile} failed: ${isRehearsalError(e) ? `[${e.code}] ` : ""}${(e as Error).message}\n`,
      );
      return 1;
    }
  }
  return 0;
}

process.exitCode = await main();
