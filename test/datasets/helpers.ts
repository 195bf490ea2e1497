/** Temp-file fixtures and error assertions for the dataset tests. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { expect } from "vitest";
import { InputError } from "../../src/errors.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SHIPPED = join(REPO, "datasets");
export const SCIFACT = resolve(REPO, "../shared/datasets/scifact");

/** A scratch folder; `write` creates files (and folders) under it, gzipping names ending in .gz. */
export async function scratch(): Promise<{
  dir: string;
  /** Names ending in .gz are gzipped unless `raw`. */
  write: (name: string, content: string | Buffer, opts?: { raw?: boolean }) => Promise<string>;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), "rerank-eval-datasets-"));
  return {
    dir,
    write: async (name, content, opts = {}) => {
      const path = join(dir, name);
      await mkdir(dirname(path), { recursive: true });
      const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      await writeFile(path, name.endsWith(".gz") && !opts.raw ? gzipSync(bytes) : bytes);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

type Scratch = Awaited<ReturnType<typeof scratch>>;

/**
 * A small BEIR folder `name` under the scratch: d1, d2 and 3 (a numeric id) exist; q1 and q2 are
 * judged in the test split, q9 is not. `files` replaces a file (undefined leaves it out).
 */
export async function miniBeir(
  tmp: Scratch,
  name: string,
  files: Partial<Record<string, string>> = {},
): Promise<string> {
  const all: Partial<Record<string, string>> = {
    "corpus.jsonl": jsonl([
      { _id: "d1", title: "One", text: "first" },
      { _id: "d2", title: "", text: "second" },
      { _id: 3, text: "third" },
    ]),
    "queries.jsonl": jsonl([
      { _id: "q1", text: "query one" },
      { _id: "q2", text: "query two" },
      { _id: "q9", text: "not judged in this split" },
    ]),
    "qrels/test.tsv": "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\t3\t1\n",
    ...files,
  };
  for (const [file, content] of Object.entries(all))
    if (content !== undefined) await tmp.write(`${name}/${file}`, content);
  return join(tmp.dir, name);
}

/** Awaits `work`, which must fail with an InputError, and returns it. */
export async function inputError(work: Promise<unknown>): Promise<InputError> {
  let outcome: unknown;
  try {
    await work;
  } catch (err) {
    outcome = err;
  }
  if (!(outcome instanceof InputError))
    throw new Error(`expected an InputError, got ${outcome === undefined ? "success" : String(outcome)}`);
  return outcome;
}

/** The error names the file and line as `file:line`, the field as `field 'x'`, and is one line. */
export function expectLocated(err: InputError, file: string, line?: number, field?: string): void {
  expect(err.message).not.toContain("\n");
  expect(err.file).toBe(file);
  if (line !== undefined) {
    expect(err.line).toBe(line);
    expect(err.message).toContain(`${file}:${line}`);
  } else expect(err.message.startsWith(file)).toBe(true);
  if (field !== undefined) {
    expect(err.field).toBe(field);
    expect(err.message).toContain(`field '${field}'`);
  }
}

export function jsonl(rows: unknown[]): string {
  return `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
}
