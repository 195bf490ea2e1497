/**
 * Test helpers for the run command: a real node:http server on 127.0.0.1 that answers in regolo's
 * current shape with FIXED scores per (query, document text), plus temp-dir datasets and an
 * in-process CLI runner that captures stdout/stderr.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

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
      const body = JSON.parse(await readAll(req)) as { query: string; documents: string[]; top_n?: number };
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
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
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

/** Run the CLI in-process; exit code, stdout and stderr captured. */
export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import("../../src/cli/main.js");
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    const code = await main(argv);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
    process.exitCode = undefined;
  }
}

/**
 * `npm test` builds first (pretest); a direct `vitest run` rebuilds only when a source is newer
 * than dist. Other owners' files may be mid-edit and fail type checks; tsc still emits.
 */
export async function ensureBuilt(): Promise<boolean> {
  const { existsSync, readdirSync, statSync } = await import("node:fs");
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const builtAt = existsSync("dist/cli/main.js") ? statSync("dist/cli/main.js").mtimeMs : 0;
  let newest = 0;
  for (const f of readdirSync("src", { recursive: true, encoding: "utf8" })) {
    if (f.endsWith(".ts")) newest = Math.max(newest, statSync(join("src", f)).mtimeMs);
  }
  if (builtAt < newest) {
    await promisify(execFile)("npx", ["tsc", "-p", "tsconfig.build.json"]).catch(() => undefined);
  }
  return existsSync("dist/cli/main.js") && existsSync("dist/run/index.js");
}

/** Spawn the built CLI as a real process; resolves with its exit code and output. */
export async function spawnCli(
  args: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const { spawn } = await import("node:child_process");
  const started = performance.now();
  const child = spawn(process.execPath, ["dist/cli/main.js", ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stdout, stderr, ms: performance.now() - started };
}
