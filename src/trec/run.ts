/**
 * TREC run files (`qid Q0 docid rank score tag`), streamed in big chunks and parsed at byte level: a
 * 250 MB run is never one string, and no string is made per document until a caller asks for one.
 * Columns are separated by any run of spaces or tabs; CRLF is accepted; blank lines are skipped;
 * gzip is detected from the magic bytes. As in trec_eval 10, a line whose first non-blank character
 * is `#` is a comment, and whatever follows the tag column is ignored (some tools append columns).
 */
import { InputError, type InputLocation } from "../errors.js";
import { HASH, NL, streamLines } from "./lines.js";
import { trecOrder } from "./order.js";
import {
  blockTrecOrder,
  duplicateTable,
  findDuplicate,
  type LocatedRunBlock,
  type RunBlock,
  RunBlockBuilder,
} from "./run-block.js";
import { fields, parseScore, skipSpace, word } from "./scan.js";
import type { Ranking, ReadLimits, Run } from "./types.js";
import { invalidIdBytes, isUtf8 } from "./utf8.js";

const COLUMN_COUNT = "expected 6 columns `qid Q0 docid rank score tag`, found %d";

/**
 * Streams a run file as one block per maximal group of consecutive lines with the same qid (a query
 * split over several groups yields several blocks: callers that need one ranking per query merge).
 * The block's arrays are reused: read them inside `onBlock` only. Duplicate doc ids within a block
 * are an InputError, as in trec_eval.
 */
export async function scanRun(
  path: string,
  onBlock: (block: LocatedRunBlock) => void,
  limits: ReadLimits = {},
): Promise<void> {
  const b = new RunBlockBuilder();
  let qidBytes = Buffer.alloc(0);
  let dupTable: Int32Array = new Int32Array(0);
  let line = 0;
  const emit = () => {
    if (b.n === 0) return;
    dupTable = duplicateTable(dupTable, b.n);
    const [i, j] = findDuplicate(b, dupTable);
    if (i >= 0) {
      const id = idText(b, i);
      const reason = `document '${id}' appears twice in the ranking of query '${b.qid}' (first on line ${b.lines[j]})`;
      throw new InputError(reason, { file: path, line: b.lines[i], field: "docid" });
    }
    onBlock(b);
    b.clear("");
  };
  const fail = (buf: Buffer, p: number, reason: string, field?: string): never => {
    const found: number[] = [];
    fields(buf, p, found);
    throw new InputError(reason.replace("%d", String(found.length / 2)), { file: path, line, field });
  };
  await streamLines(
    path,
    (buf, start, limit) => {
      // One native check for the whole run of lines; ids are looked at one by one only when it fails.
      const checkIds = !isUtf8(buf.subarray(start, limit));
      for (let p = start; p < limit; ) {
        line++;
        p = skipSpace(buf, p);
        if (buf[p] === NL || buf[p] === HASH) {
          p = buf.indexOf(NL, p) + 1;
          continue;
        }
        const qs = p;
        const qe = word(buf, qs);
        const ds = skipSpace(buf, word(buf, skipSpace(buf, qe)));
        const de = word(buf, ds);
        const ss = skipSpace(buf, word(buf, skipSpace(buf, de)));
        const se = word(buf, ss);
        const ts = skipSpace(buf, se);
        // A missing column leaves every later start on the newline.
        if (buf[ts] === NL) fail(buf, qs, COLUMN_COUNT);
        p = word(buf, ts);
        if (buf[p] !== NL) p = buf.indexOf(NL, p);
        p++;
        const score = parseScore(buf, ss, se);
        if (Number.isNaN(score)) {
          fail(buf, qs, `score must be a finite number, got '${buf.toString("latin1", ss, se)}'`, "score");
        }
        if (checkIds) checkIdBytes(buf, qs, qe, ds, de, { file: path, line });
        let sameQuery = qe - qs === qidBytes.length;
        for (let k = 0; sameQuery && k < qidBytes.length; k++) sameQuery = buf[qs + k] === qidBytes[k];
        if (!sameQuery) {
          emit();
          qidBytes = Buffer.from(buf.subarray(qs, qe));
          b.clear(qidBytes.toString("utf8"));
        }
        b.push(buf, ds, de, score, line);
      }
    },
    limits,
  );
  emit();
}

