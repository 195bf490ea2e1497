/**
 * Hostile files through every loader (CSV, TSV, MTEB, BEIR corpus/queries/qrels, a TREC qrels for
 * BEIR, a candidates run): a line past the bound, a NUL byte, a corrupt gzip each stop the load
 * with one InputError at the file and line; gzip is read whatever the case or form of its name.
 */
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectFormat, loadEvalSet } from "../../src/datasets/index.js";
import type { LoadOptions } from "../../src/datasets/types.js";
import { expectLocated, inputError, jsonl, miniBeir, scratch } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

const CSV = "query,document,label\nwhat is one,one is a number,1\nwhat is one,two is another,0\n";
const TSV = "query\tdocument\tlabel\nwhat is one\tone is a number\t1\nwhat is one\ttwo is another\t0\n";
const MTEB = jsonl([
  { query: "what is one", positive: ["one is a number"], negative: ["two is another"] },
  { query: "what is two", positive: ["two is another"], negative: ["one is a number"] },
]);
const RUN = "q1 Q0 d1 1 2 bm25\nq1 Q0 d2 2 1 bm25\nq2 Q0 3 1 1 bm25\n";
const TREC_QRELS = "q1 0 d1 2\nq1 0 d2 0\nq2 0 3 1\n";

/** Where line 2 of each loader's file is: every case below puts its bad line there. */
interface Target {
  name: string;
  /** Builds the set with `bad` as line 2 of the file under test; returns the path to load and that file. */
  make: (bad: string, tag: string) => Promise<{ load: string; file: string; opts?: LoadOptions }>;
}

const withLine2 = (text: string, bad: string) => {
  const lines = text.split("\n");
  lines.splice(1, 0, bad);
  return lines.join("\n");
};

const targets: Target[] = [
  { name: "CSV", make: async (bad, tag) => one(await tmp.write(`${tag}/pairs.csv`, withLine2(CSV, bad))) },
  { name: "TSV", make: async (bad, tag) => one(await tmp.write(`${tag}/pairs.tsv`, withLine2(TSV, bad))) },
  { name: "MTEB", make: async (bad, tag) => one(await tmp.write(`${tag}/set.jsonl`, withLine2(MTEB, bad))) },
  ...(["corpus.jsonl", "queries.jsonl", "qrels/test.tsv"] as const).map((part) => ({
    name: `BEIR ${part}`,
    make: async (bad: string, tag: string) => {
      const folder = await miniBeir(tmp, tag);
      const file = join(folder, part);
      const { readFile } = await import("node:fs/promises");
      await tmp.write(`${tag}/${part}`, withLine2(await readFile(file, "utf8"), bad));
      return { load: folder, file };
    },
  })),
  {
    name: "BEIR with a TREC qrels file",
    make: async (bad, tag) => {
      const folder = await miniBeir(tmp, tag);
      const file = await tmp.write(`${tag}-q.txt`, withLine2(TREC_QRELS, bad));
      return { load: folder, file, opts: { qrels: file } };
    },
  },
  {
    name: "candidates run",
    make: async (bad, tag) => {
      const folder = await miniBeir(tmp, tag);
      const file = await tmp.write(`${tag}-run.trec`, withLine2(RUN, bad));
      return { load: folder, file, opts: { candidates: file } };
    },
  },
];

function one(path: string) {
  return { load: path, file: path };
}

describe("a line longer than the bound, in every loader", () => {
  for (const target of targets)
    it(target.name, async () => {
      const { load, file, opts } = await target.make(
        "x".repeat(300),
        `long-${target.name.replace(/\W+/g, "-")}`,
      );
      const err = await inputError(loadEvalSet(load, { ...opts, maxLineBytes: 200 }));
      expectLocated(err, file, 2);
      expect(err.reason).toBe("line longer than 200 bytes");
      // At the default bound the same line is read, and refused for what it is (not its length).
      await expect(loadEvalSet(load, opts)).rejects.not.toThrow(/line longer/);
    });

  it("CSV: a quoted field spanning short lines is bounded as a record", async () => {
    const path = await tmp.write("record.csv", `query,document,label\nq,"${"a\n".repeat(150)}",1\n`);
    const err = await inputError(loadEvalSet(path, { maxLineBytes: 200 }));
    expectLocated(err, path, 2);
    expect(err.reason).toBe("record longer than 200 bytes");
    expect((await loadEvalSet(path)).queries.size).toBe(1);
  });
});

