import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBeir } from "../../src/datasets/beir.js";
import { loadEvalSet } from "../../src/datasets/index.js";
import { expectLocated, inputError, miniBeir, SHIPPED, scratch } from "./helpers.js";

const TINY = join(SHIPPED, "tiny-beir");
const RUN = join(TINY, "run.trec");

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

/** The run file's lists in file order, read independently of the loader. */
async function runLists(): Promise<Map<string, string[]>> {
  const lists = new Map<string, string[]>();
  for (const line of (await readFile(RUN, "utf8")).split("\n").filter(Boolean)) {
    const [qid, , docId] = line.split(" ");
    lists.set(qid, [...(lists.get(qid) ?? []), docId]);
  }
  return lists;
}

describe("shipped tiny-beir", () => {
  it("loads the test split with every document and no candidates", async () => {
    const set = await loadEvalSet(TINY);
    expect(set.format).toBe("beir");
    expect(set.name).toBe("tiny-beir");
    expect(set.queries.size).toBe(10);
    expect([...set.queries.keys()].every((q) => q.startsWith("t"))).toBe(true);
    expect(set.docs.size).toBe(54);
    expect([...set.qrels.values()].reduce((n, j) => n + j.size, 0)).toBe(51);
    expect(set.qrels.get("t04")?.get("tigris-2")).toBe(2);
    expect(set.docs.get("baikal-1")?.title).toBe("Lake Baikal");
    expect(set.candidates).toBeUndefined();
    expect(set.warnings).toEqual([]);
  });

  it("fingerprints corpus, queries and qrels bytes in that order", async () => {
    const hash = createHash("sha256");
    for (const f of ["corpus.jsonl", "queries.jsonl", "qrels/test.tsv"])
      hash.update(await readFile(join(TINY, f)));
    expect((await loadEvalSet(TINY)).fingerprint).toBe(hash.digest("hex"));
  });

  it("takes the TREC run as ranked candidates, in trec order, keeping only referenced documents", async () => {
    const set = await loadEvalSet(TINY, { candidates: RUN });
    const lists = await runLists();
    expect(set.candidatesRanked).toBe(true);
    expect(set.candidatesSource).toBe(`run:${RUN}`);
    expect(set.candidates?.size).toBe(10);
    for (const [qid, docIds] of lists) expect(new Set(set.candidates?.get(qid))).toEqual(new Set(docIds));
    // ranks 3 and 4 of t06 tie on score: trec order puts the larger doc id first
    expect(set.candidates?.get("t06")?.slice(0, 4)).toEqual([
      "border-1",
      "colorado-1",
      "riogrande-2",
      "riogrande-1",
    ]);
    expect(set.candidates?.get("t04")?.indexOf("tigris-2")).toBe(10);
    const referenced = new Set([...lists.values()].flat());
    expect(new Set(set.docs.keys())).toEqual(referenced);
    expect(set.docs.has("taklamakan-1")).toBe(false); // judged relevant but never retrieved
    expect(set.qrels.get("t05")?.get("taklamakan-1")).toBe(1);
    expect(set.warnings).toEqual([]);
    const withoutRun = await loadEvalSet(TINY);
    expect(set.fingerprint).not.toBe(withoutRun.fingerprint);
  });

  it("cuts run candidates to depth", async () => {
    const set = await loadEvalSet(TINY, { candidates: RUN, depth: 3 });
    for (const docIds of set.candidates?.values() ?? []) expect(docIds.length).toBe(3);
    expect(set.candidates?.get("t06")).toEqual(["border-1", "colorado-1", "riogrande-2"]);
    expect(set.docs.size).toBeLessThanOrEqual(30);
  });

  it("offers the judged pool in a deterministic, label-blind order", async () => {
    const a = await loadEvalSet(TINY, { candidates: "qrels" });
    const b = await loadEvalSet(TINY, { candidates: "qrels" });
    expect(a.candidatesSource).toBe("qrels");
    expect(a.candidatesRanked).toBe(false);
    expect(a.candidates).toEqual(b.candidates);
    let bestFirst = 0;
    for (const [qid, judged] of a.qrels) {
      const pool = a.candidates?.get(qid) ?? [];
      expect([...pool].sort()).toEqual([...judged.keys()].sort());
      if (judged.get(pool[0]) === Math.max(...judged.values())) bestFirst++;
    }
    // by grade every query would start with its best document
    expect(bestFirst).toBeLessThan(a.qrels.size);
    expect(a.docs.size).toBe(51);
  });

  it("restricts queries to another split", async () => {
    const set = await loadEvalSet(TINY, { split: "dev" });
    expect([...set.queries.keys()].sort()).toEqual(["d01", "d02"]);
    expect(set.qrels.get("d01")?.get("congo-1")).toBe(2);
  });

  it("names the missing split, the folder and the splits there are", async () => {
    const err = await inputError(loadEvalSet(TINY, { split: "train" }));
    expectLocated(err, TINY);
    expect(err.reason).toMatch(/split 'train'.*qrels\/train\.tsv.*dev, test/);
  });
});

