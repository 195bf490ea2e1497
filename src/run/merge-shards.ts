/**
 * `rerank-eval merge DIR... --out DIR`: the shards of one run (`run --shard i/n`) joined into the
 * folder the unsharded run would have written: its manifest (no shard), qrels.txt and results.jsonl
 * in the unsharded plan's order, then the report built by the same code as `report DIR`, so its
 * metrics, intervals and tests are the unsharded run's (bootstrap and permutation draws follow the
 * query order, which is why the order is restored). The shards are checked first (merge-checks.ts):
 * one run, every shard once, complete, disjoint, covering. The folder appears whole or not at all.
 */
import { mkdir, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { readReport } from "../report/read.js";
import { rebuildReport } from "../report/rebuild.js";
import type { Report, ReportTiming } from "../report/types.js";
import { rerankWindowSeconds } from "../results/collate.js";
import { MANIFEST_FILE, outputError, QRELS_FILE, RESULTS_FILE, writeAtomically } from "../results/folder.js";
import { type Manifest, readManifest } from "../results/manifest.js";
import { qrelsLines, readQrels } from "../results/qrels.js";
import { readResultsFile } from "../results/reader.js";
import { type ResultRecord, recordLine } from "../results/record.js";
import { count } from "../text/words.js";
import type { Qrels } from "../trec/types.js";
import { planWarnings } from "./manifest.js";
import { checkShards, type ShardFolder } from "./merge-checks.js";
import { shardNote } from "./shard.js";

export interface MergeOptions {
  /** The shard folders, in any order. */
  dirs: string[];
  /** A new folder (or an empty one). */
  out: string;
  toolVersion: string;
  /** The last guard on every text written: made from the manifest (its key variables). */
  redactFor?: (manifest: Manifest) => (text: string) => string;
}

export interface MergeOutcome {
  report: Report;
  outDir: string;
  shards: number;
}

export async function mergeShards(opts: MergeOptions): Promise<MergeOutcome> {
  if (opts.dirs.length === 0)
    throw new UsageError("name the shard folders: rerank-eval merge DIR... --out DIR");
  const shards: ShardFolder[] = [];
  for (const dir of opts.dirs) shards.push(await readShard(dir));
  const ordered = checkShards(shards);
  await checkOut(opts.out);
  const manifest = mergedManifest(ordered);
  const records = mergedRecords(ordered, manifest);
  const qrels: Qrels = new Map();
  for (const s of ordered) for (const [qid, grades] of s.qrels) qrels.set(qid, grades);
  const redact = opts.redactFor?.(manifest) ?? ((t: string) => t);

  const out = resolve(opts.out);
  const tmp = join(dirname(out), `.${basename(out)}.merge-${process.pid}.tmp`);
  try {
    await mkdir(dirname(out), { recursive: true });
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
    const qids = manifest.queries.map((q) => q.qid);
    await writeAtomically(join(tmp, QRELS_FILE), qrelsLines(qids, qrels));
    await writeAtomically(join(tmp, MANIFEST_FILE), redact(`${JSON.stringify(manifest, null, 2)}\n`));
    await writeAtomically(
      join(tmp, RESULTS_FILE),
      records.map((r) => `${redact(recordLine(r))}\n`),
    );
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw outputError(err, opts.out);
  }
  try {
    const { report } = await rebuildReport(tmp, {
      toolVersion: opts.toolVersion,
      timing: mergedTiming(ordered, records, manifest),
      ...(opts.redactFor ? { redactFor: opts.redactFor } : {}),
    });
    // An empty --out was allowed: it gives way to the finished folder.
    await rmdir(out).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    await rename(tmp, out);
    return { report, outDir: opts.out, shards: ordered.length };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw outputError(err, opts.out);
  }
}

async function readShard(dir: string): Promise<ShardFolder> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new InputError("no such folder", { file: dir });
  if (!info.isDirectory()) throw new InputError("is a file, expected a shard's run folder", { file: dir });
  const manifest = await readManifest(join(dir, MANIFEST_FILE));
  const shard = manifest.shard;
  if (!shard)
    throw new InputError(
      "is not a shard: its manifest has no shard (folders of `rerank-eval run --shard i/n` are merged; an unsharded run needs no merge)",
      { file: dir },
    );
  const { records, droppedTail } = await readResultsFile(join(dir, RESULTS_FILE)).catch((err) => {
    // A shard killed before its first answer may have no results file: it is incomplete, said below.
    if (err instanceof InputError && err.reason === "no such file") return { records: [], droppedTail: 0 };
    throw err;
  });
  // An empty shard's qrels.txt is empty, which the reader refuses for any other folder.
  const qrels = manifest.queries.length ? await readQrels(join(dir, QRELS_FILE)) : new Map();
  const report = await readReport(join(dir, "report.json")).catch(() => undefined);
  const rerank = new Set(manifest.variants.filter((v) => v.kind === "rerank").map((v) => v.id));
  let finishedAt = manifest.createdAt;
  for (const r of records) if (r.finishedAt > finishedAt) finishedAt = r.finishedAt;
  return {
    dir,
    manifest,
    shard,
    records,
    droppedTail,
    qrels,
    rerankSeconds: rerankWindowSeconds(records.filter((r) => rerank.has(r.variant))),
    cpuSeconds: report?.timing.rerankCpuSeconds ?? null,
    totalSeconds:
      report?.timing.totalSeconds ?? (Date.parse(finishedAt) - Date.parse(manifest.createdAt)) / 1000,
    startedAt: report?.timing.startedAt ?? manifest.createdAt,
    finishedAt: report?.timing.finishedAt ?? finishedAt,
  };
}

