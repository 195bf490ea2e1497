import type { PendingDelays } from "./delays.js";

/**
 * The pause fault (--pause-at-ms/--pause-ms, POST /admin/pause?ms=D, RunningServer.pause): the server
 * stalls as a whole, as in a long GC pause, a failover or a stuck batch. Every rerank request in
 * service or arriving while it lasts answers only after it ends. A closed-loop sender stops sending
 * during such a stall and so hides it (coordinated omission); an open-loop one must show it.
 */
export class PauseGate {
  #until = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly delays: PendingDelays,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Stalls from now for `ms`; a pause during a pause extends it to whichever ends later. */
  pause(ms: number): void {
    this.#until = Math.max(this.#until, this.now() + ms);
  }

  /** Milliseconds left of the current pause (0 when not paused). */
  get remainingMs(): number {
    return Math.max(0, this.#until - this.now());
  }

  /**
   * Resolves at once when not paused, else when the pause ends (again if it was extended meanwhile).
   * Sleeps through the server's PendingDelays, so close() ends it with ServerClosing.
   */
  async wait(): Promise<void> {
    for (let left = this.remainingMs; left > 0; left = this.remainingMs) await this.delays.wait(left);
  }
}
