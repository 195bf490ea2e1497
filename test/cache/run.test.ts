/**
 * The response cache in real runs: a real Cohere-dialect server on loopback that counts what it
 * receives, a real cache folder under a temp dir, the real CLI. A warm cache sends nothing and
 * scores the same; --refresh calls again; --offline refuses before anything when an answer is
 * missing; errors are not cached; a corrupt entry is a counted miss; the key is in no cache file.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/types.js";
import type { ResultRecord } from "../../src/results/record.js";
import { runCli } from "../helpers/cli.js";
import { syntheticRows, tempDir, writeCsv } from "../run/helpers.js";
import { type CountingServer, contentFiles, filesUnder, startCountingServer } from "./helpers.js";

const CANARY = "sk-canary-cache-5f1e2d3c4b5a69788796a5b4c3d2e1f0";
const ENV = { CACHE_TEST_KEY: CANARY };
const QUERIES = 12;
/** Two variants per query: top_n 3, and top_n 50 (clamped to 8, so every answer carries a note). */
const TASKS = QUERIES * 2;

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
let server: CountingServer;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-cache-run-"));
  csv = await writeCsv(dir, syntheticRows(QUERIES, 8));
  server = await startCountingServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

/** `cache` null: no --cache flag (the test file's own default folder, or --no-cache in `extra`). */
function run(out: string, cache: string | null, extra: string[] = []) {
  return runCli(
    [
      "run",
      "--dataset",
      csv,
      "--provider",
      "cohere",
      "--endpoint",
      server.endpoint,
      "--model",
      "rerank-test",
      "--api-key-env",
      "CACHE_TEST_KEY",
      "--top-n",
      "3,50",
      "--retries",
      "0",
      ...(cache === null ? [] : ["--cache", cache]),
      "--out",
      out,
      "--quiet",
      ...extra,
    ],
    ENV,
  );
}

const readReport = async (out: string) =>
  JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
