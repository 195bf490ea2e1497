/** runEvaluation's outputs over the embedded server: progress, determinism, the output folder, the judged pool. */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { resolveRunOptions } from "../../src/run/config.js";
import { runEvaluation } from "../../src/run/index.js";
import { syntheticRows, tempDir, writeCsv } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  csv = await writeCsv(dir, syntheticRows(6, 5));
});
afterAll(() => cleanup());

describe("progress of a run", () => {
  /** Every "done/total" the progress output shows, terminal bar or plain lines. */
  const counts = (text: string) =>
    [...text.matchAll(/(\d+)\/(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);

  it("counts API tasks only: a first-stage variant never pushes it past its total (bar or lines)", async () => {
    for (const tty of [false, true]) {
      const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 120 });
      let text = "";
      stream.on("data", (c: Buffer) => {
        text += c.toString("utf8");
      });
      const options = resolveRunOptions(undefined, {
        dataset: "datasets/tiny-beir",
        candidates: "datasets/tiny-beir/run.trec",
        model: ["bm25", "tfidf"],
        topN: [5],
        endpoint: "embedded",
        concurrency: 4,
        out: join(dir, `progress-${tty}`),
      });
      const { report } = await runEvaluation(options, { progressStream: stream, env: {} });
      expect(report.variants.map((v) => v.id)).toEqual(["first-stage", "bm25.top5", "tfidf.top5"]);
      const seen = counts(text);
      expect(seen.length, text).toBeGreaterThan(0);
      // 10 judged queries × 2 reranking variants; the first-stage baseline makes no call.
      for (const [done, total] of seen) {
        expect(total).toBe(20);
        expect(done).toBeLessThanOrEqual(20);
      }
      expect(seen.at(-1)).toEqual([20, 20]);
      expect(text).not.toMatch(/ETA -/);
      if (!tty) expect(text.trim().split("\n").at(-1)).toMatch(/^rerank: 20\/20 tasks \(100%\) /);
    }
  });
});

describe("determinism", () => {
  it("the same inputs give the same report.json and report.md apart from timing fields", async () => {
    const once = async (name: string) => {
      const options = resolveRunOptions(undefined, {
        dataset: csv,
        model: ["bm25", "tfidf"],
        topN: [2, 4],
        endpoint: "embedded",
        concurrency: 7,
        out: join(dir, name),
      });
      await runEvaluation(options, { quiet: true, env: {} });
      const json = JSON.parse(await readFile(join(dir, name, "report.json"), "utf8"));
      delete json.createdAt;
      delete json.timing;
      delete json.throughput;
      delete json.front; // who is on the front depends on the p95 latencies
      // When the limit changed is timing; the limits themselves are not.
      for (const point of json.concurrency?.timeline ?? []) delete point.atSeconds;
      for (const v of json.variants) {
        delete v.latency;
        delete v.throughput;
      }
      const md = (await readFile(join(dir, name, "report.md"), "utf8"))
        .split("\n## ")
        .filter((s) => !/^(# |Latency|top_n|Quality, latency)/.test(s))
        .join("\n## ");
      const trec = await readFile(join(dir, name, "run-bm25.top4.trec"), "utf8");
      return { json, md, trec };
    };
    const a = await once("det-a");
    const b = await once("det-b");
    expect(b.json).toEqual(a.json);
    expect(b.md).toEqual(a.md);
    expect(b.trec).toEqual(a.trec);
  });
});

describe("output folder", () => {
  it("a reused folder loses run files of variants the new run does not have, and nothing else", async () => {
    const out = join(dir, "reused");
    await mkdir(out, { recursive: true });
    // An earlier run's folder: its results.jsonl marks the run files as rerank-eval's own.
    await writeFile(join(out, "results.jsonl"), "");
    await writeFile(join(out, "run-old-model.top3.trec"), "q1 Q0 d 1 1 old\n");
    await writeFile(join(out, "notes.txt"), "mine");
    const options = resolveRunOptions(undefined, {
      dataset: csv,
      model: ["bm25"],
      endpoint: "embedded",
      out,
    });
    await runEvaluation(options, { quiet: true, env: {} });
    expect((await readdir(out)).sort()).toEqual([
      "manifest.json",
      "notes.txt",
      "qrels.txt",
      "report.html",
      "report.json",
      "report.md",
      "results.jsonl",
      "run-bm25.trec",
    ]);
  });
});

describe("a folder that is not a previous run's", () => {
  it("with a user's own qrels.txt or run file and no results.jsonl, is refused and left untouched", async () => {
    const out = join(dir, "user-data");
    await mkdir(out, { recursive: true });
    await writeFile(join(out, "qrels.txt"), "q1 0 d1 1\n");
    await writeFile(join(out, "run-bm25.trec"), "q1 Q0 d1 1 9 bm25\n");
    const options = resolveRunOptions(undefined, {
      dataset: csv,
      model: ["bm25"],
      endpoint: "embedded",
      out,
    });
    const err = await runEvaluation(options, { quiet: true, env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /user-data: field 'out': holds qrels\.txt, run-bm25\.trec but no results\.jsonl: not a rerank-eval output folder/,
    );
    expect((await readdir(out)).sort()).toEqual(["qrels.txt", "run-bm25.trec"]);
    expect(await readFile(join(out, "qrels.txt"), "utf8")).toBe("q1 0 d1 1\n");
  });
});

describe("a folder that refuses the last writes", () => {
  it("is an InputError naming the folder, and leaves no report.json", async () => {
    const out = join(dir, "refuses");
    // report.json is written through a temp file named after the process; a folder in its place
    // makes that write fail (EISDIR) after the run itself succeeded.
    await mkdir(join(out, `.report.json.${process.pid}.tmp`), { recursive: true });
    const options = resolveRunOptions(undefined, {
      dataset: csv,
      model: ["bm25"],
      endpoint: "embedded",
      out,
    });
    const err = await runEvaluation(options, { quiet: true, env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/refuses: field 'out': cannot write the output folder \(EISDIR\)$/);
    expect(await readdir(out)).not.toContain("report.json");
  });
});

describe("the judged pool", () => {
  it("--candidates qrels on the shipped tiny-beir set is marked optimistic in report.json and report.md", async () => {
    const out = join(dir, "pool");
    const options = resolveRunOptions(undefined, {
      dataset: "datasets/tiny-beir",
      candidates: "qrels",
      model: ["bm25"],
      endpoint: "embedded",
      out,
    });
    const { report } = await runEvaluation(options, { quiet: true, env: {} });
    expect(report.candidates).toMatchObject({ source: "qrels", optimistic: true });
    // Every judged document is a candidate: the ceiling is 1 on queries with a relevant document.
    expect(report.candidates.ceiling.relevantInCandidates).toBe(report.candidates.ceiling.relevantTotal);
    expect(report.variants.map((v) => v.id)).toEqual(["bm25"]);
    expect(await readFile(join(out, "report.md"), "utf8")).toContain("**Optimistic:**");
  });
});
