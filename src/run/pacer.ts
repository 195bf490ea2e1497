/**
 * A cap on requests per second shared by every variant: each request is given the next free slot
 * 1/rps after the previous one. No burst allowance on purpose: a provider's limit is usually a
 * sliding window, and an even pace never trips it, where a bucket's initial burst might.
 */
import { setTimeout as sleep } from "node:timers/promises";

export class RequestPacer {
  private nextSlot = 0;
  private readonly intervalMs: number;

  constructor(readonly rps: number) {
    if (!(rps > 0)) throw new RangeError(`rps must be positive, got ${rps}`);
    this.intervalMs = 1000 / rps;
  }

  /** Resolves when the caller may send its request. */
  async take(): Promise<void> {
    const now = performance.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await sleep(slot - now);
  }
}
