/**
 * Every note the client attaches to an answer, built in one place: the `detail` sentences are what
 * reports and `rerank` print, so they keep one spelling here, while doctor and the report count by
 * `code` and never parse the sentence.
 */
import { count } from "../text/words.js";
import type { NoteCode, RerankNote } from "./types.js";

function note(code: NoteCode, detail: string): RerankNote {
  return { code, detail };
}

/** Shared by every answer that needs it, so frozen: a caller editing one result must not edit all. */
export const INDEX_RECOVERED_NOTE: RerankNote = Object.freeze(
  note("index-recovered", "index recovered by text match"),
);

export const UNSORTED_NOTE: RerankNote = Object.freeze(
  note("unsorted", "answer was not sorted by score; re-sorted client-side"),
);

export const QWEN3_NOTE: RerankNote = Object.freeze(
  note("qwen3-format", "Qwen3 instruction format applied to query and documents"),
);

export const UNKNOWN_SCORE_KIND_NOTE: RerankNote = Object.freeze(
  note("merge-warning", "warning: score kind unknown; merging separate requests assumes comparable scores"),
);

export const RELATIVE_SCORE_KIND_NOTE: RerankNote = Object.freeze(
  note(
    "merge-warning",
    "warning: relative scores only order one request's documents; merging separate requests compares unlike scores",
  ),
);

export function emptySkippedNote(skipped: readonly number[]): RerankNote {
  const shown = `${skipped.slice(0, 10).join(", ")}${skipped.length > 10 ? ", …" : ""}`;
  return note("empty-skipped", `${count(skipped.length, "empty document")} skipped (index ${shown})`);
}

export function clampedNote(asked: number, documents: number): RerankNote {
  return note("clamped", `top_n clamped ${asked}->${documents}`);
}

/** `caps` names the limits that forced the split ("32 documents / 100000 bytes"). */
export function chunkedNote(requests: number, caps: string): RerankNote {
  return note(
    "chunked",
    `candidates split over ${requests} requests (per-request cap ${caps}); merged by score`,
  );
}

export function listwiseMergeNote(dialect: string): RerankNote {
  return note(
    "merge-warning",
    `warning: ${dialect} scores documents listwise; scores from separate requests may not be comparable`,
  );
}

export function overTopNNote(returned: number, topN: number): RerankNote {
  return note("over-top-n", `provider returned ${returned} items for top_n ${topN}; cut client-side`);
}

export function topNClientSideNote(topN: number, dialect: string): RerankNote {
  return note("top-n-client-side", `top_n ${topN} applied client-side (${dialect} has no top_n)`);
}

export function partialAnswerNote(ranked: number, sent: number): RerankNote {
  return note("partial-answer", `answer ranked ${ranked} of ${sent} documents`);
}

/** Adds `added` to `notes` unless a note with the same code and detail is already there. */
export function addNote(notes: RerankNote[], added: RerankNote): void {
  for (const n of notes) if (n.code === added.code && n.detail === added.detail) return;
  notes.push(added);
}