/** --out must be new or empty: a merge never mixes its files into another folder's. */
async function checkOut(out: string): Promise<void> {
  const info = await stat(out).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory())
    throw new InputError("is a file; merge writes a new folder", { file: out, field: "out" });
  if ((await readdir(out)).length > 0)
    throw new InputError("is not empty; merge writes a new folder: choose another --out, or remove it", {
      file: out,
      field: "out",
    });
}

/**
 * The unsharded run's manifest: shard 1's with the queries joined in plan order, the per-query
 * figures summed, the plan's findings stated again over the whole plan, and each shard's own
 * findings (a concurrency cut) once, or prefixed with its shard when not every shard had it.
 */
function mergedManifest(shards: ShardFolder[]): Manifest {
  const base = shards[0].manifest;
  const { shard: _shard, ...rest } = base;
  const positioned = shards.flatMap((s) =>
    s.manifest.queries.map((q, i) => ({ q, ordinal: s.shard.ordinals[i] })),
  );
  positioned.sort((a, b) => a.ordinal - b.ordinal);
  const queries = positioned.map((p) => p.q);
  const sum = (f: (m: Manifest) => number) => shards.reduce((n, s) => n + f(s.manifest), 0);
  const max = (f: (m: Manifest) => number) => Math.max(...shards.map((s) => f(s.manifest)));
  // Skipped ones are the whole set's in every shard; planned ones are each shard's own.
  const none = new Set(shards.flatMap((s) => s.manifest.withoutRelevant.queries));
  const withoutRelevant = base.withoutRelevant.skipped
    ? base.withoutRelevant
    : { skipped: false, queries: queries.map((q) => q.qid).filter((qid) => none.has(qid)) };
  const candidates = {
    ...base.candidates,
    maxCandidates: max((m) => m.candidates.maxCandidates),
    missingDocuments: sum((m) => m.candidates.missingDocuments),
  };
  const createdAt = shards.map((s) => s.manifest.createdAt).sort()[0];
  const concurrency = max((m) => m.config.concurrency);
  return {
    ...rest,
    createdAt,
    config: { ...base.config, concurrency },
    dataset: { ...base.dataset, queries: queries.length, judged: sum((m) => m.dataset.judged) },
    candidates,
    withoutRelevant,
    queries,
    warnings: [
      ...base.warnings.slice(0, base.shard?.datasetWarnings ?? 0),
      ...planWarnings({ queries, withoutRelevant, missingDocuments: candidates.missingDocuments }),
      mergeNote(shards, concurrency),
      ...shardFindings(shards),
    ],
    merged: {
      shards: shards.map((s) => ({
        index: s.shard.index,
        queries: s.manifest.queries.length,
        createdAt: s.manifest.createdAt,
        rerankSeconds: s.rerankSeconds,
        totalSeconds: s.totalSeconds,
      })),
    },
  };
}

