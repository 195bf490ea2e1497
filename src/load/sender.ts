/**
 * The open-loop sender of one step. One timer loop sends every request whose intended time has
 * passed (no timer per request), so a slow server never slows the schedule down: latency is
 * measured from each request's INTENDED send time (coordinated omission corrected, as wrk2 and k6
 * do), and how late the loop itself was (actual − intended) is measured apart as sender lag, so an
 * overloaded client is not mistaken for a slow server. At most `maxInFlight` requests are out; a
 * request due while that many are out is dropped and counted. At most `connections` of them are on
 * the wire at once (wrk2's -c): one due while that many are unanswered waits, in arrival order, for
 * the next answer; its wait is in its latency, and measured apart as connection wait, neither lag
 * nor hidden.
 */
import { setMaxListeners } from "node:events";
import { LatencyHistogram } from "./histogram.js";
import { type Arrival, scheduleOf, withWarmupRamp } from "./schedule.js";

export interface StepSpec {
  rate: number;
  arrival: Arrival;
  seed: number;
  /**
   * Not recorded: the requests intended before this (ms), at a rate ramping up to `rate`
   * (schedule.ts withWarmupRamp), only warm the connections and the server.
   */
  warmupMs: number;
  /** The recorded window, ms; or `requests` recorded requests. */
  durationMs?: number;
  requests?: number;
  maxInFlight: number;
  /**
   * Requests on the wire at once, so connections open at once (HTTP/1.1: one request a connection);
   * at most maxInFlight, which is the default. Without a bound, a server stall of 200 ms at 2,000/s
   * opens 400 new connections, and on a machine the sender shares with the server the cost of those
   * connections and of the server's queue of parsed bodies can keep both behind long after the stall.
   */
  connections?: number;
}

/** What became of one request: an answer, or an error of some kind ("http 503", "network", ...). */
export type SendOutcome = { ok: true } | { ok: false; kind: string };

/**
 * Sends request number `seq` (0-based over the step, warmup included); `recorded` is false for a
 * warmup request. The promise must settle (the client's deadline bounds it) and must not reject.
 */
export type Send = (seq: number, recorded: boolean, signal: AbortSignal) => Promise<SendOutcome>;

export interface StepOutcome {
  /** Recorded requests scheduled: sent + dropped. */
  requests: number;
  dropped: number;
  ok: number;
  errors: number;
  errorsByKind: Record<string, number>;
  /** Recorded errors per second of the window, by kind. */
  errorsOverTime: { second: number; byKind: Record<string, number> }[];
  latency: LatencyHistogram;
  lag: LatencyHistogram;
  /** ms each sent recorded request waited for a free connection after it was due (0 for most). */
  connectionWait: LatencyHistogram;
  /** Recorded requests that waited for a free connection. */
  waited: number;
  /** The recorded window as scheduled, ms. */
  windowMs: number;
  /**
   * Recorded ok answers per second: over the window, or over the time from its start to the last
   * ok answer when that is longer (a server that queues finishes late: its throughput is lower).
   */
  achievedRate: number;
  /** The step was stopped (Ctrl-C) before its schedule ended. */
  stopped: boolean;
}

/** The loop never sleeps longer than this, so a stop is noticed and the timer stays coarse-free. */
const MAX_SLEEP_MS = 50;
/**
 * Sends per turn of the loop at most: a sender that fell behind catches up in slices, letting the
 * answers (I/O callbacks) in between, instead of one long burst that makes it later still.
 */
const MAX_BURST = 64;

