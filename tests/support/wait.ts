/**
 * Polls `check` until it returns a value that is not undefined/false, and returns it; throws, naming `what` and
 * the last error `check` threw, after `timeoutMs`. The one way tests wait for the event that makes their
 * condition true: the timeout is a deadline for a failure message, never a pace.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