/** How a merged report states time: said once, in its warnings, so no reader takes it for one process's. */
function mergeNote(shards: ShardFolder[], concurrency: number): string {
  const phases = shards.map((s) => `${s.rerankSeconds.toFixed(2)} s`);
  const list = phases.length > 1 ? `${phases.slice(0, -1).join(", ")} and ${phases.at(-1)}` : phases[0];
  const work = shards.reduce((n, s) => n + s.rerankSeconds, 0);
  return (
    `merged from ${count(shards.length, "shard")}: their rerank phases took ${list} (${work.toFixed(2)} s of work in all); ` +
    "the rerank phase, throughput and total time are stated over the shards laid end to end (their sum), " +
    `as one process at concurrency ${concurrency} would have run them, not over the wall time of shards run side by side; ` +
    "latency percentiles pool every shard's samples"
  );
}

/** Each shard's findings after its dataset's and its plan's: once when every shard had it, else per shard. */
function shardFindings(shards: ShardFolder[]): string[] {
  const own = shards.map((s) => {
    const m = s.manifest;
    const skip =
      s.shard.datasetWarnings +
      planWarnings({ ...m, missingDocuments: m.candidates.missingDocuments }).length +
      (m.warnings.includes(shardNote(s.shard)) ? 1 : 0);
    return m.warnings.slice(skip);
  });
  const out: string[] = [];
  own.forEach((lines, i) => {
    for (const line of lines) {
      const everywhere = own.every((o) => o.includes(line));
      const text = everywhere ? line : `shard ${shards[i].shard.index}/${shards[i].shard.count}: ${line}`;
      if (!out.includes(text)) out.push(text);
    }
  });
  return out;
}

/**
 * Every shard's records in the unsharded plan's order (query, then variant, then as written), their
 * clocks laid end to end as a resumed run's sessions are: shard k's startMs/endMs continue from
 * where shard k-1's clock ended, so the rerank window and throughput are over the summed work.
 */
function mergedRecords(shards: ShardFolder[], manifest: Manifest): ResultRecord[] {
  const position = new Map(manifest.queries.map((q, i) => [q.qid, i]));
  const variantAt = new Map(manifest.variants.map((v, i) => [v.id, i]));
  const keyed: { r: ResultRecord; q: number; v: number; seq: number }[] = [];
  let offset = 0;
  let seq = 0;
  for (const s of shards) {
    const own = new Set(s.manifest.queries.map((q) => q.qid));
    let end = 0;
    for (const r of s.records) {
      end = Math.max(end, r.endMs);
      const q = own.has(r.qid) ? position.get(r.qid) : undefined;
      const v = variantAt.get(r.variant);
      // A line the shard's plan does not hold stays out, as the shard's own report left it out.
      if (q === undefined || v === undefined) continue;
      keyed.push({ r: { ...r, startMs: r.startMs + offset, endMs: r.endMs + offset }, q, v, seq: seq++ });
    }
    offset += end;
  }
  keyed.sort((a, b) => a.q - b.q || a.v - b.v || a.seq - b.seq);
  return keyed.map((k) => k.r);
}

function mergedTiming(shards: ShardFolder[], records: ResultRecord[], manifest: Manifest): ReportTiming {
  const rerank = new Set(manifest.variants.filter((v) => v.kind === "rerank").map((v) => v.id));
  const cpu = shards.map((s) => s.cpuSeconds);
  return {
    rerankSeconds: rerankWindowSeconds(records.filter((r) => rerank.has(r.variant))),
    rerankCpuSeconds: cpu.every((c) => c !== null) ? cpu.reduce((a, b) => a + (b ?? 0), 0) : null,
    totalSeconds: shards.reduce((n, s) => n + s.totalSeconds, 0),
    startedAt: shards.map((s) => s.startedAt).sort()[0],
    finishedAt:
      shards
        .map((s) => s.finishedAt)
        .sort()
        .at(-1) ?? manifest.createdAt,
  };
}
