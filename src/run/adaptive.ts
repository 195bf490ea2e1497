/**
 * The run's limiter: at most `limit` tasks at once, in the order they were queued, with a limit that
 * adapts to rate limiting (AIMD, the scheduler promptfoo moved to after its users' 429 troubles):
 * halved on a 429 (at most once per window, so one burst of 429s, which the server sends to every
 * request in flight at once, halves it once), grown back by one after `limit` successes in a row at
 * the current limit, never above the ceiling (-j) nor below 1. It replaces p-limit, whose limit is
 * fixed per queue, and records every change so the report can show the concurrency over time.
 */

export interface AdaptiveLimiterOptions {
  /** Halvings closer together than this count as one burst (ms). */
  windowMs?: number;
  /** The clock (ms, monotonic); performance.now by default. */
  now?: () => number;
}

/** One change of the limit: at `atMs` (on the limiter's clock) it became `limit`. */
export interface LimitChange {
  atMs: number;
  limit: number;
}

export class AdaptiveLimiter {
  readonly max: number;
  private current: number;
  private running = 0;
  /** Waiting starters, FIFO; `head` avoids Array#shift's copying over a million queued tasks. */
  private queue: (() => void)[] = [];
  private head = 0;
  private successes = 0;
  private lastHalvingAt = Number.NEGATIVE_INFINITY;
  private readonly windowMs: number;
  private readonly now: () => number;
  readonly changes: LimitChange[] = [];

  constructor(max: number, opts: AdaptiveLimiterOptions = {}) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`limit must be an integer >= 1, got ${max}`);
    this.max = max;
    this.current = max;
    this.windowMs = opts.windowMs ?? 100;
    this.now = opts.now ?? (() => performance.now());
  }

  /** The limit in force now. */
  get limit(): number {
    return this.current;
  }

  /** Tasks started and not yet finished. */
  get active(): number {
    return this.running;
  }

  /** Tasks queued and not yet started. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** The lowest limit so far. */
  get min(): number {
    let min = this.max;
    for (const c of this.changes) if (c.limit < min) min = c.limit;
    return min;
  }

  /** Runs `fn` once a slot is free; `fn` receives the limit in force when it started. */
  run<T>(fn: (limit: number) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        const limit = this.current;
        let result: Promise<T>;
        try {
          result = fn(limit);
        } catch (err) {
          result = Promise.reject(err);
        }
        result.then(resolve, reject).finally(() => {
          this.running--;
          this.drain();
        });
      };
      if (this.running < this.current && this.waiting === 0) start();
      else this.queue.push(start);
    });
  }

  /** A 429: halve the limit, unless it was halved within the window (the same burst). */
  rateLimited(): void {
    const now = this.now();
    this.successes = 0;
    if (now - this.lastHalvingAt < this.windowMs) return;
    this.lastHalvingAt = now;
    const next = Math.max(1, Math.floor(this.current / 2));
    if (next !== this.current) this.set(next, now);
  }

  /** A task that went through without a 429: after `limit` of them in a row, one more slot. */
  succeeded(): void {
    if (this.current >= this.max) return;
    if (++this.successes < this.current) return;
    this.successes = 0;
    this.set(this.current + 1, this.now());
    this.drain();
  }

  private set(limit: number, atMs: number): void {
    this.current = limit;
    this.changes.push({ atMs, limit });
  }

  private drain(): void {
    while (this.running < this.current && this.head < this.queue.length) {
      const start = this.queue[this.head];
      this.queue[this.head++] = noop;
      start();
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

const noop = () => {};
