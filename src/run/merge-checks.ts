/**
 * What `rerank-eval merge` proves before it writes anything: the folders are shards of one run
 * (their manifests agree on everything but how the calls were made), every shard 1..n is there
 * exactly once, each is complete (every task has a record), no query is in two shards, each query
 * is in the shard the partition rule gives it, and together they are the recorded plan (its size
 * and the hash of its ordered query ids). Each refusal is one line naming the folder and field.
 */
import { join } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { collateRecords } from "../results/collate.js";
import { MANIFEST_FILE } from "../results/folder.js";
import type { Manifest, ShardInfo } from "../results/manifest.js";
import type { ResultRecord } from "../results/record.js";
import type { Qrels } from "../trec/types.js";
import { planIdsHash, shardOfQuery } from "./shard.js";

/** One shard's folder as merge reads it. */
export interface ShardFolder {
  dir: string;
  manifest: Manifest;
  shard: ShardInfo;
  records: ResultRecord[];
  /** 1 when results.jsonl ended in a cut-off line (that task counts as never run). */
  droppedTail: number;
  qrels: Qrels;
  /** The shard's rerank phase (first request to last answer), s. */
  rerankSeconds: number;
  /** From its report.json; null when it wrote none or did not measure it. */
  cpuSeconds: number | null;
  totalSeconds: number;
  startedAt: string;
  finishedAt: string;
}

/** Per model, the settings of how the calls are made: the ones `run --resume` may change too. */
const CALL_SETTINGS = ["apiKeyEnv", "timeoutMs", "taskTimeoutMs", "rateLimitWaitMs", "maxAnswerBytes"];

/** The shards in index order, once every check has passed. */
export function checkShards(shards: ShardFolder[]): ShardFolder[] {
  const first = shards[0];
  const name = (s: ShardFolder) => `shard ${s.shard.index}/${s.shard.count}`;
  for (const s of shards.slice(1)) {
    const diff = firstDifference(agreedPart(first.manifest), agreedPart(s.manifest), "");
    if (diff)
      throw new InputError(
        `does not match ${name(first)} (${first.dir}): ${brief(diff.here)} here, ${brief(diff.there)} there; ` +
          "merge takes the shards of one run (same dataset, plan and settings; only how the calls were made may differ)",
        { file: join(s.dir, MANIFEST_FILE), field: diff.path },
      );
  }

  const n = first.shard.count;
  const byIndex = new Map<number, ShardFolder>();
  for (const s of shards) {
    const other = byIndex.get(s.shard.index);
    if (other) throw new UsageError(`${name(s)} is given twice: ${other.dir} and ${s.dir}`);
    byIndex.set(s.shard.index, s);
  }
  const absent = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (absent.length) {
    const given = [...byIndex.keys()].sort((a, b) => a - b).map((i) => `${i}/${n} (${byIndex.get(i)?.dir})`);
    const which =
      absent.length === 1 ? `shard ${absent[0]}/${n} is` : `shards ${absent.join(", ")} of ${n} are`;
    throw new UsageError(`${which} missing (given: ${given.join(", ")}); merge needs every shard of the run`);
  }
  const ordered = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);

  const holder = new Map<string, ShardFolder>();
  const byOrdinal = new Map<number, string>();
  for (const s of ordered) {
    const file = join(s.dir, MANIFEST_FILE);
    const { ordinals, planQueries } = s.shard;
    if (ordinals.length !== s.manifest.queries.length)
      throw new InputError(
        `has ${ordinals.length} ordinals for ${s.manifest.queries.length} queries: not a manifest run --shard wrote`,
        { file, field: "shard.ordinals" },
      );
    s.manifest.queries.forEach(({ qid }, i) => {
      const other = holder.get(qid);
      if (other)
        throw new UsageError(
          `overlapping shards: query ${qid} is in ${name(other)} (${other.dir}) and in ${name(s)} (${s.dir})`,
        );
      holder.set(qid, s);
      const ordinal = ordinals[i];
      if (ordinal >= planQueries || byOrdinal.has(ordinal))
        throw new InputError(
          `query ${qid}'s place in the plan (${ordinal}) is ${ordinal >= planQueries ? `beyond its ${planQueries} queries` : `also ${byOrdinal.get(ordinal)}'s`}: not a manifest run --shard wrote`,
          { file, field: `shard.ordinals.${i}` },
        );
      byOrdinal.set(ordinal, qid);
      const home = shardOfQuery(qid, n);
      if (home !== s.shard.index)
        throw new InputError(
          `query ${qid} belongs to shard ${home}/${n} by the partition rule, not to ${name(s)}: not a folder run --shard wrote`,
          { file, field: `queries.${i}` },
        );
    });
  }
  for (const s of ordered) {
    const { missing } = collateRecords(s.manifest, s.records);
    if (missing.length) {
      const tasks = s.manifest.variants.filter((v) => v.kind === "rerank").length * s.manifest.queries.length;
      throw new InputError(
        `${name(s)} is incomplete: ${missing.length} of ${tasks} tasks never ran (stopped, killed or still running); ` +
          `resume it first: rerank-eval run --resume ${s.dir}`,
        { file: s.dir },
      );
    }
  }

  const plan = first.shard.planQueries;
  if (holder.size !== plan)
    throw new UsageError(
      `the shards hold ${holder.size} queries and the recorded plan ${plan}: they do not cover it`,
    );
  const ids = [...byOrdinal.entries()].sort((a, b) => a[0] - b[0]).map(([, qid]) => qid);
  if (planIdsHash(ids) !== first.shard.planIdsHash)
    throw new UsageError(
      "the shards' queries in plan order are not the recorded plan's (the hash of its ordered query ids differs)",
    );
  return ordered;
}

