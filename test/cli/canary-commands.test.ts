import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, type CliRun, REPO, spawnCli } from "../helpers/cli.js";
import { CANARY_KEY, json, type LocalServer, startLocalServer } from "../rerank/local-server.js";

/**
 * The key in no output of any command, across a whole workflow with failures forced: `run` (response cache included) against a
 * server that echoes the Authorization header in 401 and 500 bodies and drops connections, with
 * --debug; then `report DIR`, `compare`, `doctor` and `rerank` on the same server. Every file
 * written (the run folders, compare's outputs) and every stdout and stderr is searched for the key
 * and for a fragment of it. The server's log proves the key was really sent.
 */
const ENV = { REGOLO_API_KEY: CANARY_KEY };
const DATASET = join(REPO, "datasets/capitals.csv");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("canary key across commands, failures forced", () => {
  let echo: LocalServer;
  let work: string;
  const runs: { label: string; run: CliRun }[] = [];

  beforeAll(async () => {
    await buildCli();
    work = mkdtempSync(join(tmpdir(), "rerank-eval-canary-"));
    echo = await startLocalServer((req, res) => {
      const query = String(req.body.query ?? "");
      const docs = req.body.documents ?? [];
      const h = [...query].reduce((s, c) => s + c.charCodeAt(0), 0) % 5;
      const leak = `auth was ${req.headers.authorization} headers ${JSON.stringify(req.headers)}`;
      if (h === 0) return json(res, 500, { error: { message: leak } });
      if (h === 1) return json(res, 401, { detail: leak });
      if (h === 2) return void res.socket?.destroy();
      json(res, 200, {
        id: leak,
        results: docs.map((_, index) => ({ index, relevance_score: 1 / (index + 1) })),
      });
    });
  }, 120_000);

  afterAll(async () => {
    await echo?.close();
  });

  async function record(label: string, args: string[]): Promise<CliRun> {
    const run = await spawnCli(args, ENV);
    runs.push({ label, run });
    return run;
  }

  it("run, report DIR, compare, doctor and rerank: no key in any output or file", async () => {
    // The cache folder sits in the work folder, so it is searched with the rest.
    const cache = join(work, "cache");
    const base = [
      "--dataset",
      DATASET,
      "--endpoint",
      echo.url,
      "--model",
      "m",
      "--retries",
      "1",
      "--cache",
      cache,
    ];
    const a = join(work, "a");
    const b = join(work, "b");
    const first = await record("run a", ["run", ...base, "--out", a, "--debug", "--max-failures", "1000"]);
    expect([0, 3], first.stderr).toContain(first.code);
    const second = await record("run b", [
      "run",
      ...base,
      "--out",
      b,
      "--top-n",
      "3",
      "--max-failures",
      "1000",
    ]);
    expect([0, 3], second.stderr).toContain(second.code);
    const rebuilt = await record("report", ["report", a, "--debug"]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const compared = await record("compare", [
      "compare",
      a,
      b,
      "--variant-map",
      "m=m.top3",
      "--out",
      join(work, "cmp"),
      "--junit",
      join(work, "cmp", "junit.xml"),
    ]);
    expect([0, 1], compared.stderr).toContain(compared.code);
    const doctor = await record("doctor", ["doctor", "--endpoint", echo.url, "--model", "m", "--debug"]);
    expect(doctor.code).not.toBe(0);
    const rerank = await record("rerank", [
      "rerank",
      "--endpoint",
      echo.url,
      "--model",
      "m",
      "--query",
      "a",
      "--doc",
      "x",
      "--debug",
    ]);
    expect(rerank.code).toBe(3);
    // A warm re-run reads the successful answers (the echoed key in their ids) back from the cache.
    const warm = await record("run a again", [
      "run",
      ...base,
      "--out",
      join(work, "a2"),
      "--max-failures",
      "1000",
    ]);
    expect([0, 3], warm.stderr).toContain(warm.code);
    expect(readFileSync(join(work, "a2", "results.jsonl"), "utf8")).toMatch(/"cached":true/);
    for (const sub of ["info", "verify"]) {
      const admin = await record(`cache ${sub}`, ["cache", sub, "--cache", cache]);
      expect(admin.code, admin.stderr).toBe(0);
    }

    // Failures of each kind happened and were recorded, so redaction was exercised on real text.
    const results = readFileSync(join(a, "results.jsonl"), "utf8");
    expect(results).toMatch(/"status":500/);
    expect(results).toMatch(/"status":401/);
    expect(results).toMatch(/"kind":"network"/);
    // The key was sent on every request.
    expect(echo.requests.length).toBeGreaterThan(40);
    expect(echo.requests.every((r) => r.headers.authorization === `Bearer ${CANARY_KEY}`)).toBe(true);

    const files = filesUnder(work);
    expect(files.some((f) => f.endsWith("report.html"))).toBe(true);
    expect(files.some((f) => f.endsWith("compare.md"))).toBe(true);
    expect(files.filter((f) => f.startsWith(cache)).length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toContain(CANARY_KEY);
      expect(text, file).not.toContain(CANARY_KEY.slice(3, 15));
    }
    for (const { label, run } of runs) {
      expect(`${run.stdout}${run.stderr}`, label).not.toContain(CANARY_KEY);
      expect(`${run.stdout}${run.stderr}`, label).not.toContain(CANARY_KEY.slice(3, 15));
    }
  }, 120_000);
});
