/**
 * The floor for the load sender on this machine: the tool's own open-loop step (src/load/sender.ts
 * `runStep`, the same schedule, lag and latency histograms) with the leanest send there is: one
 * undici pool, the body encoded once, the answer read whole and, with `parse`, JSON.parse'd, but not
 * validated, mapped or scored. Its sender lag is what the machine allows a Node sender that reads its
 * answers; the gap to `rerank-eval load` is what the client's checks and the quality scoring cost.
 * Used by bench/load.ts; not part of the tool.
 */
import { Pool } from "undici";
import type { Percentiles } from "../src/load/histogram.js";
import { runStep, type SendOutcome } from "../src/load/sender.js";

export interface FloorFigures {
  achievedRate: number;
  lag: Percentiles;
  latency: Percentiles;
}

/** The step: its rate, recorded seconds, warmup seconds and connections (the pool's and the loop's). */
export interface FloorStep {
  rate: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

export async function senderFloor(
  url: string,
  body: string,
  { rate, seconds, warmupSeconds, connections }: FloorStep,
  parse: boolean,
): Promise<FloorFigures> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { pipelining: 1, keepAliveTimeout: 30_000, connections });
  const bytes = Buffer.from(body);
  const headers = { "content-type": "application/json" };
  const send = () =>
    new Promise<SendOutcome>((resolve) => {
      const chunks: Buffer[] = [];
      let status = 0;
      pool.dispatch(
        { method: "POST", path: target.pathname, headers, body: bytes },
        {
          onRequestStart() {},
          onResponseStart(_c, statusCode) {
            status = statusCode;
          },
          onResponseData(_c, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            if (parse) JSON.parse(Buffer.concat(chunks).toString("utf8"));
            resolve(status === 200 ? { ok: true } : { ok: false, kind: `http ${status}` });
          },
          onResponseError() {
            resolve({ ok: false, kind: "network" });
          },
        },
      );
    });
  try {
    const step = await runStep(
      {
        rate,
        arrival: "constant",
        seed: 0,
        warmupMs: warmupSeconds * 1000,
        durationMs: seconds * 1000,
        maxInFlight: 1000,
        connections,
      },
      send,
    );
    return {
      achievedRate: step.achievedRate,
      lag: step.lag.percentiles(),
      latency: step.latency.percentiles(),
    };
  } finally {
    await pool.close();
  }
}
