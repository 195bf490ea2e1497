/**
 * `rerank-eval report DIR`: a run folder is a durable record. The report is rebuilt, re-scored or
 * re-judged from the folder alone (the server sees no request), a run killed half-way still gets a
 * report that says what never ran, and every user mistake is one line with exit 2.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/types.js";
import { buildCli, runCli, spawnCli, startCli } from "../helpers/cli.js";
import {
  type FixedScoreServer,
  startFixedScoreServer,
  syntheticRows,
  tempDir,
  writeCsv,
} from "../run/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let server: FixedScoreServer;
let csv: string;

/** A deterministic, non-trivial score: documents ranked by a hash of their text. */
const score = (_q: string, d: string) => {
  let h = 0;
  for (const c of d) h = (h * 31 + c.charCodeAt(0)) % 1009;
  return h / 1009;
};

beforeAll(async () => {
  await buildCli();
  ({ dir, cleanup } = await tempDir("rerank-eval-report-"));
  server = await startFixedScoreServer({ score });
  csv = await writeCsv(dir, syntheticRows(12, 25));
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const readJson = async (path: string) => JSON.parse(await readFile(path, "utf8")) as Report;
const withoutTiming = (r: Report) => ({ ...r, timing: undefined, createdAt: undefined });

async function runInto(out: string): Promise<Report> {
  const run = await runCli([
    "run",
    "--dataset",
    csv,
    "--model",
    "m",
    "--endpoint",
    server.endpoint,
    "--top-n",
    "5,20",
    "-j",
    "4",
    "--out",
    out,
    "--quiet",
  ]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return readJson(join(out, "report.json"));
}

describe("report DIR", () => {
  it("rebuilds report.json and report.md equal to the run's, and re-scores like evaluate on the run files, with no request", async () => {
    const out = join(dir, "run");
    const original = await runInto(out);
    const originalMd = await readFile(join(out, "report.md"), "utf8");
    const requests = server.requests;
    expect(requests).toBe(24);

    const out2 = join(dir, "rebuilt");
    const rebuilt = await runCli(["report", out, "--out", out2]);
    expect(rebuilt.stderr).toBe("");
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toContain(`report: ${join(out2, "report.md")}`);
    expect(withoutTiming(await readJson(join(out2, "report.json")))).toEqual(withoutTiming(original));
    expect((await readFile(join(out2, "report.md"), "utf8")).split("\n")).toEqual(originalMd.split("\n"));
    expect((await readdir(out2)).sort()).toEqual([
      "qrels.txt",
      "report.html",
      "report.json",
      "report.md",
      "run-m.top20.trec",
      "run-m.top5.trec",
    ]);
    for (const f of ["run-m.top20.trec", "run-m.top5.trec", "qrels.txt"]) {
      expect(await readFile(join(out2, f), "utf8"), f).toBe(await readFile(join(out, f), "utf8"));
    }

    const out3 = join(dir, "rescored");
    const rescored = await runCli(["report", out, "--measures", "nDCG@20,P@1", "--out", out3]);
    expect(rescored.code).toBe(0);
    const report = await readJson(join(out3, "report.json"));
    expect(report.measures).toEqual(["nDCG@20", "P@1"]);
    for (const v of report.variants) {
      const evaluated = await runCli([
        "evaluate",
        "--qrels",
        join(out, "qrels.txt"),
        "--run",
        join(out, `run-${v.id}.trec`),
        "--measures",
        "nDCG@20,P@1",
        "--complete",
        "--json",
      ]);
      expect(evaluated.code).toBe(0);
      const expected = JSON.parse(evaluated.stdout) as { mean: Record<string, number> };
      expect(v.metrics["nDCG@20"].mean).toBe(expected.mean["nDCG@20"]);
      expect(v.metrics["P@1"].mean).toBe(expected.mean["P@1"]);
    }
    // top_n 5 returns five documents: nDCG@20 differs between the variants, so the check has teeth.
    expect(report.variants[0].metrics["nDCG@20"].mean).not.toBe(report.variants[1].metrics["nDCG@20"].mean);
    const out4 = join(dir, "other-baseline");
    expect((await runCli(["report", out, "--baseline", "m.top20", "--out", out4])).code).toBe(0);
    const againstTop20 = await readJson(join(out4, "report.json"));
    expect([original.baseline, againstTop20.baseline]).toEqual(["m.top5", "m.top20"]);
    expect(againstTop20.rankingDiffs.map((d) => d.variant)).toEqual(["m.top5"]);
    expect(server.requests).toBe(requests);
  });

  it("re-scores against corrected judgements (--qrels), in place, and says so", async () => {
    const out = join(dir, "rejudged");
    const original = await runInto(out);
    const corrected = join(dir, "corrected.qrels");
    // Every document of q1 judged relevant: q1's P@1 becomes 1 for every variant.
    const q1Docs = Array.from({ length: 25 }, (_, i) => `q1 0 q1-d${i + 1} 1`);
    const others = (await readFile(join(out, "qrels.txt"), "utf8"))
      .split("\n")
      .filter((l) => l && !l.startsWith("q1 "));
    await writeFile(corrected, `${[...q1Docs, ...others].join("\n")}\n`);
    const run = await runCli(["report", out, "--qrels", corrected, "--measures", "P@1"]);
    expect(run.code).toBe(0);
    const report = await readJson(join(out, "report.json"));
    for (const v of report.variants) expect(v.perQuery["P@1"].q1).toBe(1);
    expect(report.warnings.join("\n")).toContain(`scored against the judgements of ${corrected}`);
    expect(original.variants[0].perQuery["P@1"].q1).toBeLessThanOrEqual(1);
    expect(await readFile(join(out, "report.md"), "utf8")).toContain(corrected);
  });

  it("after a run killed with SIGKILL half-way: exit 0, a report marked incomplete listing the tasks that never ran", async () => {
    const slow = await startFixedScoreServer({ score, delayMs: 60 });
    const out = join(dir, "killed");
    const { child, done: exited } = startCli(
      [
        "run",
        "--dataset",
        csv,
        "--model",
        "m",
        "--endpoint",
        slow.endpoint,
        "--top-n",
        "5,20",
        "-j",
        "2",
        "--out",
        out,
      ],
      {},
    );
    try {
      let lines = 0;
      for (let i = 0; i < 200 && lines < 6; i++) {
        await sleep(20);
        lines = (await readFile(join(out, "results.jsonl"), "utf8").catch(() => "")).split("\n").length - 1;
      }
      expect(lines).toBeGreaterThanOrEqual(6);
      child.kill("SIGKILL");
      expect((await exited).code).toBe(-1);
      expect(child.signalCode).toBe("SIGKILL");
    } finally {
      await slow.close();
    }
    expect(await readdir(out)).not.toContain("report.json");
    const done = (await readFile(join(out, "results.jsonl"), "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { variant: string; qid: string });
    expect(done.length).toBeLessThan(24);

    const rebuilt = await runCli(["report", out]);
    expect(rebuilt.stderr).toBe("");
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(new RegExp(`incomplete: ${24 - done.length} of 24 tasks never ran`));
    const report = await readJson(join(out, "report.json"));
    const ran = new Set(done.map((r) => `${r.variant} ${r.qid}`));
    const planned = report.variants.flatMap((v) =>
      Array.from({ length: 12 }, (_, i) => ({ variant: v.id, qid: `q${i + 1}` })),
    );
    const expected = planned.filter((t) => !ran.has(`${t.variant} ${t.qid}`));
    expect(report.incomplete).toEqual({ tasks: 24, missing: expect.arrayContaining(expected) });
    expect(report.incomplete?.missing).toHaveLength(expected.length);
    // Never silently dropped: a task that never ran counts 0 under the complete convention.
    const [first] = expected;
    const variant = report.variants.find((v) => v.id === first.variant);
    expect(variant?.perQuery.AP[first.qid]).toBe(0);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toContain(`**Incomplete:** the run stopped before ${expected.length} of its 24`);
    expect(md).toContain(`\`${first.qid}\``);
    expect(report.timing.rerankCpuSeconds).toBeNull();
  });
});

describe("report DIR: mistakes are one line, exit 2, nothing written", () => {
  it("a missing folder, a file, a folder without a manifest, a bad measure, a damaged manifest", async () => {
    const out = join(dir, "mistakes");
    await runInto(out);
    const before = await readFile(join(out, "report.json"), "utf8");
    const empty = join(dir, "empty");
    await writeFile(join(dir, "plain.txt"), "x");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(empty, { recursive: true });
    const cases: [string[], RegExp][] = [
      [["report"], /name the run folder: rerank-eval report DIR/],
      [["report", join(dir, "nope")], /nope: no such folder$/],
      [["report", join(dir, "plain.txt")], /plain\.txt: is a file, expected a run folder$/],
      [["report", empty], /empty\/manifest\.json: no such file: not a run folder/],
      [["report", out, "--measures", "nDCG@x"], /nDCG@x/],
      [["report", out, "--k", "0"], /-k must be a positive integer, got '0'/],
      [["report", out, "--qrels", join(dir, "none.qrels")], /none\.qrels: no such file/],
      [
        ["report", out, "--baseline", "nope"],
        /baseline 'nope' is not a variant of this run; it has m\.top5, m\.top20/,
      ],
      [["report", out, "--out", out.replace("mistakes", "run")], /holds another run's manifest\.json/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines, argv.join(" ")).toHaveLength(1);
      expect(lines[0], argv.join(" ")).toMatch(message);
    }
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    manifest.variants[1].topN = "twenty";
    await writeFile(join(out, "manifest.json"), JSON.stringify(manifest));
    const damaged = await runCli(["report", out]);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/manifest\.json: field 'variants\.1\.topN': /);
    expect(await readFile(join(out, "report.json"), "utf8")).toBe(before);
  });

  it("--help names every option", async () => {
    const r = await spawnCli(["report", "--help"], {});
    expect(r.code).toBe(0);
    for (const flag of ["--measures", "-k", "--qrels", "--out"]) expect(r.stdout).toContain(flag);
  });
});
