/**
 * A BEIR folder: corpus.jsonl, queries.jsonl and qrels/<split>.tsv (each optionally .gz). Streamed
 * line by line; when the candidates are known first, only the documents they reference are kept.
 * Names are matched without regard to case (`corpus.jsonl.GZ`, `Test.tsv`): gzip is told by its
 * magic bytes anyway, and a folder copied through a case-insensitive file system can change case.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { agree, count } from "../text/words.js";
import { checkDecodedId, parseGrade, readLines, readQrels } from "../trec/index.js";
import type { ReadLimits } from "../trec/types.js";
import { pathKind, requireDirectory, requireFile } from "./files.js";
import { idField, parseJsonLine, textField } from "./jsonl.js";
import type { LoadedParts } from "./parts.js";
import { DocStore, utf8Of } from "./store.js";
import type { Doc } from "./types.js";

/** Which corpus documents to keep: all (no candidates yet), or those in a set of ids. */
export type KeepDocs = (qrels: Map<string, Map<string, number>>) => Set<string> | undefined;

export async function isBeirFolder(folder: string): Promise<boolean> {
  return (await findVariant(folder, "corpus.jsonl")) !== undefined;
}

export interface BeirOptions extends ReadLimits {
  split?: string;
  keepDocs?: KeepDocs;
  /** A TREC qrels file to judge with instead of qrels/<split>.tsv (e.g. TREC DL on MS MARCO). */
  trecQrels?: string;
}

export async function loadBeir(folder: string, opts: BeirOptions = {}): Promise<LoadedParts> {
  const split = opts.split ?? "test";
  await requireDirectory(folder, "a BEIR folder with corpus.jsonl, queries.jsonl and qrels/");
  const corpusFile = await requireVariant(folder, "corpus.jsonl");
  const queriesFile = await requireVariant(folder, "queries.jsonl");
  if (opts.trecQrels !== undefined)
    await requireFile(opts.trecQrels, "a TREC qrels file: qid iter docid grade");
  const qrelsFile = opts.trecQrels ?? (await findVariant(join(folder, "qrels"), `${split}.tsv`));
  if (qrelsFile === undefined) {
    const splits = await availableSplits(folder);
    throw new InputError(
      `no qrels for split '${split}' (expected qrels/${split}.tsv or qrels/${split}.tsv.gz; ` +
        `splits here: ${splits.length ? splits.join(", ") : "none"})`,
      { file: folder },
    );
  }

  const warnings: string[] = [];
  const qrels =
    opts.trecQrels === undefined ? await readBeirQrels(qrelsFile, opts) : await readQrels(qrelsFile, opts);
  const keep = opts.keepDocs?.(qrels);
  const queries = await readQueries(queriesFile, qrels, opts);
  const missingQueries = [...qrels.keys()].filter((id) => !queries.has(id));
  if (missingQueries.length > 0) {
    for (const id of missingQueries) qrels.delete(id);
    warnings.push(
      `${count(missingQueries.length, "judged query", "judged queries")} in ${qrelsFile} ` +
        `${agree(missingQueries.length, "has", "have")} no text in ${queriesFile} and ` +
        `${agree(missingQueries.length, "is", "are")} left out (e.g. '${missingQueries[0]}')`,
    );
  }

  const { docs, missingJudged } = await readCorpus(corpusFile, qrels, keep, opts);
  if (missingJudged.size > 0) {
    let judgements = 0;
    const queriesHit = new Set<string>();
    for (const [queryId, judged] of qrels)
      for (const docId of judged.keys())
        if (missingJudged.has(docId)) {
          judgements++;
          queriesHit.add(queryId);
        }
    warnings.push(
      `${count(judgements, "judgement")} (${count(queriesHit.size, "query", "queries")}) in ${qrelsFile} ` +
        `${agree(judgements, "points", "point")} at ${count(missingJudged.size, "document")} missing from ${corpusFile}`,
    );
  }
  return { queries, docs, qrels, files: [corpusFile, queriesFile, qrelsFile], warnings };
}

/** `query-id <TAB> corpus-id <TAB> score`, after a header row; blank lines ignored. */
async function readBeirQrels(file: string, limits: ReadLimits): Promise<Map<string, Map<string, number>>> {
  const qrels = new Map<string, Map<string, number>>();
  for await (const [text, line, isUtf8] of readLines(file, limits)) {
    if (text.trim() === "") continue;
    const fields = text.split("\t");
    if (line === 1 && parseGrade(fields[2]) === undefined) continue; // the header row
    if (fields.length !== 3)
      throw new InputError(
        `expected 3 tab-separated fields (query-id, corpus-id, score), got ${fields.length}`,
        { file, line },
      );
    const [queryId, docId, score] = fields.map((f) => f.trim());
    if (queryId === "") throw new InputError("empty id", { file, line, field: "query-id" });
    if (docId === "") throw new InputError("empty id", { file, line, field: "corpus-id" });
    checkDecodedId(queryId, isUtf8, { file, line, field: "query-id" });
    checkDecodedId(docId, isUtf8, { file, line, field: "corpus-id" });
    const grade = parseGrade(score);
    if (grade === undefined)
      throw new InputError(`expected an integer grade, got '${score}'`, { file, line, field: "score" });
    let judged = qrels.get(queryId);
    if (judged === undefined) {
      judged = new Map();
      qrels.set(queryId, judged);
    }
    const earlier = judged.get(docId);
    if (earlier !== undefined && earlier !== grade)
      throw new InputError(
        `document '${docId}' is judged twice for query '${queryId}' (${earlier} and ${grade})`,
        {
          file,
          line,
          field: "corpus-id",
        },
      );
    judged.set(docId, grade);
  }
  return qrels;
}

