/**
 * Parses the subset of the Dockerfile language that the repository's Dockerfiles use, into stages of typed
 * instructions. Pure: text in, {@link ParsedDockerfile} out, or a {@link RehearsalError} naming the line.
 *
 * Understood: `FROM <image> [AS <name>]`, `WORKDIR`, `COPY [--from=<stage>] <src>… <dest>`, `RUN` (shell form),
 * `ENV` (`K=V …` and the legacy `ENV K V`), `USER <uid>[:<gid>]`, `EXPOSE`, `ENTRYPOINT` and `CMD` (exec and shell
 * form), comments, blank lines and `\` line continuations. Anything else (ARG, ADD, LABEL, HEALTHCHECK, heredocs,
 * parser directives, COPY flags other than `--from`, wildcards) is refused with the line number, so a Dockerfile
 * never passes the rehearsal with an instruction the rehearsal silently ignored.
 */
import { RehearsalError } from "./errors.ts";

/** One instruction, with the 1-based line it starts on. */
export type Instruction =
  | { readonly kind: "FROM"; readonly line: number; readonly image: string; readonly name?: string }
  | { readonly kind: "WORKDIR"; readonly line: number; readonly path: string }
  | {
      readonly kind: "COPY";
      readonly line: number;
      readonly from?: string;
      readonly sources: readonly string[];
      readonly dest: string;
    }
  | { readonly kind: "RUN"; readonly line: number; readonly command: string }
  | { readonly kind: "ENV"; readonly line: number; readonly vars: readonly (readonly [string, string])[] }
  | { readonly kind: "USER"; readonly line: number; readonly uid: number; readonly gid: number }
  | { readonly kind: "EXPOSE"; readonly line: number; readonly ports: readonly string[] }
  | { readonly kind: "ENTRYPOINT" | "CMD"; readonly line: number; readonly argv: readonly string[] };

/** A build stage: its FROM and the instructions after it. */
export interface Stage {
  /** 0-based position (what `COPY --from=<index>` names). */
  readonly index: number;
  /** The `AS` name, if any. */
  readonly name?: string;
  /** The FROM line. */
  readonly from: Extract<Instruction, { kind: "FROM" }>;
  /** The instructions after FROM, in order. */
  readonly instructions: readonly Instruction[];
}

/** A parsed Dockerfile. */
export interface ParsedDockerfile {
  /** Where it came from (for messages). */
  readonly file: string;
  /** Its stages; the last one is the image. */
  readonly stages: readonly Stage[];
}

/** The instructions the rehearsal knows; the error for any other lists them. */
export const SUPPORTED_INSTRUCTIONS = [
  "FROM",
  "WORKDIR",
  "COPY",
  "RUN",
  "ENV",
  "USER",
  "EXPOSE",
  "ENTRYPOINT",
  "CMD",
] as const;

/** Users the base images define by name (node images: root and node). */
const NAMED_USERS: Readonly<Record<string, readonly [number, number]>> = { root: [0, 0], node: [1000, 1000] };

/** Joins continuation lines; returns logical lines with the line number each starts on. */
export function logicalLines(text: string): { readonly line: number; readonly text: string }[] {
  const out: { line: number; text: string }[] = [];
  const raw = text.split(/\r?\n/);
  let current: { line: number; text: string } | undefined;
  for (let i = 0; i < raw.length; i++) {
    const lineText = raw[i] as string;
    const trimmed = lineText.trim();
    // Comment lines inside a continued instruction are dropped, as Docker does.
    if (trimmed.startsWith("#")) {
      if (current === undefined && i === 0 && /^#\s*[a-z]+\s*=/i.test(trimmed)) {
        throw new RehearsalError(
          "UNSUPPORTED_INSTRUCTION",
          `line 1: parser directive "${trimmed}" is not supported by the rehearsal; remove it (the default parser is meant)`,
        );
      }
      continue;
    }
    // Blank lines are skipped, also inside a continued instruction (as Docker does).
    if (trimmed === "") continue;
    const continued = /\\\s*$/.test(lineText);
    const body = continued ? lineText.replace(/\\\s*$/, "") : lineText;
    if (current === undefined) current = { line: i + 1, text: body };
    // Docker removes the backslash and the newline: the lines are joined as they are.
    else current.text += body;
    if (!continued) {
      out.push({ line: current.line, text: current.text.trim() });
      current = undefined;
    }
  }
  if (current !== undefined) {
    throw new RehearsalError(
      "PARSE_ERROR",
      `line ${current.line}: the instruction ends with "\\" at the end of the file; remove the trailing backslash`,
    );
  }
  return out;
}

