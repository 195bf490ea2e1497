import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEvalSet, queryIdFromText } from "../../src/datasets/index.js";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { expectLocated, inputError, SHIPPED, scratch } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

const HEADER = "query_id,query,doc_id,document,label\n";

describe("shipped capitals.csv", () => {
  it("has 22 hand-graded queries of 8-15 candidates, in file order, grades 0-3", async () => {
    const set = await loadEvalSet(join(SHIPPED, "capitals.csv"));
    expect(set.format).toBe("csv");
    expect(set.name).toBe("capitals");
    expect(set.queries.size).toBe(22);
    expect(set.docs.size).toBe(202);
    expect(set.candidatesSource).toBe("csv");
    expect(set.candidatesRanked).toBe(false);
    expect(set.warnings).toEqual([]);
    for (const [queryId, docIds] of set.candidates ?? []) {
      expect(docIds.length).toBeGreaterThanOrEqual(8);
      expect(docIds.length).toBeLessThanOrEqual(15);
      // ids are numbered in row order, so file order means sorted ids
      expect(docIds).toEqual([...docIds].sort());
      const grades = [...(set.qrels.get(queryId)?.values() ?? [])];
      expect(grades.every((g) => g >= 0 && g <= 3)).toBe(true);
      expect(grades).toContain(3);
    }
    expect(set.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it("starts with the regolo known-answer example, its four documents first, Washington graded 3", async () => {
    const set = await loadEvalSet(join(SHIPPED, "capitals.csv"));
    const [firstId] = set.queries.keys();
    expect(set.queries.get(firstId)).toBe(KNOWN_ANSWER.query);
    const firstFour = (set.candidates?.get(firstId) ?? []).slice(0, 4);
    expect(firstFour.map((id) => set.docs.get(id)?.text)).toEqual([...KNOWN_ANSWER.documents]);
    const grades = firstFour.map((id) => set.qrels.get(firstId)?.get(id));
    expect(grades[KNOWN_ANSWER.expectedFirst]).toBe(3);
    expect(Math.max(...grades.filter((_, i) => i !== KNOWN_ANSWER.expectedFirst).map(Number))).toBeLessThan(
      3,
    );
  });
});

describe("CSV quirks", () => {
  it("reads quotes, embedded commas and newlines, a BOM and CRLF", async () => {
    const file = await tmp.write(
      "quirks.csv",
      "\ufeffquery_id,query,doc_id,document,label\r\n" +
        'q1,"Paris, France?",d1,"She said ""hi"", then left",2\r\n' +
        'q1,"Paris, France?",d2,"line one\r\nline two",0\r\n',
    );
    const set = await loadEvalSet(file);
    expect([...set.queries]).toEqual([["q1", "Paris, France?"]]);
    expect(set.docs.get("d1")?.text).toBe('She said "hi", then left');
    expect(set.docs.get("d2")?.text).toBe("line one\r\nline two");
    expect(set.candidates?.get("q1")).toEqual(["d1", "d2"]);
    expect(set.qrels.get("q1")).toEqual(
      new Map([
        ["d1", 2],
        ["d2", 0],
      ]),
    );
  });

  it("maps other column names, including a title", async () => {
    const file = await tmp.write(
      "mapped.csv",
      "qid,question,pid,passage,heading,relevance\nA,who?,p1,text one,Head,1\nA,who?,p2,text two,,0\n",
    );
    const set = await loadEvalSet(file, {
      columns: {
        queryId: "qid",
        query: "question",
        docId: "pid",
        document: "passage",
        title: "heading",
        label: "relevance",
      },
    });
    expect(set.docs.get("p1")).toEqual({ title: "Head", text: "text one" });
    expect(set.docs.get("p2")).toEqual({ text: "text two" });
    expect(set.qrels.get("A")?.get("p1")).toBe(1);
  });

  it("generates stable ids from the text when id columns are absent", async () => {
    const content = "query,document,label\nwhat?,alpha,1\nwhat?,beta,0\nwhy?,alpha,2\n";
    const a = await loadEvalSet(await tmp.write("noids-a.csv", content));
    const b = await loadEvalSet(await tmp.write("noids-b.csv", content));
    expect([...a.queries.keys()]).toEqual([...b.queries.keys()]);
    expect(a.queries.size).toBe(2);
    const what = queryIdFromText("what?");
    expect(what).toMatch(/^q-[0-9a-f]{12}$/);
    const [alpha, beta] = a.candidates?.get(what) ?? [];
    expect(alpha).toMatch(/^d-[0-9a-f]{12}$/);
    expect(alpha).not.toBe(beta);
    // the same text under another query gets the same id
    expect(a.candidates?.get(queryIdFromText("why?"))).toEqual([alpha]);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it("reads a TSV without treating quotes specially", async () => {
    const file = await tmp.write("pairs.tsv", 'query\tdocument\tlabel\nq "x"\ta "quoted" word\t1\n');
    const set = await loadEvalSet(file);
    expect([...set.docs.values()][0].text).toBe('a "quoted" word');
  });

  it("reads a gzipped CSV", async () => {
    const set = await loadEvalSet(await tmp.write("zipped.csv.gz", `${HEADER}q,x,d,y,1\n`));
    expect(set.qrels.get("q")?.get("d")).toBe(1);
  });

  it("cuts each query's rows to depth", async () => {
    const file = await tmp.write("depth.csv", `${HEADER}q,x,d1,a,0\nq,x,d2,b,1\nq,x,d3,c,0\n`);
    const set = await loadEvalSet(file, { depth: 2 });
    expect(set.candidates?.get("q")).toEqual(["d1", "d2"]);
    expect(set.docs.has("d3")).toBe(false);
    expect(set.qrels.get("q")?.size).toBe(3);
  });
});

describe("CSV errors name file, line and column", () => {
  const cases: Array<[string, string, number, string | undefined, RegExp]> = [
    ["non-integer grade", `${HEADER}q,x,d1,a,1\nq,x,d2,b,1.5\n`, 3, "label", /integer grade/],
    ["empty label", `${HEADER}q,x,d1,a,\n`, 2, "label", /integer grade/],
    // Scored grades are 32-bit: a ten-digit label would wrap around, so it is refused.
    ["grade beyond 32 bits", `${HEADER}q,x,d1,a,4294967297\n`, 2, "label", /integer grade, got '4294967297'/],
    ["empty query text", `${HEADER}q,x,d1,a,1\nq2,  ,d2,b,0\n`, 3, "query", /empty query/],
    ["empty document", `${HEADER}q,x,d1,,1\n`, 2, "document", /empty document/],
    ["duplicate doc in one ranking", `${HEADER}q,x,d1,a,1\nq,x,d1,a,0\n`, 3, "doc_id", /duplicate.*line 2/],
    [
      "query id with two texts",
      `${HEADER}q,x,d1,a,1\nq,y,d2,b,0\n`,
      3,
      "query_id",
      /different text than on line 2/,
    ],
    [
      "doc id with two texts",
      `${HEADER}q,x,d1,a,1\nr,y,d1,b,0\n`,
      3,
      "doc_id",
      /different text than on line 2/,
    ],
    [
      "missing column",
      "query_id,query,doc_id,document\nq,x,d,a\n",
      1,
      undefined,
      /^no column 'label' \(map one with --columns label=NAME; header has: query_id, query, doc_id, document\)$/,
    ],
    ["too many fields", `${HEADER}q,x,d1,a,1\nq,x,d2,b,1,extra\n`, 3, undefined, /fields/],
    ["unclosed quote", `${HEADER}q,x,d1,a,1\nq,x,d2,"never closed,1\n`, 3, undefined, /never closed/],
    [
      "quote inside an unquoted field",
      `${HEADER}q,x,d1,a,1\nq,x,d2,She said "hi",1\n`,
      3,
      "document",
      /quote inside an unquoted field \(expected the whole field in quotes/,
    ],
    [
      "text after a closing quote",
      `${HEADER}q,x,d1,a,1\nq,x,d2,"a" b,1\n`,
      3,
      "document",
      /after a closing quote/,
    ],
    ["header only", HEADER, 2, undefined, /no data rows/],
    ["empty file", "", 1, undefined, /expected a header/],
  ];
  for (const [name, content, line, field, reason] of cases)
    it(name, async () => {
      const file = await tmp.write(`${name.replace(/\W+/g, "-")}.csv`, content);
      const err = await inputError(loadEvalSet(file));
      expectLocated(err, file, line, field);
      expect(err.reason).toMatch(reason);
    });

  it("counts lines exactly after CRLF newlines inside quotes and blank lines", async () => {
    const file = await tmp.write(
      "lines.csv",
      `${HEADER.replace("\n", "\r\n")}q,x,d1,"a\r\nb\r\nc",1\r\n\r\nq,x,d2,b,oops\r\n`,
    );
    expectLocated(await inputError(loadEvalSet(file)), file, 6, "label");
  });

  it("places a syntax error exactly though the parser reads ahead of the rows checked (CRLF too)", async () => {
    // Thousands of good rows fill csv-parse's buffer, so it meets the bad quote before the loader
    // has looked at the rows in front of it; one row holds a quoted CRLF (one line break, not two).
    for (const eol of ["\n", "\r\n"]) {
      const rows = Array.from({ length: 3000 }, (_, i) => `q,x,d${i},"text${i === 5 ? eol : " "}${i}",0`);
      const file = await tmp.write(
        `ahead-${eol.length}.csv`,
        `${HEADER.trim()}${eol}${rows.join(eol)}${eol}q,x,dz,bad "quote",1${eol}`,
      );
      expectLocated(await inputError(loadEvalSet(file)), file, 3003, "document");
    }
  });

  it("names a mapped column that is absent", async () => {
    const file = await tmp.write("mapped-missing.csv", `${HEADER}q,x,d,a,1\n`);
    const err = await inputError(loadEvalSet(file, { columns: { title: "heading" } }));
    expectLocated(err, file, 1);
    expect(err.reason).toMatch(/^no column 'heading' \(mapped by --columns title=heading; /);
  });

  it("refuses a missing file and a folder", async () => {
    const missing = `${tmp.dir}/nope.csv`;
    expectLocated(await inputError(loadEvalSet(missing)), missing);
    const folder = `${tmp.dir}/folder.csv`;
    await tmp.write("folder.csv/inner.txt", "x");
    expectLocated(await inputError(loadEvalSet(folder, { format: "csv" })), folder);
  });
});

describe("CSV round trip (property)", () => {
  // biased towards what CSV must quote: commas, quotes, both newline kinds, plus any Unicode
  const piece = fc.oneof(
    fc.constantFrom(",", '"', "\n", "\r\n", " ", "é", "\u{1F600}"),
    fc.string({ unit: "grapheme" }),
  );
  const text = fc
    .array(piece, { minLength: 1, maxLength: 8 })
    .map((parts) => parts.join(""))
    .filter((s) => s.trim() !== "");
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;

  it("random rows written with proper quoting load back equal", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom("q1", "q2", "q,3"),
            fc.integer({ min: 0, max: 40 }),
            text,
            fc.integer({ min: -1, max: 3 }),
          ),
          {
            minLength: 1,
            maxLength: 25,
          },
        ),
        fc.constantFrom("\n", "\r\n"),
        async (rows, eol) => {
          // one text per query id and per doc id, one row per (query, doc): what a valid file holds
          const seen = new Set<string>();
          const unique = rows.filter(([q, d]) => !seen.has(`${q}/${d}`) && seen.add(`${q}/${d}`));
          const docText = new Map<number, string>();
          for (const [, d, t] of unique) if (!docText.has(d)) docText.set(d, t);
          const lines = unique.map(([q, d, , g]) =>
            [quote(q), quote(`query ${q}`), quote(`d${d}`), quote(docText.get(d) ?? ""), String(g)].join(","),
          );
          const file = await tmp.write(
            `prop-${run++}.csv`,
            `\ufeff${HEADER.trim()}${eol}${lines.join(eol)}${eol}`,
          );
          const set = await loadEvalSet(file);
          for (const [q, d, , g] of unique) {
            expect(set.queries.get(q)).toBe(`query ${q}`);
            expect(set.docs.get(`d${d}`)?.text).toBe(docText.get(d));
            expect(set.qrels.get(q)?.get(`d${d}`)).toBe(g);
          }
          const byQuery = new Map<string, string[]>();
          for (const [q, d] of unique) byQuery.set(q, [...(byQuery.get(q) ?? []), `d${d}`]);
          expect(set.candidates).toEqual(byQuery);
        },
      ),
      { numRuns: 60 },
    );
  });
});
