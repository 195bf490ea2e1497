import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { startServer } from "../../src/server/index.js";
import { post, rawPost } from "../server/helpers.js";

const CANARY = "sk-CANARY-b41f0e77c2";
const ka = { model: "bm25", query: KNOWN_ANSWER.query, documents: KNOWN_ANSWER.documents };

interface Served {
  child: ChildProcess;
  url: string;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

// `npm test` builds first (pretest); a direct `vitest run` rebuilds only when a source is newer than dist.
beforeAll(async () => {
  if (builtAt("dist/cli/main.js") < newestSource("src")) {
    // Other owners' files may be mid-edit and fail type checks; tsc still emits, so judge by the output.
    await promisify(execFile)("npx", ["tsc", "-p", "tsconfig.build.json"]).catch(() => undefined);
  }
  expect(existsSync("dist/cli/main.js") && existsSync("dist/server/index.js")).toBe(true);
}, 60_000);

function builtAt(file: string): number {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (f.endsWith(".ts")) newest = Math.max(newest, statSync(join(dir, f)).mtimeMs);
  }
  return newest;
}

/** Spawns the built CLI and resolves once it prints its listening line. */
function spawnServe(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, ["dist/cli/main.js", "serve", "--port", "0", ...args], {
    env: { ...process.env, REGOLO_API_KEY: CANARY },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (c: string) => {
    out += c;
  });
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    err += c;
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out} ${err}`)), 10_000);
    const onData = () => {
      const m =
        /^rerank-eval serve: listening on (http:\/\/127\.0\.0\.1:(\d+)) \(models: bm25, tfidf, identity, random\)$/m.exec(
          out,
        );
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      resolve({ child, url: m[1], out: () => out, err: () => err, exit });
    };
    child.stdout?.on("data", onData);
    exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

describe("rerank-eval serve (real process)", () => {
  it("prints its real URL, answers, logs each request and exits 0 on SIGTERM", async () => {
    const s = await spawnServe([]);
    expect(s.url).not.toMatch(/:0$/);
    const auth = { authorization: `Bearer ${CANARY}` };
    const ok = await post(`${s.url}/v1/rerank`, { ...ka, top_n: 2 }, auth);
    expect(ok.status).toBe(200);
    expect(ok.body.results.map((r: { index: number }) => r.index)).toEqual([2, 3]);
    expect((await post(`${s.url}/v2/rerank`, { ...ka, model: "nope" }, auth)).status).toBe(404);
    s.child.kill("SIGTERM");
    expect(await s.exit).toBe(0);
    const lines = s.out().trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\S+Z POST \/v1\/rerank 200 \d+\.\dms$/);
    expect(lines[2]).toMatch(/^\S+Z POST \/v2\/rerank 404 \d+\.\dms$/);
    expect(s.err()).toBe("");
    expect(s.out() + s.err()).not.toContain("CANARY");
  });

  it("with faults forced, never prints the key; --quiet prints only the listening line; SIGINT exits 0", async () => {
    const loud = await spawnServe([
      "--fail-rate",
      "0.5",
      "--drop-rate",
      "0.3",
      "--seed",
      "1",
      "--latency-ms",
      "5",
    ]);
    const quiet = await spawnServe(["--quiet", "--rate-limit", "1"]);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      for (const s of [loud, quiet]) {
        const r = await rawPost(`${s.url}/rerank`, JSON.stringify(ka), { authorization: `Bearer ${CANARY}` });
        seen.add(String(r.status ?? r.errorCode));
      }
    }
    expect([...seen].sort()).toEqual(["200", "429", "503", "ECONNRESET"]);
    loud.child.kill("SIGINT");
    quiet.child.kill("SIGINT");
    expect(await loud.exit).toBe(0);
    expect(await quiet.exit).toBe(0);
    expect(loud.out()).toMatch(/ dropped /);
    expect(loud.out()).toMatch(/ 503 /);
    expect(quiet.out().trim().split("\n")).toHaveLength(1);
    for (const s of [loud, quiet]) expect(s.out() + s.err()).not.toContain("CANARY");
  });
});

describe("rerank-eval serve usage errors (in process)", () => {
  async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
    let stderr = "";
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      return { code: await main(argv), stderr };
    } finally {
      spy.mockRestore();
    }
  }

  it("exit 2 with one line for an impossible rate", async () => {
    const { code, stderr } = await run(["serve", "--port", "0", "--fail-rate", "1.5"]);
    expect(code).toBe(2);
    expect(stderr).toBe("rerank-eval: error: fail rate must be between 0 and 1, got 1.5\n");
  });

  it("exit 2 with one line when the port is taken", async () => {
    const other = await startServer();
    try {
      const { code, stderr } = await run(["serve", "--port", String(other.port)]);
      expect(code).toBe(2);
      expect(stderr).toBe(
        `rerank-eval: error: port ${other.port} is already in use on 127.0.0.1; pick another with --port\n`,
      );
    } finally {
      await other.close();
    }
  });
});