describe("a NUL byte (a binary file given as a dataset), in every loader", () => {
  for (const target of targets)
    it(target.name, async () => {
      const { load, file, opts } = await target.make(
        "\u0000\u0001\u0002",
        `nul-${target.name.replace(/\W+/g, "-")}`,
      );
      const err = await inputError(loadEvalSet(load, opts));
      expectLocated(err, file, 2);
      expect(err.reason).toBe("NUL byte: binary file?");
    });
});

describe("gzip, whatever the case or form of the name, in every loader", () => {
  const same = async (plain: string, zipped: string, opts: LoadOptions = {}) => {
    const a = await loadEvalSet(plain, opts);
    const b = await loadEvalSet(zipped, opts);
    expect(b.queries).toEqual(a.queries);
    expect(b.docs).toEqual(a.docs);
    expect(b.qrels).toEqual(a.qrels);
    expect(b.candidates).toEqual(a.candidates);
    expect(b.docs.size).toBeGreaterThan(0);
  };
  const gz = (text: string) => gzipSync(text);

  it("CSV and TSV: .GZ, .Gz, and gzip under a plain name", async () => {
    const plain = await tmp.write("names/pairs.csv", CSV);
    for (const name of ["pairs.csv.GZ", "PAIRS.CSV.gz", "pairs.csv.Gz"]) {
      const path = await tmp.write(`names/${name}`, gz(CSV), { raw: true });
      expect(await detectFormat(path)).toBe("csv");
      await same(plain, path);
    }
    await same(plain, await tmp.write("names/zipped-but-plain-name.csv", gz(CSV), { raw: true }));
    const tsv = await tmp.write("names/pairs.tsv", TSV);
    await same(tsv, await tmp.write("names/pairs.TSV.GZ", gz(TSV), { raw: true }));
  });

  it("MTEB: .JSONL.GZ and .jsonl.gZ", async () => {
    const plain = await tmp.write("names/set.jsonl", MTEB);
    for (const name of ["set.JSONL.GZ", "set2.jsonl.gZ"]) {
      const path = await tmp.write(`names/${name}`, gz(MTEB), { raw: true });
      expect(await detectFormat(path)).toBe("mteb");
      await same(plain, path);
    }
  });

  it("BEIR: corpus.jsonl.GZ, queries.jsonl.Gz, qrels/test.tsv.GZ", async () => {
    const plain = await miniBeir(tmp, "beir-plain");
    const { readFile } = await import("node:fs/promises");
    const text = async (part: string) => readFile(join(plain, part), "utf8");
    const folder = await miniBeir(tmp, "beir-upper", {
      "corpus.jsonl": undefined,
      "queries.jsonl": undefined,
      "qrels/test.tsv": undefined,
    });
    await tmp.write("beir-upper/corpus.jsonl.GZ", gz(await text("corpus.jsonl")), { raw: true });
    await tmp.write("beir-upper/queries.jsonl.Gz", gz(await text("queries.jsonl")), { raw: true });
    await tmp.write("beir-upper/qrels/test.tsv.GZ", gz(await text("qrels/test.tsv")), { raw: true });
    expect(await detectFormat(folder)).toBe("beir");
    await same(plain, folder);
    // A missing split lists the ones there, .GZ included.
    const err = await inputError(loadEvalSet(folder, { split: "dev" }));
    expect(err.reason).toMatch(/splits here: test\)$/);
  });

  it("a candidates run and a TREC qrels file: .TREC.GZ, .Gz, no extension at all", async () => {
    const folder = await miniBeir(tmp, "beir-for-run");
    const plainRun = await tmp.write("names/run.trec", RUN);
    for (const name of ["run.TREC.GZ", "run.Gz", "run-without-extension"]) {
      const zipped = await tmp.write(`names/${name}`, gz(RUN), { raw: true });
      const a = await loadEvalSet(folder, { candidates: plainRun });
      const b = await loadEvalSet(folder, { candidates: zipped });
      expect(b.candidates).toEqual(a.candidates);
    }
    const plainQrels = await tmp.write("names/q.qrels", TREC_QRELS);
    const zippedQrels = await tmp.write("names/q.QRELS.GZ", gz(TREC_QRELS), { raw: true });
    expect((await loadEvalSet(folder, { qrels: zippedQrels })).qrels).toEqual(
      (await loadEvalSet(folder, { qrels: plainQrels })).qrels,
    );
  });

  it("a corrupt gzip: one InputError about gzip, in every loader", async () => {
    for (const target of targets) {
      const { load, file, opts } = await target.make("fine", `corrupt-${target.name.replace(/\W+/g, "-")}`);
      const { readFile, writeFile } = await import("node:fs/promises");
      const zipped = gzipSync(await readFile(file));
      // Damaged in the middle of the deflate stream, the way a cut download or a bad copy is.
      zipped.fill(0x55, 12, zipped.length - 8);
      await writeFile(file, zipped);
      const err = await inputError(loadEvalSet(load, opts));
      expect(err.file, target.name).toBe(file);
      expect(err.message).not.toContain("\n");
      expect(err.reason, target.name).toMatch(/^not a valid gzip file/);
    }
  });

  it("compressions that are not read say so: by name, and by magic bytes under any name", async () => {
    const bz2 = await tmp.write("names/pairs.csv.BZ2", "whatever");
    expect((await inputError(loadEvalSet(bz2))).message).toBe(
      `${bz2}: a .BZ2 file, which is not read (decompress it, or compress it with gzip: .gz is read as is)`,
    );
    const zstd = await tmp.write("names/zstd.csv", Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0]));
    expect((await inputError(loadEvalSet(zstd))).reason).toMatch(/^compressed with zstd, which is not read/);
  });
});

