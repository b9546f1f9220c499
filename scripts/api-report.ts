/**
 * Public API reports: each package's public surface — every symbol exported by each entry of its `exports` map (the
 * `@kaito-ts/source` file of `"."` and of each subpath), with its declared signature — written as a sorted, stable
 * listing to `packages/<pkg>/api/<entry>.api.md` and checked in (the role API Extractor's `.api.md` reports play).
 *
 *   node scripts/api-report.ts            check: exit 1 with a diff when a report differs from the sources
 *   node scripts/api-report.ts --update   write the reports (`pnpm api:update`)
 *
 * Signatures are read with the TypeScript compiler API from the sources: a declared type is printed as written
 * (comments dropped, formatting normalised by the printer), an inferred one (a `const` or a return type without an
 * annotation) as the checker infers it. Private class members are left out; exports tagged `@internal` in TSDoc are
 * listed with that tag. One program for all packages keeps it to seconds.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** The command that rewrites the reports; named in every failure. */
export const UPDATE_COMMAND = "pnpm api:update";

const CONDITION = "@kaito-ts/source";

/** One entry point of a package. */
export interface ApiEntry {
  /** Package folder name under `packages/`. */
  readonly dir: string;
  /** Package name, e.g. `@kaito-ts/chat-client`. */
  readonly name: string;
  /** The `exports` key, e.g. `"."` or `"./karpenter"`. */
  readonly subpath: string;
  /** Absolute path of the source file. */
  readonly file: string;
  /** Report path relative to the repository root, e.g. `packages/chat-client/api/index.api.md`. */
  readonly report: string;
}

/** The entries of every package under `<root>/packages`, from their `exports` maps. */
export function findEntries(root: string): ApiEntry[] {
  const entries: ApiEntry[] = [];
  const packagesDir = join(root, "packages");
  for (const dir of readdirSync(packagesDir).sort()) {
    const pkgPath = join(packagesDir, dir, "package.json");
    if (!existsSync(pkgPath)) continue;
    const json = JSON.parse(readFileSync(pkgPath, "utf8")) as { name?: string; exports?: unknown };
    const exp = json.exports;
    if (exp === null || typeof exp !== "object" || Array.isArray(exp)) continue;
    for (const [subpath, target] of Object.entries(exp as Record<string, unknown>)) {
      if (target === null || typeof target !== "object") continue;
      const source = (target as Record<string, unknown>)[CONDITION];
      if (typeof source !== "string" || !/\.[cm]?tsx?$/.test(source)) continue;
      const entry = subpath === "." ? "index" : subpath.slice(2).replaceAll("/", "-");
      entries.push({
        dir,
        name: json.name ?? `@kaito-ts/${dir}`,
        subpath,
        file: resolve(packagesDir, dir, source),
        report: `packages/${dir}/api/${entry}.api.md`,
      });
    }
  }
  return entries;
}

function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, "tsconfig.base.json");
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  if (error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, { noEmit: true }, configPath);
  return { ...parsed.options, noEmit: true, skipLibCheck: true };
}

const FORMAT = ts.TypeFormatFlags.NoTruncation;

