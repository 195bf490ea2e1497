/**
 * The floor for the load sender on this machine: the least an open-loop Node sender can do at a rate
 * (one undici pool, one timer loop like src/load/sender.ts, bodies encoded once, answers read whole but
 * neither parsed nor scored). Its sender lag is what the machine allows any Node client; the gap to
 * `rerank-eval load` is what our answer parsing, validation and quality scoring cost. Used by
 * bench/load.ts; not part of the tool.
 */
import { Pool } from "undici";

export interface FloorFigures {
  sent: number;
  achievedRate: number;
  lag: { p50: number; p99: number; max: number };
  latency: { p50: number; p99: number };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

export async function senderFloor(
  url: string,
  body: string,
  rate: number,
  seconds: number,
  warmupSeconds = 2,
): Promise<FloorFigures> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { pipelining: 1, keepAliveTimeout: 30_000 });
  const bytes = Buffer.from(body);
  const warmMs = warmupSeconds * 1000;
  const endMs = warmMs + seconds * 1000;
  const lags: number[] = [];
  const latencies: number[] = [];
  let ok = 0;
  let inFlight = 0;
  let n = 0;
  let next = 0;
  let lastOk = 0;
  const t0 = performance.now();
  const send = (intended: number) => {
    inFlight++;
    pool.dispatch(
      { method: "POST", path: target.pathname, headers: { "content-type": "application/json" }, body: bytes },
      {
        onConnect() {},
        onHeaders: () => true,
        onData: () => true,
        onComplete() {
          inFlight--;
          const done = performance.now() - t0;
          if (intended >= warmMs) {
            ok++;
            lastOk = done;
            latencies.push(done - intended);
          }
        },
        onError() {
          inFlight--;
        },
      },
    );
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now() - t0;
      let burst = 0;
      while (next <= now && next < endMs && burst < 64) {
        if (next >= warmMs) lags.push(now - next);
        send(next);
        n++;
        next = (n * 1000) / rate;
        burst++;
      }
      if (next >= endMs) {
        const wait = setInterval(() => {
          if (inFlight === 0) {
            clearInterval(wait);
            resolve();
          }
        }, 10);
        return;
      }
      if (burst === 64) setImmediate(tick);
      else setTimeout(tick, Math.max(0, Math.min(50, next - (performance.now() - t0))));
    };
    tick();
  });
  await pool.close();
  lags.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  return {
    sent: lags.length,
    achievedRate: (ok * 1000) / Math.max(lastOk - warmMs, seconds * 1000),
    lag: { p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), max: lags[lags.length - 1] },
    latency: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
  };
}