const readRecords = async (out: string) =>
  (await readFile(join(out, "results.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ResultRecord);
const entries = async (cache: string) =>
  (await readdir(join(cache, "index-v5"), { recursive: true, withFileTypes: true })).filter((e) =>
    e.isFile(),
  );

describe("a run with the response cache", () => {
  const cache = () => join(dir, "cache-main");

  it("a warm cache sends no request and gives the same rankings, metrics, usage and notes", async () => {
    const before = server.requests;
    const cold = await run(join(dir, "cold"), cache());
    expect(cold.code).toBe(0);
    expect(server.requests - before).toBe(TASKS);
    expect(cold.stdout).not.toContain("from the cache");

    const warm = await run(join(dir, "warm"), cache());
    expect(warm.code).toBe(0);
    expect(server.requests - before).toBe(TASKS);
    expect(warm.stdout).toContain(`(${TASKS} answers from the cache, not timed)`);

    const [a, b] = [await readReport(join(dir, "cold")), await readReport(join(dir, "warm"))];
    for (const [i, v] of b.variants.entries()) {
      const c = a.variants[i];
      expect(v.perQuery).toEqual(c.perQuery);
      expect(v.metrics).toEqual(c.metrics);
      expect(v.usage).toEqual(c.usage);
      expect(v.usage.searchUnits).toBe(QUERIES);
      expect(v.notes).toEqual(c.notes);
      expect(Object.keys(v.notes)).toEqual(i === 1 ? ["clamped"] : []);
      // Not timed: no latency, no throughput, no attempts; counted instead.
      expect(c.cached).toBe(0);
      expect(v.cached).toBe(QUERIES);
      expect(v.latency).toEqual({ request: null, query: null });
      expect(v.throughput?.queriesPerSecond).toBe(0);
      expect(v.calls).toEqual({ attempts: 0, requests: 0, retriedQueries: 0 });
    }
    expect(b.comparisons).toEqual(a.comparisons);
    expect(b.throughput.queriesPerSecond).toBe(0);
    const md = await readFile(join(dir, "warm", "report.md"), "utf8");
    expect(md).toContain(
      `${TASKS} answers from the cache, not timed (rerank-test.top3 12, rerank-test.top50 12)`,
    );
    // report.html says it too, above its latency charts.
    expect(await readFile(join(dir, "warm", "report.html"), "utf8")).toContain(
      `${TASKS} answers from the cache, not timed (rerank-test.top3 12, rerank-test.top50 12)`,
    );

    // Rankings with their raw scores are byte-identical; each cached record is marked, the cold ones not.
    const [ra, rb] = [await readRecords(join(dir, "cold")), await readRecords(join(dir, "warm"))];
    const byTask = (rs: ResultRecord[]) => new Map(rs.map((r) => [`${r.variant} ${r.qid}`, r]));
    const cold2 = byTask(ra);
    for (const r of rb) {
      const c = cold2.get(`${r.variant} ${r.qid}`);
      expect(JSON.stringify(r.ranking)).toBe(JSON.stringify(c?.ranking));
      expect(r.usage).toEqual(c?.usage);
      expect(r.notes).toEqual(c?.notes);
      expect(r.scoreKind).toBe(c?.scoreKind);
      expect(r.cached).toBe(true);
      expect(r.attempts).toBe(0);
      expect(c?.cached).toBeUndefined();
    }
    // `report DIR` rebuilds the same from the folder (the mark is in results.jsonl).
    const rebuilt = await runCli(["report", join(dir, "warm"), "--out", join(dir, "warm-rebuilt")], ENV);
    expect(rebuilt.code).toBe(0);
    expect((await readReport(join(dir, "warm-rebuilt"))).variants.map((v) => v.cached)).toEqual([
      QUERIES,
      QUERIES,
    ]);
  });

  it("--refresh calls for every task again and overwrites the entries", async () => {
    const c = join(dir, "cache-refresh");
    expect((await run(join(dir, "refresh-fill"), c)).code).toBe(0);
    const before = server.requests;
    const stored = (await entries(c)).length;
    expect(stored).toBe(TASKS);
    const r = await run(join(dir, "refresh"), c, ["--refresh"]);
    expect(r.code).toBe(0);
    expect(server.requests - before).toBe(TASKS);
    expect((await readRecords(join(dir, "refresh"))).filter((x) => x.cached)).toHaveLength(0);
    expect((await readReport(join(dir, "refresh"))).variants.map((v) => v.cached)).toEqual([0, 0]);
    // The same keys: overwritten, not added.
    expect((await entries(c)).length).toBe(stored);
  });

  it("--no-cache neither reads nor writes a cache", async () => {
    const before = server.requests;
    const defaultFolder = process.env.RERANK_EVAL_CACHE_DIR ?? "";
    const r = await run(join(dir, "nocache"), null, ["--no-cache"]);
    expect(r.code).toBe(0);
    expect(server.requests - before).toBe(TASKS);
    expect((await readRecords(join(dir, "nocache"))).some((x) => x.cached)).toBe(false);
    // The default folder (this test file's own, helpers/isolate-cache.ts) got nothing.
    expect(await readdir(defaultFolder)).toEqual([]);
    // Both at once contradict each other.
    const both = await run(join(dir, "nocache-both"), join(dir, "cache-unused"), ["--no-cache"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--cache was given 2 times");
  });

  it("--offline answers from the cache alone; one entry missing fails before anything, naming the count", async () => {
    const off = join(dir, "cache-offline");
    await run(join(dir, "offline-fill"), off);
    const before = server.requests;
    const ok = await run(join(dir, "offline-ok"), off, ["--offline"]);
    expect(ok.code).toBe(0);
    expect(server.requests).toBe(before);

    // Remove one entry (its index bucket): that task has no answer now.
    const bucket = (await entries(off))[0];
    await rm(join(bucket.parentPath, bucket.name));
    // A folder that holds a finished run must stay exactly as it was.
    const out = join(dir, "offline-ok");
    const held = await readFile(join(out, "results.jsonl"), "utf8");
    const refused = await run(out, off, ["--offline"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `rerank-eval: error: --offline: 1 of ${TASKS} tasks have no cached answer in ${off}\n`,
    );
    expect(server.requests).toBe(before);
    expect(await readFile(join(out, "results.jsonl"), "utf8")).toBe(held);
    await expect(stat(join(out, "report.json"))).resolves.toBeTruthy();
    // A new folder is not even created.
    const fresh = join(dir, "offline-new");
    expect((await run(fresh, off, ["--offline"])).code).toBe(2);
    await expect(stat(fresh)).rejects.toThrow();
  });

  it("a config file's cache folder is relative to the file; `cache: false` is --no-cache", async () => {
    const sub = join(dir, "config-here");
    await mkdir(sub);
    const config = (cache: string) =>
      [
        `dataset: ${csv}`,
        "provider: cohere",
        `endpoint: ${server.endpoint}`,
        "apiKeyEnv: CACHE_TEST_KEY",
        "models: [m]",
        `cache: ${cache}`,
      ].join("\n");
    await writeFile(join(sub, "eval.yaml"), config("answers"));
    const r = await runCli(
      ["run", "--config", join(sub, "eval.yaml"), "--out", join(dir, "cfg"), "--quiet"],
      ENV,
    );
    expect(r.code).toBe(0);
    expect((await entries(join(sub, "answers"))).length).toBe(QUERIES);
    await writeFile(join(sub, "off.yaml"), config("false"));
    const before = server.requests;
    const off = await runCli(
      ["run", "--config", join(sub, "off.yaml"), "--out", join(dir, "cfg-off"), "--quiet"],
      ENV,
    );
    expect(off.code).toBe(0);
    expect(server.requests - before).toBe(QUERIES);
    await expect(stat(join(sub, "false"))).rejects.toThrow();
    // A flag wins over the file.
    const flagged = await runCli(
      [
        "run",
        "--config",
        join(sub, "off.yaml"),
        "--cache",
        join(sub, "answers"),
        "--offline",
        "--out",
        join(dir, "cfg-flag"),
        "--quiet",
      ],
      ENV,
    );
    expect(flagged.code).toBe(0);
    expect(server.requests - before).toBe(QUERIES);
  });

  it("contradictory modes are usage errors", async () => {
    const c = join(dir, "cache-modes");
    for (const [flags, message] of [
      [["--offline", "--refresh"], "--offline and --refresh contradict each other"],
      [["--offline", "--no-cache"], "--offline needs the cache, but --no-cache turns it off"],
      [["--refresh", "--no-cache"], "--refresh needs the cache, but --no-cache turns it off"],
    ] as const) {
      const r = await run(
        join(dir, "modes"),
        (flags as readonly string[]).includes("--no-cache") ? null : c,
        [...flags],
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    await expect(stat(join(dir, "modes"))).rejects.toThrow();
  });

  it("errors are never cached: a failed task is called again next time", async () => {
    const c = join(dir, "cache-errors");
    server.failNext("query number 4", 2);
    const failing = await run(join(dir, "errors-1"), c, ["--max-failures", "5"]);
    expect(failing.code).toBe(0);
    expect((await readReport(join(dir, "errors-1"))).failures.count).toBe(2);
    const asked = server.byQuery.get("query number 4") ?? 0;
    const before = server.requests;
    const again = await run(join(dir, "errors-2"), c);
    expect(again.code).toBe(0);
    // Only the two failed tasks (query 4 at both top_n) reach the server.
    expect(server.requests - before).toBe(2);
    expect(server.byQuery.get("query number 4")).toBe(asked + 2);
    const records = await readRecords(join(dir, "errors-2"));
    expect(records.filter((r) => !r.cached).map((r) => r.qid)).toEqual(["q4", "q4"]);
  });

  it("a corrupt entry is a counted miss, called again, never a crash", async () => {
    const c = join(dir, "cache-corrupt");
    await run(join(dir, "corrupt-fill"), c);
    const files = await contentFiles(c);
    expect(files).toHaveLength(TASKS);
    await writeFile(files[0], "{ not an answer");
    const before = server.requests;
    const r = await run(join(dir, "corrupt"), c);
    expect(r.code).toBe(0);
    expect(server.requests - before).toBe(1);
    expect(r.stderr).toContain("1 cached answer was unreadable (corrupt or incomplete entries in");
    expect((await readRecords(join(dir, "corrupt"))).filter((x) => !x.cached)).toHaveLength(1);
    // The new answer replaced it: a third run is all cached.
    const third = await run(join(dir, "corrupt-after"), c);
    expect(server.requests - before).toBe(1);
    expect(third.stderr).not.toContain("unreadable");
  });

  it("the API key is in no file of the cache folder, though every request carried it", async () => {
    // One failing query too: its 500 body echoes the Authorization header, and is not cached.
    const plain = join(dir, "cache-canary");
    server.failNext("query number 5", 2);
    expect((await run(join(dir, "canary"), plain, ["--max-failures", "2"])).code).toBe(0);
    expect(server.authorizations).toEqual(new Set([`Bearer ${CANARY}`]));
    const files = await filesUnder(plain);
    expect(files.length).toBeGreaterThan(TASKS);
    for (const f of files) {
      expect(f.text).not.toContain(CANARY);
      expect(f.text).not.toContain(Buffer.from(CANARY).toString("base64"));
    }
    // A server that echoes the key in its answers' id and model: scrubbed before it is stored.
    const echoed = join(dir, "cache-echo");
    server.echoCaller = true;
    try {
      expect((await run(join(dir, "echo"), echoed)).code).toBe(0);
    } finally {
      server.echoCaller = false;
    }
    const stored = await filesUnder(join(echoed, "content-v2"));
    expect(stored).toHaveLength(TASKS);
    for (const f of stored) {
      expect(f.text).not.toContain(CANARY);
      expect(f.text).toContain("[REDACTED]");
    }
    for (const f of await filesUnder(join(dir, "echo"))) expect(f.text).not.toContain(CANARY);
    // The scrubbed entries are still answers: a second run is served from them.
    expect((await run(join(dir, "echo-warm"), echoed)).code).toBe(0);
    expect((await readRecords(join(dir, "echo-warm"))).every((r) => r.cached)).toBe(true);
    // And nothing of the request either: the index holds hashes, not queries or documents.
    const index = await filesUnder(join(plain, "index-v5"));
    for (const f of index) expect(f.text).not.toContain("query number");
  });
});
