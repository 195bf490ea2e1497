/**
 * Stable identifiers derived from text, for formats whose rows carry no ids (CSV without id columns,
 * MTEB JSONL): the same text always gets the same id, across runs and machines.
 */
import { createHash } from "node:crypto";

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** `q-` + the first 12 hex digits of sha256(text). */
export function queryIdFromText(text: string): string {
  return `q-${sha256Hex(text).slice(0, 12)}`;
}

/** `d-` + the first 12 hex digits of sha256 of the text (title and text when a title is given). */
export function docIdFromText(text: string, title?: string): string {
  return `d-${sha256Hex(title ? `${title}\u0000${text}` : text).slice(0, 12)}`;
}

/**
 * Orders document ids by sha256(queryId, docId): deterministic, different per query, and blind to
 * grades, so a judged pool or an MTEB list never presents its relevant documents first.
 */
export function labelBlindOrder(queryId: string, docIds: Iterable<string>): string[] {
  const keyed = [...docIds].map((id) => [sha256Hex(`${queryId}\u0000${id}`), id] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map(([, id]) => id);
}
