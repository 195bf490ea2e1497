import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { ApiError, GateFailed } from "../../errors.js";
import { summarizeLatency } from "../../metrics/latency.js";
import { getDialect } from "../../rerank/dialects/index.js";
import { KNOWN_ANSWER } from "../../rerank/known-answer.js";
import type { Reranker, RerankResult } from "../../rerank/types.js";
import { explainRefusal } from "./doctor-refusal.js";
import { type ClientArgs, clientOptions, numberFlag, withReranker } from "./rerank.js";

/**
 * `rerank-eval doctor`: a conformance probe for a live endpoint. A reranker can answer 200 with a
 * well-formed but meaningless ranking (a Qwen3 model served without its template does exactly that),
 * so the probe checks behaviour, not only the wire format.
 */

type Status = "PASS" | "WARN" | "FAIL" | "SKIP";
interface Check {
  name: string;
  status: Status;
  detail: string;
}

interface DoctorArgs extends ClientArgs {
  latencyCalls: number;
  json?: boolean;
}

const { query, documents, expectedFirst } = KNOWN_ANSWER;
/** New position j holds original document SHUFFLE[j]: the right answer moves from 2 to 3. */
const SHUFFLE = [1, 3, 0, 2];
const SCORE_TOLERANCE = 1e-6;

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: "doctor",
  describe:
    "probe a rerank endpoint: known answer, answer contract, top_n, order invariance, determinism, latency",
  builder: (y: Argv) =>
    clientOptions(y)
      .option("latency-calls", {
        type: "number",
        default: 5,
        describe: "small calls timed for the latency row",
      })
      .option("json", { type: "boolean", describe: "print the checks as JSON" })
      .example(
        "$0 doctor --model Qwen3-Reranker-4B --qwen3",
        "probe regolo with the Qwen3 template",
      ) as unknown as Argv<DoctorArgs>,
  handler: async (args: ArgumentsCamelCase<DoctorArgs>) => {
    const latencyCalls = numberFlag(args.latencyCalls, "--latency-calls", { min: 1, integer: true }) ?? 5;
    await withReranker(args, {}, async (reranker) => {
      const checks = await probe(reranker, { ...args, latencyCalls });
      const failed = checks.some((c) => c.status === "FAIL");
      process.stdout.write(
        args.json
          ? `${JSON.stringify({ provider: reranker.provider, model: reranker.model, passed: !failed, checks })}\n`
          : render(checks, reranker, args.endpoint === "embedded"),
      );
      // main.ts maps GateFailed to exit 1 and prints this summary as its one line on stderr.
      if (failed) throw new GateFailed(summary(checks));
    });
  },
};

async function probe(reranker: Reranker, args: DoctorArgs): Promise<Check[]> {
  const docs = [...documents];
  let first: RerankResult;
  try {
    first = await reranker.rerank(query, docs);
  } catch (err) {
    // Unreachable or refusing endpoints cannot be probed at all: exit 3 via the CLI's ApiError
    // mapping, with what doctor can find out about a refusal (the key, the dialect) in the message.
    if (err instanceof ApiError && err.kind === "http")
      throw await explainRefusal(err, reranker, query, docs);
    if (!(err instanceof ApiError) || err.kind !== "malformed") throw err;
    return [
      { name: "answer contract", status: "FAIL", detail: err.message },
      ...["known answer", "top_n honoured", "score range", "order invariance", "determinism", "latency"].map(
        (name): Check => ({ name, status: "SKIP", detail: "no valid answer to check" }),
      ),
    ];
  }
  const dialect = getDialect(reranker.provider);
  const checks: Check[] = [knownAnswer(first, args), contract(first, dialect.name)];
  checks.push(await guarded("top_n honoured", () => topNHonoured(reranker, dialect.defaults.supportsTopN)));
  checks.push(scoreRange(first));
  checks.push(await guarded("order invariance", () => orderInvariance(reranker, first)));
  const latencies = [first.latencyMs];
  checks.push(
    await guarded("determinism", async () => {
      const again = await reranker.rerank(query, docs);
      latencies.push(again.latencyMs);
      return determinism(first, again);
    }),
  );
  checks.push(
    await guarded("latency", async () => {
      while (latencies.length < args.latencyCalls)
        latencies.push((await reranker.rerank(query, docs)).latencyMs);
      // The report's percentile rule (metrics.md), so doctor's p50 and a run's agree on the same samples.
      const { p50, max, count } = summarizeLatency(latencies);
      return pass(
        `p50 ${p50.toFixed(1)} ms over ${count} calls of ${docs.length} documents (max ${max.toFixed(1)} ms)`,
      );
    }),
  );
  return checks;
}

function pass(detail: string): Omit<Check, "name"> {
  return { status: "PASS", detail };
}
function fail(detail: string): Omit<Check, "name"> {
  return { status: "FAIL", detail };
}

async function guarded(name: string, run: () => Promise<Omit<Check, "name">>): Promise<Check> {
  try {
    return { name, ...(await run()) };
  } catch (err) {
    return { name, status: "FAIL", detail: err instanceof Error ? err.message : String(err) };
  }
}

function knownAnswer(result: RerankResult, args: DoctorArgs): Check {
  const top = result.items[0];
  const name = "known answer";
  if (top?.index === expectedFirst) {
    return { name, ...pass(`"${short(documents[expectedFirst])}" ranked first (score ${top.score})`) };
  }
  const rank = result.items.findIndex((i) => i.index === expectedFirst) + 1;
  // Even BM25 gets this example right, so a miss means the ranking ignores the query: typically a
  // Qwen3 reranker scored without its instruction template.
  const hint =
    args.qwen3 || args.qwen3Instruction
      ? ""
      : " (the ranking ignores the query, as a Qwen3 reranker served without its template does; for Qwen3 try --qwen3)";
  return {
    name,
    ...fail(
      `"${short(documents[top?.index ?? 0])}" ranked first, the right answer at rank ${rank || "none"}${hint}`,
    ),
  };
}

