/**
 * The rerank client over one dialect: filtering, top_n handling, Qwen3 formatting, chunking,
 * validation, merging and the deterministic sort (api-dialects.md §18). `createReranker` in
 * client.ts picks the dialect by name; this file takes the dialect object so it does not depend on
 * the provider registry.
 */
import pLimit from "p-limit";
import { ApiError, UsageError } from "../errors.js";
import { linkAbort } from "./abort.js";
import { type CallPolicy, callWithRetries } from "./call.js";
import { type ChunkRange, planChunks } from "./chunk.js";
import { resolveCredentials } from "./credentials.js";
import { DEFAULT_TIMEOUTS, HttpTransport } from "./http.js";
import { addUsage, filterEmptyDocuments, isSortedByScore, plural, sortItems } from "./normalize.js";
import {
  addNote,
  chunkedNote,
  clampedNote,
  emptySkippedNote,
  listwiseMergeNote,
  overTopNNote,
  partialAnswerNote,
  QWEN3_NOTE,
  topNClientSideNote,
  UNKNOWN_SCORE_KIND_NOTE,
  UNSORTED_NOTE,
} from "./notes.js";
import { qwen3Document, qwen3Instruction, qwen3Query } from "./qwen3.js";
import { DEFAULT_BASE_BACKOFF_MS, DEFAULT_MAX_BACKOFF_MS, DEFAULT_RETRIES } from "./retry.js";
import type {
  Dialect,
  DialectRequest,
  Reranker,
  RerankerConfig,
  RerankItem,
  RerankNote,
  RerankOptions,
  RerankResult,
  RerankUsage,
  ScoreKind,
} from "./types.js";
import { validateAnswerItems } from "./validate.js";

/** Chunks of one call in flight at once: enough to hide latency, few enough not to trip rate limits. */
const CHUNK_CONCURRENCY = 4;
const SCORE_KINDS: ScoreKind[] = ["probability", "logit", "unknown"];

interface ChunkAnswer {
  items: RerankItem[];
  usage?: RerankUsage;
  providerId?: string;
  model?: string;
  notes: RerankNote[];
  attempts: number;
  attemptLatenciesMs: number[];
}

