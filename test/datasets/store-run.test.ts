/**
 * Runs whose texts are read back by offset give what runs with the texts in memory give: the same
 * rankings, the same metrics, and the same request bytes (a cache filled by one answers the other
 * offline). The in-memory side is the same set gzipped, which keeps its texts as before.
 */
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/types.js";
import type { ResultRecord } from "../../src/results/record.js";
import { type CountingServer, startCountingServer } from "../cache/helpers.js";
import { runCli } from "../helpers/cli.js";
import { SHIPPED, scratch } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
let server: CountingServer;
beforeAll(async () => {
  tmp = await scratch();
  server = await startCountingServer();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

async function gzipped(from: string, to: string): Promise<void> {
  await writeFile(to, gzipSync(await readFile(from)));
}

/** Rankings by (variant, qid), and each variant's metrics. */
async function outcome(out: string) {
  const lines = (await readFile(join(out, "results.jsonl"), "utf8")).trim().split("\n");
  const records = lines.map((l) => JSON.parse(l) as ResultRecord);
  const rankings = Object.fromEntries(records.map((r) => [`${r.variant} ${r.qid}`, r.ranking]));
  const report = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
  const metrics = Object.fromEntries(report.variants.map((v) => [v.id, v.metrics]));
  return { rankings, metrics, records: records.length };
}

const embedded = ["--endpoint", "embedded", "--model", "bm25,tfidf", "--top-n", "3", "--quiet", "--no-cache"];

describe("a run reading texts back equals a run holding them", () => {
  it("capitals.csv: same rankings and metrics for every variant", async () => {
    const plain = join(tmp.dir, "capitals.csv");
    await copyFile(join(SHIPPED, "capitals.csv"), plain);
    await gzipped(plain, join(tmp.dir, "capitals-gz.csv.gz"));
    const a = await runCli(["run", "--dataset", plain, ...embedded, "--out", join(tmp.dir, "csv-a")]);
    const b = await runCli([
      "run",
      "--dataset",
      join(tmp.dir, "capitals-gz.csv.gz"),
      ...embedded,
      "--out",
      join(tmp.dir, "csv-b"),
    ]);
    expect([a.code, b.code, b.stderr]).toEqual([0, 0, a.stderr]);
    expect(a.stderr).not.toMatch(/error/);
    const [x, y] = [await outcome(join(tmp.dir, "csv-a")), await outcome(join(tmp.dir, "csv-b"))];
    expect(x.records).toBe(2 * 22);
    expect(x.rankings).toEqual(y.rankings);
    expect(x.metrics).toEqual(y.metrics);
  });

  it("tiny-beir with its run file: same rankings and metrics, first stage included", async () => {
    for (const variant of ["beir-plain", "beir-gz"]) {
      await mkdir(join(tmp.dir, variant, "qrels"), { recursive: true });
      await copyFile(join(SHIPPED, "tiny-beir/queries.jsonl"), join(tmp.dir, variant, "queries.jsonl"));
      await copyFile(join(SHIPPED, "tiny-beir/qrels/test.tsv"), join(tmp.dir, variant, "qrels/test.tsv"));
    }
    await copyFile(join(SHIPPED, "tiny-beir/corpus.jsonl"), join(tmp.dir, "beir-plain/corpus.jsonl"));
    await gzipped(join(SHIPPED, "tiny-beir/corpus.jsonl"), join(tmp.dir, "beir-gz/corpus.jsonl.gz"));
    const runFile = join(SHIPPED, "tiny-beir/run.trec");
    const go = (set: string, out: string) =>
      runCli([
        "run",
        "--dataset",
        join(tmp.dir, set),
        "--candidates",
        runFile,
        ...embedded,
        "--out",
        join(tmp.dir, out),
      ]);
    const [a, b] = [await go("beir-plain", "beir-a"), await go("beir-gz", "beir-b")];
    expect([a.code, b.code, b.stderr]).toEqual([0, 0, a.stderr]);
    expect(a.stderr).not.toMatch(/error/);
    const [x, y] = [await outcome(join(tmp.dir, "beir-a")), await outcome(join(tmp.dir, "beir-b"))];
    expect(Object.keys(x.metrics)).toContain("first-stage");
    expect(x.rankings).toEqual(y.rankings);
    expect(x.metrics).toEqual(y.metrics);
  });

  it("same request bytes: a cache filled reading back answers the in-memory run offline", async () => {
    const plain = join(tmp.dir, "cache-set.csv");
    await copyFile(join(SHIPPED, "capitals.csv"), plain);
    await gzipped(plain, join(tmp.dir, "cache-set-gz.csv.gz"));
    const cache = join(tmp.dir, "cache");
    const api = [
      "--provider",
      "cohere",
      "--endpoint",
      server.endpoint,
      "--model",
      "m",
      "--api-key-env",
      "STORE_TEST_KEY",
    ];
    const env = { STORE_TEST_KEY: "store-test-key" };
    const args = (set: string, out: string) => [
      "run",
      "--dataset",
      set,
      ...api,
      "--cache",
      cache,
      "--quiet",
      "--out",
      join(tmp.dir, out),
    ];
    const filled = await runCli(args(plain, "cache-a"), env);
    expect([filled.code, filled.stderr]).toEqual([0, ""]);
    const sent = server.requests;
    expect(sent).toBe(22);
    const offline = await runCli(
      [...args(join(tmp.dir, "cache-set-gz.csv.gz"), "cache-b"), "--offline"],
      env,
    );
    expect([offline.code, offline.stderr]).toEqual([0, ""]);
    expect(server.requests).toBe(sent);
    const [x, y] = [await outcome(join(tmp.dir, "cache-a")), await outcome(join(tmp.dir, "cache-b"))];
    expect(x.rankings).toEqual(y.rankings);
  });
});
