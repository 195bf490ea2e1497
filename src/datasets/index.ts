/**
 * Loading a labelled evaluation set: one entry point for every format, one EvalSet out.
 */
import { basename } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { loadBeir } from "./beir.js";
import {
  applyCandidates,
  type CandidatesSpec,
  checkDepth,
  docsToKeep,
  resolveCandidates,
  type SetLabel,
} from "./candidates.js";
import { loadCsv } from "./csv.js";
import { delimiterChar } from "./csv-header.js";
import { detectFormat } from "./detect.js";
import { fingerprintFiles } from "./files.js";
import { loadMteb } from "./mteb.js";
import type { LoadedParts } from "./parts.js";
import type { EvalSet, LoadOptions } from "./types.js";

export { DEFAULT_CSV_COLUMNS } from "./csv.js";
export { detectFormat } from "./detect.js";
export { docIdFromText, queryIdFromText } from "./ids.js";
export * from "./types.js";

/**
 * Loads `path` (a CSV/TSV file, a BEIR folder or an MTEB JSONL file) into an EvalSet. The
 * candidates option (a TREC run, or "qrels" for the judged pool) replaces the format's own lists.
 * Bad input throws an InputError naming the file, line and field; nothing is returned half-built.
 * The fingerprint hashes the format's files (BEIR: corpus, queries, qrels) and then the run.
 */
export async function loadEvalSet(path: string, opts: LoadOptions = {}): Promise<EvalSet> {
  checkDepth(opts.depth);
  const limits = { maxLineBytes: opts.maxLineBytes, signal: opts.signal };
  const format = opts.format ?? (await detectFormat(path, limits));
  if (format === "trec")
    throw new InputError(
      "TREC qrels and run files carry no query or document text, so they cannot be reranked on their own " +
        "(expected a BEIR folder, CSV or MTEB file; give a TREC run as its candidates, e.g. --candidates run.trec, " +
        "and TREC qrels as its judgements if need be; or score an existing run with the evaluate command)",
      { file: path },
    );
  if ((opts.columns !== undefined || opts.delimiter !== undefined) && format !== "csv")
    throw new UsageError(`columns and delimiter apply to CSV sets only (${path} is ${format})`);
  if (opts.qrels !== undefined && format !== "beir")
    throw new UsageError(
      "a separate TREC qrels file can only judge a BEIR folder (CSV and MTEB carry their labels)",
    );
  if (opts.candidateLists !== undefined && opts.candidates !== undefined)
    throw new UsageError("candidates come from a run file or from memory, not both");
  const inMemory = opts.candidateLists;
  const spec: CandidatesSpec = inMemory
    ? { kind: "run", path: inMemory.label, lists: inMemory.lists }
    : await resolveCandidates(opts.candidates, opts.depth, limits);
  const label: SetLabel = { path };
  if (format === "beir")
    label.judgements = opts.qrels ? `qrels ${opts.qrels}` : `qrels split '${opts.split ?? "test"}'`;
  let parts: LoadedParts;
  switch (format) {
    case "csv":
      parts = await loadCsv(path, {
        columns: opts.columns,
        delimiter: delimiterOption(opts.delimiter),
        ...limits,
      });
      break;
    case "beir":
      parts = await loadBeir(path, {
        split: opts.split,
        keepDocs: docsToKeep(spec, label),
        trecQrels: opts.qrels,
        ...limits,
      });
      break;
    case "mteb":
      parts = await loadMteb(path, limits);
      break;
    default:
      throw new InputError(
        `unknown dataset format '${format as string}' (expected csv, beir, mteb or trec)`,
        {
          file: path,
        },
      );
  }
  const chosen = applyCandidates(parts, spec, label, opts.depth);
  // Lists made in memory come from the set's own files (and the settings the config records).
  const files = spec.kind === "run" && !inMemory ? [...parts.files, spec.path] : parts.files;
  const set: EvalSet = {
    name: setName(path),
    path,
    format,
    queries: parts.queries,
    docs: chosen.docs,
    qrels: parts.qrels,
    fingerprint: await fingerprintFiles(files),
    warnings: parts.warnings,
  };
  if (chosen.candidates !== undefined) {
    set.candidates = chosen.candidates;
    set.candidatesRanked = chosen.candidatesRanked;
    set.candidatesSource = chosen.candidatesSource;
  }
  return set;
}

/** The delimiter as given (a character, or tab, comma, semicolon, pipe), checked here for library callers. */
function delimiterOption(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const c = delimiterChar(text);
  if (c.length !== 1 || '"\r\n'.includes(c))
    throw new UsageError(`delimiter must be one character other than a quote or a line break, got '${text}'`);
  return c;
}

function setName(path: string): string {
  const base = basename(path.replace(/[\\/]+$/, ""));
  return base.replace(/\.(csv|tsv|jsonl)(\.gz)?$/i, "") || base;
}