/** Renders the reports of `entries` (report path → text). */
export function renderReports(root: string, entries: readonly ApiEntry[]): Map<string, string> {
  const program = ts.createProgram({
    rootNames: entries.map((e) => e.file),
    options: compilerOptions(root),
  });
  const checker = program.getTypeChecker();
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  const rootPrefix = `${resolve(root)}${sep}`;
  const clean = (text: string) => text.replaceAll(rootPrefix, "").replaceAll("\r", "");
  const typeText = (type: ts.Type) => clean(checker.typeToString(type, undefined, FORMAT));
  const print = (node: ts.Node) => clean(printer.printNode(ts.EmitHint.Unspecified, node, node.getSourceFile()));
  /** A node on one line (signatures and class members), e.g. an object type literal in a parameter. */
  const flat = (node: ts.Node) => print(node).replace(/\n\s*/g, " ");
  const isInternal = (node: ts.Node) => ts.getJSDocTags(node).some((t) => t.tagName.text === "internal");
  const hasModifier = (node: ts.Node, kind: ts.SyntaxKind) =>
    ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);

  function signature(decl: ts.SignatureDeclaration): string {
    const typeParams = decl.typeParameters ? `<${decl.typeParameters.map(flat).join(", ")}>` : "";
    const params = decl.parameters
      .map((p) => {
        const rest = p.dotDotDotToken ? "..." : "";
        const optional = p.questionToken !== undefined || p.initializer !== undefined ? "?" : "";
        const type = p.type ? flat(p.type) : typeText(checker.getTypeAtLocation(p));
        return `${rest}${flat(p.name)}${optional}: ${type}`;
      })
      .join(", ");
    if (ts.isConstructorDeclaration(decl)) return `(${params})`;
    let ret: string;
    if (decl.type) ret = flat(decl.type);
    else {
      const sig = checker.getSignatureFromDeclaration(decl);
      ret = sig ? typeText(checker.getReturnTypeOfSignature(sig)) : "unknown";
    }
    return `${typeParams}(${params}): ${ret}`;
  }

  /** Overloads replace their implementation; a lone implementation stands for itself. */
  function withoutImplementation<T extends ts.FunctionLikeDeclaration>(decls: readonly T[]): T[] {
    const overloads = decls.filter((d) => d.body === undefined);
    return overloads.length > 0 ? overloads : [...decls];
  }

  function classMembers(decl: ts.ClassDeclaration): string[] {
    const lines: string[] = [];
    const methods = new Map<string, ts.MethodDeclaration[]>();
    for (const m of decl.members) {
      if (hasModifier(m, ts.SyntaxKind.PrivateKeyword) || (m.name && ts.isPrivateIdentifier(m.name))) continue;
      if (ts.isClassStaticBlockDeclaration(m) || ts.isSemicolonClassElement(m)) continue;
      const mods = [
        hasModifier(m, ts.SyntaxKind.ProtectedKeyword) ? "protected " : "",
        hasModifier(m, ts.SyntaxKind.StaticKeyword) ? "static " : "",
        hasModifier(m, ts.SyntaxKind.AbstractKeyword) ? "abstract " : "",
        hasModifier(m, ts.SyntaxKind.ReadonlyKeyword) ? "readonly " : "",
      ].join("");
      const internal = isInternal(m) ? "/** @internal */ " : "";
      if (ts.isConstructorDeclaration(m)) {
        if (m.body !== undefined && decl.members.some((o) => ts.isConstructorDeclaration(o) && o.body === undefined))
          continue;
        lines.push(`${internal}constructor${signature(m)};`);
        for (const p of m.parameters) {
          const pub = hasModifier(p, ts.SyntaxKind.PublicKeyword) || hasModifier(p, ts.SyntaxKind.ReadonlyKeyword);
          if (!pub || hasModifier(p, ts.SyntaxKind.PrivateKeyword)) continue;
          const ro = hasModifier(p, ts.SyntaxKind.ReadonlyKeyword) ? "readonly " : "";
          const type = p.type ? flat(p.type) : typeText(checker.getTypeAtLocation(p));
          lines.push(`${ro}${flat(p.name)}${p.questionToken ? "?" : ""}: ${type};`);
        }
      } else if (ts.isMethodDeclaration(m)) {
        const key = print(m.name);
        methods.set(key, [...(methods.get(key) ?? []), m]);
      } else if (ts.isPropertyDeclaration(m)) {
        const type = m.type ? flat(m.type) : typeText(checker.getTypeAtLocation(m));
        lines.push(`${internal}${mods}${flat(m.name)}${m.questionToken ? "?" : ""}: ${type};`);
      } else if (ts.isGetAccessorDeclaration(m)) {
        lines.push(`${internal}${mods}get ${print(m.name)}${signature(m)};`);
      } else if (ts.isSetAccessorDeclaration(m)) {
        lines.push(`${internal}${mods}set ${print(m.name)}${signature(m).replace(/: void$/, "")};`);
      } else {
        lines.push(`${internal}${print(m).trim()}`);
      }
    }
    for (const [key, decls] of methods) {
      for (const m of withoutImplementation(decls)) {
        const mods = [
          hasModifier(m, ts.SyntaxKind.ProtectedKeyword) ? "protected " : "",
          hasModifier(m, ts.SyntaxKind.StaticKeyword) ? "static " : "",
          hasModifier(m, ts.SyntaxKind.AbstractKeyword) ? "abstract " : "",
          m.asteriskToken ? "*" : "",
        ].join("");
        lines.push(
          `${isInternal(m) ? "/** @internal */ " : ""}${mods}${key}${m.questionToken ? "?" : ""}${signature(m)};`,
        );
      }
    }
    return lines;
  }

  function renderDeclarations(name: string, symbol: ts.Symbol): string[] {
    const out: string[] = [];
    const decls = symbol.declarations ?? [];
    const tag = (d: ts.Node) => (isInternal(d) ? "/** @internal */\n" : "");
    const functions = decls.filter(ts.isFunctionDeclaration);
    for (const d of withoutImplementation(functions)) out.push(`${tag(d)}export function ${name}${signature(d)};`);
    for (const d of decls) {
      if (ts.isFunctionDeclaration(d)) continue;
      if (ts.isClassDeclaration(d)) {
        const abstract = hasModifier(d, ts.SyntaxKind.AbstractKeyword) ? "abstract " : "";
        const typeParams = d.typeParameters ? `<${d.typeParameters.map(print).join(", ")}>` : "";
        const heritage = (d.heritageClauses ?? []).map((h) => ` ${print(h).trim()}`).join("");
        const members = classMembers(d).map((l) => `    ${l}`);
        out.push(`${tag(d)}export ${abstract}class ${name}${typeParams}${heritage} {\n${members.join("\n")}\n}`);
      } else if (ts.isVariableDeclaration(d)) {
        const list = d.parent;
        const keyword = list.flags & ts.NodeFlags.Const ? "const" : list.flags & ts.NodeFlags.Let ? "let" : "var";
        const type = d.type ? print(d.type) : typeText(checker.getTypeAtLocation(d));
        const statement = list.parent;
        out.push(`${tag(statement)}export ${keyword} ${name}: ${type};`);
      } else if (
        ts.isInterfaceDeclaration(d) ||
        ts.isTypeAliasDeclaration(d) ||
        ts.isEnumDeclaration(d) ||
        ts.isModuleDeclaration(d)
      ) {
        const text = print(d)
          .replace(/^(export )?(declare )?/, "export ")
          .replace(/^export (interface|type|enum|const enum|namespace|module) [\w$]+/, `export $1 ${name}`);
        out.push(`${tag(d)}${text}`);
      } else if (ts.isSourceFile(d)) {
        const members = checker
          .getExportsOfModule(symbol)
          .map((s) => s.name)
          .sort();
        out.push(`export namespace ${name} { ${members.join(", ")} }`);
      } else {
        out.push(`${tag(d)}export ${print(d)}`);
      }
    }
    if (out.length === 0) out.push(`export ${name}: ${typeText(checker.getTypeOfSymbol(symbol))};`);
    return out;
  }

  const reports = new Map<string, string>();
  for (const entry of entries) {
    const sf = program.getSourceFile(entry.file);
    const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
    const blocks: string[] = [];
    if (moduleSymbol !== undefined) {
      const exported = checker
        .getExportsOfModule(moduleSymbol)
        .slice()
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const s of exported) {
        const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
        blocks.push(renderDeclarations(s.name, target).join("\n\n"));
      }
    }
    const importPath = entry.subpath === "." ? entry.name : `${entry.name}/${entry.subpath.slice(2)}`;
    const header = [
      `# API report: \`${importPath}\``,
      "",
      `<!-- Generated by \`${UPDATE_COMMAND}\` (scripts/api-report.ts) from ${relative(root, entry.file).split(sep).join("/")}. Do not edit by hand. -->`,
      "",
      `${blocks.length} exports.`,
      "",
    ];
    reports.set(entry.report, `${header.join("\n")}\n\`\`\`ts\n${blocks.join("\n\n")}\n\`\`\`\n`);
  }
  return reports;
}

