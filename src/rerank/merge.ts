/**
 * Merge, the last of the client's three steps (prepare.ts → fan-out.ts → merge): one RerankResult
 * from the answers of a call's requests, sorted by the deterministic rule (score desc, index asc),
 * usage summed, notes deduplicated, cut to top_n (api-dialects.md §18.4).
 */
import type { ChunkAnswer } from "./fan-out.js";
import { addUsage, sortItems } from "./normalize.js";
import { addNote, partialAnswerNote, topNClientSideNote } from "./notes.js";
import type { CallPlan, ClientSettings } from "./prepare.js";
import type { RerankResult, RerankUsage } from "./types.js";

/**
 * The result's notes are `plan.notes` (copied: a prepared plan is sent again) plus the answers'.
 * `started` is the call's performance.now() at entry, so latencyMs covers the whole call.
 */
export function mergeAnswers(
  plan: CallPlan,
  answers: ChunkAnswer[],
  settings: Pick<ClientSettings, "dialect" | "scoreKind" | "supportsTopN">,
  started: number,
): RerankResult {
  const { topN } = plan;
  const notes = [...plan.notes];
  const { scoreKind } = settings;
  if (answers.length === 0) {
    // Nothing was sent (no non-empty document): an empty ranking, not an error.
    return {
      items: [],
      scoreKind,
      notes,
      attemptLatenciesMs: [],
      attempts: 0,
      latencyMs: performance.now() - started,
      requests: 0,
    };
  }
  const items = sortItems(answers.length === 1 ? answers[0].items : answers.flatMap((a) => a.items));
  let usage: RerankUsage | undefined;
  for (const answer of answers) {
    usage = addUsage(usage, answer.usage);
    for (const note of answer.notes) addNote(notes, note);
  }
  if (topN !== undefined && items.length > topN) {
    if (!settings.supportsTopN) notes.push(topNClientSideNote(topN, settings.dialect));
    items.length = topN;
  } else if (topN === undefined && items.length < plan.documents.length) {
    notes.push(partialAnswerNote(items.length, plan.documents.length));
  }
  return {
    items,
    scoreKind,
    usage,
    providerId: answers[0].providerId,
    model: answers[0].model,
    notes,
    attemptLatenciesMs:
      answers.length === 1 ? answers[0].attemptLatenciesMs : answers.flatMap((a) => a.attemptLatenciesMs),
    attempts: answers.reduce((sum, a) => sum + a.attempts, 0),
    latencyMs: performance.now() - started,
    requests: answers.length,
  };
}
