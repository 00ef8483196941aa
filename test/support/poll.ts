/** Polls `probe` every 100 ms until it returns true or `boundMs` has passed; the caller asserts the result. */
export async function eventually(probe: () => Promise<boolean>, boundMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise<void>((resolve) => setTimeout(resolve, 100));
  }
}
