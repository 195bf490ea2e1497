/** datasets/README.md states counts and scores: each is recomputed here, so the text cannot drift. */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type EvalSet, loadEvalSet } from "../../src/datasets/index.js";
import { type Run, scoreRun } from "../../src/metrics/index.js";
import { type ModelName, scoreDocuments } from "../../src/server/models.js";
import { SHIPPED } from "./helpers.js";

let readme: string;
beforeAll(async () => {
  readme = (await readFile(join(SHIPPED, "README.md"), "utf8")).replace(/\s+/g, " ");
});

/** The number the README writes right before `words` (e.g. "54" before "documents"). */
function stated(pattern: RegExp): number {
  const m = pattern.exec(readme);
  if (!m) throw new Error(`datasets/README.md no longer says ${pattern}`);
  return Number(m[1]);
}

const judgements = (set: EvalSet) => [...set.qrels.values()].reduce((n, j) => n + j.size, 0);

describe("datasets/README.md", () => {
  it("capitals.csv: query, row and candidate counts", async () => {
    const set = await loadEvalSet(join(SHIPPED, "capitals.csv"));
    const sizes = [...(set.candidates?.values() ?? [])].map((ids) => ids.length);
    expect(set.queries.size).toBe(stated(/capitals\.csv`: world capitals, (\d+) queries/));
    expect(Math.min(...sizes)).toBe(stated(/queries × (\d+)–\d+ candidates/));
    expect(Math.max(...sizes)).toBe(stated(/queries × \d+–(\d+) candidates/));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(stated(/ (\d+) rows\./));
  });

  it("capitals.csv: rows in sha256 order of their text, but for the regolo example's four documents", async () => {
    expect(readme).toContain("put in order of the sha256 of their text");
    const set = await loadEvalSet(join(SHIPPED, "capitals.csv"));
    const sha = (text: string) => createHash("sha256").update(text).digest("hex");
    for (const [qid, ids] of set.candidates ?? []) {
      const hashes = ids.slice(qid === "cap01" ? 4 : 0).map((id) => sha(set.docs.get(id)?.text ?? ""));
      expect(hashes, qid).toEqual([...hashes].sort());
    }
    expect(set.queries.get("cap01")).toBe("What is the capital of the United States?");
  });

  it("capitals.csv: nDCG@10 of the input order and of the embedded BM25 and TF-IDF scorers", async () => {
    const set = await loadEvalSet(join(SHIPPED, "capitals.csv"));
    const ndcg10 = (score: (query: string, ids: string[]) => number[]) => {
      const run: Run = new Map();
      for (const [qid, ids] of set.candidates ?? [])
        run.set(qid, { docIds: ids, scores: score(set.queries.get(qid) ?? "", ids) });
      return scoreRun(set.qrels, run, ["nDCG@10"]).mean["nDCG@10"];
    };
    const model = (name: ModelName) => (query: string, ids: string[]) =>
      scoreDocuments(
        name,
        query,
        ids.map((id) => set.docs.get(id)?.text ?? ""),
      );
    const inputOrder = ndcg10((_q, ids) => ids.map((_, i) => ids.length - i));
    expect(inputOrder.toFixed(3)).toBe(stated(/input order scores nDCG@10 (0\.\d{3})/).toFixed(3));
    expect(ndcg10(model("bm25")).toFixed(3)).toBe(stated(/BM25 (0\.\d{3})/).toFixed(3));
    expect(ndcg10(model("tfidf")).toFixed(3)).toBe(stated(/TF-IDF (0\.\d{3})/).toFixed(3));
  });

  it("tiny-beir: documents, queries, judgements per split", async () => {
    const test = await loadEvalSet(join(SHIPPED, "tiny-beir"));
    const dev = await loadEvalSet(join(SHIPPED, "tiny-beir"), { split: "dev" });
    expect(test.docs.size).toBe(stated(/corpus\.jsonl`: (\d+) documents/));
    const allQueries = (await readFile(join(SHIPPED, "tiny-beir/queries.jsonl"), "utf8")).trim().split("\n");
    expect(allQueries).toHaveLength(stated(/queries\.jsonl`: (\d+) queries/));
    expect(test.queries.size + dev.queries.size).toBe(allQueries.length);
    expect(judgements(test)).toBe(stated(/qrels\/test\.tsv`: (\d+) graded judgements/));
    expect(judgements(dev)).toBe(stated(/qrels\/dev\.tsv`: (\d+) judgements/));
  });
});