export function runStep(spec: StepSpec, send: Send, stop?: AbortSignal): Promise<StepOutcome> {
  const { rate, warmupMs, maxInFlight } = spec;
  const connections = Math.min(spec.connections ?? maxInFlight, maxInFlight);
  const schedule = withWarmupRamp(scheduleOf(spec.arrival, rate, spec.seed), rate, warmupMs);
  const windowMs = spec.durationMs ?? ((spec.requests ?? 0) * 1000) / rate;
  const endMs = warmupMs + windowMs;
  const latency = new LatencyHistogram();
  const lag = new LatencyHistogram();
  const connectionWait = new LatencyHistogram();
  const errorsByKind: Record<string, number> = {};
  const perSecond = new Map<number, Record<string, number>>();
  const abort = new AbortController();
  // Every request in flight listens on this one signal (the client's abort): hundreds, by design.
  setMaxListeners(0, abort.signal);
  let requests = 0;
  let dropped = 0;
  let ok = 0;
  let errors = 0;
  /** Sent or waiting for a connection: what maxInFlight bounds. */
  let inFlight = 0;
  let onWire = 0;
  let waited = 0;
  // Due while every connection was busy, in arrival order: seq, intended and due times, recorded.
  const waiting: { seq: number; intended: number; dueAt: number; recorded: boolean }[] = [];
  let waitHead = 0;
  let lastOkMs = warmupMs;
  let seq = 0;
  let scheduling = true;
  let stopped = false;
  let next = schedule.next();
  const t0 = performance.now();

  return new Promise<StepOutcome>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (scheduling || inFlight > 0) return;
      stop?.removeEventListener("abort", onStop);
      const errorsOverTime = [...perSecond.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([second, byKind]) => ({ second, byKind }));
      const span = lastOkMs - warmupMs;
      resolve({
        requests,
        dropped,
        ok,
        errors,
        errorsByKind,
        errorsOverTime,
        latency,
        lag,
        connectionWait,
        waited,
        windowMs,
        achievedRate: ok === 0 ? 0 : (ok * 1000) / Math.max(span, stopped ? 1 : windowMs),
        stopped,
      });
    };
    const onStop = () => {
      stopped = true;
      scheduling = false;
      if (timer) clearTimeout(timer);
      // Never sent: nothing to abort, and no answer will come to count them down.
      inFlight -= waiting.length - waitHead;
      waiting.length = 0;
      waitHead = 0;
      abort.abort(stop?.reason);
      finish();
    };
    stop?.addEventListener("abort", onStop, { once: true });

    const due = (): boolean =>
      spec.durationMs !== undefined ? next < endMs : next < warmupMs || requests < (spec.requests ?? 0);

    const fire = (intended: number) => {
      const recorded = intended >= warmupMs;
      if (inFlight >= maxInFlight) {
        if (recorded) {
          requests++;
          dropped++;
        }
        return;
      }
      if (recorded) requests++;
      const dueAt = performance.now() - t0;
      if (recorded) lag.record(dueAt - intended);
      inFlight++;
      if (onWire < connections) launch(seq, intended, recorded, 0);
      else waiting.push({ seq, intended, dueAt, recorded });
    };

    const launch = (n: number, intended: number, recorded: boolean, waitMs: number) => {
      if (recorded) {
        connectionWait.record(waitMs);
        if (waitMs > 0) waited++;
      }
      onWire++;
      send(n, recorded, abort.signal).then((outcome) => {
        onWire--;
        inFlight--;
        if (recorded && !stopped) {
          const doneAt = performance.now() - t0;
          latency.record(doneAt - intended);
          if (outcome.ok) {
            ok++;
            if (doneAt > lastOkMs) lastOkMs = doneAt;
          } else {
            errors++;
            errorsByKind[outcome.kind] = (errorsByKind[outcome.kind] ?? 0) + 1;
            const second = Math.floor((intended - warmupMs) / 1000);
            const bucket = perSecond.get(second) ?? {};
            perSecond.set(second, bucket);
            bucket[outcome.kind] = (bucket[outcome.kind] ?? 0) + 1;
          }
        }
        // The connection this answer freed takes the oldest request waiting for one.
        if (waitHead < waiting.length) {
          const w = waiting[waitHead++];
          // A moving head (shift() is O(n)), the dead prefix dropped once it outgrows the rest.
          if (waitHead > 1024 && waitHead * 2 > waiting.length) {
            waiting.splice(0, waitHead);
            waitHead = 0;
          }
          launch(w.seq, w.intended, w.recorded, performance.now() - t0 - w.dueAt);
        }
        if (!scheduling) finish();
        // The answers of a busy moment are handled one after another in one turn of the event
        // loop; sending what fell due between them, instead of at the next timer, keeps them
        // from delaying the schedule by the whole turn.
        else if (timer !== undefined && next <= performance.now() - t0) tick();
      });
    };

    const tick = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (!scheduling) return;
      const now = performance.now() - t0;
      let burst = 0;
      while (next <= now && due() && burst < MAX_BURST) {
        fire(next);
        seq++;
        burst++;
        next = schedule.next();
      }
      if (!due()) {
        scheduling = false;
        finish();
        return;
      }
      if (burst === MAX_BURST) {
        setImmediate(tick);
        return;
      }
      const wait = next - (performance.now() - t0);
      timer = setTimeout(tick, Math.min(Math.max(wait, 0), MAX_SLEEP_MS));
    };
    tick();
  });
}
