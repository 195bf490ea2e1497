/**
 * A caller's AbortSignal is often shared by every rerank() call of a run (one "cancel the run"
 * signal). A listener per call on it would trip Node's MaxListenersExceededWarning past 10 calls in
 * flight, so each signal gets ONE listener, fanned out to the calls currently linked to it, and
 * removed when the last of them ends.
 */

interface FanOut {
  listener: () => void;
  controllers: Set<AbortController>;
}

const fanOuts = new WeakMap<AbortSignal, FanOut>();

/** Aborts `controller` (with the signal's reason) when `signal` aborts. Call the result when done. */
export function linkAbort(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (signal === undefined) return () => {};
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  let fan = fanOuts.get(signal);
  if (fan === undefined) {
    const controllers = new Set<AbortController>();
    const listener = () => {
      fanOuts.delete(signal);
      for (const linked of controllers) linked.abort(signal.reason);
    };
    signal.addEventListener("abort", listener, { once: true });
    fan = { listener, controllers };
    fanOuts.set(signal, fan);
  }
  const linked = fan;
  linked.controllers.add(controller);
  return () => {
    linked.controllers.delete(controller);
    if (linked.controllers.size === 0 && fanOuts.get(signal) === linked) {
      signal.removeEventListener("abort", linked.listener);
      fanOuts.delete(signal);
    }
  };
}
