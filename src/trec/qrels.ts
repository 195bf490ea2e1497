/**
 * TREC qrels files (`qid iter docid grade`), streamed and parsed at byte level like runs (run.ts):
 * columns separated by any run of spaces or tabs, CRLF accepted, blank lines skipped, gzip detected
 * from the magic bytes. A line that starts with `#` is a comment, as trec_eval 10 reads qrels (a `#`
 * anywhere else is data: `d#1` is a docid).
 */
import { InputError } from "../errors.js";
import { HASH, NL, streamLines } from "./lines.js";
import { fields } from "./scan.js";
import type { Qrels, ReadLimits } from "./types.js";
import { invalidIdBytes, isUtf8 } from "./utf8.js";

const QRELS_COLUMNS = "`qid iter docid grade`";

/** Reads a TREC qrels file. Grades must be integers (trec_eval would truncate 1.9; we refuse it). */
export async function readQrels(path: string, limits: ReadLimits = {}): Promise<Qrels> {
  const qrels: Qrels = new Map();
  const f: number[] = [];
  let line = 0;
  await streamLines(
    path,
    (buf, start, limit) => {
      // Ids must be UTF-8 (utf8.ts): one check per run of lines, id by id only when it fails.
      const checkIds = !isUtf8(buf.subarray(start, limit));
      for (let p = start; p < limit; ) {
        line++;
        // trec_eval looks for the comment mark at the very start of the line only, not after blanks.
        if (buf[p] === HASH) {
          p = buf.indexOf(NL, p) + 1;
          continue;
        }
        p = fields(buf, p, f);
        if (f.length === 0) continue;
        const where = { file: path, line };
        if (f.length !== 8) {
          throw new InputError(`expected 4 columns ${QRELS_COLUMNS}, found ${f.length / 2}`, where);
        }
        if (checkIds) {
          if (!isUtf8(buf.subarray(f[0], f[1])))
            throw invalidIdBytes(buf.subarray(f[0], f[1]), { ...where, field: "qid" });
          if (!isUtf8(buf.subarray(f[4], f[5])))
            throw invalidIdBytes(buf.subarray(f[4], f[5]), { ...where, field: "docid" });
        }
        const qid = buf.toString("utf8", f[0], f[1]);
        const docid = buf.toString("utf8", f[4], f[5]);
        const gradeText = buf.toString("latin1", f[6], f[7]);
        const grade = parseGrade(gradeText);
        if (grade === undefined) {
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
        judged.set(docid, grade);
      }
    },
    limits,
  );
  if (qrels.size === 0) throw new InputError("no judgements: the file has no qrels lines", { file: path });
  return qrels;
}

/**
 * Parses an integer grade ("2", "-1", " 3 "); undefined when the text is not one. Grades live in
 * Int32Arrays once scored, so more than nine digits is a broken file, not a judgement. The CSV and
 * BEIR loaders use it too, so every format accepts the same grades.
 */
export function parseGrade(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return /^[+-]?\d{1,9}$/.test(trimmed) ? Number(trimmed) : undefined;
}
