/**
 * The injected latencies (--latency-ms, --per-doc-ms) in flight, so close() can cut them short.
 *
 * Why not `setTimeout(ms, undefined, { signal })` on one shared "closing" AbortSignal: every sleeping
 * request then holds an abort listener on that signal, and past 10 concurrent requests Node prints a
 * MaxListenersExceededWarning on the server's stderr. One registry of timers needs no listener at all.
 */

/** A wait ended by close(): there is no longer anyone to answer. */
export class ServerClosing extends Error {
  constructor() {
    super("server closing");
  }
}

export class PendingDelays {
  readonly #cancels = new Set<() => void>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** Waits in flight (for tests: the registry must not grow with finished requests). */
  get size(): number {
    return this.#cancels.size;
  }

  /** Resolves after `ms`; rejects with ServerClosing if cancelAll() runs first (or already ran). */
  wait(ms: number): Promise<void> {
    if (this.#closed) return Promise.reject(new ServerClosing());
    return new Promise((resolve, reject) => {
      const cancel = () => {
        clearTimeout(timer);
        reject(new ServerClosing());
      };
      const timer = setTimeout(() => {
        this.#cancels.delete(cancel);
        resolve();
      }, ms);
      this.#cancels.add(cancel);
    });
  }

  /** Ends every wait now and refuses new ones. */
  cancelAll(): void {
    this.#closed = true;
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
  }
}
