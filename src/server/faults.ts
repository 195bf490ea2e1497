import { mulberry32 } from "./seeded.js";

/**
 * Token bucket for --rate-limit: `rps` tokens per second, holding at most max(1, rps) so a burst of
 * one second's worth passes and the rest is refused. `now` is injectable for tests.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    private readonly rps: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = Math.max(1, rps);
    this.tokens = this.capacity;
    this.last = this.now();
  }

  /** Takes a token; when none is left, returns the whole seconds to wait (≥ 1) for Retry-After. */
  take(): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.rps);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const waitSeconds = (1 - this.tokens) / this.rps;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }
}

export type FaultDecision = "drop" | "fail" | "none";

/**
 * The drop/fail sequence. Exactly two uniforms are drawn per rerank request in arrival order, whatever
 * the rates, so the k-th request's fate depends only on the seed and k.
 */
export class FaultPlan {
  private readonly next: () => number;

  constructor(
    private readonly dropRate: number,
    private readonly failRate: number,
    seed: number,
  ) {
    this.next = mulberry32(seed);
  }

  decide(): FaultDecision {
    const u1 = this.next();
    const u2 = this.next();
    if (u1 < this.dropRate) return "drop";
    if (u2 < this.failRate) return "fail";
    return "none";
  }
}
