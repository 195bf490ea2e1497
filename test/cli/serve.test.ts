import { execFileSync } from "node:child_process";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/app.js";
import { processAlive } from "../../src/process-alive.js";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { startServer } from "../../src/server/index.js";
import { buildCli, type ServeProcess, spawnCli, startServeProcess } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait.js";
import { post, rawPost } from "../server/helpers.js";

const CANARY = "sk-CANARY-b41f0e77c2";
const ka = { model: "bm25", query: KNOWN_ANSWER.query, documents: KNOWN_ANSWER.documents };
const LISTENING =
  /^rerank-eval serve: listening on http:\/\/127\.0\.0\.1:(\d+) \(models: bm25, tfidf, identity, random\)$/m;

const started: ServeProcess[] = [];
afterEach(() => {
  for (const s of started.splice(0)) if (s.child.exitCode === null) s.child.kill("SIGKILL");
});

beforeAll(() => buildCli(), 60_000);

/** The built CLI's `serve --port 0 …` as a real process, with a key in its environment. */
async function spawnServe(args: string[]): Promise<ServeProcess> {
  const s = await startServeProcess(args, { REGOLO_API_KEY: CANARY });
  started.push(s);
  return s;
}

describe("rerank-eval serve (real process)", () => {
  it("prints its real URL, answers, logs each request and exits 0 on SIGTERM", async () => {
    const s = await spawnServe([]);
    expect(Number(LISTENING.exec(s.output().stdout)?.[1])).toBeGreaterThan(0);
    const auth = { authorization: `Bearer ${CANARY}` };
    const ok = await post(`${s.url}/v1/rerank`, { ...ka, top_n: 2 }, auth);
    expect(ok.status).toBe(200);
    expect(ok.body.results.map((r: { index: number }) => r.index)).toEqual([2, 3]);
    expect((await post(`${s.url}/v2/rerank`, { ...ka, model: "nope" }, auth)).status).toBe(404);
    expect(await s.stop("SIGTERM")).toBe(0);
    const { stdout, stderr } = s.output();
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\S+Z POST \/v1\/rerank 200 \d+\.\dms$/);
    expect(lines[2]).toMatch(/^\S+Z POST \/v2\/rerank 404 \d+\.\dms$/);
    expect(stderr).toBe("");
    expect(stdout + stderr).not.toContain("CANARY");
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
    expect(await loud.stop("SIGINT")).toBe(0);
    expect(await quiet.stop("SIGINT")).toBe(0);
    expect(loud.output().stdout).toMatch(/ dropped /);
    expect(loud.output().stdout).toMatch(/ 503 /);
    expect(quiet.output().stdout.trim().split("\n")).toHaveLength(1);
    for (const s of [loud, quiet]) {
      const { stdout, stderr } = s.output();
      expect(stdout + stderr).not.toContain("CANARY");
    }
  });

  it("--help names the models, the routes and every fault flag", async () => {
    const run = await spawnCli(["serve", "--help"], {});
    expect(run.code).toBe(0);
    const flat = run.stdout.replace(/\s+/g, " ");
    expect(flat).toContain(
      "models bm25, tfidf, identity, random on /rerank and /v1/rerank (regolo) and /v2/rerank (Cohere v2)",
    );
    for (const flag of [
      "--latency-ms",
      "--per-doc-ms",
      "--fail-rate",
      "--rate-limit",
      "--drop-rate",
      "--seed",
    ])
      expect(flat).toContain(flag);
  });

  it("serves from a child Node with a 64 MB semi-space; a SIGTERM to the command ends both", async () => {
    const s = await spawnServe(["--quiet"]);
    const ps = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(s.child.pid)], { encoding: "utf8" });
    const [pid, ...args] = ps.trim().split(/\s+/);
    expect(args).toContain("--max-semi-space-size=64");
    expect(args).toEqual(expect.arrayContaining(["serve", "--quiet"]));
    expect((await post(`${s.url}/rerank`, ka, {})).status).toBe(200);
    expect(await s.stop("SIGTERM")).toBe(0);
    await waitFor(() => !processAlive(Number(pid)), 5000);
    expect(processAlive(Number(pid))).toBe(false);
  });

  it("100 concurrent requests with --latency-ms 50: all answered, nothing on stderr (no MaxListenersExceededWarning)", async () => {
    const s = await spawnServe(["--latency-ms", "50", "--quiet"]);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => rawPost(`${s.url}/rerank`, JSON.stringify(ka))),
    );
    expect(answers.map((a) => a.status)).toEqual(new Array(100).fill(200));
    expect(await s.stop()).toBe(0);
    expect(s.output().stderr).toBe("");
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

  it("exit 2 with one line naming the flag for an impossible or non-numeric setting", async () => {
    const cases: [string[], string][] = [
      [["--fail-rate", "1.5"], "--fail-rate must be a number between 0 and 1, got 1.5"],
      [["--drop-rate", "-0.1"], "--drop-rate must be a number between 0 and 1, got -0.1"],
      [["--latency-ms", "slow"], "--latency-ms must be a number >= 0, not a number"],
      [["--per-doc-ms", "-1"], "--per-doc-ms must be a number >= 0, got -1"],
      [["--rate-limit", "0"], "--rate-limit must be a number > 0, got 0"],
      [["--seed", "1.5"], "--seed must be an integer, got 1.5"],
      [["--port", "70000"], "--port must be an integer between 0 and 65535, got 70000"],
    ];
    for (const [flags, message] of cases) {
      const port = flags.includes("--port") ? [] : ["--port", "0"];
      const { code, stderr } = await run(["serve", ...port, ...flags]);
      expect(code, flags.join(" ")).toBe(2);
      expect(stderr).toBe(`rerank-eval: error: ${message}\n`);
    }
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
