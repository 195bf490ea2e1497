/**
 * `runEvaluation`: load the set, plan the variants, rerank every (variant, query) through the
 * shared limiter, score, and write the output folder. The CLI is a thin shell around this.
 */
import { join } from "node:path";
import { loadEvalSet } from "../datasets/index.js";
import { UsageError } from "../errors.js";
import { parseMeasures } from "../metrics/index.js";
import { renderMarkdown } from "../report/markdown.js";
import { buildReport, defaultMeasures, headlineMeasures, recordsByVariant } from "../report/model.js";
import { idsWithWhitespace, writeTrecQrels, writeTrecRun } from "../report/trec.js";
import type { Report, ReportConfig } from "../report/types.js";
import { createReranker } from "../rerank/client.js";
import type { Reranker, RerankerConfig } from "../rerank/types.js";
import { VERSION } from "../version.js";
import type { ModelSpec, RunOptions } from "./config.js";
import { executePlan } from "./execute.js";
import { outputError, prepareOutDir, writeAtomically } from "./out-dir.js";
import { planRun } from "./plan.js";
import { createProgress } from "./progress.js";
import { collectSecrets, redactor, safeConfigValue, safeEndpoint } from "./secrets.js";

export interface RunIo {
  /** Where progress goes (stderr by default). */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  quiet?: boolean;
  env?: Record<string, string | undefined>;
}

export interface RunOutcome {
  report: Report;
  outDir: string;
  /** 0, or 3 when more queries failed than --max-failures allows (the report is written anyway). */
  exitCode: 0 | 3;
}

/** The dialects the embedded server answers, and where (src/server/index.ts). */
const EMBEDDED_ROUTES: Record<string, string> = { regolo: "/rerank", cohere: "/v2/rerank" };

/** The embedded server needs no key; a placeholder keeps the regolo dialect from asking for one. */
const EMBEDDED_KEY_VAR = "RERANK_EVAL_EMBEDDED_KEY";

export async function runEvaluation(options: RunOptions, io: RunIo = {}): Promise<RunOutcome> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const env = io.env ?? process.env;
  const explicitMeasures = options.measures !== undefined;
  // Unknown measures fail here, before any loading or calling.
  const measures = parseMeasures(options.measures ?? defaultMeasures(options.k)).map((m) => m.name);
  const headline = headlineMeasures(measures, options.k, explicitMeasures);

  const ds = options.dataset;
  const { path: datasetPath, ...loadOptions } = ds;
  const evalSet = await loadEvalSet(datasetPath, loadOptions);
  const plan = planRun({
    evalSet,
    models: options.models,
    topN: options.topN,
    depth: ds.depth,
    sample: options.sample,
    seed: options.seed,
  });

  const secrets = collectSecrets(options.models, env);
  const redact = redactor(secrets);
  const outDir = options.out ?? join("reports", `${evalSet.name}-${timestamp(new Date())}`);

  const embedded = options.models.filter((m) => m.endpoint === "embedded");
  // Loaded only when asked for: the client path never depends on the server (design.md).
  const serverModule = embedded.length ? await import("../server/index.js") : undefined;
  const scorers: readonly string[] = serverModule?.MODELS ?? [];
  for (const m of embedded) {
    // A misspelt scorer would otherwise fail every query (exit 3) instead of naming the mistake.
    if (!scorers.includes(m.model))
      throw new UsageError(
        `model '${m.model}' is not a scorer of the embedded server; it has ${scorers.join(", ")}`,
      );
  }
  const server = await serverModule?.startServer({ host: "127.0.0.1", port: 0 });
  const rerankers = new Map<string, Reranker>();
  let outcome: Awaited<ReturnType<typeof executePlan>>;
  try {
    for (const m of options.models)
      rerankers.set(m.name, createReranker(rerankerConfig(m, server?.url, env)));
    const writer = await prepareOutDir(outDir, redact);
    const tasks = plan.queries.length * plan.variants.filter((v) => v.kind === "rerank").length;
    const progress = createProgress({
      total: tasks,
      stream: io.progressStream ?? process.stderr,
      quiet: io.quiet,
    });
    try {
      outcome = await executePlan({
        plan,
        rerankers,
        concurrency: options.concurrency,
        rps: options.rps,
        writer,
        progress,
      });
    } finally {
      progress.stop();
      writer.close();
    }
  } finally {
    await Promise.allSettled([...rerankers.values()].map((r) => r.close()));
    await server?.close();
  }

  const endpoints = new Map(
    options.models.map((m) => [
      m.name,
      m.endpoint === "embedded"
        ? "embedded"
        : safeEndpoint(m.endpoint ?? rerankers.get(m.name)?.endpoint ?? ""),
    ]),
  );
  const qids = plan.queries.map((q) => q.qid);
  let judged = 0;
  for (const qid of qids) judged += evalSet.qrels.get(qid)?.size ?? 0;
  const warnings = [...evalSet.warnings];
  if (plan.missingDocuments)
    warnings.push(`${plan.missingDocuments} candidates name documents without text (skipped)`);
  const badIds = idsWithWhitespace([...qids, ...plan.queries.flatMap((q) => q.docIds)]);
  if (badIds)
    warnings.push(
      `${badIds} query or document ids are empty or contain whitespace: the TREC files cannot represent them`,
    );

  const build = (totalSeconds: number) =>
    buildReport({
      plan,
      records: outcome.records,
      qrels: evalSet.qrels,
      measures,
      headline,
      ks: options.k,
      complete: options.complete,
      dataset: {
        name: evalSet.name,
        path: evalSet.path,
        format: evalSet.format,
        fingerprint: evalSet.fingerprint,
        queries: plan.queries.length,
        judged,
        documents: evalSet.docs.size,
        judgedQueries: plan.judgedQueries,
        sample: plan.sample ?? null,
      },
      config: reportConfig(options, measures),
      endpoints,
      maxFailures: options.maxFailures,
      toolVersion: VERSION,
      timing: {
        rerankSeconds: outcome.rerankSeconds,
        rerankCpuSeconds: outcome.cpuSeconds,
        totalSeconds,
        startedAt,
        finishedAt: new Date().toISOString(),
      },
      warnings,
    });

  let report: Report;
  try {
    // Run files first, in plan order, so they are deterministic.
    for (const [variant, recs] of recordsByVariant(plan, outcome.records))
      writeTrecRun(join(outDir, `run-${variant}.trec`), recs, variant);
    writeTrecQrels(join(outDir, "qrels.txt"), qids, evalSet.qrels);
    // The caller gets the report as written (redacted), so what it prints passes the same guard.
    const json = redact(`${JSON.stringify(build((performance.now() - started) / 1000), null, 2)}\n`);
    report = JSON.parse(json) as Report;
    // Last, so a folder with a report.json is a finished run.
    await writeAtomically(join(outDir, "report.json"), json);
    await writeAtomically(join(outDir, "report.md"), redact(renderMarkdown(report)));
  } catch (err) {
    throw outputError(err, outDir);
  }
  return { report, outDir, exitCode: report.failures.exceeded ? 3 : 0 };
}