/** A unified diff of two texts, by lines, with 3 lines of context (an LCS over the part that differs). */
export function lineDiff(before: string, after: string, label: string): string {
  const a = before.split("\n");
  const b = after.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const ops: [" " | "-" | "+", string][] = [];
  if (midA.length * midB.length <= 4_000_000) {
    const n = midA.length;
    const m = midB.length;
    const lcs = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * (m + 1) + j] =
          midA[i] === midB[j]
            ? (lcs[(i + 1) * (m + 1) + j + 1] ?? 0) + 1
            : Math.max(lcs[(i + 1) * (m + 1) + j] ?? 0, lcs[i * (m + 1) + j + 1] ?? 0);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        ops.push([" ", midA[i] ?? ""]);
        i++;
        j++;
      } else if (i < n && (j === m || (lcs[(i + 1) * (m + 1) + j] ?? 0) >= (lcs[i * (m + 1) + j + 1] ?? 0))) {
        ops.push(["-", midA[i] ?? ""]);
        i++;
      } else {
        ops.push(["+", midB[j] ?? ""]);
        j++;
      }
    }
  } else {
    for (const l of midA) ops.push(["-", l]);
    for (const l of midB) ops.push(["+", l]);
  }
  const context = 3;
  const before3 = a.slice(Math.max(0, start - context), start).map((l) => ` ${l}`);
  const after3 = a.slice(endA, endA + context).map((l) => ` ${l}`);
  // Collapse long unchanged runs inside the middle to their context.
  const body: string[] = [];
  for (let k = 0; k < ops.length; k++) {
    const [op, line] = ops[k] ?? [" ", ""];
    if (op === " ") {
      let run = k;
      while (run < ops.length && ops[run]?.[0] === " ") run++;
      const len = run - k;
      if (len > 2 * context) {
        for (let x = k; x < k + context; x++) body.push(` ${ops[x]?.[1] ?? ""}`);
        body.push(`@@ … ${len - 2 * context} unchanged lines … @@`);
        for (let x = run - context; x < run; x++) body.push(` ${ops[x]?.[1] ?? ""}`);
      } else for (let x = k; x < run; x++) body.push(` ${ops[x]?.[1] ?? ""}`);
      k = run - 1;
    } else body.push(`${op}${line}`);
  }
  return [
    `--- ${label} (checked in)`,
    `+++ ${label} (from the sources)`,
    `@@ line ${start + 1} @@`,
    ...before3,
    ...body,
    ...after3,
  ].join("\n");
}

