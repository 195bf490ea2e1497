/**
 * The rerank client over one dialect (api-dialects.md §18), in three steps with plain data between
 * them: prepare.ts checks the settings once and plans each call (filtering, top_n, Qwen3 format,
 * chunks), fan-out.ts sends the planned requests, merge.ts makes one sorted result of their answers.
 * `createReranker` in client.ts picks the dialect by name; this file takes the dialect object so it
 * does not depend on the provider registry.
 */

import { UsageError } from "../errors.js";
import { type ChunkSender, sendPlan } from "./fan-out.js";
import { HttpTransport } from "./http.js";
import { mergeAnswers } from "./merge.js";
import { type CallPlan, planCall, resolveSettings } from "./prepare.js";
import type {
  Dialect,
  PreparedCall,
  Reranker,
  RerankerConfig,
  RerankOptions,
  RerankResult,
} from "./types.js";

export function createRerankerForDialect(config: RerankerConfig, dialect: Dialect): Reranker {
  const settings = resolveSettings(config, dialect);
  // Last, once every setting is known good: a transport holds a share of a process-wide pool.
  const transport = new HttpTransport(settings.endpoint, settings.transport);
  const { credentials, policy } = settings;
  const sender: ChunkSender = { dialect, transport, credentials, policy };
  /** The plans of the calls this reranker prepared; a call from elsewhere has none. */
  const plans = new WeakMap<PreparedCall, CallPlan>();

  function prepare(query: string, documents: string[], topN?: number): PreparedCall {
    const plan = planCall(settings, dialect, query, documents, topN);
    const call: PreparedCall = Object.freeze({ query, documents: Object.freeze([...documents]), topN });
    plans.set(call, plan);
    return call;
  }

  async function sendPlanned(plan: CallPlan, opts: RerankOptions, started: number): Promise<RerankResult> {
    const answers = await sendPlan(sender, plan, {
      signal: opts.signal,
      deadlineAt: started + policy.taskTimeoutMs,
      onRateLimited: opts.onRateLimited,
    });
    return mergeAnswers(plan, answers, settings, started);
  }

  async function rerank(query: string, documents: string[], opts: RerankOptions = {}): Promise<RerankResult> {
    const started = performance.now();
    return sendPlanned(planCall(settings, dialect, query, documents, opts.topN), opts, started);
  }

  async function send(call: PreparedCall, opts: RerankOptions = {}): Promise<RerankResult> {
    const started = performance.now();
    const plan = plans.get(call);
    if (plan === undefined) throw new UsageError("send(): the call was not prepared by this reranker");
    return sendPlanned(plan, opts, started);
  }

  return {
    provider: settings.dialect,
    model: settings.model,
    endpoint: settings.endpoint.href,
    apiKeyEnv: credentials.variable,
    rerank,
    prepare,
    send,
    close: () => transport.close(),
  };
}
