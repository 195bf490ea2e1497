/**
 * Stopping a run cleanly. The first SIGINT or SIGTERM stops the launching of tasks and gives the
 * calls in flight a grace period to finish (their answers are paid for); a second signal, or the
 * end of the grace period, aborts them. The run then writes what it has and a report marked
 * incomplete, and the CLI exits 130 or 143 with the command that resumes it.
 */

export type StopSignal = "SIGINT" | "SIGTERM";

export const DEFAULT_GRACE_MS = 10_000;

export class RunStop {
  private readonly stopping = new AbortController();
  private readonly aborting = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** The signal that stopped the run, if one did. */
  signal: StopSignal | undefined;
  /** True while the set is read: a stop then ends the reading and nothing is written. */
  loading = false;

  constructor(readonly graceMs = DEFAULT_GRACE_MS) {}

  /** Aborted on the first request: launch nothing more. */
  get stopSignal(): AbortSignal {
    return this.stopping.signal;
  }

  /** Aborted on the second request or when the grace period ends: cut the calls in flight short. */
  get abortSignal(): AbortSignal {
    return this.aborting.signal;
  }

  get requested(): boolean {
    return this.stopping.signal.aborted;
  }

  /** A stop asked for; returns "stop" the first time, "abort" after. */
  request(signal: StopSignal): "stop" | "abort" {
    if (!this.stopping.signal.aborted) {
      this.signal = signal;
      this.stopping.abort(signal);
      this.timer = setTimeout(() => this.aborting.abort("grace period over"), this.graceMs);
      // The grace period never keeps the process alive by itself.
      this.timer.unref();
      return "stop";
    }
    this.aborting.abort(signal);
    return "abort";
  }

  /** Clears the grace timer (the run is over). */
  dispose(): void {
    clearTimeout(this.timer);
  }
}

/**
 * SIGINT and SIGTERM routed to `stop` instead of ending the process; `say` gets one line for the
 * user at each; a third ends the process at once. Returns the function that puts the default
 * handling back.
 */
export function stopOnSignals(stop: RunStop, say: (line: string) => void): () => void {
  const signals: StopSignal[] = ["SIGINT", "SIGTERM"];
  let received = 0;
  const unwatch = () => {
    for (const [i, s] of signals.entries()) process.removeListener(s, handlers[i]);
    stop.dispose();
  };
  const handlers = signals.map((signal) => {
    const handler = () => {
      // A third signal: the user insists (something is stuck, say a load that takes long). The
      // default action, at once; the folder stays resumable as after a kill.
      if (++received >= 3) {
        unwatch();
        process.kill(process.pid, signal);
        return;
      }
      const step = stop.request(signal);
      if (step === "stop" && stop.loading)
        say(`${signal}: stopping while the dataset loads; nothing will be written`);
      else if (step === "stop" && stop.graceMs === 0)
        // `load`: an open loop's requests in flight are cut off with the schedule, not waited for.
        say(`${signal}: stopping; the requests in flight are cut off now`);
      else if (step === "stop")
        say(
          `${signal}: stopping; the requests in flight have ${Math.round(stop.graceMs / 1000)} s to finish (again to abort them now)`,
        );
      else say(`${signal}: aborting the requests in flight (again to exit at once)`);
    };
    process.on(signal, handler);
    return handler;
  });
  return unwatch;
}