/** Only the split's queries are kept; every line is still checked. */
async function readQueries(
  file: string,
  qrels: Map<string, unknown>,
  limits: ReadLimits,
): Promise<Map<string, string>> {
  const queries = new Map<string, string>();
  for await (const [text, line, isUtf8] of readLines(file, limits)) {
    if (text.trim() === "") continue;
    const obj = parseJsonLine(text, file, line);
    const id = idField(obj, "_id", file, line);
    checkDecodedId(id, isUtf8, { file, line, field: "_id" });
    const wanted = qrels.has(id);
    const queryText = textField(obj, "text", file, line, { nonEmpty: wanted });
    if (wanted) queries.set(id, queryText);
  }
  return queries;
}

/** `{"_id": "plain id",` at the start of a line: the top-level id, readable without parsing. */
const LEADING_ID = /^\s*\{\s*"_id"\s*:\s*"([^"\\]*)"\s*[,}]/;

async function readCorpus(
  file: string,
  qrels: Map<string, Map<string, number>>,
  keep: Set<string> | undefined,
  limits: ReadLimits,
): Promise<{ docs: DocStore; missingJudged: Set<string> }> {
  const missingJudged = new Set<string>();
  for (const judged of qrels.values()) for (const docId of judged.keys()) missingJudged.add(docId);
  // Texts are read back from their line when sent (store.ts): a kept document costs its id here.
  const docs = DocStore.forFile(file, decodeCorpusLine);
  const firstLine = new Map<string, number>();
  for await (const [text, line, isUtf8, start, end] of readLines(file, limits)) {
    if (text.trim() === "") continue;
    if (keep !== undefined) {
      // JSON.parse is most of the time on a big corpus; a line whose leading _id is neither kept
      // nor judged is only checked for shape, since nothing downstream reads it.
      const quickId = LEADING_ID.exec(text)?.[1];
      if (quickId !== undefined && !keep.has(quickId) && !missingJudged.has(quickId)) {
        checkDecodedId(quickId, isUtf8, { file, line, field: "_id" });
        if (!text.trimEnd().endsWith("}"))
          throw new InputError("malformed JSON (expected one JSON object per line)", { file, line });
        continue;
      }
    }
    const obj = parseJsonLine(text, file, line);
    const id = idField(obj, "_id", file, line);
    checkDecodedId(id, isUtf8, { file, line, field: "_id" });
    const docText = textField(obj, "text", file, line);
    const title = textField(obj, "title", file, line, { optional: true });
    missingJudged.delete(id);
    if (keep !== undefined && !keep.has(id)) continue;
    const earlier = firstLine.get(id);
    if (earlier !== undefined)
      throw new InputError(`duplicate document id '${id}' (first on line ${earlier})`, {
        file,
        line,
        field: "_id",
      });
    firstLine.set(id, line);
    docs.add(id, title ? { title, text: docText } : { text: docText }, start, end);
  }
  return { docs, missingJudged };
}

/** A corpus line read back: the document readCorpus made of it (its fields were checked then). */
function decodeCorpusLine(bytes: Uint8Array): Doc {
  const obj = JSON.parse(utf8Of(bytes)) as { title?: unknown; text: string };
  const title = typeof obj.title === "string" ? obj.title : "";
  return title ? { title, text: obj.text } : { text: obj.text };
}

/**
 * `name` or `name.gz` in the folder, in any case: the exact names first, the plain file before the
 * gzipped one. Anything but a folder counts (a FIFO is then refused by the reader, by its name).
 */
async function findVariant(folder: string, name: string): Promise<string | undefined> {
  let entries: string[];
  try {
    entries = await readdir(folder);
  } catch {
    return undefined;
  }
  const wanted = [name, `${name}.gz`];
  const lower = wanted.map((w) => w.toLowerCase());
  const ranked = [
    ...wanted.filter((w) => entries.includes(w)),
    ...lower.flatMap((w) => entries.filter((e) => e.toLowerCase() === w && !wanted.includes(e)).sort()),
  ];
  for (const entry of ranked) {
    const kind = await pathKind(join(folder, entry));
    if (kind === "file" || kind === "other") return join(folder, entry);
  }
  return undefined;
}

async function requireVariant(folder: string, name: string): Promise<string> {
  const found = await findVariant(folder, name);
  if (found === undefined)
    throw new InputError(`not a BEIR folder: no ${name} or ${name}.gz`, { file: folder });
  return found;
}

async function availableSplits(folder: string): Promise<string[]> {
  try {
    const names = await readdir(join(folder, "qrels"));
    return names
      .filter((n) => /\.tsv(\.gz)?$/i.test(n))
      .map((n) => n.replace(/\.tsv(\.gz)?$/i, ""))
      .sort();
  } catch {
    return [];
  }
}
