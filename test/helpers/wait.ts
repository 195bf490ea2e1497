/** Polling for what a test cannot be told of directly: a file another process writes, a listing that grows. */

/** Resolves once `check` holds, checking every 10 ms; throws when it still does not after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}
