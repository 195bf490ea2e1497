/**
 * Every Validation case of the datasets, through the command line (`rerank-eval run --dataset …`):
 * exit 2, one line `rerank-eval: error: file:line: …` saying what was expected, nothing on stdout and
 * no output folder. The loaders' own tests check each reason in detail; these check what a user sees.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { miniBeir, SHIPPED, scratch } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

const CSV_HEADER = "query_id,query,doc_id,document,label\n";
const MTEB_OK = JSON.stringify({ query: "q", positive: ["a"], negative: ["b"] });

interface Case {
  /** The dataset path and extra flags. */
  args: string[];
  /** The file the message must start with, and the `:line` after it (undefined: no line applies). */
  file: string;
  line?: number;
  /** What the message must say after `file[:line]: `. */
  says: RegExp;
}

type Make = () => Promise<Case>;

const cases: Array<[string, Make]> = [
  [
    "malformed JSON line (BEIR corpus)",
    async () => {
      const dir = await miniBeir(tmp, "bad-json", {
        "corpus.jsonl": '{"_id": "d1", "text": "one"}\n{"_id": "d2", "text": \n',
      });
      return {
        args: [dir],
        file: join(dir, "corpus.jsonl"),
        line: 2,
        says: /^malformed JSON \(expected one JSON object per line\)/,
      };
    },
  ],
  [
    "malformed JSON line (MTEB)",
    async () => {
      const file = await tmp.write("bad.jsonl", `${MTEB_OK}\n{"query": "x", "positive": [}\n`);
      return { args: [file, "--format", "mteb"], file, line: 2, says: /^malformed JSON/ };
    },
  ],
  [
    "missing field (BEIR query without text)",
    async () => {
      const dir = await miniBeir(tmp, "no-text", { "queries.jsonl": '{"_id": "q1"}\n' });
      return {
        args: [dir],
        file: join(dir, "queries.jsonl"),
        line: 1,
        says: /^field 'text': missing \(expected a string\)/,
      };
    },
  ],
  [
    "missing field (MTEB without negative)",
    async () => {
      const file = await tmp.write(
        "no-neg.jsonl",
        `${MTEB_OK}\n\n${JSON.stringify({ query: "x", positive: ["a"] })}\n`,
      );
      return {
        args: [file],
        file,
        line: 3,
        says: /^field 'negative': missing \(expected an array of strings\)/,
      };
    },
  ],
  [
    "missing field (CSV column)",
    async () => {
      const file = await tmp.write("no-label.csv", "query,document\nq,d\n");
      return {
        args: [file],
        file,
        line: 1,
        says: /^no column 'label' \(map one with --columns label=NAME; header has: query, document\)/,
      };
    },
  ],
  [
    "non-integer grade (CSV)",
    async () => {
      const file = await tmp.write("grade.csv", `${CSV_HEADER}q1,x,d1,a,1\nq1,x,d2,b,0.5\n`);
      return { args: [file], file, line: 3, says: /^field 'label': expected an integer grade, got '0\.5'/ };
    },
  ],
  [
    "non-integer grade (BEIR qrels)",
    async () => {
      const dir = await miniBeir(tmp, "grade", {
        "qrels/test.tsv": "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t1.9\n",
      });
      return {
        args: [dir],
        file: join(dir, "qrels/test.tsv"),
        line: 3,
        says: /^field 'score': expected an integer grade, got '1\.9'/,
      };
    },
  ],
  [
    "duplicate doc id in one ranking (CSV)",
    async () => {
      const file = await tmp.write("dup.csv", `${CSV_HEADER}q1,x,d1,a,1\nq1,x,d2,b,0\nq1,x,d1,a,0\n`);
      return {
        args: [file],
        file,
        line: 4,
        says: /^field 'doc_id': duplicate document 'd1' .*first on line 2/,
      };
    },
  ],
  [
    "duplicate doc id in one ranking (MTEB)",
    async () => {
      const file = await tmp.write(
        "dup.jsonl",
        JSON.stringify({ query: "q", positive: ["a"], negative: ["b", "a"] }),
      );
      return { args: [file], file, line: 1, says: /^field 'negative': duplicate document/ };
    },
  ],
  [
    "duplicate doc id in one ranking (TREC run as candidates)",
    async () => {
      const dir = await miniBeir(tmp, "dup-run");
      const run = await tmp.write("dup.trec", "q1 Q0 d1 1 2 t\nq1 Q0 d2 2 1 t\nq1 Q0 d1 3 0 t\n");
      return {
        args: [dir, "--candidates", run],
        file: run,
        line: 3,
        says: /^field 'docid': document 'd1' appears twice/,
      };
    },
  ],
  [
    "empty query text (CSV)",
    async () => {
      const file = await tmp.write("empty-query.csv", `${CSV_HEADER}q1,x,d1,a,1\nq2," ",d2,b,0\n`);
      return { args: [file], file, line: 3, says: /^field 'query': empty query text/ };
    },
  ],
  [
    "empty query text (BEIR)",
    async () => {
      const dir = await miniBeir(tmp, "empty-query", { "queries.jsonl": '{"_id": "q1", "text": ""}\n' });
      return { args: [dir], file: join(dir, "queries.jsonl"), line: 1, says: /^field 'text': empty text/ };
    },
  ],
  [
    "empty query text (MTEB)",
    async () => {
      const file = await tmp.write(
        "empty-query.jsonl",
        `${MTEB_OK}\n${JSON.stringify({ query: "", positive: ["a"], negative: [] })}\n`,
      );
      return { args: [file], file, line: 2, says: /^field 'query': empty text/ };
    },
  ],
  [
    "a dataset that is missing",
    async () => {
      const file = join(tmp.dir, "nowhere.csv");
      return { args: [file], file, says: /^not found \(expected a dataset file or a BEIR folder\)/ };
    },
  ],
  [
    "a dataset that is a directory where a file is expected",
    async () => {
      await tmp.write("folder.csv/inside.txt", "x");
      const file = join(tmp.dir, "folder.csv");
      return { args: [file, "--format", "csv"], file, says: /^is a directory \(expected a CSV file\)/ };
    },
  ],
  [
    "a candidates run that is missing",
    async () => {
      const run = join(tmp.dir, "nowhere.trec");
      return {
        args: [join(SHIPPED, "tiny-beir"), "--candidates", run],
        file: run,
        says: /^not found \(expected a TREC run file/,
      };
    },
  ],
  [
    "a BEIR folder missing its queries file",
    async () => {
      const dir = await miniBeir(tmp, "no-queries", { "queries.jsonl": undefined });
      return {
        args: [dir],
        file: dir,
        says: /^not a BEIR folder: no queries\.jsonl or queries\.jsonl\.gz\n$/,
      };
    },
  ],
  [
    "a BEIR folder without the split's qrels",
    async () => {
      const dir = await miniBeir(tmp, "no-split");
      return {
        args: [dir, "--split", "dev"],
        file: dir,
        says: /^no qrels for split 'dev' \(expected qrels\/dev\.tsv or qrels\/dev\.tsv\.gz; splits here: test\)/,
      };
    },
  ],
];

describe("dataset validation through `rerank-eval run`: exit 2, one line naming file:line", () => {
  it.each(cases)("%s", async (_name, make) => {
    const c = await make();
    const [dataset, ...flags] = c.args;
    const out = join(tmp.dir, `out-${Math.random().toString(36).slice(2)}`);
    // The embedded scorer needs no key: nothing but the dataset can fail here.
    const r = await runCli([
      "run",
      "--dataset",
      dataset,
      ...flags,
      "--model",
      "bm25",
      "--endpoint",
      "embedded",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    const prefix = `rerank-eval: error: ${c.file}${c.line === undefined ? "" : `:${c.line}`}: `;
    expect(r.stderr.startsWith(prefix), r.stderr).toBe(true);
    expect(r.stderr.slice(prefix.length)).toMatch(c.says);
    expect(r.stderr.endsWith("\n") && r.stderr.indexOf("\n") === r.stderr.length - 1).toBe(true);
    expect(existsSync(out)).toBe(false);
  });
});
