import { Pool } from "undici";
import { startServe } from "./serve-process.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg("seconds", 5);
const CONCURRENCY = arg("concurrency", 16);
const DOCS = 100;
const CLIENT = "../dist/rerank/client.js";

/** ~300-byte English-like documents, deterministic. */
function documents(n: number): string[] {
  const words =
    "the rerank model scores each candidate passage against the query and returns a relevance".split(" ");
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: n }, (_, i) => {
    let s = `Document ${i}:`;
    while (s.length < 300) s += ` ${words[Math.floor(next() * words.length)]}`;
    return s.slice(0, 300);
  });
}

interface Figures {
  calls: number;
  errors: number;
  seconds: number;
  cpuMicros: number;
  latencies: number[];
}

/** Keep `CONCURRENCY` calls in flight for `seconds`; measure this process's CPU over the window. */
async function drive(call: () => Promise<unknown>, seconds: number): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await call();
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    calls: latencies.length,
    errors,
    seconds: (performance.now() - started) / 1000,
    cpuMicros: used.user + used.system,
    latencies: latencies.sort((a, b) => a - b),
  };
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

async function main() {
  const { createReranker } = (await import(CLIENT)) as typeof import("../src/rerank/client.js");
  const { child, url } = await startServe();
  const docs = documents(DOCS);
  const query = "which passage explains how a rerank model scores candidates";
  const rows: [string, Figures][] = [];
  try {
    const client = createReranker({
      provider: "regolo",
      endpoint: `${url}/rerank`,
      model: "identity",
      env: { REGOLO_API_KEY: "bench-not-a-secret" },
    });
    const cohere = createReranker({
      provider: "cohere",
      endpoint: `${url}/v2/rerank`,
      model: "identity",
      env: { COHERE_API_KEY: "bench-not-a-secret" },
    });
    const pool = new Pool(url, { pipelining: 1 });
    const raw = async () => {
      const res = await pool.request({
        method: "POST",
        path: "/rerank",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "identity", query, documents: docs }),
      });
      const body = (await res.body.json()) as { results: unknown[] };
      if (res.statusCode !== 200 || body.results.length !== DOCS) throw new Error(`status ${res.statusCode}`);
    };
    const checked = (c: typeof client) => async () => {
      const r = await c.rerank(query, docs);
      if (r.items.length !== DOCS || r.items[0].index !== 0) throw new Error("unexpected answer");
    };
    await drive(checked(client), 1); // warm-up: JIT, keep-alive sockets
    rows.push(["createReranker regolo /rerank", await drive(checked(client), SECONDS)]);
    rows.push(["createReranker cohere /v2/rerank", await drive(checked(cohere), SECONDS)]);
    await drive(raw, 1);
    rows.push(["baseline: undici POST, bare JSON in/out", await drive(raw, SECONDS)]);
    await Promise.all([client.close(), cohere.close(), pool.close()]);
  } finally {
    child.kill("SIGTERM");
  }

  console.log(
    `client bench: node ${process.version}, concurrency ${CONCURRENCY}, ${DOCS} docs x ~300 B per call, ${SECONDS} s per row, serve --latency-ms 0 (separate process), model identity\n`,
  );
  const header = ["client", "calls", "errors", "calls/s", "p50 ms", "p99 ms", "client CPU/call µs"];
  const table = rows.map(([name, f]) => [
    name,
    String(f.calls),
    String(f.errors),
    (f.calls / f.seconds).toFixed(0),
    pct(f.latencies, 0.5).toFixed(2),
    pct(f.latencies, 0.99).toFixed(2),
    (f.cpuMicros / Math.max(1, f.calls)).toFixed(0),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c].length)));
  for (const r of [header, ...table])
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
  const base = rows[2][1];
  const ours = rows[0][1];
  console.log(
    `\nclient overhead over the bare baseline: ${(ours.cpuMicros / ours.calls - base.cpuMicros / base.calls).toFixed(0)} µs CPU per call`,
  );
  if (rows.some(([, f]) => f.errors > 0)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
