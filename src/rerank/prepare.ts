/**
 * Request preparation, the first of the client's three steps (prepare → fan-out.ts → merge.ts):
 * the reranker's settings, checked once when it is created, and per call a plan of what to send
 * (non-empty documents, the clamped top_n, Qwen3 formatting, the chunk ranges and the notes so far).
 * Plain data out and no I/O, so a bad setting fails before any connection is opened.
 */
import { ApiError, UsageError } from "../errors.js";
import type { CallPolicy, EncodedRequest } from "./call.js";
import { type ChunkRange, documentBytes, planChunks } from "./chunk.js";
import { type Credentials, resolveCredentials } from "./credentials.js";
import { DEFAULT_TIMEOUTS, type TransportSettings } from "./http.js";
import {
  DEFAULT_MAX_ANSWER_BYTES,
  DEFAULT_RATE_LIMIT_WAIT_MS,
  DEFAULT_TASK_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  formatBytes,
  MAX_ANSWER_BYTES_LIMIT,
} from "./limits.js";
import { filterEmptyDocuments } from "./normalize.js";
import {
  chunkedNote,
  clampedNote,
  emptySkippedNote,
  listwiseMergeNote,
  QWEN3_NOTE,
  RELATIVE_SCORE_KIND_NOTE,
  UNKNOWN_SCORE_KIND_NOTE,
} from "./notes.js";
import { qwen3Document, qwen3Instruction, qwen3Query } from "./qwen3.js";
import { DEFAULT_BASE_BACKOFF_MS, DEFAULT_MAX_BACKOFF_MS, DEFAULT_RETRIES } from "./retry.js";
import type { Dialect, DialectRequest, RerankerConfig, RerankNote, ScoreKind } from "./types.js";

const SCORE_KINDS: ScoreKind[] = ["probability", "logit", "relative", "unknown"];

/** A reranker's configuration after every check, with the dialect's defaults filled in. */
export interface ClientSettings {
  /** The dialect's name, as messages and notes show it. */
  dialect: string;
  model: string;
  endpoint: URL;
  credentials: Credentials;
  policy: CallPolicy;
  transport: TransportSettings;
  /** Provider-specific extras, passed to the dialect as given. */
  options: Record<string, unknown>;
  scoreKind: ScoreKind;
  maxDocs?: number;
  maxBytes?: number;
  /** The Qwen3 instruction, when the Qwen3 format is on. */
  instruction?: string;
  supportsTopN: boolean;
  pointwise: boolean;
}

/**
 * One HTTP request of a call: a contiguous range of the sent documents, its own top_n, the request
 * as the dialect reads its answer against, and its body encoded once (a prepared call is sent again
 * and again by the load sender; serialising ~30 KB per send was a tenth of its CPU).
 */
export interface PlannedRequest extends ChunkRange, EncodedRequest {
  topN?: number;
  request: DialectRequest;
}

export interface CallPlan {
  /** Notes about the call itself (empty documents, clamp, Qwen3, split); merge adds the answers'. */
  notes: RerankNote[];
  /** Clamped to the documents sent; undefined when unset. */
  topN?: number;
  /** The documents as sent: the non-empty ones, Qwen3-formatted when asked. */
  documents: string[];
  /** documents[i] was the caller's documents[originalIndex[i]]. */
  originalIndex: number[];
  /** The request every chunk shares (model, query, options), without documents. */
  base: DialectRequest;
  /** In document order; empty when there is nothing to send. */
  requests: PlannedRequest[];
}

