import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { InputError } from "../errors.js";
import type { LocatedRunBlock, Qrels, Ranking, Run, RunBlock } from "../metrics/index.js";
import { duplicateTable, findDuplicate, RunBlockBuilder, trecOrder } from "../metrics/index.js";

/**
 * TREC qrels (`qid iter docid grade`) and run files (`qid Q0 docid rank score tag`), streamed in
 * big chunks and parsed at byte level: a 250 MB run is never one string, and the run path makes no
 * string per document until a caller asks for one. Columns are separated by any run of spaces or
 * tabs; CRLF is accepted; blank lines are skipped; gzip is detected from the magic bytes.
 */

const CHUNK = 8 << 20;
const NL = 10;

/** Consumes complete lines: every line in [start, limit) ends with '\n' (a sentinel for the scanners). */
type ChunkConsumer = (buf: Buffer, start: number, limit: number) => void;

async function streamLines(file: string, consume: ChunkConsumer): Promise<void> {
  const unreadable = (err: NodeJS.ErrnoException) => {
    throw new InputError(err.code === "ENOENT" ? "no such file" : `cannot read the file (${err.code})`, {
      file,
    });
  };
  const info = await stat(file).catch(unreadable);
  if (info.isDirectory()) throw new InputError("is a directory, expected a file", { file });
  let buf: Buffer = Buffer.allocUnsafe(CHUNK);
  let fill = 0;
  let atStart = true;
  const flush = (eof: boolean) => {
    if (eof && fill > 0 && buf[fill - 1] !== NL) {
      if (fill === buf.length) buf = grow(buf, fill);
      buf[fill++] = NL;
    }
    const limit = buf.lastIndexOf(NL, fill - 1) + 1;
    // A UTF-8 byte order mark (editors on Windows add one) is not part of the first query id.
    const start = atStart && limit >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    if (limit > 0) atStart = false;
    if (limit > start) consume(buf, start, limit);
    buf.copyWithin(0, limit, fill);
    fill -= limit;
    if (fill === buf.length) buf = grow(buf, fill); // one line longer than the buffer
  };
  const fh = await open(file, "r").catch(unreadable);
  try {
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      try {
        for await (const chunk of createReadStream("", { fd: fh, autoClose: false, start: 0 }).pipe(
          createGunzip(),
        )) {
          for (let at = 0; at < chunk.length; ) {
            const n = Math.min(buf.length - fill, chunk.length - at);
            (chunk as Buffer).copy(buf, fill, at, at + n);
            fill += n;
            at += n;
            if (fill === buf.length) flush(false);
          }
        }
      } catch (err) {
        // Only zlib's own failures mean a bad file; anything the consumer threw passes through.
        if (!String((err as NodeJS.ErrnoException).code).startsWith("Z_")) throw err;
        throw new InputError(`not a readable gzip file (${(err as Error).message})`, { file });
      }
    } else {
      for (let pos = 0; ; ) {
        const { bytesRead } = await fh.read(buf, fill, buf.length - fill, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        fill += bytesRead;
        if (fill === buf.length) flush(false);
      }
    }
    flush(true);
  } finally {
    await fh.close();
  }
}

function grow(buf: Buffer, fill: number): Buffer {
  const bigger = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(bigger, 0, 0, fill);
  return bigger;
}

/** Splits one line (ending at '\n') into byte ranges; used where strings are wanted anyway. */
function fields(buf: Buffer, p: number, out: number[]): number {
  out.length = 0;
  for (let c = buf[p]; c !== NL; ) {
    while (c <= 32 && c !== NL) c = buf[++p];
    if (c === NL) break;
    out.push(p);
    while (c > 32) c = buf[++p];
    out.push(p);
  }
  return p + 1;
}

const QRELS_COLUMNS = "`qid iter docid grade`";