function contract(result: RerankResult, dialectName: string): Check {
  const name = "answer contract";
  const problems: string[] = [];
  if (result.items.length !== documents.length) {
    problems.push(`${result.items.length} of ${documents.length} documents ranked without top_n`);
  }
  const unsorted = result.notes.some((n) => n.code === "unsorted");
  // vLLM /score documents its answers in input order; anything else claims to sort.
  if (unsorted && dialectName !== "vllm-score") problems.push("answer not sorted by score");
  if (problems.length) return { name, ...fail(problems.join("; ")) };
  return { name, ...pass("indices integer, in range, unique; scores finite; sorted; every document ranked") };
}

async function topNHonoured(reranker: Reranker, supportsTopN: boolean): Promise<Omit<Check, "name">> {
  const result = await reranker.rerank(query, [...documents], { topN: 2 });
  const overDelivered = result.notes.find((n) => n.code === "over-top-n");
  if (!supportsTopN) return pass(`${reranker.provider} has no top_n; the client cuts to 2`);
  if (overDelivered) return fail(overDelivered.detail);
  if (result.items.length > 2) return fail(`${result.items.length} items for top_n 2`);
  return pass(`asked top_n 2, got ${result.items.length}`);
}

function scoreRange(result: RerankResult): Check {
  const scores = result.items.map((i) => i.score);
  const range = `[${Math.min(...scores)}, ${Math.max(...scores)}]`;
  const name = "score range";
  if (result.scoreKind === "probability" && scores.some((s) => s < 0 || s > 1)) {
    // A warning, not a failure: rankings are still sound, but such scores are not probabilities and
    // must not be merged with, or compared against, a probability-scored endpoint.
    return {
      name,
      status: "WARN",
      detail: `scores ${range} outside [0, 1] for a probability-scored dialect`,
    };
  }
  if (result.scoreKind === "unknown")
    return {
      name,
      ...pass(`scores in ${range}; kind unknown (not documented for this endpoint), so no range to check`),
    };
  if (result.scoreKind === "relative")
    return {
      name,
      ...pass(`relative scores in ${range}; they only order one call's documents, so no range to check`),
    };
  return { name, ...pass(`${result.scoreKind} scores in ${range}`) };
}

async function orderInvariance(reranker: Reranker, first: RerankResult): Promise<Omit<Check, "name">> {
  const shuffled = SHUFFLE.map((i) => documents[i]);
  const result = await reranker.rerank(query, shuffled);
  const before = new Map(first.items.map((i) => [i.index, i.score]));
  const after = new Map(result.items.map((i) => [SHUFFLE[i.index], i.score]));
  // Same ranking up to ties: no pair of documents may be strictly ordered one way before and the other way after.
  for (let a = 0; a < documents.length; a++) {
    for (let b = 0; b < documents.length; b++) {
      const x = (before.get(a) ?? Number.NEGATIVE_INFINITY) - (before.get(b) ?? Number.NEGATIVE_INFINITY);
      const y = (after.get(a) ?? Number.NEGATIVE_INFINITY) - (after.get(b) ?? Number.NEGATIVE_INFINITY);
      if (x > SCORE_TOLERANCE && y < -SCORE_TOLERANCE) {
        return fail(
          `shuffled candidates change the ranking: "${short(documents[a])}" and "${short(documents[b])}" swap`,
        );
      }
    }
  }
  return pass("shuffled candidates give the same ranking of texts");
}

function determinism(first: RerankResult, again: RerankResult): Omit<Check, "name"> {
  const before = new Map(first.items.map((i) => [i.index, i.score]));
  let worst = 0;
  for (const item of again.items) {
    const previous = before.get(item.index);
    if (previous === undefined) return fail(`document ${item.index} ranked only on the repeat`);
    worst = Math.max(worst, Math.abs(previous - item.score));
  }
  if (again.items.length !== first.items.length)
    return fail("the repeat ranked a different number of documents");
  if (worst > SCORE_TOLERANCE) return fail(`a repeat changed scores by up to ${worst.toExponential(2)}`);
  return pass(`a repeat gives the same scores (max difference ${worst.toExponential(1)})`);
}

function short(text: string, width = 40): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function render(checks: Check[], reranker: Reranker, embedded: boolean): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const url = new URL(reranker.endpoint);
  // The route matters as much as the host (a wrong one is a common mistake); the query may hold a token.
  const where = `${url.origin}${url.pathname}${url.search ? "?…" : ""}${embedded ? " (embedded server)" : ""}`;
  const lines = [
    `rerank-eval doctor: ${reranker.provider} ${where} model ${reranker.model}`,
    "",
    `${"check".padEnd(width)}  result  detail`,
    ...checks.map((c) => `${c.name.padEnd(width)}  ${c.status.padEnd(6)}  ${c.detail}`),
    "",
  ];
  lines.push(summary(checks));
  return `${lines.join("\n")}\n`;
}

/** "7 checks: 5 passed, 2 failed": the table's last line, and the message of a failed doctor. */
function summary(checks: Check[]): string {
  const count = (s: Status) => checks.filter((c) => c.status === s).length;
  return (
    `${checks.length} checks: ${count("PASS")} passed, ${count("FAIL")} failed` +
    `${count("WARN") ? `, ${count("WARN")} warned` : ""}${count("SKIP") ? `, ${count("SKIP")} skipped` : ""}`
  );
}