/** Throws for a qid or docid that is not valid UTF-8 (kept out of the hot loop: it rarely runs). */
function checkIdBytes(buf: Buffer, qs: number, qe: number, ds: number, de: number, at: InputLocation): void {
  if (!isUtf8(buf.subarray(qs, qe))) throw invalidIdBytes(buf.subarray(qs, qe), { ...at, field: "qid" });
  if (!isUtf8(buf.subarray(ds, de))) throw invalidIdBytes(buf.subarray(ds, de), { ...at, field: "docid" });
}

/** The block's id bytes as a Buffer (a view, no copy), to decode ids from. */
function idBuffer(b: RunBlock): Buffer {
  return Buffer.from(b.idBytes.buffer, b.idBytes.byteOffset, b.idBytes.length);
}

/** Doc id i of a block as a string. */
function idText(b: RunBlock, i: number): string {
  return idBuffer(b).toString("utf8", b.idStart[i], b.idStart[i + 1]);
}

/** The ranking of the block's entries `which` (all, in file order, by default) as strings. */
function blockRanking(b: RunBlock, which?: number[]): Ranking {
  const bytes = idBuffer(b);
  const at = which ?? Array.from({ length: b.n }, (_, i) => i);
  return {
    docIds: at.map((i) => bytes.toString("utf8", b.idStart[i], b.idStart[i + 1])),
    scores: Float64Array.from(at, (i) => b.scores[i]),
  };
}

/**
 * Reads a TREC run. The rank column is ignored (trec_eval does too). With `depth`, each ranking is
 * put in trec order and cut to its top `depth` (Infinity: trec order, no cut); otherwise rankings
 * keep file order.
 */
export async function readRun(path: string, opts: { depth?: number } & ReadLimits = {}): Promise<Run> {
  if (opts.depth !== undefined) {
    const top = await readGroupedRunTop(path, opts.depth, opts);
    if (top !== undefined) return top;
  }
  const run: Run = new Map();
  await scanRun(
    path,
    (b) => {
      const r = blockRanking(b);
      const earlier = run.get(b.qid);
      if (earlier === undefined) {
        run.set(b.qid, r);
        return;
      }
      // The query's lines are not contiguous: merge, and look for duplicates across the groups.
      const ids = new Set(earlier.docIds);
      for (let i = 0; i < b.n; i++) {
        if (ids.has(r.docIds[i])) {
          throw new InputError(`document '${r.docIds[i]}' appears twice in the ranking of query '${b.qid}'`, {
            file: path,
            line: b.lines[i],
            field: "docid",
          });
        }
      }
      const scores = new Float64Array(earlier.scores.length + b.n);
      scores.set(earlier.scores as Float64Array);
      scores.set(r.scores as Float64Array, earlier.scores.length);
      run.set(b.qid, { docIds: earlier.docIds.concat(r.docIds), scores });
    },
    opts,
  );
  if (opts.depth !== undefined) {
    for (const [qid, r] of run) run.set(qid, cut(r, opts.depth));
  }
  return run;
}

class NotGrouped extends Error {}

/**
 * A grouped run (each query's lines together, as run writers do) cut to `depth` while it streams:
 * strings are made only for the documents kept, so 100 candidates out of a 1,000-deep run make a
 * tenth of the strings. Undefined when a query's lines are apart: they must be merged before cutting.
 */
async function readGroupedRunTop(path: string, depth: number, limits: ReadLimits): Promise<Run | undefined> {
  const run: Run = new Map();
  try {
    await scanRun(
      path,
      (b) => {
        if (run.has(b.qid)) throw new NotGrouped();
        run.set(b.qid, blockRanking(b, blockTrecOrder(b).slice(0, depth)));
      },
      limits,
    );
  } catch (err) {
    if (err instanceof NotGrouped) return undefined;
    throw err;
  }
  return run;
}

function cut(r: Ranking, depth: number): Ranking {
  const order = trecOrder(r).subarray(0, depth);
  return {
    docIds: Array.from(order, (i) => r.docIds[i]),
    scores: Float64Array.from(order, (i) => r.scores[i]),
  };
}

/** Per query, the doc ids in trec order, cut to `depth` (candidate lists for reranking). */
export function rankedCandidates(run: Run, depth?: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [qid, r] of run) {
    const order = trecOrder(r);
    const n = depth === undefined ? order.length : Math.min(depth, order.length);
    out.set(
      qid,
      Array.from(order.subarray(0, n), (i) => r.docIds[i]),
    );
  }
  return out;
}