/** `["a", "b"]` → argv; a string that is not a JSON array of strings → undefined (shell form). */
function execForm(args: string): string[] | undefined {
  if (!args.startsWith("[")) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    if (Array.isArray(parsed) && parsed.every((a) => typeof a === "string")) return parsed as string[];
  } catch {
    // Docker treats an invalid JSON array as shell form; so do we.
  }
  return undefined;
}

/** Splits on unquoted whitespace, honouring "…" and '…' quotes and backslash escapes. */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < s.length) word += s[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < s.length) {
      word += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new Error(`unterminated ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

function parseEnv(args: string, at: string): [string, string][] {
  let words: string[];
  try {
    words = splitWords(args);
  } catch (e) {
    throw new RehearsalError("PARSE_ERROR", `${at}: ENV ${(e as Error).message}`);
  }
  if (words.length === 0) throw new RehearsalError("PARSE_ERROR", `${at}: ENV needs NAME=value`);
  if (!(words[0] as string).includes("=")) {
    // Legacy form: ENV NAME the rest of the line
    const name = words[0] as string;
    const value = args.slice(args.indexOf(name) + name.length).trim();
    return [[name, value]];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new RehearsalError("PARSE_ERROR", `${at}: ENV "${w}" must be NAME=value`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

function parseUser(args: string, at: string): [number, number] {
  const [user = "", group] = args.trim().split(":");
  const named = NAMED_USERS[user];
  const uid = named ? named[0] : /^\d+$/.test(user) ? Number(user) : undefined;
  if (uid === undefined) {
    throw new RehearsalError(
      "UNSUPPORTED_INSTRUCTION",
      `${at}: USER "${args.trim()}": the rehearsal knows numeric users and ${Object.keys(NAMED_USERS).join(", ")}; use USER <uid>:<gid>`,
    );
  }
  if (group === undefined) return [uid, named ? named[1] : uid];
  const namedGroup = NAMED_USERS[group];
  const gid = namedGroup ? namedGroup[1] : /^\d+$/.test(group) ? Number(group) : undefined;
  if (gid === undefined) {
    throw new RehearsalError("UNSUPPORTED_INSTRUCTION", `${at}: USER group "${group}" must be numeric`);
  }
  return [uid, gid];
}

function parseCopy(args: string, at: string): { from?: string; sources: string[]; dest: string } {
  if (execForm(args) !== undefined) {
    throw new RehearsalError(
      "UNSUPPORTED_INSTRUCTION",
      `${at}: COPY in JSON form is not supported; write COPY src dest`,
    );
  }
  const words = args.split(/\s+/).filter((w) => w !== "");
  let from: string | undefined;
  while (words[0]?.startsWith("--")) {
    const flag = words.shift() as string;
    const m = /^--from=(.+)$/.exec(flag);
    if (m === null) {
      throw new RehearsalError(
        "UNSUPPORTED_INSTRUCTION",
        `${at}: COPY flag "${flag}" is not supported by the rehearsal (only --from=<stage>)`,
      );
    }
    from = m[1] as string;
  }
  if (words.length < 2)
    throw new RehearsalError("PARSE_ERROR", `${at}: COPY needs at least one source and a destination`);
  const dest = words.pop() as string;
  for (const s of words) {
    if (/[*?[]/.test(s)) {
      throw new RehearsalError(
        "UNSUPPORTED_INSTRUCTION",
        `${at}: COPY source "${s}" has a wildcard; the rehearsal copies named files and folders only`,
      );
    }
  }
  return { ...(from !== undefined ? { from } : {}), sources: words, dest };
}

/** Parses a Dockerfile's text. `file` only names it in messages. */
export function parseDockerfile(text: string, file = "Dockerfile"): ParsedDockerfile {
  const stages: {
    index: number;
    name?: string;
    from: Extract<Instruction, { kind: "FROM" }>;
    instructions: Instruction[];
  }[] = [];
  for (const { line, text: logical } of logicalLines(text)) {
    const at = `${file}:${line}`;
    const m = /^(\S+)(?:\s+([\s\S]*))?$/.exec(logical);
    const keyword = (m?.[1] ?? "").toUpperCase();
    const args = (m?.[2] ?? "").trim();
    if (!(SUPPORTED_INSTRUCTIONS as readonly string[]).includes(keyword)) {
      throw new RehearsalError(
        "UNSUPPORTED_INSTRUCTION",
        `${at}: "${keyword}" is not an instruction the rehearsal understands (it knows ${SUPPORTED_INSTRUCTIONS.join(", ")}); extend scripts/rehearse/ or avoid it`,
      );
    }
    if (keyword === "FROM") {
      const words = args.split(/\s+/).filter((w) => w !== "");
      if (words.some((w) => w.startsWith("--"))) {
        throw new RehearsalError("UNSUPPORTED_INSTRUCTION", `${at}: FROM flags (${words[0]}) are not supported`);
      }
      if (words.length === 3 && (words[1] as string).toUpperCase() === "AS") {
        const name = (words[2] as string).toLowerCase();
        if (stages.some((s) => s.name === name)) {
          throw new RehearsalError("PARSE_ERROR", `${at}: a stage named "${name}" already exists`);
        }
        stages.push({
          index: stages.length,
          name,
          from: { kind: "FROM", line, image: words[0] as string, name },
          instructions: [],
        });
      } else if (words.length === 1) {
        stages.push({
          index: stages.length,
          from: { kind: "FROM", line, image: words[0] as string },
          instructions: [],
        });
      } else {
        throw new RehearsalError("PARSE_ERROR", `${at}: FROM must be "FROM <image> [AS <name>]"`);
      }
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new RehearsalError("PARSE_ERROR", `${at}: ${keyword} before the first FROM`);
    if (args === "") throw new RehearsalError("PARSE_ERROR", `${at}: ${keyword} has no arguments`);
    switch (keyword) {
      case "WORKDIR":
        if (!args.startsWith("/")) {
          throw new RehearsalError("UNSUPPORTED_INSTRUCTION", `${at}: WORKDIR "${args}" must be an absolute path`);
        }
        stage.instructions.push({ kind: "WORKDIR", line, path: args });
        break;
      case "COPY":
        stage.instructions.push({ kind: "COPY", line, ...parseCopy(args, at) });
        break;
      case "RUN":
        if (execForm(args) !== undefined || args.startsWith("--") || /<<-?\s*["']?\w/.test(args)) {
          throw new RehearsalError(
            "UNSUPPORTED_INSTRUCTION",
            `${at}: only shell-form RUN without flags or heredocs is supported; write RUN <command>`,
          );
        }
        stage.instructions.push({ kind: "RUN", line, command: args });
        break;
      case "ENV":
        stage.instructions.push({ kind: "ENV", line, vars: parseEnv(args, at) });
        break;
      case "USER": {
        const [uid, gid] = parseUser(args, at);
        stage.instructions.push({ kind: "USER", line, uid, gid });
        break;
      }
      case "EXPOSE":
        stage.instructions.push({ kind: "EXPOSE", line, ports: args.split(/\s+/) });
        break;
      default: {
        const kind = keyword as "ENTRYPOINT" | "CMD";
        const argv = execForm(args) ?? ["/bin/sh", "-c", args];
        stage.instructions.push({ kind, line, argv });
      }
    }
  }
  if (stages.length === 0) throw new RehearsalError("PARSE_ERROR", `${file}: no FROM instruction`);
  return { file, stages };
}
