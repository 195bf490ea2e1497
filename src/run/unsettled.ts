/**
 * What the process still owes: the tasks of the runs in progress that have not settled. The CLI's
 * exit guard (cli/app.ts) reads it when the event loop empties while a command is still pending,
 * which only a bug can cause (a promise that never settles), to say how much work was left hanging.
 */
const counters = new Set<() => number>();

/** Registers a count of unsettled tasks; call the result once they are all settled. */
export function trackUnsettled(count: () => number): () => void {
  counters.add(count);
  return () => counters.delete(count);
}

/** Tasks started or queued and not settled, over every run in progress. */
export function unsettledTasks(): number {
  let n = 0;
  for (const count of counters) n += count();
  return n;
}
