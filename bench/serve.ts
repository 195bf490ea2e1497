import { readFileSync } from "node:fs";
import { Pool } from "undici";
import { startServe } from "./serve-process.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg("seconds", 5);
const CONCURRENCY = arg("concurrency", 32);
const DOCS_PER_REQUEST = 100;

const CASES: { model: string; path: string }[] = [
  { model: "bm25", path: "/v1/rerank" },
  { model: "bm25", path: "/v2/rerank" },
  { model: "tfidf", path: "/v1/rerank" },
  { model: "identity", path: "/v1/rerank" },
  { model: "identity", path: "/v2/rerank" },
];

/** Zipf-like English-ish text from a fixed vocabulary, deterministic (mulberry32). */
function corpus(nDocs: number): { docs: string[]; vocab: string[] } {
  let a = 12345;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const syll = [
    "ka",
    "ro",
    "ti",
    "men",
    "ster",
    "al",
    "ing",
    "ed",
    "pre",
    "con",
    "tion",
    "ly",
    "ra",
    "vo",
    "the",
    "an",
  ];
  const vocab = Array.from({ length: 4000 }, () => {
    let w = "";
    for (let k = 1 + Math.floor(rnd() * 3); k >= 0; k--) w += syll[Math.floor(rnd() * syll.length)];
    return w;
  });
  const stop = ["the", "of", "and", "a", "in", "is", "to", "with"];
  const word = () =>
    rnd() < 0.3 ? stop[Math.floor(rnd() * stop.length)] : vocab[Math.floor(vocab.length * rnd() ** 2.5)];
  const docs = Array.from({ length: nDocs }, () => {
    let s = word();
    while (s.length < 300) s += ` ${word()}`;
    return `${s.slice(0, 1).toUpperCase()}${s.slice(1)}.`;
  });
  return { docs, vocab };
}

/** utime + stime of a process in ms (Linux); undefined elsewhere. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function drive(pool: Pool, path: string, bodies: string[], seconds: number) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const body = bodies[next++ % bodies.length];
      const t0 = performance.now();
      const res = await pool.request({
        path,
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await res.body.text();
      latencies.push(performance.now() - t0);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { elapsedS: (performance.now() - t0) / 1000, latencies: latencies.sort((a, b) => a - b), statuses };
}

async function main() {
  const { docs, vocab } = corpus(3000);
  const avgBytes = docs.reduce((s, d) => s + Buffer.byteLength(d), 0) / docs.length;
  const { child, url } = await startServe();
  const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  const rows: string[][] = [];
  try {
    for (const { model, path } of CASES) {
      // 128 distinct requests: different queries and candidate windows, serialised once up front.
      const bodies = Array.from({ length: 128 }, (_, i) => {
        const query = [0, 1, 2, 3].map((k) => vocab[(i * 37 + k * 101) % 400]).join(" ");
        const start = (i * 23) % (docs.length - DOCS_PER_REQUEST);
        return JSON.stringify({
          model,
          query,
          documents: docs.slice(start, start + DOCS_PER_REQUEST),
          top_n: 10,
        });
      });
      await drive(pool, path, bodies, 0.5); // warm-up: JIT, connections, stem cache
      const cpu0 = cpuMs(child.pid ?? 0);
      const r = await drive(pool, path, bodies, SECONDS);
      const cpu1 = cpuMs(child.pid ?? 0);
      const n = r.latencies.length;
      const ok = r.statuses.get(200) ?? 0;
      if (ok !== n) throw new Error(`${model} ${path}: non-200 answers ${JSON.stringify([...r.statuses])}`);
      rows.push([
        model,
        path,
        String(n),
        (n / r.elapsedS).toFixed(0),
        quantile(r.latencies, 0.5).toFixed(2),
        quantile(r.latencies, 0.99).toFixed(2),
        cpu0 !== undefined && cpu1 !== undefined ? ((cpu1 - cpu0) / n).toFixed(3) : "n/a",
      ]);
    }
  } finally {
    await pool.close();
    child.kill("SIGTERM");
  }
  const header = ["model", "route", "requests", "req/s", "p50 ms", "p99 ms", "server CPU ms/req"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
  console.log(
    `serve bench: ${DOCS_PER_REQUEST} docs/request (avg ${avgBytes.toFixed(0)} B), top_n 10, concurrency ${CONCURRENCY}, ${SECONDS} s per row, node ${process.version}, ${(await import("node:os")).cpus().length} CPUs`,
  );
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
