/**
 * The output folder (--out): made or reused, cleared of a previous run's files (and only those), and
 * written so that a report.json present means a finished run. Every refusal of the file system is an
 * InputError naming the folder (exit 2), never a crash.
 */
import { mkdir, readdir, rename, unlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { InputError } from "../errors.js";
import { ResultsWriter } from "./results.js";

/** An unusable --out is the user's input problem (exit 2), not a crash. */
export async function prepareOutDir(outDir: string, redact: (t: string) => string) {
  try {
    await mkdir(outDir, { recursive: true });
    await removePreviousOutputs(outDir);
    return new ResultsWriter(join(outDir, "results.jsonl"), redact);
  } catch (err) {
    throw outputError(err, outDir);
  }
}

/** A file system refusal in --out (full disk, permissions, not a folder) is one line naming it, not a crash. */
export function outputError(err: unknown, outDir: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (err instanceof InputError || typeof code !== "string") return err;
  return new InputError(`cannot write the output folder (${code})`, { file: outDir, field: "out" });
}

/** The files a run writes into --out (results.jsonl aside). */
const OUTPUT_FILE = /^(run-.+\.trec|report\.json|report\.md|qrels\.txt)$/;

/**
 * A reused folder (reports/demo) starts without the previous run's report and run files: results.jsonl
 * restarts now, so until this run writes its own, a report beside it would describe another run (and
 * a run that stops half-way must not leave one behind). A folder is only taken for a previous run's
 * when its results.jsonl is there: a user's own qrels.txt or run-bm25.trec (--out pointed at a data
 * folder) is refused, never deleted or overwritten.
 */
async function removePreviousOutputs(outDir: string): Promise<void> {
  const names = await readdir(outDir);
  const ours = names.filter((name) => OUTPUT_FILE.test(name));
  if (ours.length === 0) return;
  if (!names.includes("results.jsonl")) {
    throw new InputError(
      `holds ${ours.slice(0, 3).join(", ")}${ours.length > 3 ? ", …" : ""} but no results.jsonl: ` +
        "not a rerank-eval output folder, and these files would be overwritten; choose another --out",
      { file: outDir, field: "out" },
    );
  }
  for (const name of ours) await unlink(join(outDir, name));
}

/** report.json and report.md appear whole or not at all. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(path, "..", `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, path);
}
