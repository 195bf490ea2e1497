/**
 * A caller's AbortSignal is often shared by every rerank() call of a run (one "cancel the run"
 * signal). A listener per call on it would trip Node's MaxListenersExceededWarning past 10 calls in
 * flight, so each signal gets ONE listener, fanned out to the calls, attempts and back-off sleeps
 * currently linked to it, and removed when the last of them ends.
 */

interface FanOut {
  listener: () => void;
  callbacks: Set<() => void>;
}

const fanOuts = new WeakMap<AbortSignal, FanOut>();

/**
 * Calls `fn` once when `signal` aborts (at once when it already has), through the signal's one
 * listener. Call the result when done (the listener goes with the last callback). Each registration
 * passes a function of its own (every caller makes a closure per call).
 */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (signal === undefined) return () => {};
  if (signal.aborted) {
    fn();
    return () => {};
  }
  let fan = fanOuts.get(signal);
  if (fan === undefined) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      fanOuts.delete(signal);
      for (const callback of callbacks) callback();
    };
    signal.addEventListener("abort", listener, { once: true });
    fan = { listener, callbacks };
    fanOuts.set(signal, fan);
  }
  const linked = fan;
  linked.callbacks.add(fn);
  return () => {
    linked.callbacks.delete(fn);
    if (linked.callbacks.size === 0 && fanOuts.get(signal) === linked) {
      signal.removeEventListener("abort", linked.listener);
      fanOuts.delete(signal);
    }
  };
}

/** Aborts `controller` (with the signal's reason) when `signal` aborts. Call the result when done. */
export function linkAbort(signal: AbortSignal | undefined, controller: AbortController): () => void {
  return onAbort(signal, () => controller.abort(signal?.reason));
}