/** Throws a UsageError naming the first bad setting; reads the key from the environment once. */
export function resolveSettings(config: RerankerConfig, dialect: Dialect): ClientSettings {
  // Users name it a provider (--provider); here it is the dialect's name, shown in messages.
  const name = config.provider ?? dialect.name;
  if (typeof config.model !== "string" || config.model.trim() === "") {
    throw new UsageError(`a model name is required for provider ${name} (--model)`);
  }
  const endpoint = parseEndpoint(config.endpoint ?? dialect.defaults.endpoint, name);
  const credentials = resolveCredentials(
    name,
    dialect.defaults,
    config.apiKeyEnv,
    config.env ?? process.env,
    config.apiKeyEnv !== undefined || isPublicEndpoint(endpoint, dialect.defaults.endpoint),
  );
  const timeoutMs = checked(config.timeoutMs, "timeoutMs", 1) ?? DEFAULT_TIMEOUT_MS;
  const policy: CallPolicy = {
    dialect: name,
    origin: endpoint.origin,
    endpoint: endpoint.href,
    retries: checked(config.retries, "retries", 0, true) ?? DEFAULT_RETRIES,
    baseBackoffMs: checked(config.baseBackoffMs, "baseBackoffMs", 0) ?? DEFAULT_BASE_BACKOFF_MS,
    maxBackoffMs: checked(config.maxBackoffMs, "maxBackoffMs", 0) ?? DEFAULT_MAX_BACKOFF_MS,
    timeoutMs,
    taskTimeoutMs: checked(config.taskTimeoutMs, "taskTimeoutMs", 1) ?? DEFAULT_TASK_TIMEOUT_MS,
    rateLimitWaitMs: checked(config.rateLimitWaitMs, "rateLimitWaitMs", 0) ?? DEFAULT_RATE_LIMIT_WAIT_MS,
    maxAnswerBytes:
      checked(config.maxAnswerBytes, "maxAnswerBytes", 1, true, MAX_ANSWER_BYTES_LIMIT) ??
      DEFAULT_MAX_ANSWER_BYTES,
  };
  const options = config.options ?? {};
  if (options.scoreKind !== undefined && !SCORE_KINDS.includes(options.scoreKind as ScoreKind)) {
    throw new UsageError(
      `option scoreKind must be one of ${SCORE_KINDS.join(", ")}, got ${JSON.stringify(options.scoreKind)}`,
    );
  }
  // Integers: a fractional cap would slice documents at fractional offsets and lose their indices.
  const maxDocs =
    checked(config.maxDocsPerRequest, "maxDocsPerRequest", 1, true) ?? dialect.defaults.maxDocsPerRequest;
  const maxBytes =
    checked(config.maxRequestBytes, "maxRequestBytes", 1, true) ?? dialect.defaults.maxRequestBytes;
  // undici's headers and body timeouts are idle timeouts; the attempt deadline (timeoutMs) bounds
  // the whole attempt, so unless set on their own they are that deadline and never fire before it.
  const connections = checked(config.connections, "connections", 1, true);
  const transport = {
    ...(connections !== undefined ? { connections } : {}),
    connectTimeoutMs:
      checked(config.connectTimeoutMs, "connectTimeoutMs", 1) ?? DEFAULT_TIMEOUTS.connectTimeoutMs,
    headersTimeoutMs: checked(config.headersTimeoutMs, "headersTimeoutMs", 1) ?? timeoutMs,
    bodyTimeoutMs: checked(config.bodyTimeoutMs, "bodyTimeoutMs", 1) ?? timeoutMs,
  };
  return {
    dialect: name,
    model: config.model,
    endpoint,
    credentials,
    policy,
    transport,
    options,
    scoreKind:
      (options.scoreKind as ScoreKind | undefined) ?? documentedScoreKind(dialect, config.model, endpoint),
    maxDocs,
    maxBytes,
    instruction: qwen3Instruction(config.qwen3Instruction),
    supportsTopN: dialect.defaults.supportsTopN,
    pointwise: dialect.defaults.pointwise,
  };
}

/**
 * What one rerank() call sends, every request built and encoded; a UsageError for an empty query,
 * non-array documents or a bad top_n. The plan is not changed by sending it: it may be sent again.
 */
