/**
 * `run --shard` then `merge`, end to end on real folders: a first-stage run file and two real
 * scorers of the embedded server at two top_n settings, run whole and as three shards (one of them
 * `--shard auto` from a Kubernetes Indexed Job's environment). The merged report must equal the
 * unsharded one in everything but timing: every variant's metrics and intervals, every test's
 * p-values, the groups, the per-query vectors, the run files. Then each refusal: one line, exit 2,
 * and no --out (nor a temporary folder) left behind.
 */
import { cp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/types.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../run/helpers.js";

const DATA = ["--dataset", "datasets/tiny-beir", "--candidates", "datasets/tiny-beir/run.trec"];
const RUN = [
  "run",
  ...DATA,
  ...["--model", "bm25", "--model", "tfidf", "--endpoint", "embedded", "--top-n", "3,10"],
  ...["--no-cache", "--quiet"],
];
const NO_SHARD_ENV = { JOB_COMPLETION_INDEX: undefined, RERANK_EVAL_SHARD_COUNT: undefined };

let dir: string;
let cleanup: () => Promise<void>;
const shard = (i: number) => join(dir, `shard-${i}`);

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const r = await runCli([...RUN, ...args], { ...NO_SHARD_ENV, ...env });
  expect(r.code, r.stderr).toBe(0);
  return r;
}

const readJson = async <T>(path: string) => JSON.parse(await readFile(path, "utf8")) as T;

/**
 * What timing decides taken out (wall times, latencies, rates, dates, and the quality–latency front,
 * which weighs p95 latency); everything else must match.
 */
function scored(report: Report) {
  const {
    timing: _t,
    createdAt: _c,
    throughput: _th,
    concurrency: _co,
    warnings: _w,
    front,
    ...rest
  } = report;
  return {
    ...rest,
    front: front.measure,
    variants: report.variants.map(({ latency: _l, throughput: _vt, ...v }) => v),
  };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-merge-"));
  await run(["--out", join(dir, "whole")]);
  await run(["--shard", "1/3", "--out", shard(1)]);
  // Kubernetes Indexed Job: the pod of completion index 1 is shard 2.
  await run(["--shard", "auto", "--out", shard(2)], {
    JOB_COMPLETION_INDEX: "1",
    RERANK_EVAL_SHARD_COUNT: "3",
  });
  await run(["--shard", "3/3", "-j", "2", "--out", shard(3)]);
}, 60_000);
afterAll(async () => cleanup());

