import { ServerClosing } from "./delays.js";

/**
 * --capacity N: at most N requests in service (their injected latency and scoring), the rest wait in
 * FIFO order. A real deployment (TEI's max concurrent requests, vLLM's batch slots) queues rather than
 * refuses, so past N × 1000 / latency requests/s the latency grows with the queue while the throughput
 * stays flat: the saturation a load test has to find.
 */
export class ServiceSlots {
  readonly #capacity: number;
  #inService = 0;
  // A FIFO with a moving head: shift() on a long array is O(n) per call, and a saturated server can
  // hold thousands of waiters. Compacted when the dead prefix outgrows the live part.
  #queue: Array<{ grant: () => void; refuse: (err: Error) => void } | undefined> = [];
  #head = 0;
  #closed = false;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Requests being served now (≤ capacity). */
  get inService(): number {
    return this.#inService;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Resolves, in arrival order, when a slot is free; the caller must call the release it gets exactly
   * once. Rejects with ServerClosing after close().
   */
  acquire(): Promise<() => void> {
    if (this.#closed) return Promise.reject(new ServerClosing());
    if (this.#inService < this.#capacity) {
      this.#inService++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ grant: () => resolve(this.#releaser()), refuse: reject });
    });
  }

  /** Refuses every waiter (the server is closing) and any later acquire. */
  close(): void {
    this.#closed = true;
    for (let i = this.#head; i < this.#queue.length; i++) this.#queue[i]?.refuse(new ServerClosing());
    this.#queue = [];
    this.#head = 0;
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#next();
      // The slot passes straight to the next waiter: inService stays the same.
      if (next) next.grant();
      else this.#inService--;
    };
  }

  #next(): { grant: () => void } | undefined {
    if (this.#head === this.#queue.length) return undefined;
    const next = this.#queue[this.#head];
    this.#queue[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return next;
  }
}
