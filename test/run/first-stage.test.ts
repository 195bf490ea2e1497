/**
 * `run --first-stage bm25` on the shipped tiny BEIR folder, in process over the embedded server:
 * the first-stage variant scores exactly what `evaluate` makes of the `retrieve` command's run
 * file; several depths are a variant dimension (ids, candidates sent per variant); the manifest
 * and report say where the candidates came from; a stopped first-stage run resumes; the flag's
 * misuses are one-line usage errors that leave nothing behind.
 */
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, runCli, runCliForReport, spawnCli } from "../helpers/cli.js";
import { tempDir } from "./helpers.js";

const TINY = "datasets/tiny-beir";
const MODEL = ["--model", "bm25", "--endpoint", "embedded", "--no-cache", "--quiet"];
/** `run` on the tiny BEIR folder with a BM25 first stage, then `flags`, reranked by the embedded bm25. */
const firstStageRun = (...flags: string[]) => [
  "run",
  "--dataset",
  TINY,
  "--first-stage",
  "bm25",
  ...flags,
  ...MODEL,
];

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-first-stage-"));
  await buildCli();
}, 60_000);
afterAll(() => cleanup());

const readJson = async (path: string) => JSON.parse(await readFile(path, "utf8"));
const readRecords = async (folder: string) =>
  (await readFile(join(folder, "results.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("run --first-stage bm25", () => {
  it("scores the first stage as evaluate scores the retrieve command's run, and says where the candidates came from", async () => {
    const out = join(dir, "single");
    const r = await runCli([...firstStageRun("--depth", "10"), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const trec = join(dir, "bm25.trec");
    expect(
      (await spawnCli(["retrieve", "--dataset", TINY, "--depth", "10", "--out", trec], {}, 60_000)).code,
    ).toBe(0);
    const ev = await runCli([
      "evaluate",
      "--json",
      "-m",
      "nDCG@10",
      "-m",
      "AP",
      "-m",
      "R@10",
      join(out, "qrels.txt"),
      trec,
    ]);
    expect(ev.code, ev.stderr).toBe(0);
    const expected = JSON.parse(ev.stdout);
    const report = await readJson(join(out, "report.json"));
    const first = report.variants.find((v: { id: string }) => v.id === "first-stage");
    for (const m of ["nDCG@10", "AP", "R@10"]) {
      expect(first.metrics[m].mean, m).toBe(expected.mean[m]);
      for (const [qid, x] of Object.entries(first.perQuery[m])) expect(x).toBe(expected.perQuery[qid][m]);
    }
    // One depth: the ids of old, no depth field.
    expect(report.variants.map((v: { id: string }) => v.id)).toEqual(["first-stage", "bm25"]);
    expect(report.variants[1].depth).toBeUndefined();
    expect(report.candidates.source).toBe("bm25 (k1 0.9, b 0.4), depth 10");
    expect(report.candidates.firstStage).toMatchObject({ method: "bm25", k1: 0.9, b: 0.4, depth: 10 });
    expect(report.candidates.firstStage.seconds).toBeGreaterThan(0);
    expect(report.config.dataset).toMatchObject({ firstStage: "bm25", depth: 10 });
    // The manifest's candidates are the run file's lists, in its order.
    const manifest = await readJson(join(out, "manifest.json"));
    const lines = (await readFile(trec, "utf8"))
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    for (const q of manifest.queries)
      expect(q.candidates).toEqual(lines.filter((f) => f[0] === q.qid).map((f) => f[2]));
    expect(manifest.queries[0].text).toBe("What is the longest river in Africa?");
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toMatch(
      /Candidates: bm25 \(k1 0\.9, b 0\.4\), depth 10 \(retrieved in [\d.]+ s: index [\d.]+ s, retrieval [\d.]+ s\)/,
    );
    expect(md).toContain("## Judgement holes");
  }, 60_000);

  it("several depths: a variant per depth, each sending its first d candidates; the first stage at the largest", async () => {
    const out = join(dir, "depths");
    const { report } = await runCliForReport([
      ...firstStageRun("--depth", "3", "--depth", "8", "--top-n", "2"),
      ...["--out", out],
    ]);
    expect(report.variants.map((v: { id: string; depth?: number }) => [v.id, v.depth])).toEqual([
      ["first-stage", undefined],
      ["bm25.top2.d3", 3],
      ["bm25.top2.d8", 8],
    ]);
    expect(report.candidates.depth).toBe(8);
    const manifest = await readJson(join(out, "manifest.json"));
    const sizes = new Map(
      manifest.queries.map((q: { qid: string; candidates: string[] }) => [q.qid, q.candidates.length]),
    );
    for (const rec of await readRecords(out)) {
      const cap = rec.variant === "bm25.top2.d3" ? 3 : 8;
      expect(rec.candidates, `${rec.variant} ${rec.qid}`).toBe(Math.min(cap, sizes.get(rec.qid) as number));
    }
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toMatch(/\| model \| depth \| nDCG@10 @top_n=2 \|/);
    expect(md).toMatch(/\| bm25 +\| +3 \|/);
    expect(md).toMatch(/\| bm25\.top2\.d8 +\| +8 \|/);
  });

  it("several depths over a run file: the same dimension, the run cut at the largest", async () => {
    const out = join(dir, "depths-run");
    const r = await runCli([
      ...["run", "--dataset", TINY, "--candidates", `${TINY}/run.trec`, "--depth", "2,4"],
      ...MODEL,
      ...["--out", out],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const counts = new Map<string, number>();
    for (const rec of await readRecords(out))
      counts.set(rec.variant, Math.max(counts.get(rec.variant) ?? 0, rec.candidates));
    expect([...counts]).toEqual([
      ["first-stage", 4],
      ["bm25.d2", 2],
      ["bm25.d4", 4],
    ]);
  });

  it("a first-stage run resumes: the plan made again is the recorded one", async () => {
    const out = join(dir, "resume");
    const args = firstStageRun("--depth", "5", "--ignore-identical-ids");
    expect((await runCli([...args, "--out", out])).code).toBe(0);
    const full = await readJson(join(out, "report.json"));
    // Keep the first stage and 4 of the 10 reranked queries, as a run killed early would have left them.
    const records = await readRecords(out);
    const kept = [
      ...records.filter((x) => x.variant === "first-stage"),
      ...records.filter((x) => x.variant === "bm25").slice(0, 4),
    ];
    await writeFile(join(out, "results.jsonl"), kept.map((x) => `${JSON.stringify(x)}\n`).join(""));
    await rm(join(out, "report.json"));
    const { report: after } = await runCliForReport(["run", "--resume", out, "--quiet"]);
    expect(after.incomplete).toBeNull();
    expect((await readRecords(out)).filter((x) => x.variant === "bm25")).toHaveLength(10);
    const metrics = (rep: typeof full) =>
      rep.variants.map((v: { id: string; metrics: unknown }) => [v.id, v.metrics]);
    expect(metrics(after)).toEqual(metrics(full));
    expect(after.config.dataset).toMatchObject({ firstStage: "bm25", ignoreIdenticalIds: true, depth: 5 });
  });

  it("refuses --first-stage with a CSV set or with --candidates, and --ignore-identical-ids alone, in one line with exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["--dataset", "datasets/capitals.csv", "--first-stage", "bm25"],
        /--first-stage bm25 needs a BEIR folder .*is a csv set/,
      ],
      [
        ["--dataset", TINY, "--first-stage", "bm25", "--candidates", `${TINY}/run.trec`],
        /--first-stage and --candidates/,
      ],
      [
        ["--dataset", TINY, "--candidates", "qrels", "--ignore-identical-ids"],
        /--ignore-identical-ids applies to --first-stage bm25 only/,
      ],
      [["--dataset", TINY, "--first-stage", "bm26"], /--first-stage must be one of bm25, got 'bm26'/],
    ];
    for (const [i, [flags, message]] of cases.entries()) {
      const out = join(dir, `refused-${i}`);
      const r = await runCli(["run", ...flags, ...MODEL, "--out", out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("a config file says the same as the flags", async () => {
    const config = join(dir, "fs.yaml");
    const out = join(dir, "from-config");
    await writeFile(
      config,
      `dataset:\n  path: ${join(process.cwd(), TINY)}\n  firstStage: bm25\n  depth: [4, 6]\nmodels: [bm25]\nendpoint: embedded\ncache: false\n`,
    );
    const { report } = await runCliForReport(["run", "--config", config, "--out", out, "--quiet"]);
    expect(report.variants.map((v: { id: string }) => v.id)).toEqual(["first-stage", "bm25.d4", "bm25.d6"]);
    expect(report.candidates.source).toBe("bm25 (k1 0.9, b 0.4), depth 6");
  });
});
