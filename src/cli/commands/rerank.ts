import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError, UsageError } from "../../errors.js";
import { createReranker, DEFAULT_PROVIDER } from "../../rerank/client.js";
import { NAME_NOT_KEY, plainHttpKeyWarning } from "../../rerank/credentials.js";
import { dialects } from "../../rerank/dialects/index.js";
import { MAX_ANSWER_BYTES_LIMIT } from "../../rerank/limits.js";
import type { Reranker, RerankerConfig, RerankResult, ScoreKind } from "../../rerank/types.js";
import { readLines } from "../../trec/index.js";

/** Options shared by `rerank` and `doctor`: which endpoint, which key variable, how patient. */
export interface ClientArgs {
  provider: string;
  endpoint?: string;
  model: string;
  apiKeyEnv?: string;
  retries?: number;
  timeoutMs?: number;
  taskTimeoutMs?: number;
  rateLimitWaitMs?: number;
  maxAnswerBytes?: number;
  qwen3?: boolean;
  qwen3Instruction?: string;
  option?: string[];
}

interface RerankArgs extends ClientArgs {
  query: string;
  doc?: string[];
  docsFile?: string;
  topN?: number;
  maxDocsPerRequest?: number;
  maxRequestBytes?: number;
  json?: boolean;
}

export function clientOptions<T>(y: Argv<T>): Argv<T & ClientArgs> {
  return y
    .option("provider", {
      type: "string",
      default: "regolo",
      describe: `API dialect: ${Object.keys(dialects).join(", ")}`,
    })
    .option("endpoint", {
      type: "string",
      describe:
        "full URL of the rerank route (default: the provider's), or 'embedded' (the reference server in-process; regolo or cohere)",
    })
    .option("model", { type: "string", demandOption: true, describe: "model name sent to the API" })
    .option("api-key-env", {
      type: "string",
      describe: "NAME of the environment variable holding the key (e.g. COHERE_API_KEY), not the key",
    })
    .option("retries", {
      type: "number",
      describe: "retries after a 5xx or network failure (default 3; 0 disables; 429s: --rate-limit-wait-ms)",
    })
    .option("timeout-ms", {
      type: "number",
      describe: "deadline of each attempt: connect, headers and the whole body, ms (default 60000)",
    })
    .option("task-timeout-ms", {
      type: "number",
      describe: "deadline of the whole call across retries and waits, ms (default 600000)",
    })
    .option("rate-limit-wait-ms", {
      type: "number",
      describe:
        "time a request may spend waiting out 429s (Retry-After up to 120 s each), ms (default 300000)",
    })
    .option("max-answer-bytes", {
      type: "number",
      describe: "largest answer read; a larger one fails the call, bytes (default 67108864, 64 MiB)",
    })
    .option("qwen3", {
      type: "boolean",
      describe: "wrap query and documents in Qwen3 reranker instruction tags",
    })
    .option("qwen3-instruction", {
      type: "string",
      describe: "custom Qwen3 instruction (implies --qwen3)",
    })
    .option("option", {
      type: "string",
      array: true,
      describe:
        "provider option key=value, value read as JSON when it parses (generic: resultsPath=output.ranking, modelField=null; pinecone: pineconeApiVersion=2025-10; truncate=END)",
    }) as Argv<T & ClientArgs>;
}

export function rerankerConfig(args: ClientArgs): RerankerConfig {
  const timeout = numberFlag(args.timeoutMs, "--timeout-ms", { above: 0 });
  // Named as typed; the library's own check would say "apiKeyEnv (--api-key-env)".
  if (args.apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(args.apiKeyEnv))
    throw new UsageError(`--api-key-env ${NAME_NOT_KEY}`);
  return {
    provider: args.provider,
    endpoint: args.endpoint,
    model: args.model,
    apiKeyEnv: args.apiKeyEnv,
    retries: numberFlag(args.retries, "--retries", { min: 0, integer: true }),
    timeoutMs: timeout,
    taskTimeoutMs: numberFlag(args.taskTimeoutMs, "--task-timeout-ms", { above: 0 }),
    rateLimitWaitMs: numberFlag(args.rateLimitWaitMs, "--rate-limit-wait-ms", { min: 0 }),
    maxAnswerBytes: numberFlag(args.maxAnswerBytes, "--max-answer-bytes", {
      min: 1,
      max: MAX_ANSWER_BYTES_LIMIT,
      integer: true,
    }),
    qwen3Instruction: args.qwen3Instruction ?? args.qwen3,
    options: providerOptions(args.option),
  };
}

/** The --endpoint value that starts the reference server in-process (server/embedded.ts's EMBEDDED). */
const EMBEDDED = "embedded";