export function planCall(
  settings: ClientSettings,
  dialect: Dialect,
  query: string,
  documents: string[],
  askedTopN: number | undefined,
): CallPlan {
  if (typeof query !== "string" || query.trim() === "") throw new UsageError("the query must not be empty");
  if (!Array.isArray(documents)) throw new UsageError("documents must be an array of strings");
  let topN = askedTopN;
  if (topN !== undefined && (!Number.isInteger(topN) || topN < 1)) {
    throw new UsageError(`top_n must be a positive integer, got ${topN}`);
  }
  const { model, options, instruction, maxDocs, maxBytes } = settings;
  const notes: RerankNote[] = [];
  const { kept, originalIndex, skipped } = filterEmptyDocuments(documents);
  if (skipped.length > 0) notes.push(emptySkippedNote(skipped));
  if (kept.length === 0) {
    const base = { model, query, documents: [], options };
    return { notes, topN, documents: kept, originalIndex, base, requests: [] };
  }
  if (topN !== undefined && topN > kept.length) {
    notes.push(clampedNote(topN, kept.length));
    topN = kept.length;
  }

  const sentQuery = instruction ? qwen3Query(query, instruction) : query;
  const sentDocs = instruction ? kept.map(qwen3Document) : kept;
  if (instruction) notes.push(QWEN3_NOTE);

  const base: DialectRequest = { model, query: sentQuery, documents: [], options };
  const fixedBytes = maxBytes ? Buffer.byteLength(JSON.stringify(dialect.buildRequest(base).body)) : 0;
  const ranges = planChunks(sentDocs, { maxDocs, maxBytes, fixedBytes });
  if (maxBytes) refuseOversized(settings.dialect, ranges, sentDocs, originalIndex, maxBytes, fixedBytes);
  if (ranges.length > 1) {
    const caps = [maxDocs && `${maxDocs} documents`, maxBytes && `${maxBytes} bytes`]
      .filter(Boolean)
      .join(" / ");
    notes.push(chunkedNote(ranges.length, caps));
    if (!settings.pointwise) notes.push(listwiseMergeNote(settings.dialect));
    else if (settings.scoreKind === "unknown") notes.push(UNKNOWN_SCORE_KIND_NOTE);
    else if (settings.scoreKind === "relative") notes.push(RELATIVE_SCORE_KIND_NOTE);
  }
  // Pointwise scores: the global top n is inside the union of each chunk's top n.
  const cut = settings.supportsTopN ? topN : undefined;
  const requests = ranges.map(({ start, end }): PlannedRequest => {
    const chunkTopN = cut === undefined ? undefined : Math.min(cut, end - start);
    const request = { ...base, documents: sentDocs.slice(start, end), topN: chunkTopN };
    const built = dialect.buildRequest(request);
    const body = Buffer.from(JSON.stringify(built.body));
    return { start, end, topN: chunkTopN, request, body, headers: built.headers };
  });
  return { notes, topN, documents: sentDocs, originalIndex, base, requests };
}

/**
 * A document that alone makes a request over the byte cap fails its task, naming it; it is neither
 * sent nor truncated. Sent, the provider refuses it (the cap is the provider's, or the user's word
 * for it) after a round trip; truncated, the evaluation would score a document other than the
 * dataset's without anyone deciding so, where a failure shows in the report's errors and the user
 * chooses: shorten the document, or raise --max-request-bytes if the provider takes more.
 * planChunks gives such a document a range of its own, so only single-document ranges are measured.
 */
function refuseOversized(
  dialect: string,
  ranges: readonly ChunkRange[],
  documents: readonly string[],
  originalIndex: readonly number[],
  maxBytes: number,
  fixedBytes: number,
): void {
  for (const { start, end } of ranges) {
    if (end - start !== 1) continue;
    const bytes = fixedBytes + documentBytes(documents[start]);
    if (bytes <= maxBytes) continue;
    throw new ApiError(
      `${dialect}: document ${originalIndex[start]} alone makes a request of ${formatBytes(bytes)}, over the ` +
        `request cap of ${formatBytes(maxBytes)} (--max-request-bytes); not sent: shorten the document, ` +
        "or raise the cap if the provider takes larger requests",
      { kind: "too-large", retryable: false, attempts: 0 },
    );
  }
}

/**
 * A provider documents what its own service returns. Another server speaking the dialect (a proxy,
 * a self-hosted model, `rerank-eval serve`) may return anything, so there the kind is unknown unless
 * the user says (option scoreKind). Dialects with no service of their own (TEI, vLLM, NIM, …) describe
 * the server software, whose documented output holds wherever it runs.
 */
function documentedScoreKind(dialect: Dialect, model: string, endpoint: URL): ScoreKind {
  const { endpoint: service, scoreKind, scoreKindByModel } = dialect.defaults;
  if (service !== undefined && !isPublicEndpoint(endpoint, service)) return "unknown";
  return scoreKindByModel?.find((k) => k.model.test(model))?.scoreKind ?? scoreKind;
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
function checked(
  value: number | undefined,
  name: string,
  min: number,
  integer = false,
  max = Number.POSITIVE_INFINITY,
): number | undefined {
  if (value === undefined) return undefined;
  const ok = typeof value === "number" && Number.isFinite(value) && value >= min && value <= max;
  if (ok && (!integer || Number.isInteger(value))) return value;
  const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `between ${min} and ${max}`;
  throw new UsageError(`${name} must be ${integer ? "an integer" : "a number"} ${range}, got ${value}`);
}
