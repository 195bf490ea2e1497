/**
 * Test servers for the load: a rerank server (vLLM/regolo answer shape) on 127.0.0.1 that ranks a
 * query's documents by the number in their text and, above a request rate, sheds load by ranking
 * only the first documents it was sent (a truncated answer), optionally after a delay, counting the
 * connections it was sent on and the most requests it held at once; and the run helpers' datasets.
 */
import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { listenOnLoopback, readBody } from "../helpers/http.js";
import type { CsvRow } from "../run/helpers.js";

export interface SheddingServer {
  endpoint: string;
  requests: number;
  truncated: number;
  /** Connections opened to it, and the most requests it was handling at once. */
  connections: number;
  mostActive: number;
  close(): Promise<void>;
}

/**
 * Truncates to `keep` documents while more than `aboveRps` requests arrived in the last second;
 * answers after `delayMs`.
 */
export async function startSheddingServer(
  aboveRps: number,
  keep: number,
  delayMs = 0,
): Promise<SheddingServer> {
  const arrivals: number[] = [];
  const state = { requests: 0, truncated: 0, connections: 0, active: 0, mostActive: 0 };
  const sockets = new WeakSet<object>();
  const server = createServer(async (req, res) => {
    if (!sockets.has(req.socket)) {
      sockets.add(req.socket);
      state.connections++;
    }
    state.mostActive = Math.max(state.mostActive, ++state.active);
    res.on("close", () => state.active--);
    const body = JSON.parse(await readBody(req)) as { documents: string[] };
    if (delayMs) await sleep(delayMs);
    const now = performance.now();
    arrivals.push(now);
    while (arrivals.length && arrivals[0] < now - 1000) arrivals.shift();
    state.requests++;
    const shed = arrivals.length > aboveRps;
    if (shed) state.truncated++;
    const sent = shed ? body.documents.slice(0, keep) : body.documents;
    const results = sent
      .map((text, index) => ({ index, relevance_score: Number(/document (\d+)/.exec(text)?.[1] ?? 0) / 10 }))
      .sort((a, b) => b.relevance_score - a.relevance_score);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id: "x", results, meta: null }));
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    endpoint: `${url}/rerank`,
    get requests() {
      return state.requests;
    },
    get truncated() {
      return state.truncated;
    },
    get connections() {
      return state.connections;
    },
    get mostActive() {
      return state.mostActive;
    },
    close,
  };
}

/** `queries` queries of `docs` documents; only the last document of each is relevant (grade 2). */
export function lastRelevantRows(queries: number, docs: number): CsvRow[] {
  const rows: CsvRow[] = [];
  for (let q = 1; q <= queries; q++)
    for (let d = 1; d <= docs; d++)
      rows.push({
        qid: `q${q}`,
        query: `query number ${q}`,
        docId: `q${q}-d${d}`,
        document: `document ${d} for query ${q}`,
        label: d === docs ? 2 : 0,
      });
  return rows;
}

/** A load of 10 synthetic documents against the embedded server's bm25: the base of the CLI's flag tests. */
export const EMBEDDED_LOAD = ["load", "--endpoint", "embedded", "--model", "bm25", "--docs", "10"];