/**
 * The reranker the flags describe, handed to `use` and closed after it. `--endpoint embedded` first
 * starts the reference server in-process, as run does (loaded only then: the client path never
 * depends on the server), and closes it after the reranker.
 */
export async function withReranker<T>(
  args: ClientArgs,
  extra: Partial<RerankerConfig>,
  use: (reranker: Reranker) => Promise<T>,
): Promise<T> {
  const config: RerankerConfig = { ...rerankerConfig(args), ...extra };
  if (args.endpoint !== EMBEDDED) return useAndClose(warnedOf(createReranker(config)), use);
  const { startEmbeddedServer } = await import("../../server/embedded.js");
  const provider = config.provider ?? DEFAULT_PROVIDER;
  const server = await startEmbeddedServer([{ provider, model: config.model }]);
  try {
    const embedded = server.clientSettings(provider);
    const reranker = createReranker({
      ...config,
      endpoint: embedded.endpoint,
      // A variable the user named is still read; otherwise no key is sent to the local server.
      ...(config.apiKeyEnv === undefined ? { env: embedded.env } : {}),
      options: { ...embedded.options, ...config.options },
    });
    return await useAndClose(reranker, use);
  } finally {
    await server.close();
  }
}

/** Endpoints already warned about in this process: each warning is printed once. */
const warned = new Set<string>();

/** Prints, on stderr and once per endpoint, the warning for a key sent over plain http. */
function warnedOf(reranker: Reranker): Reranker {
  const warning = plainHttpKeyWarning(reranker.endpoint, reranker.apiKeyEnv !== undefined);
  if (warning !== undefined && !warned.has(reranker.endpoint)) {
    warned.add(reranker.endpoint);
    process.stderr.write(`${warning}\n`);
  }
  return reranker;
}

async function useAndClose<T>(reranker: Reranker, use: (reranker: Reranker) => Promise<T>): Promise<T> {
  try {
    return await use(reranker);
  } finally {
    await reranker.close();
  }
}

/** `--option key=value` pairs; `null`, numbers, booleans and JSON objects keep their JSON type. */
function providerOptions(pairs: string[] | undefined): Record<string, unknown> | undefined {
  if (pairs === undefined || pairs.length === 0) return undefined;
  // fromEntries, not assignment: a key such as "__proto__" stays plain data.
  return Object.fromEntries(
    pairs.map(String).map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 1) throw new UsageError(`--option '${pair}' must be key=value`);
      const text = pair.slice(eq + 1);
      try {
        return [pair.slice(0, eq), JSON.parse(text)];
      } catch {
        return [pair.slice(0, eq), text]; // not JSON: a plain string such as a field path
      }
    }),
  );
}

export interface FlagBounds {
  min?: number;
  max?: number;
  /** Strict lower bound. */
  above?: number;
  integer?: boolean;
}

/**
 * A numeric flag checked here, so the error names the flag as typed: yargs turns `--top-n abc` into
 * NaN, which the library would report as "top_n … got NaN".
 */
export function numberFlag(value: number | undefined, flag: string, bounds: FlagBounds): number | undefined {
  if (value === undefined) return undefined;
  const { min, max, above, integer = false } = bounds;
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (min === undefined || value >= min) &&
    (max === undefined || value <= max) &&
    (above === undefined || value > above);
  if (ok) return value;
  const range = [
    above !== undefined && `> ${above}`,
    min !== undefined && max !== undefined && `between ${min} and ${max}`,
    min !== undefined && max === undefined && `>= ${min}`,
    min === undefined && max !== undefined && `<= ${max}`,
  ].find(Boolean);
  const what = `${integer ? "an integer" : "a number"}${range ? ` ${range}` : ""}`;
  const given = typeof value === "number" && Number.isNaN(value) ? "not a number" : `got ${value}`;
  throw new UsageError(`${flag} must be ${what}, ${given}`);
}