export function createRerankerForDialect(config: RerankerConfig, dialect: Dialect): Reranker {
  const provider = config.provider ?? dialect.name;
  if (typeof config.model !== "string" || config.model.trim() === "") {
    throw new UsageError(`a model name is required for provider ${provider} (--model)`);
  }
  const endpoint = parseEndpoint(config.endpoint ?? dialect.defaults.endpoint, provider);
  const credentials = resolveCredentials(
    provider,
    dialect.defaults,
    config.apiKeyEnv,
    config.env ?? process.env,
    config.apiKeyEnv !== undefined || isPublicEndpoint(endpoint, dialect.defaults.endpoint),
  );
  const policy: CallPolicy = {
    provider,
    origin: endpoint.origin,
    retries: checked(config.retries, "retries", 0, true) ?? DEFAULT_RETRIES,
    baseBackoffMs: checked(config.baseBackoffMs, "baseBackoffMs", 0) ?? DEFAULT_BASE_BACKOFF_MS,
    maxBackoffMs: checked(config.maxBackoffMs, "maxBackoffMs", 0) ?? DEFAULT_MAX_BACKOFF_MS,
  };
  const options = config.options ?? {};
  if (options.scoreKind !== undefined && !SCORE_KINDS.includes(options.scoreKind as ScoreKind)) {
    throw new UsageError(
      `option scoreKind must be one of ${SCORE_KINDS.join(", ")}, got ${JSON.stringify(options.scoreKind)}`,
    );
  }
  const scoreKind = (options.scoreKind as ScoreKind | undefined) ?? dialect.defaults.scoreKind;
  // Integers: a fractional cap would slice documents at fractional offsets and lose their indices.
  const maxDocs =
    checked(config.maxDocsPerRequest, "maxDocsPerRequest", 1, true) ?? dialect.defaults.maxDocsPerRequest;
  const maxBytes =
    checked(config.maxRequestBytes, "maxRequestBytes", 1, true) ?? dialect.defaults.maxRequestBytes;
  const timeouts = {
    connectTimeoutMs:
      checked(config.connectTimeoutMs, "connectTimeoutMs", 1) ?? DEFAULT_TIMEOUTS.connectTimeoutMs,
    headersTimeoutMs:
      checked(config.headersTimeoutMs, "headersTimeoutMs", 1) ?? DEFAULT_TIMEOUTS.headersTimeoutMs,
    bodyTimeoutMs: checked(config.bodyTimeoutMs, "bodyTimeoutMs", 1) ?? DEFAULT_TIMEOUTS.bodyTimeoutMs,
  };
  const instruction = qwen3Instruction(config.qwen3Instruction);
  // Last, once every setting is known good: a transport holds a share of a process-wide pool.
  const transport = new HttpTransport(endpoint, timeouts);
  const { supportsTopN, pointwise } = dialect.defaults;

  async function sendChunk(request: DialectRequest, signal: AbortSignal | undefined): Promise<ChunkAnswer> {
    const built = dialect.buildRequest(request);
    const outcome = await callWithRetries(transport, credentials, dialect, policy, built, signal);
    let parsed: ReturnType<Dialect["parseResponse"]>;
    try {
      parsed = dialect.parseResponse(outcome.json, request);
      validateAnswerItems(parsed?.items, request.documents.length);
    } catch (err) {
      // A generic option that is not a field path is the user's to fix (exit 2), not the answer's.
      if (err instanceof UsageError) throw err;
      // Dialects throw malformed(); anything else thrown while reading the answer is a parser
      // surprise, still the answer's fault: both become one line naming the provider and attempts.
      const known = err instanceof ApiError ? err : undefined;
      const problem = known?.message ?? `answer malformed: ${(err as Error)?.message ?? String(err)}`;
      throw new ApiError(`${provider} ${problem} (after ${plural(outcome.attempts, "attempt")})`, {
        kind: "malformed",
        retryable: false,
        field: known?.field,
        attempts: outcome.attempts,
        attemptLatenciesMs: outcome.attemptLatenciesMs,
      });
    }
    const notes = [...(parsed.notes ?? [])];
    if (!isSortedByScore(parsed.items)) notes.push(UNSORTED_NOTE);
    if (request.topN !== undefined && parsed.items.length > request.topN) {
      notes.push(overTopNNote(parsed.items.length, request.topN));
    }
    return {
      items: parsed.items.map(({ index, score }) => ({ index, score })),
      usage: parsed.usage ?? dialect.usageFromHeaders?.(outcome.headers),
      providerId: parsed.providerId,
      model: parsed.model,
      notes,
      attempts: outcome.attempts,
      attemptLatenciesMs: outcome.attemptLatenciesMs,
    };
  }

  async function rerank(query: string, documents: string[], opts: RerankOptions = {}): Promise<RerankResult> {
    const started = performance.now();
    if (typeof query !== "string" || query.trim() === "") throw new UsageError("the query must not be empty");
    if (!Array.isArray(documents)) throw new UsageError("documents must be an array of strings");
    let topN = opts.topN;
    if (topN !== undefined && (!Number.isInteger(topN) || topN < 1)) {
      throw new UsageError(`top_n must be a positive integer, got ${topN}`);
    }
    const notes: RerankNote[] = [];
    const { kept, originalIndex, skipped } = filterEmptyDocuments(documents);
    if (skipped.length > 0) notes.push(emptySkippedNote(skipped));
    if (kept.length === 0) {
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
    if (topN !== undefined && topN > kept.length) {
      notes.push(clampedNote(topN, kept.length));
      topN = kept.length;
    }

    const sentQuery = instruction ? qwen3Query(query, instruction) : query;
    const sentDocs = instruction ? kept.map(qwen3Document) : kept;
    if (instruction) notes.push(QWEN3_NOTE);

    const base: DialectRequest = { model: config.model, query: sentQuery, documents: [], options };
    const fixedBytes = maxBytes ? Buffer.byteLength(JSON.stringify(dialect.buildRequest(base).body)) : 0;
    const ranges = planChunks(sentDocs, { maxDocs, maxBytes, fixedBytes });
    if (ranges.length > 1) {
      const caps = [maxDocs && `${maxDocs} documents`, maxBytes && `${maxBytes} bytes`]
        .filter(Boolean)
        .join(" / ");
      notes.push(chunkedNote(ranges.length, caps));
      if (!pointwise) notes.push(listwiseMergeNote(provider));
      else if (scoreKind === "unknown") notes.push(UNKNOWN_SCORE_KIND_NOTE);
    }

    const sendRange = async (range: ChunkRange, signal: AbortSignal | undefined) => {
      const docs = sentDocs.slice(range.start, range.end);
      // Pointwise scores: the global top n is inside the union of each chunk's top n.
      const chunkTopN = supportsTopN && topN !== undefined ? Math.min(topN, docs.length) : undefined;
      const answer = await sendChunk({ ...base, documents: docs, topN: chunkTopN }, signal);
      for (const item of answer.items) item.index = originalIndex[item.index + range.start];
      return answer;
    };
    let answers: ChunkAnswer[];
    if (ranges.length === 1 && opts.signal === undefined) {
      // The common case (a run's query in one request, no caller signal): no sibling to stop and no
      // signal to follow, so no controller, limiter or abort listener per call; at 1,000 calls/s
      // they were a tenth of the client's CPU.
      answers = [await sendRange(ranges[0], undefined)];
    } else {
      // One failed chunk fails the call; stop its siblings instead of letting them run on.
      const controller = new AbortController();
      const unlink = linkAbort(opts.signal, controller);
      const limit = ranges.length > CHUNK_CONCURRENCY ? pLimit(CHUNK_CONCURRENCY) : undefined;
      const send = (range: ChunkRange) => sendRange(range, controller.signal);
      try {
        answers = await Promise.all(ranges.map((range) => (limit ? limit(send, range) : send(range))));
      } catch (err) {
        controller.abort();
        throw err;
      } finally {
        unlink();
      }
    }

    const items = sortItems(answers.flatMap((a) => a.items));
    let usage: RerankUsage | undefined;
    for (const answer of answers) {
      usage = addUsage(usage, answer.usage);
      for (const note of answer.notes) addNote(notes, note);
    }
    if (topN !== undefined && items.length > topN) {
      if (!supportsTopN) notes.push(topNClientSideNote(topN, provider));
      items.length = topN;
    } else if (topN === undefined && items.length < kept.length) {
      notes.push(partialAnswerNote(items.length, kept.length));
    }
    return {
      items,
      scoreKind,
      usage,
      providerId: answers[0].providerId,
      model: answers[0].model,
      notes,
      attemptLatenciesMs: answers.flatMap((a) => a.attemptLatenciesMs),
      attempts: answers.reduce((sum, a) => sum + a.attempts, 0),
      latencyMs: performance.now() - started,
      requests: answers.length,
    };
  }

  return {
    provider,
    model: config.model,
    endpoint: endpoint.href,
    rerank,
    close: () => transport.close(),
  };
}

/** The provider's own service (its default endpoint's origin), where a key is always needed. */
function isPublicEndpoint(endpoint: URL, publicEndpoint: string | undefined): boolean {
  return publicEndpoint !== undefined && new URL(publicEndpoint).origin === endpoint.origin;
}

function parseEndpoint(endpoint: string | undefined, provider: string): URL {
  if (!endpoint) throw new UsageError(`provider ${provider} has no public endpoint: give --endpoint`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint '${endpoint}' is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--endpoint must be http(s), got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new UsageError("--endpoint must not carry credentials; put the key in an environment variable");
  }
  return url;
}

/** A numeric setting, undefined when unset; a UsageError naming it when out of range or not a number. */
function checked(value: number | undefined, name: string, min: number, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const ok = typeof value === "number" && Number.isFinite(value) && value >= min;
  if (ok && (!integer || Number.isInteger(value))) return value;
  throw new UsageError(`${name} must be ${integer ? "an integer" : "a number"} >= ${min}, got ${value}`);
}