/** What every shard of one run shares: the manifest without what differs by shard or by machine. */
function agreedPart(m: Manifest): unknown {
  const { concurrency: _j, rps: _r, cache: _c, dataset, models, ...config } = m.config;
  // Paths say where the files were on that machine; the fingerprint (which covers a run file) says what.
  const { path: _p, candidates, ...data } = dataset;
  const { path: _dp, queries: _q, judged: _jd, ...info } = m.dataset;
  const { source: _s, maxCandidates: _mc, missingDocuments: _md, ...cands } = m.candidates;
  const shard = m.shard;
  return {
    tool: m.tool,
    dataset: info,
    config: {
      ...config,
      dataset: {
        ...data,
        candidates: candidates === undefined || candidates === "qrels" ? candidates : "a run file",
      },
      models: models.map((entry) =>
        Object.fromEntries(Object.entries(entry).filter(([k]) => !CALL_SETTINGS.includes(k))),
      ),
    },
    candidates: cands,
    scoring: m.scoring,
    variants: m.variants,
    withoutRelevant: m.withoutRelevant.skipped ? m.withoutRelevant : { skipped: false },
    shard: shard && {
      count: shard.count,
      planQueries: shard.planQueries,
      planIdsHash: shard.planIdsHash,
      datasetWarnings: shard.datasetWarnings,
    },
    warnings: m.warnings.slice(0, shard?.datasetWarnings ?? 0),
  };
}

/** The first place two JSON values differ, as a dotted path; a list of plain values differs as a whole. */
function firstDifference(
  there: unknown,
  here: unknown,
  path: string,
): { path: string; there: unknown; here: unknown } | undefined {
  if (Object.is(there, here)) return undefined;
  const at = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (Array.isArray(there) && Array.isArray(here)) {
    const plain = (xs: unknown[]) => xs.every((x) => x === null || typeof x !== "object");
    if (plain(there) && plain(here))
      return JSON.stringify(there) === JSON.stringify(here) ? undefined : { path, there, here };
    for (let i = 0; i < Math.max(there.length, here.length); i++) {
      const d = firstDifference(there[i], here[i], at(i));
      if (d) return d;
    }
    return undefined;
  }
  if (isObject(there) && isObject(here)) {
    for (const k of new Set([...Object.keys(there), ...Object.keys(here)])) {
      const d = firstDifference(there[k], here[k], at(k));
      if (d) return d;
    }
    return undefined;
  }
  return { path: path || "(top level)", there, here };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function brief(v: unknown): string {
  if (v === undefined) return "absent";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
