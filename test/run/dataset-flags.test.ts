/**
 * The CSV settings as run flags, rows of the option table: --columns (the config's dataset.columns)
 * and --delimiter (dataset.delimiter), checked by the same schema wherever they were written.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, UsageError } from "../../src/errors.js";
import { loadRunConfig, resolveRunOptions } from "../../src/run/config.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

const base = { dataset: "x.csv", model: ["bm25"] };

describe("--columns and --delimiter", () => {
  it("--columns takes the CSV's own key names and lands in dataset.columns under the config's keys", () => {
    const o = resolveRunOptions(undefined, {
      ...base,
      columns: "query=question,doc_id=pid, document=passage ,label=relevance,queryId=qid",
    });
    expect(o.dataset).toEqual({
      path: "x.csv",
      columns: { query: "question", docId: "pid", document: "passage", label: "relevance", queryId: "qid" },
    });
  });

  it.each([
    ["query", "--columns takes KEY=NAME pairs, e.g. query=question,label=relevance; got 'query'"],
    ["query=", "--columns takes KEY=NAME pairs"],
    [
      "question=query",
      "--columns: unknown key 'question' (keys: query_id, query, doc_id, document, title, label)",
    ],
  ])("--columns %j is a usage error", (given, message) => {
    expect(() => resolveRunOptions(undefined, { ...base, columns: given })).toThrow(UsageError);
    expect(() => resolveRunOptions(undefined, { ...base, columns: given })).toThrow(message);
  });

  it("--delimiter: a character or a name; anything else is refused naming the flag", () => {
    expect(resolveRunOptions(undefined, { ...base, delimiter: ";" }).dataset.delimiter).toBe(";");
    expect(resolveRunOptions(undefined, { ...base, delimiter: "tab" }).dataset.delimiter).toBe("tab");
    expect(() => resolveRunOptions(undefined, { ...base, delimiter: ";;" })).toThrow(
      "--delimiter must be one character other than a quote or a line break, or tab, comma, semicolon, pipe, got ';;'",
    );
  });

  it("the config's dataset.columns and dataset.delimiter are checked by the same schema; flags replace them", async () => {
    const path = join(dir, "cfg.yaml");
    await writeFile(
      path,
      "dataset:\n  path: x.csv\n  delimiter: ';'\n  columns: { query: question, label: relevance }\nmodels: [bm25]\n",
    );
    const file = await loadRunConfig(path);
    expect(resolveRunOptions(file, {}).dataset).toEqual({
      path: join(dir, "x.csv"), // relative to the config file's folder
      delimiter: ";",
      columns: { query: "question", label: "relevance" },
    });
    expect(resolveRunOptions(file, { columns: "document=passage" }).dataset.columns).toEqual({
      document: "passage",
    });
    await writeFile(path, "dataset:\n  path: x.csv\n  columns: { qurey: question }\nmodels: [bm25]\n");
    const err = await loadRunConfig(path).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${path}:3: field 'dataset.columns.qurey': unknown key`);
  });

  it("end to end: the issue's CSV runs with --columns; a ';' CSV runs as it is", async () => {
    const csv = join(dir, "issue.csv");
    await writeFile(
      csv,
      "question,pid,passage,relevance\nwhat is bm25?,p1,bm25 ranks documents,1\nwhat is bm25?,p2,cats sleep,0\n",
    );
    const flags = ["--model", "bm25", "--endpoint", "embedded", "--quiet"];
    const without = await runCli(["run", "--dataset", csv, ...flags, "--out", join(dir, "o1")]);
    expect(without.code).toBe(2);
    expect(without.stderr).toBe(
      `rerank-eval: error: ${csv}:1: no column 'query' (map one with --columns query=NAME; closest headers: question)\n`,
    );
    const mapped = await runCli([
      ...["run", "--dataset", csv, "--columns", "query=question,doc_id=pid,document=passage,label=relevance"],
      ...flags,
      ...["--out", join(dir, "o2")],
    ]);
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(mapped.stdout).toContain("1 queries");
    const semi = join(dir, "semi.csv");
    await writeFile(
      semi,
      "query;document;label\nwhat is bm25?;bm25 ranks documents;1\nwhat is bm25?;cats sleep;0\n",
    );
    const r = await runCli(["run", "--dataset", semi, ...flags, "--out", join(dir, "o3")]);
    expect(r.code, r.stderr).toBe(0);
  });
});
