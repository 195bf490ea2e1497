/**
 * Chunk fan-out, the second of the client's three steps (prepare.ts → fan-out → merge.ts): send
 * each planned request (with retries), read and validate its answer, and map the answer's indices
 * back to the caller's documents. One failed request fails the call and stops its siblings.
 */
import pLimit from "p-limit";
import { linkAbort } from "./abort.js";
import { type CallContext, type CallPolicy, callWithRetries } from "./call.js";
import type { Credentials } from "./credentials.js";
import type { HttpTransport } from "./http.js";
import { isSortedByScore } from "./normalize.js";
import { overTopNNote, UNSORTED_NOTE } from "./notes.js";
import type { CallPlan, PlannedRequest } from "./prepare.js";
import type { Dialect, RerankItem, RerankNote, RerankUsage } from "./types.js";
import { validateAnswerItems } from "./validate.js";

/** Chunks of one call in flight at once: enough to hide latency, few enough not to trip rate limits. */
const CHUNK_CONCURRENCY = 4;

/** What sending needs, fixed for the life of a reranker. */
export interface ChunkSender {
  dialect: Dialect;
  transport: HttpTransport;
  credentials: Credentials;
  policy: CallPolicy;
}

/** One request's answer, its indices already mapped to the caller's documents. */
export interface ChunkAnswer {
  items: RerankItem[];
  usage?: RerankUsage;
  providerId?: string;
  model?: string;
  notes: RerankNote[];
  attempts: number;
  attemptLatenciesMs: number[];
}

/** The answers of every planned request, in plan order; none when the plan has no request. */
export async function sendPlan(
  sender: ChunkSender,
  plan: CallPlan,
  context: CallContext,
): Promise<ChunkAnswer[]> {
  const { requests } = plan;
  const { signal } = context;
  if (requests.length === 0) return [];
  if (requests.length === 1) {
    // The common case (a run's query in one request): no sibling to stop, so no controller,
    // limiter or linked signal per call; at 1,000 calls/s they were a tenth of the client's CPU.
    // The caller's signal goes to the request as it is: its attempt and back-off sleep follow it
    // through abort.ts's one listener per signal (a run's signal is shared by every call).
    return [await sendRequest(sender, plan, requests[0], context)];
  }
  // One failed chunk fails the call; stop its siblings instead of letting them run on.
  const controller = new AbortController();
  const unlink = linkAbort(signal, controller);
  const limit = requests.length > CHUNK_CONCURRENCY ? pLimit(CHUNK_CONCURRENCY) : undefined;
  const linked: CallContext = { ...context, signal: controller.signal };
  const send = (request: PlannedRequest) => sendRequest(sender, plan, request, linked);
  try {
    return await Promise.all(requests.map((request) => (limit ? limit(send, request) : send(request))));
  } catch (err) {
    controller.abort();
    throw err;
  } finally {
    unlink();
  }
}

async function sendRequest(
  sender: ChunkSender,
  plan: CallPlan,
  planned: PlannedRequest,
  context: CallContext,
): Promise<ChunkAnswer> {
  const answer = await sendChunk(sender, planned, context);
  for (const item of answer.items) item.index = plan.originalIndex[item.index + planned.start];
  return answer;
}

async function sendChunk(
  { dialect, transport, credentials, policy }: ChunkSender,
  planned: PlannedRequest,
  context: CallContext,
): Promise<ChunkAnswer> {
  const { request } = planned;
  // The dialect reads the answer and its contract is checked where it arrives (call.ts), so only
  // the parsed items travel on.
  const outcome = await callWithRetries(transport, credentials, dialect, policy, planned, context, (json) => {
    const answer = dialect.parseResponse(json, request);
    validateAnswerItems(answer?.items, request.documents.length);
    return answer;
  });
  const parsed = outcome.value;
  const notes = [...(parsed.notes ?? [])];
  if (!isSortedByScore(parsed.items)) notes.push(UNSORTED_NOTE);
  if (request.topN !== undefined && parsed.items.length > request.topN) {
    notes.push(overTopNNote(parsed.items.length, request.topN));
  }
  return {
    // The dialect's own fresh objects (ParsedAnswer): sendRequest maps their indices in place.
    items: parsed.items,
    usage: parsed.usage ?? dialect.usageFromHeaders?.(outcome.headers),
    providerId: parsed.providerId,
    model: parsed.model,
    notes,
    attempts: outcome.attempts,
    attemptLatenciesMs: outcome.attemptLatenciesMs,
  };
}
