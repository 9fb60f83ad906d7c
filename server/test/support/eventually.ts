// The one polling helper of the tests: for state that changes without an event to wait on (a row written
// after the response, Redis coming back). Events (a process's output, the fake upstream) are awaited instead.

/**
 * Calls `check` until it returns something other than undefined, and returns that; fails, naming `what`,
 * once `timeoutMs` has passed. The deadline only bounds a failure: a passing check returns at once.
 */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'the condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} was not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