describe("BEIR variants", () => {
  it("reads .gz files transparently and CRLF qrels", async () => {
    const plain = await loadEvalSet(TINY);
    const crlf = (await readFile(join(TINY, "qrels/test.tsv"), "utf8")).replaceAll("\n", "\r\n");
    for (const f of ["corpus.jsonl", "queries.jsonl"])
      await tmp.write(`gz/${f}.gz`, await readFile(join(TINY, f)));
    await tmp.write("gz/qrels/test.tsv.gz", crlf);
    const zipped = await loadEvalSet(join(tmp.dir, "gz"));
    expect(zipped.queries).toEqual(plain.queries);
    expect(zipped.docs).toEqual(plain.docs);
    expect(zipped.qrels).toEqual(plain.qrels);
  });

  it("can be judged by a TREC qrels file instead of its split", async () => {
    const qrels = await tmp.write("tiny.qrels", "t01 0 nile-1 2\nt01 0 congo-1 0\nd02 0 ojos-1 1\n");
    const set = await loadEvalSet(TINY, { qrels, candidates: "qrels" });
    expect([...set.queries.keys()].sort()).toEqual(["d02", "t01"]);
    expect(set.qrels.get("t01")).toEqual(
      new Map([
        ["nile-1", 2],
        ["congo-1", 0],
      ]),
    );
    expect(set.docs.size).toBe(3);
    const hash = createHash("sha256");
    for (const f of [join(TINY, "corpus.jsonl"), join(TINY, "queries.jsonl"), qrels])
      hash.update(await readFile(f));
    expect(set.fingerprint).toBe(hash.digest("hex"));
    const bad = await tmp.write("bad.qrels", "t01 0 nile-1 2\nt01 0 congo-1 x\n");
    expectLocated(await inputError(loadEvalSet(TINY, { qrels: bad })), bad, 2, "grade");
    await expect(loadEvalSet(join(SHIPPED, "capitals.csv"), { qrels })).rejects.toThrow(
      /only judge a BEIR folder/,
    );
  });

  it("keeps only the documents asked for while the corpus streams (before any pruning)", async () => {
    const folder = await miniBeir(tmp, "keep");
    let judgedSeen: string[] = [];
    const parts = await loadBeir(folder, {
      keepDocs: (qrels) => {
        judgedSeen = [...qrels.keys()].sort();
        return new Set(["d2"]);
      },
    });
    // The loader's own map, not the EvalSet after applyCandidates: d1 and 3 were never stored.
    expect([...parts.docs.keys()]).toEqual(["d2"]);
    expect(judgedSeen).toEqual(["q1", "q2"]);
    // Judged documents outside the kept set are still found in the corpus: no missing-document warning.
    expect(parts.warnings).toEqual([]);
  });

  it("accepts numeric ids, omits empty titles, ignores queries outside the split", async () => {
    const set = await loadEvalSet(await miniBeir(tmp, "numeric"));
    expect(set.docs.get("3")).toEqual({ text: "third" });
    expect(set.docs.get("d2")).toEqual({ text: "second" });
    expect(set.queries.has("q9")).toBe(false);
  });

  it("warns with counts when qrels point at missing documents or queries", async () => {
    const folder = await miniBeir(tmp, "missing", {
      "qrels/test.tsv":
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\tgone\t1\nq2\tgone\t0\nq2\tlost\t2\nq7\td1\t1\n",
    });
    const set = await loadEvalSet(folder, { candidates: "qrels" });
    expect(set.warnings).toHaveLength(2);
    expect(set.warnings[0]).toMatch(/^1 judged query .* has no text .* is left out \(e\.g\. 'q7'\)/);
    expect(set.warnings[1]).toMatch(/^3 judgements \(2 queries\) .* point at 2 documents missing/);
    expect(set.candidates?.get("q1")).toEqual(["d1"]);
    expect(set.candidates?.has("q2")).toBe(false);
  });

  it("warns with counts about unjudged ranked queries and candidates missing from the corpus", async () => {
    const folder = await miniBeir(tmp, "runwarn");
    const run = await tmp.write(
      "runwarn.trec",
      ["q1 Q0 d2 1 3 x", "q1 Q0 ghost 2 2 x", "q1 Q0 d1 3 1 x", "q8 Q0 d1 1 1 x", "q9 Q0 d3 1 1 x"].join(
        "\n",
      ),
    );
    const set = await loadEvalSet(folder, { candidates: run });
    expect(set.candidates).toEqual(new Map([["q1", ["d2", "d1"]]]));
    expect(set.warnings).toEqual([
      `2 of the 3 queries ranked in ${run} have no judgements in ${folder} (qrels split 'test') and are left out`,
      `1 candidate (1 query) in ${run} references a document missing from the corpus and is dropped`,
      `1 of the 2 judged queries has no candidates in ${run} (scored 0 when every judged query counts)`,
    ]);
    expect([...set.docs.keys()].sort()).toEqual(["d1", "d2"]);
  });
});