/** `rerank-eval rerank`: one call, the normalised answer printed as a table or JSON. */
export const rerankCommand: CommandModule<object, RerankArgs> = {
  command: "rerank",
  describe: "rerank documents for one query with a rerank API and print the normalised answer",
  builder: (y: Argv) =>
    clientOptions(y)
      .option("query", { type: "string", demandOption: true, describe: "the query" })
      .option("doc", { type: "string", array: true, describe: "a document (repeat for more)" })
      .option("docs-file", {
        type: "string",
        describe: "documents, one per line, or JSONL of strings / {text}",
      })
      .option("top-n", { type: "number", describe: "keep the best N (clamped to the document count)" })
      .option("max-docs-per-request", { type: "number", describe: "split larger candidate sets" })
      .option("max-request-bytes", { type: "number", describe: "split requests larger than this" })
      .option("json", { type: "boolean", describe: "print JSON with the raw scores" })
      .example(
        '$0 rerank --model Qwen3-Reranker-4B --query "capital of the US?" --doc "Paris" --doc "Washington"',
        "",
      )
      .example(
        "$0 rerank --provider tei --endpoint http://127.0.0.1:8080/rerank --model bge --query q --docs-file docs.txt",
        "",
      ) as unknown as Argv<RerankArgs>,
  handler: async (args: ArgumentsCamelCase<RerankArgs>) => {
    const documents = [
      ...(args.doc ?? []).map(String),
      ...(args.docsFile ? await readDocsFile(args.docsFile) : []),
    ];
    if (documents.length === 0) throw new UsageError("no documents: give --doc (repeatable) or --docs-file");
    const topN = numberFlag(args.topN, "--top-n", { min: 1, integer: true });
    const caps = {
      maxDocsPerRequest: numberFlag(args.maxDocsPerRequest, "--max-docs-per-request", {
        min: 1,
        integer: true,
      }),
      maxRequestBytes: numberFlag(args.maxRequestBytes, "--max-request-bytes", { min: 1, integer: true }),
    };
    await withReranker(args, caps, async (reranker) => {
      const result = await reranker.rerank(String(args.query), documents, { topN });
      process.stdout.write(
        args.json
          ? `${JSON.stringify(asJson(result, documents))}\n`
          : table(result, documents, reranker.provider),
      );
    });
  },
};

function asJson(result: RerankResult, documents: string[]) {
  return {
    results: result.items.map((item) => ({
      index: item.index,
      score: item.score,
      document: documents[item.index],
    })),
    usage: result.usage ?? null,
    latencyMs: Math.round(result.latencyMs * 10) / 10,
    attempts: result.attempts,
    notes: result.notes,
  };
}

function table(result: RerankResult, documents: string[], provider: string): string {
  const rows = result.items.map((item, rank) => [
    String(rank + 1),
    String(item.index),
    formatScore(item.score),
    preview(documents[item.index]),
  ]);
  const header = ["rank", "index", "score", "document"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  const usage = result.usage
    ? `, usage ${Object.entries(result.usage)
        .map(([k, v]) => `${k} ${v}`)
        .join(" ")}`
    : "";
  out.push(
    "",
    `${provider}: ${result.items.length} of ${documents.length} documents ranked (${KIND_WORDS[result.scoreKind]}), ` +
      `${result.requests} request(s), ${result.attempts} attempt(s), ${Math.round(result.latencyMs)} ms${usage}`,
  );
  for (const note of result.notes) out.push(`note: ${note.detail}`);
  return `${out.join("\n")}\n`;
}

/** How the table names the scores: "unknown scores" would read as if the scores were unknown. */
const KIND_WORDS: Record<ScoreKind, string> = {
  probability: "probability scores",
  logit: "logit scores",
  relative: "relative scores: they only order these documents",
  unknown: "scores of unknown kind",
};

function formatScore(score: number): string {
  return Math.abs(score) >= 1e6 || (score !== 0 && Math.abs(score) < 1e-4)
    ? score.toExponential(4)
    : score.toFixed(6);
}

function preview(text: string, width = 72): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

/**
 * One document per line, or JSONL (strings or {text}) when the file ends in .jsonl or its first
 * non-blank line is a JSON string or object. Blank lines are separators, not documents. Read by the
 * datasets' line reader: gzip, a BOM, and the same refusals (not a regular file, NUL, a line past 64 MiB).
 */
async function readDocsFile(file: string): Promise<string[]> {
  const lines: string[] = [];
  try {
    for await (const [text] of readLines(file)) lines.push(text);
  } catch (err) {
    if (err instanceof InputError && err.reason === "no such file")
      throw new InputError("cannot read the documents file (ENOENT)", { file });
    throw err;
  }
  const first = lines.find((l) => l.trim() !== "")?.trim() ?? "";
  const jsonl = /\.jsonl(\.gz)?$/i.test(file) || first.startsWith('"') || first.startsWith("{");
  const documents: string[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === "") return;
    if (!jsonl) {
      documents.push(raw);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new InputError("not valid JSON", { file, line: i + 1 });
    }
    if (typeof value === "string") documents.push(value);
    else if (value && typeof value === "object" && typeof (value as { text?: unknown }).text === "string") {
      documents.push((value as { text: string }).text);
    } else
      throw new InputError("expected a JSON string or an object with a string 'text'", {
        file,
        line: i + 1,
        field: "text",
      });
  });
  if (documents.length === 0) throw new InputError("no documents in the file", { file });
  return documents;
}