/** What differs between the checked-in reports and the sources. */
export interface ApiCheck {
  /** Reports whose text differs, or that are missing (`before` empty). */
  readonly changed: { readonly report: string; readonly before: string; readonly after: string }[];
  /** Report files for entries that no longer exist. */
  readonly stale: string[];
}

/** Compares the rendered reports with the files under `<root>/packages/<pkg>/api/`. */
export function checkReports(root: string, reports: ReadonlyMap<string, string>): ApiCheck {
  const changed: ApiCheck["changed"] = [];
  for (const [report, after] of reports) {
    const path = join(root, report);
    const before = existsSync(path) ? readFileSync(path, "utf8") : "";
    if (before !== after) changed.push({ report, before, after });
  }
  const stale: string[] = [];
  for (const dir of readdirSync(join(root, "packages")).sort()) {
    const apiDir = join(root, "packages", dir, "api");
    if (!existsSync(apiDir)) continue;
    for (const f of readdirSync(apiDir).sort()) {
      const report = `packages/${dir}/api/${f}`;
      if (f.endsWith(".api.md") && !reports.has(report)) stale.push(report);
    }
  }
  return { changed, stale };
}

/** Writes the reports and removes stale ones; returns the paths written or removed. */
export function writeReports(root: string, reports: ReadonlyMap<string, string>): string[] {
  const { changed, stale } = checkReports(root, reports);
  for (const { report, after } of changed) {
    mkdirSync(join(root, report, ".."), { recursive: true });
    writeFileSync(join(root, report), after);
  }
  for (const report of stale) rmSync(join(root, report));
  return [...changed.map((c) => c.report), ...stale];
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const update = args.includes("--update");
  const root = resolve(args.find((a) => !a.startsWith("--")) ?? join(import.meta.dirname, ".."));
  const entries = findEntries(root);
  const reports = renderReports(root, entries);
  if (update) {
    const touched = writeReports(root, reports);
    console.log(
      touched.length === 0
        ? `API reports: ${reports.size} up to date`
        : `API reports: ${touched.length} of ${reports.size} rewritten or removed:\n${touched.map((t) => `  ${t}`).join("\n")}`,
    );
  } else {
    const { changed, stale } = checkReports(root, reports);
    if (changed.length === 0 && stale.length === 0) console.log(`API reports: ${reports.size} match the sources`);
    else {
      for (const c of changed)
        console.error(
          c.before === ""
            ? `${c.report}: missing (a new package or entry point)`
            : `${c.report}: the public surface changed\n${lineDiff(c.before, c.after, c.report)}\n`,
        );
      for (const s of stale) console.error(`${s}: no such entry point any more`);
      console.error(
        `The public API differs from its checked-in report. If the change is intended, run \`${UPDATE_COMMAND}\` and commit packages/*/api/ with it.`,
      );
      process.exitCode = 1;
    }
  }
}