describe("BEIR records that are not what they claim, corpus and queries alike", () => {
  const cases: Array<[string, string, string, number, string | undefined, RegExp]> = [
    [
      "queries: a non-JSON line",
      "queries.jsonl",
      '{"_id":"q1","text":"one"}\nq2\tquery two\n',
      2,
      undefined,
      /^malformed JSON/,
    ],
    [
      "queries: a record without _id",
      "queries.jsonl",
      '{"_id":"q1","text":"one"}\n{"text":"two"}\n',
      2,
      "_id",
      /^missing/,
    ],
    ["queries: an empty _id", "queries.jsonl", '{"_id":"","text":"one"}\n', 1, "_id", /non-empty string id/],
    ["queries: an array, not an object", "queries.jsonl", '["q1","one"]\n', 1, undefined, /JSON object/],
    ["corpus: a null _id", "corpus.jsonl", '{"_id":null,"text":"one"}\n', 1, "_id", /non-empty string id/],
    [
      "corpus: a CSV line among JSON",
      "corpus.jsonl",
      '{"_id":"d1","text":"one"}\nd2,two\n',
      2,
      undefined,
      /^malformed JSON/,
    ],
  ];
  for (const [name, part, text, line, field, reason] of cases)
    it(name, async () => {
      const folder = await miniBeir(tmp, `records-${name.replace(/\W+/g, "-")}`, { [part]: text });
      const err = await inputError(loadEvalSet(folder));
      expectLocated(err, join(folder, part), line, field);
      expect(err.reason).toMatch(reason);
    });
});
