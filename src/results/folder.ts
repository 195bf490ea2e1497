/**
 * The run folder on disk: its record files (manifest.json, results.jsonl, qrels.txt) and the
 * outputs rendered from them. A folder is made or reused, cleared of a previous run's files (and
 * only those), and written so that a report.json present means a finished report. Every refusal of
 * the file system is an InputError naming the folder (exit 2), never a crash.
 */
import { mkdir, readdir, rename, unlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { InputError } from "../errors.js";

export const MANIFEST_FILE = "manifest.json";
export const RESULTS_FILE = "results.jsonl";
export const QRELS_FILE = "qrels.txt";

/** The files that make a folder a run's record (and not, say, a data folder of the user's). */
const RECORD_FILES = [MANIFEST_FILE, RESULTS_FILE];

/**
 * A file name pattern as the renderers declare it: "{variant}" stands for a variant id (file-name
 * safe by construction), so "run-{variant}.trec" matches every run file and nothing else.
 */
export function fileMatcher(pattern: string): RegExp {
  const parts = pattern.split("{variant}").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("[A-Za-z0-9._-]+")}$`);
}

/**
 * Make `outDir` ready for a new run: created if missing, and a previous run's files removed, so
 * that until this run writes its own, no report beside the new results describes another run (and
 * a run that stops half-way leaves none behind). `outputs` are the patterns of everything a run
 * writes besides its record. A folder is only taken for a previous run's when its record is there:
 * a user's own qrels.txt or run-bm25.trec (--out pointed at a data folder) is refused, never
 * deleted or overwritten.
 */
export async function prepareRunFolder(outDir: string, outputs: readonly string[]): Promise<void> {
  try {
    await mkdir(outDir, { recursive: true });
    const names = await readdir(outDir);
    const matchers = [...RECORD_FILES, QRELS_FILE, ...outputs].map(fileMatcher);
    const ours = names.filter((name) => matchers.some((m) => m.test(name)));
    if (ours.length === 0) return;
    if (!RECORD_FILES.some((f) => names.includes(f))) {
      throw new InputError(
        `holds ${ours.slice(0, 3).join(", ")}${ours.length > 3 ? ", …" : ""} but no ${RESULTS_FILE}: ` +
          "not a rerank-eval output folder, and these files would be overwritten; choose another --out",
        { file: outDir, field: "out" },
      );
    }
    for (const name of ours) await unlink(join(outDir, name));
  } catch (err) {
    throw outputError(err, outDir);
  }
}

/**
 * Removes the outputs rendered from a run's record (report.*, run files), keeping the record: a
 * resumed run's folder, whose new report replaces them once it is written.
 */
export async function removeOutputs(outDir: string, outputs: readonly string[]): Promise<void> {
  const matchers = outputs.map(fileMatcher);
  for (const name of await readdir(outDir)) {
    if (matchers.some((m) => m.test(name))) await unlink(join(outDir, name));
  }
}

/**
 * A new folder `<parent>/<name>`, or `<name>-2`, `-3`, … when that exists: the leaf is created
 * exclusively, so runs started in the same second (a shell loop, a CI matrix) never share one.
 */
export async function createUniqueFolder(parent: string, name: string): Promise<string> {
  try {
    await mkdir(parent, { recursive: true });
    for (let n = 1; ; n++) {
      const path = join(parent, n === 1 ? name : `${name}-${n}`);
      try {
        await mkdir(path);
        return path;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || n >= 1000) throw err;
      }
    }
  } catch (err) {
    throw outputError(err, join(parent, name));
  }
}

/**
 * Make a folder ready for outputs rendered again from a record (`report DIR --out DIR2`): created
 * if missing; files a renderer would write are replaced, anything else is left alone, and a folder
 * holding another run's record is refused (its report would no longer match its results).
 */
export async function prepareOutputFolder(outDir: string): Promise<void> {
  try {
    await mkdir(outDir, { recursive: true });
    const names = await readdir(outDir);
    const record = RECORD_FILES.filter((f) => names.includes(f));
    if (record.length > 0) {
      throw new InputError(
        `holds another run's ${record.join(" and ")}; write the report into an empty folder or the run's own`,
        { file: outDir, field: "out" },
      );
    }
  } catch (err) {
    throw outputError(err, outDir);
  }
}

/** A file system refusal in an output folder (full disk, permissions, not a folder) is one line naming it. */
export function outputError(err: unknown, outDir: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (err instanceof InputError || typeof code !== "string") return err;
  return new InputError(`cannot write the output folder (${code})`, { file: outDir, field: "out" });
}

/**
 * A file appears whole or not at all: written beside it under a temporary name, then renamed.
 * `chunks` lets a large file (a run of millions of lines) be written without one huge string.
 */
export async function writeAtomically(path: string, chunks: string | Iterable<string>): Promise<void> {
  const tmp = join(path, "..", `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, typeof chunks === "string" ? chunks : joinedChunks(chunks));
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

/** Many small pieces (one per query) go out in blocks of about a megabyte. */
function* joinedChunks(chunks: Iterable<string>): Generator<string> {
  let block: string[] = [];
  let size = 0;
  for (const c of chunks) {
    block.push(c);
    size += c.length;
    if (size >= 1 << 20) {
      yield block.join("");
      block = [];
      size = 0;
    }
  }
  if (block.length) yield block.join("");
}