/** Reads a TREC qrels file. Grades must be integers (trec_eval would truncate 1.9; we refuse it). */
export async function readQrels(path: string): Promise<Qrels> {
  const qrels: Qrels = new Map();
  const f: number[] = [];
  let line = 0;
  await streamLines(path, (buf, start, limit) => {
    for (let p = start; p < limit; ) {
      line++;
      p = fields(buf, p, f);
      if (f.length === 0) continue;
      const where = { file: path, line };
      if (f.length !== 8) {
        throw new InputError(`expected 4 columns ${QRELS_COLUMNS}, found ${f.length / 2}`, where);
      }
      const qid = buf.toString("utf8", f[0], f[1]);
      const docid = buf.toString("utf8", f[4], f[5]);
      const gradeText = buf.toString("latin1", f[6], f[7]);
      // Grades live in Int32Arrays: a grade beyond ±1e9 is a broken file, not a judgement.
      if (!/^[+-]?\d{1,9}$/.test(gradeText)) {
        throw new InputError(`grade must be an integer, got '${gradeText}'`, { ...where, field: "grade" });
      }
      let judged = qrels.get(qid);
      if (judged === undefined) {
        judged = new Map();
        qrels.set(qid, judged);
      }
      if (judged.has(docid)) {
        throw new InputError(`document '${docid}' is judged twice for query '${qid}'`, {
          ...where,
          field: "docid",
        });
      }
      judged.set(docid, Number(gradeText));
    }
  });
  if (qrels.size === 0) throw new InputError("no judgements: the file has no qrels lines", { file: path });
  return qrels;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Parses a decimal score exactly as strtod would (correctly rounded): up to 15 significant digits
 * and a power of ten up to 22, one IEEE multiplication or division of two exact values is exact
 * rounding (Clinger's fast path); anything else goes through Number(). NaN when not a finite number.
 */
export function parseScore(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let c = buf[i];
  const neg = c === 45;
  if (c === 45 || c === 43) c = buf[++i];
  let mant = 0;
  let sig = 0;
  let exp10 = 0;
  let digits = 0;
  for (; c >= 48 && c <= 57; c = buf[++i], digits++) {
    mant = mant * 10 + (c - 48);
    if (mant !== 0) sig++;
  }
  if (c === 46 && i < e) {
    for (c = buf[++i]; c >= 48 && c <= 57; c = buf[++i], digits++, exp10--) {
      mant = mant * 10 + (c - 48);
      if (mant !== 0) sig++;
    }
  }
  if ((c === 101 || c === 69) && i < e && digits > 0) {
    let j = i + 1;
    let d = buf[j];
    const eneg = d === 45;
    if (d === 45 || d === 43) d = buf[++j];
    let x = 0;
    const from = j;
    for (; d >= 48 && d <= 57 && x < 1e6; d = buf[++j]) x = x * 10 + (d - 48);
    if (j > from) {
      exp10 += eneg ? -x : x;
      i = j;
    }
  }
  if (i === e && digits > 0 && sig <= 15 && exp10 >= -22 && exp10 <= 22) {
    const v = exp10 >= 0 ? mant * POW10[exp10] : mant / POW10[-exp10];
    return neg ? -v : v;
  }
  const v = Number(Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString("latin1"));
  return Number.isFinite(v) ? v : Number.NaN;
}

const COLUMN_COUNT = "expected 6 columns `qid Q0 docid rank score tag`, found %d";

/** Index of the first non-blank byte at or after p (the line's '\n' stops it). */
function skipSpace(buf: Buffer, p: number): number {
  let c = buf[p];
  while (c <= 32 && c !== NL) c = buf[++p];
  return p;
}

/** Index just past the field starting at p. */
function word(buf: Buffer, p: number): number {
  while (buf[p] > 32) p++;
  return p;
}

/**
 * Streams a run file as one block per maximal group of consecutive lines with the same qid (a query
 * split over several groups yields several blocks: callers that need one ranking per query merge).
 * The block's arrays are reused: read them inside `onBlock` only. Duplicate doc ids within a block
 * are an InputError, as in trec_eval.
 */
export async function scanRun(path: string, onBlock: (block: LocatedRunBlock) => void): Promise<void> {
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
  await streamLines(path, (buf, start, limit) => {
    for (let p = start; p < limit; ) {
      line++;
      p = skipSpace(buf, p);
      if (buf[p] === NL) {
        p++;
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
      p = skipSpace(buf, word(buf, ts));
      if (buf[p] !== NL) fail(buf, qs, COLUMN_COUNT);
      p++;
      const score = parseScore(buf, ss, se);
      if (Number.isNaN(score)) {
        fail(buf, qs, `score must be a finite number, got '${buf.toString("latin1", ss, se)}'`, "score");
      }
      let sameQuery = qe - qs === qidBytes.length;
      for (let k = 0; sameQuery && k < qidBytes.length; k++) sameQuery = buf[qs + k] === qidBytes[k];
      if (!sameQuery) {
        emit();
        qidBytes = Buffer.from(buf.subarray(qs, qe));
        b.clear(qidBytes.toString("utf8"));
      }
      b.push(buf, ds, de, score, line);
    }
  });
  emit();
}

/** Doc id i of a block as a string. */
function idText(b: RunBlock, i: number): string {
  return Buffer.from(b.idBytes.buffer, b.idBytes.byteOffset, b.idBytes.length).toString(
    "utf8",
    b.idStart[i],
    b.idStart[i + 1],
  );
}

/** The ranking of one block as strings (file order). */
function blockRanking(b: RunBlock): Ranking {
  const docIds = new Array<string>(b.n);
  const bytes = Buffer.from(b.idBytes.buffer, b.idBytes.byteOffset, b.idBytes.length);
  for (let i = 0; i < b.n; i++) docIds[i] = bytes.toString("utf8", b.idStart[i], b.idStart[i + 1]);
  return { docIds, scores: b.scores.slice(0, b.n) };
}

/**
 * Reads a TREC run. The rank column is ignored (trec_eval does too). With `depth`, each ranking is
 * put in trec order and cut to its top `depth`; otherwise rankings keep file order.
 */
export async function readRun(path: string, opts: { depth?: number } = {}): Promise<Run> {
  const run: Run = new Map();
  const firstLine = new Map<string, number>();
  await scanRun(path, (b) => {
    const r = blockRanking(b);
    const earlier = run.get(b.qid);
    if (earlier === undefined) {
      run.set(b.qid, r);
      firstLine.set(b.qid, b.lines[0]);
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
  });
  if (opts.depth !== undefined) {
    for (const [qid, r] of run) run.set(qid, cut(r, opts.depth));
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