describe("merge of shards", () => {
  it("equals the unsharded run: metrics, intervals, p-values, groups, per-query values and run files", async () => {
    const out = join(dir, "merged");
    const r = await runCli(["merge", shard(3), shard(1), shard(2), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`merged 3 shards (10 queries) into ${out}`);
    const whole = await readJson<Report>(join(dir, "whole", "report.json"));
    const merged = await readJson<Report>(join(out, "report.json"));
    expect(merged.variants.map((v) => v.id)).toEqual([
      "first-stage",
      "bm25.top3",
      "bm25.top10",
      "tfidf.top3",
      "tfidf.top10",
    ]);
    expect(merged.comparisons.length).toBeGreaterThan(0);
    expect(merged.comparisons.every((c) => c.pRandomization !== null && c.ci95 !== null)).toBe(true);
    expect(scored(merged)).toEqual(scored(whole));
    // Latency pools every shard's samples: as many as the unsharded run took.
    for (const [i, v] of merged.variants.entries())
      expect(v.latency?.query?.count ?? 0).toBe(whole.variants[i].latency?.query?.count ?? 0);
    for (const file of ["qrels.txt", "run-first-stage.trec", "run-bm25.top10.trec", "run-tfidf.top3.trec"])
      expect(await readFile(join(out, file), "utf8"), file).toBe(
        await readFile(join(dir, "whole", file), "utf8"),
      );
    // The manifest is the unsharded run's, apart from when and the note on how time is stated.
    const m = await readJson<Record<string, unknown>>(join(out, "manifest.json"));
    const w = await readJson<Record<string, unknown>>(join(dir, "whole", "manifest.json"));
    expect(m.shard).toBeUndefined();
    const strip = ({ createdAt: _c, warnings: _w, merged: _m, ...x }: Record<string, unknown>) => x;
    expect(strip(m)).toEqual(strip(w));
    expect(
      (m.merged as { shards: { index: number; queries: number }[] }).shards.map((s) => s.queries),
    ).toEqual([4, 4, 2]);
    expect(merged.warnings[0]).toMatch(
      /^merged from 3 shards: their rerank phases took [\d.]+ s, [\d.]+ s and [\d.]+ s \([\d.]+ s of work in all\); the rerank phase, throughput and total time are stated over the shards laid end to end/,
    );
    // The merged folder is a run folder like any: `report` rebuilds it the same, `compare` reads it.
    const again = await runCli(["report", out]);
    expect(again.code, again.stderr).toBe(0);
    expect(scored(await readJson<Report>(join(out, "report.json")))).toEqual(scored(whole));
    const compared = await runCli(["compare", join(dir, "whole"), out, "--out", join(dir, "cmp")]);
    expect(compared.code, compared.stderr).toBe(0);
  });

  it("a shard is a run folder of its own, stating its part of the plan", async () => {
    const report = await readJson<Report>(join(shard(2), "report.json"));
    const manifest = await readJson<{ shard: Record<string, unknown> }>(join(shard(2), "manifest.json"));
    expect(manifest.shard).toMatchObject({ index: 2, count: 3, planQueries: 10 });
    expect(report.dataset.queries).toBe(4);
    expect(report.warnings).toContain(
      "shard 2/3: 4 of the 10 planned queries (the others are in the other shards; `rerank-eval merge` joins them into the whole run's report)",
    );
  });

  it("refuses a missing shard, a shard given twice, and overlapping shards, writing nothing", async () => {
    const out = join(dir, "refused");
    const missing = await runCli(["merge", shard(1), shard(3), "--out", out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `rerank-eval: error: shard 2/3 is missing (given: 1/3 (${shard(1)}), 3/3 (${shard(3)})); merge needs every shard of the run\n`,
    );
    const copy = join(dir, "shard-1-copy");
    await cp(shard(1), copy, { recursive: true });
    const twice = await runCli(["merge", shard(1), shard(2), shard(3), copy, "--out", out]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe(`rerank-eval: error: shard 1/3 is given twice: ${shard(1)} and ${copy}\n`);

    // Shard 2 made to hold one of shard 1's queries too (its records with it): the same query twice.
    const overlap = join(dir, "shard-2-overlap");
    await cp(shard(2), overlap, { recursive: true });
    const m1 = await readJson<{ queries: { qid: string }[]; shard: { ordinals: number[] } }>(
      join(shard(1), "manifest.json"),
    );
    const m2 = await readJson<{ queries: unknown[]; shard: { ordinals: number[] } }>(
      join(overlap, "manifest.json"),
    );
    const stolen = m1.queries[0].qid;
    m2.queries.push(m1.queries[0]);
    m2.shard.ordinals.push(m1.shard.ordinals[0]);
    await writeFile(join(overlap, "manifest.json"), JSON.stringify(m2));
    const lines = (await readFile(join(shard(1), "results.jsonl"), "utf8"))
      .split("\n")
      .filter((l) => l && (JSON.parse(l) as { qid: string }).qid === stolen);
    await writeFile(
      join(overlap, "results.jsonl"),
      `${await readFile(join(overlap, "results.jsonl"), "utf8")}${lines.join("\n")}\n`,
    );
    const overlapping = await runCli(["merge", shard(1), overlap, shard(3), "--out", out]);
    expect(overlapping.code).toBe(2);
    expect(overlapping.stderr).toBe(
      `rerank-eval: error: overlapping shards: query ${stolen} is in shard 1/3 (${shard(1)}) and in shard 2/3 (${overlap})\n`,
    );
    expect(await readdir(dir)).not.toContain("refused");
    expect((await readdir(dir)).filter((n) => n.includes(".merge-"))).toEqual([]);
  });

  it("refuses an incomplete shard naming the resume command; resumed, the shard merges to the same report", async () => {
    const cut = join(dir, "shard-3-cut");
    await cp(shard(3), cut, { recursive: true });
    const lines = (await readFile(join(cut, "results.jsonl"), "utf8")).split("\n").filter(Boolean);
    await writeFile(join(cut, "results.jsonl"), `${lines.slice(0, -2).join("\n")}\n`);
    const out = join(dir, "merged-after-resume");
    const refused = await runCli(["merge", shard(1), shard(2), cut, "--out", out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `rerank-eval: error: ${cut}: shard 3/3 is incomplete: 2 of 8 tasks never ran (stopped, killed or still running); resume it first: rerank-eval run --resume ${cut}\n`,
    );
    expect(await readdir(dir)).not.toContain("merged-after-resume");
    // The shard is in the recorded plan: the resume plans the same shard and sends only the two tasks.
    const resumed = await runCli(["run", "--resume", cut, "--quiet"], NO_SHARD_ENV);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await readFile(join(cut, "results.jsonl"), "utf8")).split("\n").filter(Boolean)).toHaveLength(
      lines.length,
    );
    const r = await runCli(["merge", shard(1), shard(2), cut, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const whole = await readJson<Report>(join(dir, "whole", "report.json"));
    expect(scored(await readJson<Report>(join(out, "report.json")))).toEqual(scored(whole));
  });

  it("refuses shards of different runs, naming the manifest field that differs", async () => {
    const other = join(dir, "shard-3-other");
    await run(["--shard", "3/3", "--max-failures", "2", "--out", other]);
    const out = join(dir, "mismatch");
    const r = await runCli(["merge", shard(1), shard(2), other, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `rerank-eval: error: ${join(other, "manifest.json")}: field 'config.maxFailures': does not match shard 1/3 (${shard(1)}): ` +
        "2 here, 0 there; merge takes the shards of one run (same dataset, plan and settings; only how the calls were made may differ)\n",
    );
    const changed = join(dir, "shard-2-data");
    await cp(shard(2), changed, { recursive: true });
    const m = await readJson<{ dataset: { fingerprint: string } }>(join(changed, "manifest.json"));
    m.dataset.fingerprint = "0".repeat(64);
    await writeFile(join(changed, "manifest.json"), JSON.stringify(m));
    const data = await runCli(["merge", shard(1), changed, shard(3), "--out", out]);
    expect(data.code).toBe(2);
    expect(data.stderr).toMatch(/manifest\.json: field 'dataset\.fingerprint': does not match shard 1\/3/);
    const whole = await runCli(["merge", shard(1), shard(2), join(dir, "whole"), "--out", out]);
    expect(whole.code).toBe(2);
    expect(whole.stderr).toContain("is not a shard: its manifest has no shard");
    expect(await readdir(dir)).not.toContain("mismatch");
  });

  it("an empty shard is a valid, empty run, and merges like any", async () => {
    // 5 shards of tiny-beir's 10 judged queries: the partition leaves shard 2 empty. One model,
    // no top_n: the point is the empty shard, and fewer variants keep the six runs quick.
    const light = ["--model", "bm25", "--endpoint", "embedded", "--no-cache", "--quiet"];
    const runLight = async (args: string[]) => {
      const r = await runCli(["run", ...DATA, ...light, ...args], NO_SHARD_ENV);
      expect(r.code, r.stderr).toBe(0);
    };
    await runLight(["--out", join(dir, "light")]);
    const five = [1, 2, 3, 4, 5].map((i) => join(dir, `five-${i}`));
    for (const [i, out] of five.entries()) await runLight(["--shard", `${i + 1}/5`, "--out", out]);
    const empty = await readJson<Report>(join(five[1], "report.json"));
    expect(empty.dataset.queries).toBe(0);
    expect(empty.warnings).toContain(
      "shard 2/5: 0 of the 10 planned queries: the partition gave every query to the other shards, so this is an empty run (valid; `rerank-eval merge` takes it like any shard)",
    );
    const rebuilt = await runCli(["report", five[1]]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const out = join(dir, "merged-five");
    const r = await runCli(["merge", ...five, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const whole = scored(await readJson<Report>(join(dir, "light", "report.json")));
    const merged = scored(await readJson<Report>(join(out, "report.json")));
    // Shards of 0 to 4 tasks each cut -j 8 to their size: the merged report states the most any
    // shard had in flight (4), not the 8 asked for, since that is the load its latencies saw.
    expect(merged.config.concurrency).toBe(4);
    expect(merged.conventions.loop).toBe(
      "closed loop at concurrency 4: latencies are service times under that load",
    );
    const asWhole = { ...merged, config: whole.config, conventions: whole.conventions };
    expect(asWhole).toEqual(whole);
  }, 60_000);

  it("writes only into a new or empty --out", async () => {
    const full = join(dir, "full");
    await mkdir(full);
    await writeFile(join(full, "notes.txt"), "mine\n");
    const r = await runCli(["merge", shard(1), shard(2), shard(3), "--out", full]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `rerank-eval: error: ${full}: field 'out': is not empty; merge writes a new folder: choose another --out, or remove it\n`,
    );
    expect(await readdir(full)).toEqual(["notes.txt"]);
    const none = await runCli(["merge", shard(1)]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^rerank-eval: error: --out names the merged run folder to write/);
  });
});
