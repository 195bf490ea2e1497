/**
 * The document store: texts read back by byte offset equal the texts the loaders parsed, whatever
 * the quoting, line breaks, BOM or multibyte text; gzip keeps texts in memory; a file edited after
 * loading is an error on read, never a different text.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEvalSet } from "../../src/datasets/index.js";
import { DocStore } from "../../src/datasets/store.js";
import type { Doc } from "../../src/datasets/types.js";
import { InputError } from "../../src/errors.js";
import { scratch } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

/** Texts with what CSV and JSON must escape: commas, quotes, line breaks, tabs, multibyte, emoji. */
const text = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ",",
        '"',
        '""',
        "\n",
        "\r\n",
        "\r",
        " ",
        "\t",
        ";",
        "\\",
        "é",
        "中文",
        "😀",
        "\u2028",
        "/",
      ),
      fc.string({ unit: "grapheme", maxLength: 6 }),
    ),
    { minLength: 1, maxLength: 10 },
  )
  .map((parts) => parts.join(""))
  .filter((t) => t.trim() !== "" && !t.includes("\u0000"));

const csvField = (s: string, forceQuotes: boolean) =>
  forceQuotes || /[",\r\n]/.test(s) || s.startsWith('"') ? `"${s.replaceAll('"', '""')}"` : s;

function docOf(title: string, body: string): Doc {
  return title ? { title, text: body } : { text: body };
}

function expectReadBack(docs: ReadonlyMap<string, Doc>, expected: Map<string, Doc>, readsBack: boolean) {
  expect(docs).toBeInstanceOf(DocStore);
  expect((docs as DocStore).readsBack).toBe(readsBack);
  expect(docs.size).toBe(expected.size);
  for (const [id, doc] of expected) expect(docs.get(id)).toEqual(doc);
  // Twice: a read leaves nothing behind that changes the next one (the shared read buffer).
  for (const [id, doc] of [...expected].reverse()) expect(docs.get(id)).toEqual(doc);
}

let files = 0;

describe("CSV read back by offset", () => {
  it("equals the parsed text for random texts, quoting, CRLF, BOM, blank lines and a title column", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ title: fc.option(text, { nil: "" }), body: text, quote: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.boolean(),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        fc.boolean(),
        async (rows, bom, eol, withTitle, blankLines) => {
          const lines = [`query_id,query,doc_id,${withTitle ? "title," : ""}document,label`];
          const expected = new Map<string, Doc>();
          rows.forEach((row, i) => {
            const title = withTitle ? row.title : "";
            const titleField = withTitle ? `${csvField(title, row.quote)},` : "";
            lines.push(
              `q${i % 3},query ${i % 3},d${i},${titleField}${csvField(row.body, row.quote)},${i % 2}`,
            );
            if (blankLines && i % 2 === 0) lines.push("");
            expected.set(`d${i}`, docOf(title, row.body));
          });
          // The last record without its line break, half the time.
          const body = lines.join(eol) + (rows.length % 2 ? eol : "");
          const path = await tmp.write(`csv-${files++}.csv`, (bom ? "\uFEFF" : "") + body);
          const set = await loadEvalSet(path);
          expectReadBack(set.docs, expected, true);
          // And what csv-parse makes of the whole file agrees (the texts are what the loader parsed).
          const all = parse(body, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
          for (const record of all) expect(set.docs.get(record.doc_id)?.text).toBe(record.document);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("TSV: quotes are text, tabs split", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 6 }), async (texts) => {
        const clean = texts.map((t) => t.replace(/[\t\r\n]/g, " ")).filter((t) => t.trim() !== "");
        fc.pre(clean.length > 0);
        const rows = clean.map((t, i) => `q1\tthe query\td${i}\t${t}\t1`);
        const path = await tmp.write(
          `tsv-${files++}.tsv`,
          `query_id\tquery\tdoc_id\tdocument\tlabel\n${rows.join("\n")}\n`,
        );
        const set = await loadEvalSet(path);
        expectReadBack(set.docs, new Map(clean.map((t, i) => [`d${i}`, { text: t }])), true);
      }),
      { numRuns: 25 },
    );
  });

  it("a lone CR inside an unquoted field is text in a file whose records end in LF, as csv-parse reads it", async () => {
    const path = await tmp.write("lone-cr.csv", "query,doc_id,document,label\nq,d1,a\rb,1\nq,d2,c,0\n");
    const set = await loadEvalSet(path);
    expectReadBack(
      set.docs,
      new Map([
        ["d1", { text: "a\rb" }],
        ["d2", { text: "c" }],
      ]),
      true,
    );
  });

  it("a document repeated across queries is compared with its first text (read back), and a different one refused", async () => {
    const same = await tmp.write(
      "repeat.csv",
      'query,doc_id,document,label\nq1,d1,"x, ""y""",1\nq2,d1,"x, ""y""",0\n',
    );
    expectReadBack((await loadEvalSet(same)).docs, new Map([["d1", { text: 'x, "y"' }]]), true);
    const other = await tmp.write(
      "repeat-other.csv",
      'query,doc_id,document,label\nq1,d1,"x, ""y""",1\nq2,d1,"x, y",0\n',
    );
    await expect(loadEvalSet(other)).rejects.toThrow(/document 'd1' has a different text than on line 2/);
  });

  it("a gzipped CSV keeps its texts in memory (no offsets into a gzip stream), with the same documents", async () => {
    const content = 'query,doc_id,document,label\nq,d1,"a, ""b""\nc",1\nq,d2,é 中文 😀,0\n';
    const plain = await loadEvalSet(await tmp.write("same.csv", content));
    const zipped = await loadEvalSet(await tmp.write("same.csv.gz", content));
    expect((zipped.docs as DocStore).readsBack).toBe(false);
    expect((plain.docs as DocStore).readsBack).toBe(true);
    expect(zipped.docs).toEqual(plain.docs);
    expect([...plain.docs.values()]).toEqual([{ text: 'a, "b"\nc' }, { text: "é 中文 😀" }]);
  });

  it("a file edited after loading is an InputError when a text is read, naming the file", async () => {
    const path = await tmp.write("edited.csv", "query,doc_id,document,label\nq,d1,alpha,1\nq,d2,beta,0\n");
    const set = await loadEvalSet(path);
    expect(set.docs.get("d2")).toEqual({ text: "beta" });
    writeFileSync(path, "query,doc_id,document,label\nq,d1,ALPHA,1\nq,d2,gamma,0\n");
    expect(() => set.docs.get("d2")).toThrow(InputError);
    expect(() => set.docs.get("d1")).toThrow(/edited\.csv.*changed since it was loaded/);
    // Appending leaves the loaded bytes as they were: still readable, still the same texts.
    const grown = await tmp.write("grown.csv", "query,doc_id,document,label\nq,d1,alpha,1\n");
    const before = await loadEvalSet(grown);
    appendFileSync(grown, "q,d9,more,0\n");
    expect(before.docs.get("d1")).toEqual({ text: "alpha" });
  });

  it("release forgets every document, whether read back or held in memory", async () => {
    const content = "query,doc_id,document,label\nq,d1,alpha,1\nq,d2,beta,0\n";
    for (const name of ["release.csv", "release.csv.gz"]) {
      const docs = (await loadEvalSet(await tmp.write(name, content))).docs as DocStore;
      expect(docs.get("d2")).toEqual({ text: "beta" });
      docs.release();
      expect(docs.size).toBe(0);
      expect(docs.has("d1")).toBe(false);
      expect(docs.get("d2")).toBeUndefined();
      expect([...docs.keys()]).toEqual([]);
    }
  });
});

describe("BEIR corpus read back by offset", () => {
  it("equals the parsed text for random texts, JSON escapes, titles absent or null, CRLF and a BOM", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ title: fc.option(text, { nil: null }), body: text, escape: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.boolean(),
        fc.constantFrom("\n", "\r\n"),
        async (docs, bom, eol) => {
          const expected = new Map<string, Doc>();
          const lines = docs.map((d, i) => {
            const obj: Record<string, unknown> = { _id: `d${i}`, text: d.body };
            if (d.title !== null || i % 2) obj.title = d.title;
            expected.set(`d${i}`, docOf(d.title ?? "", d.body));
            const line = JSON.stringify(obj);
            // Escapes JSON.stringify does not write: \uXXXX for non-ASCII and an escaped slash.
            return d.escape
              ? line
                  .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
                  .replaceAll("/", "\\/")
              : line;
          });
          const folder = `beir-${files++}`;
          await tmp.write(`${folder}/corpus.jsonl`, (bom ? "\uFEFF" : "") + lines.join(eol) + eol);
          await tmp.write(`${folder}/queries.jsonl`, '{"_id": "q1", "text": "a query"}\n');
          await tmp.write(`${folder}/qrels/test.tsv`, "query-id\tcorpus-id\tscore\nq1\td0\t1\n");
          const set = await loadEvalSet(`${tmp.dir}/${folder}`);
          expectReadBack(set.docs, expected, true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps only the documents the candidates reference, read back in candidate order", async () => {
    const corpus = [0, 1, 2, 3, 4].map((i) =>
      JSON.stringify({ _id: `d${i}`, title: `T${i}`, text: `text ${i} ü` }),
    );
    await tmp.write("beir-run/corpus.jsonl", `${corpus.join("\n")}\n`);
    await tmp.write("beir-run/queries.jsonl", '{"_id": "q1", "text": "a query"}\n');
    await tmp.write("beir-run/qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\n");
    const run = await tmp.write("beir-run.trec", "q1 Q0 d3 1 9 r\nq1 Q0 d1 2 8 r\n");
    const set = await loadEvalSet(`${tmp.dir}/beir-run`, { candidates: run });
    expect([...set.docs.keys()]).toEqual(["d3", "d1"]);
    expect([...set.docs.values()]).toEqual([
      { title: "T3", text: "text 3 ü" },
      { title: "T1", text: "text 1 ü" },
    ]);
    expect((set.docs as DocStore).readsBack).toBe(true);
  });
});
