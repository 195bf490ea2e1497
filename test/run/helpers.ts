/**
 * Test helpers for the run command: a real node:http server on 127.0.0.1 that answers in regolo's
 * current shape with FIXED scores per (query, document text), plus temp-dir datasets. CLI runners
 * are in test/helpers/cli.ts.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ResultRecord } from "../../src/results/record.js";
import { listenOnLoopback, readBody } from "../helpers/http.js";

export interface FixedScoreServerOptions {
  /** score(query, document) for every pair the test sends. */
  score: (query: string, document: string) => number;
  delayMs?: number;
  /** Queries answered 503 on every attempt. */
  failQueries?: Set<string>;
  /** Queries answered 503 on their first attempt only. */
  flakyQueries?: Set<string>;
}

export interface FixedScoreServer {
  url: string;
  endpoint: string;
  requests: number;
  maxInFlight: number;
  /** Authorization headers seen (to prove a key was sent, not printed). */
  authorizations: Set<string>;
  close(): Promise<void>;
}

export async function startFixedScoreServer(opts: FixedScoreServerOptions): Promise<FixedScoreServer> {
  let inFlight = 0;
  const attemptsByQuery = new Map<string, number>();
  const state = { requests: 0, maxInFlight: 0, authorizations: new Set<string>() };
  const server = createServer(async (req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    state.requests++;
    try {
      if (req.headers.authorization) state.authorizations.add(req.headers.authorization);
      const body = JSON.parse(await readBody(req)) as { query: string; documents: string[]; top_n?: number };
      if (opts.delayMs) await sleep(opts.delayMs);
      const n = (attemptsByQuery.get(body.query) ?? 0) + 1;
      attemptsByQuery.set(body.query, n);
      if (opts.failQueries?.has(body.query) || (opts.flakyQueries?.has(body.query) && n === 1)) {
        res.writeHead(503, { "content-type": "application/json" });
        // Some providers echo the credential in their errors: it must still reach no file and no output.
        const caller = req.headers.authorization ?? "anonymous";
        const message = `overloaded, try later (caller ${caller})`;
        res.end(JSON.stringify({ error: { message, type: "server_error" } }));
        return;
      }
      const results = body.documents
        .map((text, index) => ({ index, relevance_score: opts.score(body.query, text), document: { text } }))
        .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index)
        .slice(0, body.top_n ?? body.documents.length);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "rerank-0123456789abcdef", results, meta: null }));
    } finally {
      inFlight--;
    }
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    endpoint: `${url}/rerank`,
    get requests() {
      return state.requests;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    authorizations: state.authorizations,
    close,
  };
}

export interface CsvRow {
  qid: string;
  query: string;
  docId: string;
  document: string;
  label: number;
}

export function csvText(rows: CsvRow[]): string {
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  return `query_id,query,doc_id,document,label\n${rows
    .map((r) => [r.qid, q(r.query), r.docId, q(r.document), r.label].join(","))
    .join("\n")}\n`;
}

export async function tempDir(
  prefix = "rerank-eval-run-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeCsv(dir: string, rows: CsvRow[], name = "set.csv"): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, csvText(rows));
  return path;
}

/** A synthetic set: `queries` queries with `docs` candidates each, doc i of query q graded by a rule. */
export function syntheticRows(queries: number, docs: number): CsvRow[] {
  const rows: CsvRow[] = [];
  for (let q = 1; q <= queries; q++) {
    for (let d = 1; d <= docs; d++) {
      rows.push({
        qid: `q${q}`,
        query: `query number ${q}`,
        docId: `q${q}-d${d}`,
        document: `document ${d} for query ${q}`,
        label: (q + d) % 4 === 0 ? 2 : (q * d) % 5 === 0 ? 1 : 0,
      });
    }
  }
  return rows;
}

/** A minimal successful results.jsonl record for query `qid` (one document, 3 ms, one attempt). */
export function resultRecord(qid: string): ResultRecord {
  return {
    variant: "m",
    qid,
    ranking: { docIds: ["d1"], scores: [0.5] },
    candidates: 1,
    attemptLatenciesMs: [3],
    latencyMs: 3,
    attempts: 1,
    requests: 1,
    notes: [],
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:00.003Z",
    startMs: 0,
    endMs: 3,
  };
}
