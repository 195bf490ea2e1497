/**
 * The cache across real processes: two runs at -j 64 writing the same folder at once (cacache's
 * rename-into-place and checksummed index lines), then a third that finds every answer; and the
 * embedded reference server, which is deliberately not cached (its answers cost nothing, and it is
 * the reference for latency).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/types.js";
import { buildCli, runCli, spawnCli } from "../helpers/cli.js";
import { syntheticRows, tempDir, writeCsv } from "../run/helpers.js";
import { type CountingServer, startCountingServer } from "./helpers.js";

const QUERIES = 100;

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
let server: CountingServer;
beforeAll(async () => {
  await buildCli();
  ({ dir, cleanup } = await tempDir("rerank-eval-cache-proc-"));
  csv = await writeCsv(dir, syntheticRows(QUERIES, 6));
  server = await startCountingServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const argsOf = (out: string, cache: string, extra: string[] = []) =>
  ["run", "--dataset", csv, "--provider", "cohere", "--endpoint", server.endpoint, "--model", "m"]
    .concat(["--api-key-env", "K", "-j", "64", "--cache", cache, "--out", join(dir, out), "--quiet"])
    .concat(extra);
const run = (out: string, cache: string) => spawnCli(argsOf(out, cache), { K: "sk-processes-test" });

describe("the cache across processes", () => {
  it("two runs at -j 64 writing one folder at once leave it whole: a third run sends nothing", async () => {
    const cache = join(dir, "shared");
    const [a, b] = await Promise.all([run("a", cache), run("b", cache)]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, "", ""]);
    expect(server.requests).toBeLessThanOrEqual(2 * QUERIES);
    expect(server.requests).toBeGreaterThanOrEqual(QUERIES);

    const verify = await runCli(["cache", "verify", "--cache", cache], {});
    expect(verify.code).toBe(0);
    // Both processes may answer a task: the later answer supersedes the earlier, whose content verify
    // collects. Nothing may be corrupt or lost.
    expect(verify.stdout).toContain(`: ${QUERIES} answers good (`);
    expect(verify.stdout).not.toMatch(/corrupt|without content/);

    const before = server.requests;
    // In-process (faster than a third process): the folder is all that carries over.
    const c = await runCli(argsOf("c", cache, ["--offline"]), { K: "sk-processes-test" });
    expect(c.code).toBe(0);
    expect(server.requests).toBe(before);
    const [ra, rc] = await Promise.all(
      ["a", "c"].map(async (o) => JSON.parse(await readFile(join(dir, o, "report.json"), "utf8")) as Report),
    );
    expect(rc.variants[0].perQuery).toEqual(ra.variants[0].perQuery);
    expect(rc.variants[0].cached).toBe(QUERIES);
  });

  it("the embedded server is not cached: no folder, no mark, and --offline still runs it", async () => {
    const cache = join(dir, "embedded-cache");
    const args = (out: string) =>
      ["run", "--dataset", "datasets/capitals.csv", "--endpoint", "embedded", "--model", "bm25"].concat([
        "--cache",
        cache,
        "--out",
        join(dir, out),
        "--quiet",
      ]);
    const first = await runCli(args("emb-1"), {});
    expect(first.code).toBe(0);
    const second = await runCli([...args("emb-2"), "--offline"], {});
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain("from the cache");
    await expect(stat(cache)).rejects.toThrow();
    const results = await readFile(join(dir, "emb-2", "results.jsonl"), "utf8");
    expect(results).not.toContain('"cached"');
    const report = JSON.parse(await readFile(join(dir, "emb-2", "report.json"), "utf8")) as Report;
    expect(report.variants[0].cached).toBe(0);
    expect(report.variants[0].latency?.query?.count).toBe(22);
  });
});
