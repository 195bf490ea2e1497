/**
 * --candidates RUN against the set's judged queries: no query in common is an input error naming
 * both files with a few ids of each (it used to score every query 0 and exit 0), some in common is a
 * warning with the counts.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEvalSet } from "../../src/datasets/index.js";
import { runCli } from "../helpers/cli.js";
import { expectLocated, inputError, jsonl, miniBeir, SHIPPED, scratch } from "./helpers.js";

const TINY = join(SHIPPED, "tiny-beir");

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

/** A run ranking the queries of the tiny set's dev split (d01…): what a mixed-up split looks like. */
const DEV_RUN = "d01 Q0 congo-1 1 2 bm25\nd01 Q0 amazon-1 2 1 bm25\nd02 Q0 ojos-1 1 1 bm25\n";

describe("a candidate run that shares no query id with the set", () => {
  it("BEIR: an InputError naming the run, the set and its split, with a sample of both id sets", async () => {
    const run = await tmp.write("dev.trec", DEV_RUN);
    const err = await inputError(loadEvalSet(TINY, { candidates: run }));
    expectLocated(err, run);
    expect(err.message).toBe(
      `${run}: shares no query id with ${TINY} (qrels split 'test'): ` +
        "the run ranks 2 queries (d01, d02), the set judges 10 (t01, t02, t03, …)",
    );
    // With the matching split it loads.
    const dev = await loadEvalSet(TINY, { candidates: run, split: "dev" });
    expect([...(dev.candidates?.keys() ?? [])]).toEqual(["d01", "d02"]);
  });

  it("BEIR: refused before the corpus is read (a broken corpus line is never reached)", async () => {
    const folder = await miniBeir(tmp, "early", { "corpus.jsonl": '{"_id": "d1", "text": \n' });
    const run = await tmp.write("early.trec", "x1 Q0 d1 1 1 t\n");
    const err = await inputError(loadEvalSet(folder, { candidates: run, qrels: undefined }));
    expect(err.reason).toMatch(
      /^shares no query id with .*early \(qrels split 'test'\): the run ranks 1 query \(x1\), the set judges 2 \(q1, q2\)$/,
    );
  });

  it("CSV and MTEB: the same error, without a split", async () => {
    const csv = await tmp.write("set.csv", "query_id,query,doc_id,document,label\nc1,what,p1,text,1\n");
    const run = await tmp.write("other.trec", "1001 Q0 p1 1 1 t\n");
    const err = await inputError(loadEvalSet(csv, { candidates: run }));
    expect(err.message).toBe(
      `${run}: shares no query id with ${csv}: the run ranks 1 query (1001), the set judges 1 (c1)`,
    );
    const mteb = await tmp.write(
      "set.jsonl",
      jsonl([{ query_id: "m1", query: "q", positive: ["a"], negative: ["b"] }]),
    );
    expect((await inputError(loadEvalSet(mteb, { candidates: run }))).reason).toMatch(
      /^shares no query id with/,
    );
  });

  it("an empty run, and a run whose documents are all missing from the corpus, are refused too", async () => {
    const empty = await tmp.write("empty.trec", "# nothing yet\n");
    expectLocated(await inputError(loadEvalSet(TINY, { candidates: empty })), empty);
    const elsewhere = await tmp.write("elsewhere.trec", "t01 Q0 nowhere-1 1 2 x\nt02 Q0 nowhere-2 1 1 x\n");
    const err = await inputError(loadEvalSet(TINY, { candidates: elsewhere }));
    expect(err.message).toBe(
      `${elsewhere}: none of the documents it ranks for the set's queries is in ${TINY} ` +
        "(e.g. 'nowhere-1', 'nowhere-2'): are the run and the set from the same collection?",
    );
  });

  it("on the command line: exit 2, one line, nothing on stdout and no report", async () => {
    const run = await tmp.write("cli-dev.trec", DEV_RUN);
    const out = join(tmp.dir, "never");
    const r = await runCli([
      "run",
      "--dataset",
      TINY,
      "--candidates",
      run,
      "--model",
      "bm25",
      "--endpoint",
      "embedded",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `rerank-eval: error: ${run}: shares no query id with ${TINY} (qrels split 'test'): ` +
        "the run ranks 2 queries (d01, d02), the set judges 10 (t01, t02, t03, …)\n",
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe("a candidate run that shares some query ids with the set", () => {
  it("loads, with warnings that count both sides", async () => {
    const run = await tmp.write("partial.trec", `t01 Q0 nile-1 1 2 x\nt01 Q0 nile-2 2 1 x\n${DEV_RUN}`);
    const set = await loadEvalSet(TINY, { candidates: run });
    expect([...(set.candidates?.keys() ?? [])]).toEqual(["t01"]);
    expect(set.warnings).toEqual([
      `2 of the 3 queries ranked in ${run} have no judgements in ${TINY} (qrels split 'test') and are left out`,
      `9 of the 10 judged queries have no candidates in ${run} (scored 0 when every judged query counts)`,
    ]);
  });
});
