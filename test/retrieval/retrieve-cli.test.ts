/** `rerank-eval retrieve` as a real process: the run it writes, what evaluate makes of it, bad input. */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonl, scratch } from "../datasets/helpers.js";
import { buildCli, runCli, spawnCli } from "../helpers/cli.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
let beir: string;

beforeAll(async () => {
  await buildCli();
  tmp = await scratch();
  await tmp.write(
    "b/corpus.jsonl",
    jsonl([
      { _id: "d1", title: "Cats", text: "the cat sat on the mat" },
      { _id: "d2", title: "", text: "dogs chase cats" },
      { _id: "q2", text: "a dog named like the query" },
      { _id: "d4", title: "Birds", text: "birds sing" },
    ]),
  );
  await tmp.write(
    "b/queries.jsonl",
    jsonl([
      { _id: "q1", text: "cat" },
      { _id: "q2", text: "dog" },
      { _id: "q9", text: "not in the test split" },
    ]),
  );
  await tmp.write("b/qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n");
  await tmp.write("qrels.txt", "q1 0 d1 1\nq2 0 d2 1\n");
  beir = join(tmp.dir, "b");
}, 60_000);

afterAll(() => tmp.cleanup());

describe("rerank-eval retrieve", () => {
  it("writes a TREC run of the split's queries that evaluate scores", async () => {
    const out = join(tmp.dir, "run.trec");
    const r = await spawnCli(["retrieve", "--dataset", beir, "--depth", "2", "--out", out], {});
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^2 queries, 4 documents \(\d+ terms\): index built in \d+ ms, retrieval in \d+ ms/,
    );
    const lines = (await readFile(out, "utf8")).trimEnd().split("\n");
    const rows = lines.map((l) => l.split(" "));
    expect(rows.every((f) => f.length === 6 && f[1] === "Q0" && f[5] === "bm25")).toBe(true);
    expect(rows.filter((f) => f[0] === "q1").map((f) => [f[2], f[3]])).toEqual([
      ["d1", "1"],
      ["d2", "2"],
    ]);
    // Without --ignore-identical-ids the document named like the query is retrieved.
    expect(rows.filter((f) => f[0] === "q2").map((f) => f[2])).toContain("q2");
    expect(rows.some((f) => f[0] === "q9")).toBe(false);
    for (const q of ["q1", "q2"]) {
      const scores = rows.filter((f) => f[0] === q).map((f) => Number(f[4]));
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
    const ev = await spawnCli(["evaluate", "-m", "R@2", join(tmp.dir, "qrels.txt"), out], {});
    expect(ev.code).toBe(0);
    expect(ev.stdout).toContain("R@2\tall\t1.0000");
  });

  it("--ignore-identical-ids drops the document whose id is the query's", async () => {
    const out = join(tmp.dir, "ignore.trec");
    const r = await spawnCli(["retrieve", "--dataset", beir, "--out", out, "--ignore-identical-ids"], {});
    expect(r.code).toBe(0);
    const rows = (await readFile(out, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => l.split(" "));
    expect(rows.filter((f) => f[0] === "q2").map((f) => f[2])).toEqual(["d2"]);
  });

  it("refuses bad input in one line with exit 2 and writes nothing (the last case as a real process)", async () => {
    await tmp.write("bad/corpus.jsonl", `${jsonl([{ _id: "d1", text: "fine" }])}{"_id": "d2", "text": \n`);
    await tmp.write("bad/queries.jsonl", jsonl([{ _id: "q1", text: "fine" }]));
    await tmp.write("bad/qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\n");
    await tmp.write(
      "dup/corpus.jsonl",
      jsonl([
        { _id: "d1", text: "a" },
        { _id: "d1", text: "b" },
      ]),
    );
    await tmp.write("dup/queries.jsonl", jsonl([{ _id: "q1", text: "fine" }]));
    await tmp.write("dup/qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\n");
    const out = join(tmp.dir, "out", "never.trec");
    const cases: [string[], RegExp][] = [
      [["--dataset", join(tmp.dir, "bad")], /corpus\.jsonl:2: malformed JSON/],
      [
        ["--dataset", join(tmp.dir, "dup")],
        /corpus\.jsonl:2: field '_id': duplicate document id 'd1' \(first on line 1\)/,
      ],
      [["--dataset", join(tmp.dir, "nowhere")], /nowhere/],
      [["--dataset", beir, "--split", "dev"], /no qrels for split 'dev'.*splits here: test/],
      [["--dataset", beir, "--depth", "0"], /--depth must be a positive integer, got 0/],
      [["--dataset", beir, "--depth", "x"], /--depth must be a positive integer/],
      [[], /no dataset: give --dataset DIR/],
    ];
    await tmp.write("out/.keep", "");
    // In-process (the same main() the binary runs) to stay fast; the real process is checked below.
    for (const [args, message] of cases) {
      const r = await runCli(["retrieve", "--out", out, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr.trimEnd().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    }
    expect(await readdir(join(tmp.dir, "out"))).toEqual([".keep"]);
    const noOut = await runCli(["retrieve", "--dataset", beir]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/no output: give --out FILE/);
    // An output folder that does not exist: one line naming it, no temp file left.
    const missing = join(tmp.dir, "missing", "run.trec");
    const r = await spawnCli(["retrieve", "--dataset", beir, "--out", missing], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(missing);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(existsSync(join(tmp.dir, "missing"))).toBe(false);
  });

  it("--help shows an example", async () => {
    const r = await spawnCli(["retrieve", "--help"], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("rerank-eval retrieve --dataset scifact --depth 100");
    expect(r.stdout).toContain("--ignore-identical-ids");
  });
});
