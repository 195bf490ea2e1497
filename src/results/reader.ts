/**
 * Reading results.jsonl back, to score, rebuild a report, resume or merge without the API. Bad lines
 * are InputErrors with file:line:field. A cut-off last line is an append the process did not
 * finish (killed mid-write): it is dropped, like any task that did not finish, instead of failing
 * the whole file. Streamed line by line: a large run's file is never one string.
 */
import { open } from "node:fs/promises";
import { InputError } from "../errors.js";
import { readLines } from "../trec/lines.js";
import { type ResultRecord, rankingOfPairs } from "./record.js";

export interface ReadResultsOutcome {
  records: ResultRecord[];
  /** 1 when a cut-off last line was dropped. */
  droppedTail: number;
}

export async function readResults(path: string): Promise<ResultRecord[]> {
  return (await readResultsFile(path)).records;
}

export async function readResultsFile(path: string): Promise<ReadResultsOutcome> {
  const endsWithNewline = await lastByteIsNewline(path);
  const records: ResultRecord[] = [];
  // A line that does not parse is an error unless it turns out to be the cut-off last line.
  let pending: InputError | undefined;
  try {
    // NULs are tolerated here: a power loss can leave a tail of zeros, dropped like any cut-off line.
    for await (const [text, line] of readLines(path, { allowNul: true })) {
      if (pending) throw pending;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        pending = new InputError("not valid JSON", { file: path, line });
        continue;
      }
      records.push(checkRecord(value, { file: path, line }));
    }
  } catch (err) {
    throw err instanceof InputError ? err : unreadable(path, err);
  }
  if (pending && endsWithNewline) throw pending;
  return { records, droppedTail: pending ? 1 : 0 };
}

async function lastByteIsNewline(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    const { size } = await handle.stat();
    if (size === 0) return true;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } catch (err) {
    throw unreadable(path, err);
  } finally {
    await handle?.close();
  }
}

function unreadable(path: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException)?.code;
  return new InputError(
    code === "ENOENT" ? "no such file" : `cannot read the results file (${code ?? "error"})`,
    {
      file: path,
    },
  );
}

/** A hand-written check, not zod: it runs once per line of files with millions of scores. */
function checkRecord(value: unknown, at: { file: string; line: number }): ResultRecord {
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new InputError("expected a JSON object", at);
  const r = value as Record<string, unknown>;
  for (const field of ["variant", "qid"]) {
    if (typeof r[field] !== "string") throw new InputError("missing or not a string", { ...at, field });
  }
  const ranking = rankingOfPairs(r.ranking);
  if (!ranking)
    throw new InputError("expected an array of [docId, score] pairs", { ...at, field: "ranking" });
  for (const field of ["candidates", "latencyMs", "attempts", "requests", "startMs", "endMs"]) {
    if (!Number.isFinite(r[field])) throw new InputError("missing or not a number", { ...at, field });
  }
  if (!Array.isArray(r.attemptLatenciesMs) || !r.attemptLatenciesMs.every(Number.isFinite))
    throw new InputError("expected an array of numbers", { ...at, field: "attemptLatenciesMs" });
  const notes = r.notes ?? [];
  const typed =
    Array.isArray(notes) &&
    notes.every(
      (n) => n && typeof n === "object" && typeof n.code === "string" && typeof n.detail === "string",
    );
  if (!typed) throw new InputError("expected an array of {code, detail}", { ...at, field: "notes" });
  if (r.error !== undefined && typeof (r.error as { kind?: unknown })?.kind !== "string")
    throw new InputError("expected {kind, message}", { ...at, field: "error" });
  return { ...r, ranking, notes } as unknown as ResultRecord;
}
