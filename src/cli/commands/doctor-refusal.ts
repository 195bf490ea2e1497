/**
 * Why an endpoint refused doctor's first call, added to the one line the user reads. On a 401:
 * whether a key went out, and from which variable. On a 400/404/422, which usually means the
 * request was in another dialect than the endpoint speaks: which dialect it does answer, found by
 * sending every other dialect's request to the same URL once, with a short timeout.
 */
import { ApiError } from "../../errors.js";
import { createReranker } from "../../rerank/client.js";
import { printableVariable } from "../../rerank/credentials.js";
import { dialects, getDialect } from "../../rerank/dialects/index.js";
import type { Reranker } from "../../rerank/types.js";

/** Statuses a request in the wrong dialect gets: missing or unknown fields, or a route it lacks. */
const MISMATCH_STATUSES = new Set([400, 404, 422]);
/** Per probe request; a server that speaks the dialect answers the four-document probe well within it. */
const PROBE_TIMEOUT_MS = 3000;

/** `err` with the explanation appended, or `err` itself when there is nothing to add. */
export async function explainRefusal(
  err: ApiError,
  reranker: Reranker,
  query: string,
  documents: readonly string[],
): Promise<ApiError> {
  let why: string | undefined;
  if (err.kind !== "http" || err.status === undefined) return err;
  if (err.status === 401) why = keyStory(reranker);
  else if (MISMATCH_STATUSES.has(err.status)) why = await dialectStory(reranker, query, documents);
  if (why === undefined) return err;
  return new ApiError(`${err.message}; ${why}`, {
    kind: err.kind,
    status: err.status,
    retryable: err.retryable,
    attempts: err.attempts,
    providerMessage: err.providerMessage,
    field: err.field,
    attemptLatenciesMs: err.attemptLatenciesMs,
  });
}

function keyStory(reranker: Reranker): string {
  if (reranker.apiKeyEnv !== undefined) {
    const name = printableVariable(reranker.apiKeyEnv);
    return name
      ? `a key was sent from ${name} and refused`
      : "a key was sent (from the variable --api-key-env names) and refused";
  }
  // A variable the user named and left unset stops the command before any call, so here the
  // conventional variable was read, if the dialect has one.
  const conventional = getDialect(reranker.provider).defaults.apiKeyEnv;
  return conventional
    ? `no key was sent: ${conventional} is not set (or name the variable holding it with --api-key-env)`
    : `no key was sent: ${reranker.provider} has no conventional key variable; name the one holding the key with --api-key-env`;
}

async function dialectStory(
  reranker: Reranker,
  query: string,
  documents: readonly string[],
): Promise<string> {
  // generic needs the user's field paths to build any request at all.
  const names = Object.keys(dialects).filter((n) => n !== reranker.provider && n !== "generic");
  const answered: string[] = [];
  await Promise.all(
    names.map(async (name) => {
      if (await answers(name, reranker, query, documents)) answered.push(name);
    }),
  );
  if (answered.length === 0)
    return "no other dialect's request was answered either (one each): check the route and the model name";
  // In registry order, led by a dialect whose service uses this very route (/v2/rerank: cohere).
  answered.sort((a, b) => names.indexOf(a) - names.indexOf(b));
  const path = new URL(reranker.endpoint).pathname;
  const primary =
    answered.find((n) => {
      const service = dialects[n].defaults.endpoint;
      return service !== undefined && new URL(service).pathname === path;
    }) ?? answered[0];
  const others = answered.filter((n) => n !== primary);
  return (
    `this endpoint speaks ${primary}: --provider ${primary}` +
    (others.length > 0 ? ` (also answered: ${others.join(", ")})` : "")
  );
}

/** One request in dialect `name` to the same URL and model; true when it got a well-formed answer. */
async function answers(
  name: string,
  reranker: Reranker,
  query: string,
  documents: readonly string[],
): Promise<boolean> {
  // Only the key the first call sent goes along, and only to this URL: another dialect's
  // conventional variable (a Cohere key in the user's shell) has no business here.
  const variable = reranker.apiKeyEnv;
  let probe: Reranker;
  try {
    probe = createReranker({
      provider: name,
      endpoint: reranker.endpoint,
      model: reranker.model,
      apiKeyEnv: variable,
      env: variable === undefined ? {} : { [variable]: process.env[variable] },
      retries: 0,
      timeoutMs: PROBE_TIMEOUT_MS,
      connectTimeoutMs: PROBE_TIMEOUT_MS,
      headersTimeoutMs: PROBE_TIMEOUT_MS,
      bodyTimeoutMs: PROBE_TIMEOUT_MS,
    });
  } catch {
    return false; // a setting this dialect refuses (a public service's key): not a candidate
  }
  try {
    await probe.rerank(query, [...documents]);
    return true;
  } catch {
    return false;
  } finally {
    await probe.close();
  }
}
