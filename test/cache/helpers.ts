/**
 * A Cohere v2 rerank server on 127.0.0.1 for the cache tests: it counts every request per query
 * (so a test can say which tasks reached the server), answers with scores that are not round
 * binary fractions (so an inexact round trip would show), billed search units and an id, and can
 * fail chosen queries a number of times. It records the Authorization headers it saw.
 */
import { readdir, readFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface CountingServer {
  endpoint: string;
  /** Every request (attempt) so far. */
  readonly requests: number;
  /** Requests per query text. */
  byQuery: Map<string, number>;
  authorizations: Set<string>;
  /** Answer 500 to this query's next `times` requests. */
  failNext(query: string, times: number): void;
  /** Echo the caller's Authorization header in each answer's id and model (a careless proxy might). */
  echoCaller: boolean;
  close(): Promise<void>;
}

export async function startCountingServer(): Promise<CountingServer> {
  const state = { requests: 0, echoCaller: false };
  const byQuery = new Map<string, number>();
  const failures = new Map<string, number>();
  const authorizations = new Set<string>();
  const server = createServer(async (req, res) => {
    state.requests++;
    if (req.headers.authorization) authorizations.add(req.headers.authorization);
    const body = JSON.parse(await readAll(req)) as { query: string; documents: string[]; top_n?: number };
    byQuery.set(body.query, (byQuery.get(body.query) ?? 0) + 1);
    const fail = failures.get(body.query) ?? 0;
    if (fail > 0) {
      failures.set(body.query, fail - 1);
      res.writeHead(500, { "content-type": "application/json" });
      // Providers echo credentials in errors: this must never reach the cache.
      res.end(JSON.stringify({ message: `internal error for caller ${req.headers.authorization ?? "-"}` }));
      return;
    }
    const results = body.documents
      .map((text, index) => ({ index, relevance_score: score(body.query, text) }))
      .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index)
      .slice(0, body.top_n ?? body.documents.length);
    res.writeHead(200, { "content-type": "application/json" });
    const caller = state.echoCaller ? ` for ${req.headers.authorization}` : "";
    res.end(
      JSON.stringify({
        id: `answer-${state.requests}${caller}`,
        ...(caller ? { model: `model${caller}` } : {}),
        results,
        meta: { billed_units: { search_units: 1 } },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint: `${url}/v2/rerank`,
    get requests() {
      return state.requests;
    },
    byQuery,
    authorizations,
    get echoCaller() {
      return state.echoCaller;
    },
    set echoCaller(on: boolean) {
      state.echoCaller = on;
    },
    failNext: (query, times) => failures.set(query, times),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A deterministic score in (0, 1) with a long mantissa, from the texts. */
function score(query: string, doc: string): number {
  let h = 2166136261;
  for (const c of `${query}\u0000${doc}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return (h % 1_000_003) / 1_000_033 + 1e-9 * Math.PI;
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Every file under a folder, with its bytes as latin1 text (so any byte sequence is searchable). */
export async function filesUnder(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.push({ path, text: (await readFile(path)).toString("latin1") });
  }
  return out;
}

/** The content files of a cacache folder (one per stored answer). */
export async function contentFiles(cacheDir: string): Promise<string[]> {
  return (await filesUnder(join(cacheDir, "content-v2"))).map((f) => f.path);
}
