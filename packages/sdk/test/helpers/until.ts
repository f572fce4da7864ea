/**
 * Waits until `condition` holds, checking every few milliseconds, and raises an error after
 * `timeoutMs`. For tests that wait on messages crossing loopback sockets.
 */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