function rerankerConfig(
  m: ModelSpec,
  serverUrl: string | undefined,
  env: Record<string, string | undefined>,
): RerankerConfig {
  const embedded = m.endpoint === "embedded";
  const embeddedRoute = EMBEDDED_ROUTES[m.provider];
  // Running another dialect than asked would make the report name a provider that was never spoken.
  if (embedded && embeddedRoute === undefined) {
    throw new UsageError(
      `model '${m.name}': the embedded server speaks ${Object.keys(EMBEDDED_ROUTES).join(" and ")}, ` +
        `not '${m.provider}'; drop --provider or use a real endpoint`,
    );
  }
  const config: RerankerConfig = {
    provider: m.provider,
    model: m.model,
    ...(m.endpoint && !embedded ? { endpoint: m.endpoint } : {}),
    ...(embedded ? { endpoint: `${serverUrl}${embeddedRoute}` } : {}),
    ...(m.retries !== undefined ? { retries: m.retries } : {}),
    ...(m.timeoutMs !== undefined ? { headersTimeoutMs: m.timeoutMs, bodyTimeoutMs: m.timeoutMs } : {}),
    ...(m.maxDocsPerRequest !== undefined ? { maxDocsPerRequest: m.maxDocsPerRequest } : {}),
    ...(m.maxRequestBytes !== undefined ? { maxRequestBytes: m.maxRequestBytes } : {}),
    ...(m.qwen3Instruction !== undefined ? { qwen3Instruction: m.qwen3Instruction } : {}),
    ...(m.options ? { options: m.options } : {}),
  };
  if (embedded && m.apiKeyEnv === undefined) {
    return {
      ...config,
      apiKeyEnv: EMBEDDED_KEY_VAR,
      env: { [EMBEDDED_KEY_VAR]: "embedded-server-needs-no-key" },
    };
  }
  return { ...config, ...(m.apiKeyEnv ? { apiKeyEnv: m.apiKeyEnv } : {}), env };
}

function reportConfig(o: RunOptions, measures: string[]): ReportConfig {
  return {
    dataset: safeConfigValue({ ...o.dataset }) as Record<string, unknown>,
    models: o.models.map(
      (m) =>
        safeConfigValue({ ...m, ...(m.endpoint ? { endpoint: safeEndpoint(m.endpoint) } : {}) }) as Record<
          string,
          unknown
        >,
    ),
    topN: o.topN,
    concurrency: o.concurrency,
    rps: o.rps ?? null,
    k: o.k,
    measures,
    maxFailures: o.maxFailures,
    sample: o.sample ?? null,
    seed: o.seed,
    complete: o.complete,
  };
}

function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
