/**
 * Progress of the rerank phase: a cli-progress bar on a terminal (done/total, rate, ETA, errors),
 * and on anything else plain lines every ~2 s or 10 % (a CI log must not fill with bar redraws).
 */
import cliProgress from "cli-progress";

export interface Progress {
  tick(failed: boolean): void;
  stop(): void;
}

/**
 * Where progress goes: all that the bar (cli-progress calls write, directly and through readline's
 * cursor helpers, and reads isTTY and columns) and the plain lines use. Not NodeJS.WritableStream,
 * so the public types need no @types/node; process.stderr is one.
 */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Tasks: (variant, query) pairs that call the API. */
  total: number;
  /** What the tasks are, said once at the start: "4 variants × 22 queries". */
  what?: string;
  stream: ProgressStream;
  /** Force the plain-lines mode (or the bar) instead of asking the stream. */
  tty?: boolean;
  quiet?: boolean;
  /** Minimum ms between plain lines. */
  intervalMs?: number;
}

export function createProgress(opts: ProgressOptions): Progress {
  if (opts.quiet || opts.total === 0) return { tick: () => {}, stop: () => {} };
  // The counts are tasks, not queries: said once, so "9/88" is not read as 9 of 88 queries.
  if (opts.what) opts.stream.write(`rerank: ${opts.total} tasks (${opts.what})\n`);
  return (opts.tty ?? opts.stream.isTTY === true) ? barProgress(opts) : lineProgress(opts);
}

function barProgress({ total, stream }: ProgressOptions): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: "rerank {bar} {value}/{total} tasks | {rate} tasks/s | ETA {eta_formatted} | errors {errors}",
      hideCursor: true,
      etaBuffer: 100,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let done = 0;
  let errors = 0;
  bar.start(total, 0, { rate: "0.0", errors: 0 });
  const unwatch = restoreCursorOnSignal(() => bar.stop());
  return {
    tick(failed) {
      done++;
      if (failed) errors++;
      const rate = done / Math.max((performance.now() - started) / 1000, 1e-3);
      bar.update(done, { rate: rate.toFixed(1), errors });
    },
    stop() {
      unwatch();
      bar.stop();
    },
  };
}

/**
 * The bar hides the cursor; a Ctrl-C mid-run must not leave the user's terminal without one. The
 * handler stops the bar and then re-raises the signal, so the process still ends as the user asked
 * (cli-progress's own gracefulExit only stops the bar and keeps the run going). When the run has a
 * handler of its own (the CLI stops cleanly on a signal), the bar leaves the signal to it.
 */
function restoreCursorOnSignal(stopBar: () => void): () => void {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => {
      // The run handles the signal itself (the CLI's clean stop): the phase ends, and stop() with it.
      if (process.listenerCount(signal) > 1) return;
      for (const [i, s] of signals.entries()) process.removeListener(s, handlers[i]);
      stopBar();
      process.kill(process.pid, signal);
    };
    process.on(signal, handler);
    return handler;
  });
  return () => {
    for (const [i, s] of signals.entries()) process.removeListener(s, handlers[i]);
  };
}

function lineProgress({ total, stream, intervalMs = 2000 }: ProgressOptions): Progress {
  const started = performance.now();
  let done = 0;
  let errors = 0;
  let lastAt = started;
  let lastDecile = 0;
  const line = () => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = done / Math.max(elapsed, 1e-3);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const pct = ((100 * done) / total).toFixed(0);
    stream.write(
      `rerank: ${done}/${total} tasks (${pct}%) ${rate.toFixed(1)} tasks/s, ETA ${eta.toFixed(0)} s, errors ${errors}\n`,
    );
  };
  return {
    tick(failed) {
      done++;
      if (failed) errors++;
      const now = performance.now();
      const decile = Math.floor((10 * done) / total);
      if (done === total) return;
      if (now - lastAt >= intervalMs || decile > lastDecile) {
        lastAt = now;
        lastDecile = decile;
        line();
      }
    },
    stop() {
      if (done > 0) line();
    },
  };
}
