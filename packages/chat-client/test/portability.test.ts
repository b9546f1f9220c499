/**
 * The main entry must run in browsers and edge runtimes: no Node-only imports in its module graph, no use of
 * `process`/`Buffer`, and it works in a runtime where those globals do not exist.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkEvent, completion, json, type Loopback, startLoopback } from "./support/loopback.ts";

const srcDir = join(dirname(fileURLToPath(import.meta.url)), "..", "src");

/** All modules reachable from src/index.ts, with their import specifiers. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const text = readFileSync(file, "utf8");
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']/g)].map(
      (m) => m[1] as string,
    );
    const dynamic = [...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] as string);
    graph.set(file, [...specs, ...dynamic]);
    for (const s of [...specs, ...dynamic]) if (s.startsWith(".")) visit(resolve(dirname(file), s));
  };
  visit(join(srcDir, "index.ts"));
  return graph;
}

describe("portability of the main entry", () => {
  it("imports only its own relative modules (no node:*, no packages)", () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(8);
    for (const [file, specs] of graph) {
      for (const s of specs) {
        expect(s.startsWith("./") && s.endsWith(".ts"), `${file} imports ${s}`).toBe(true);
      }
    }
  });

  it("uses no Node-only globals (process, Buffer, require, __dirname, setImmediate)", () => {
    for (const file of importGraph().keys()) {
      const code = readFileSync(file, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "");
      for (const word of ["process", "Buffer", "require", "__dirname", "__filename", "setImmediate", "global"]) {
        expect(new RegExp(`\\b${word}\\b(?!\\w)`).test(code), `${file} uses ${word}`).toBe(false);
      }
    }
  });
});

describe("running without process and Buffer", () => {
  let lb: Loopback;
  beforeAll(async () => {
    lb = await startLoopback((req, res) => {
      if (req.path === "/v1/chat/completions" && req.body.includes('"stream":true')) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(chunkEvent("edge ") + chunkEvent("ok", "stop") + "data: [DONE]\n\n");
      } else if (req.path === "/v1/chat/completions") json(res, 200, completion("plain ok"));
      else if (req.path === "/chat") json(res, 200, { Result: "classic ok" });
      else json(res, 500, { detail: "boom" });
    });
  });
  afterAll(async () => {
    await lb.close();
  });

  it("creates, streams, calls /chat and reports errors in a global scope with web APIs only", async () => {
    // The library's modules are linked inside a fresh vm context whose global has the JavaScript builtins plus the
    // web platform APIs an edge runtime offers (fetch, streams, URL, TextDecoder, AbortController, timers) and
    // nothing of Node (no process, Buffer, require, global, setImmediate).
    const files = [...importGraph().keys()];
    const script = `
      import { readFileSync } from "node:fs";
      import { dirname, resolve } from "node:path";
      import { stripTypeScriptTypes } from "node:module";
      import vm from "node:vm";
      const files = ${JSON.stringify(files)};
      const web = { fetch, Request, Response, Headers, ReadableStream, TextDecoder, TextEncoder, URL, AbortController,
        AbortSignal, Event, EventTarget, DOMException, setTimeout, clearTimeout, console };
      const context = vm.createContext({ ...web });
      const modules = new Map();
      for (const f of files) {
        const code = stripTypeScriptTypes(readFileSync(f, "utf8"));
        modules.set(f, new vm.SourceTextModule(code, { identifier: f, context }));
      }
      const entry = modules.get(files[0]);
      await entry.link((spec, ref) => {
        const m = modules.get(resolve(dirname(ref.identifier), spec));
        if (!m) throw new Error("unexpected import " + spec + " from " + ref.identifier);
        return m;
      });
      await entry.evaluate();
      const lib = entry.namespace;
      const probe = vm.runInContext("[typeof process, typeof Buffer, typeof require, typeof global, typeof setImmediate]", context);
      const url = ${JSON.stringify(lb.url)};
      const c = lib.createChatClient({ baseURL: url, retry: { baseDelayMs: 1 }, apiKey: "k-123456" });
      const messages = [{ role: "user", content: "hi" }];
      const plain = await c.chat.completions.create({ messages });
      const stream = await c.chat.completions.create({ messages, stream: true });
      const acc = await lib.accumulateChatStream(stream);
      const classic = await c.classicChat({ prompt: "x" });
      const err = await c.models.list().catch((e) => e);
      console.log(JSON.stringify({
        globals: probe,
        plain: plain.choices[0].message.content,
        streamed: acc.choices[0].message.content,
        classic: classic.Result,
        error: [lib.isChatClientError(err), err.code, err.attempts],
      }));
    `;
    const out = await new Promise<string>((ok, fail) => {
      execFile(
        process.execPath,
        ["--experimental-vm-modules", "--no-warnings", "--input-type=module", "-e", script],
        { timeout: 20_000 },
        (e, stdout, stderr) => (e ? fail(new Error(`${e.message}\n${stderr}`)) : ok(stdout)),
      );
    });
    expect(JSON.parse(out)).toEqual({
      globals: ["undefined", "undefined", "undefined", "undefined", "undefined"],
      plain: "plain ok",
      streamed: "edge ok",
      classic: "classic ok",
      error: [true, "SERVER_ERROR", 3],
    });
  });
});
