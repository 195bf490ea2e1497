/**
 * results.jsonl as the checkpoint (design.md): every line is whole and carries what scoring needs,
 * so the report rebuilt from the file alone equals the report of the run; a cut-off last line (a
 * killed process) is dropped, and a damaged line is an error naming file, line and field.
 */
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { buildReport } from "../../src/report/model.js";
import type { Report } from "../../src/report/types.js";
import { collateRecords, readManifest, readQrels, readResults } from "../../src/results/index.js";
import { resolveRunOptions } from "../../src/run/config.js";
import { runEvaluation } from "../../src/run/index.js";
import { resultRecord, tempDir } from "../run/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

describe("results.jsonl as a checkpoint", () => {
  it("rebuilds the run's report (metrics, per-query vectors, failures, ties, latency) from the file alone", async () => {
    const out = join(dir, "rebuild");
    const options = resolveRunOptions(undefined, {
      dataset: "datasets/tiny-beir",
      candidates: "datasets/tiny-beir/run.trec",
      model: ["bm25", "tfidf"],
      topN: [3, 10],
      endpoint: "embedded",
      concurrency: 5,
      out,
    });
    const { report } = await runEvaluation(options, { quiet: true, env: {} });
    const records = await readResults(join(out, "results.jsonl"));
    expect(records).toHaveLength(report.dataset.queries * report.variants.length);

    // The folder alone: manifest, records and judgements, no dataset and no plan.
    const manifest = await readManifest(join(out, "manifest.json"));
    const onDisk = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
    const rebuilt = buildReport({
      manifest,
      collated: collateRecords(manifest, records),
      qrels: await readQrels(join(out, "qrels.txt")),
      measures: manifest.scoring.measures,
      headline: manifest.scoring.headline,
      ks: manifest.scoring.k,
      toolVersion: onDisk.tool.version,
      timing: onDisk.timing,
      warnings: [],
    });
    expect(JSON.parse(JSON.stringify(rebuilt))).toEqual(onDisk);
  });

  it("drops a cut-off last line, keeps a whole one without its newline, and names a damaged line", async () => {
    const path = join(dir, "partial.jsonl");
    // As the file holds it: the ranking as [docId, score] pairs.
    const whole = { ...resultRecord("q1"), ranking: [["d1", 0.5]] };
    const line = JSON.stringify(whole);
    await writeFile(path, `${line}\n${line.replace("q1", "q2").slice(0, 40)}`);
    expect((await readResults(path)).map((r) => r.qid)).toEqual(["q1"]);
    await writeFile(path, `${line}\n${line.replace("q1", "q2")}`);
    expect((await readResults(path)).map((r) => r.qid)).toEqual(["q1", "q2"]);
    // In memory the pairs are two columns.
    expect((await readResults(path))[0].ranking).toEqual({ docIds: ["d1"], scores: [0.5] });

    const damaged: [string, RegExp][] = [
      ["{not json", /partial\.jsonl:2: not valid JSON/],
      [JSON.stringify({ ...whole, qid: 7 }), /partial\.jsonl:2: field 'qid'/],
      [JSON.stringify({ ...whole, ranking: [["d1", "high"]] }), /partial\.jsonl:2: field 'ranking'/],
      [JSON.stringify({ ...whole, endMs: undefined }), /partial\.jsonl:2: field 'endMs'/],
      [JSON.stringify({ ...whole, error: "boom" }), /partial\.jsonl:2: field 'error'/],
    ];
    for (const [bad, message] of damaged) {
      await writeFile(path, `${line}\n`);
      await appendFile(path, `${bad}\n`);
      const err = await readResults(path).catch((e) => e);
      expect(err, bad).toBeInstanceOf(InputError);
      expect(err.message, bad).toMatch(message);
    }
    await expect(readResults(join(dir, "none.jsonl"))).rejects.toThrow(/none\.jsonl: no such file/);
  });
});
