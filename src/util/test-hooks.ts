/**
 * Fault-injection points for the end-to-end tests, which drive the built binary and cannot reach
 * inside it (a signal that must land at one exact step cannot be timed from outside on a loaded
 * machine). Inert unless ORGBACKUP_TEST_PAUSE_AT names the point:
 *
 *   ORGBACKUP_TEST_PAUSE_AT=<point>[:<key suffix>]   e.g. local-commit:.manifest.json
 *
 * The run then prints `orgbackup-test: paused at <point> <key>` on stderr and waits there until
 * its signal is aborted (SIGINT/SIGTERM), then goes on as if the signal had arrived during that
 * step. Not for production use: it exists only so that tests can interrupt a run deterministically.
 */
export const PAUSE_ENV = 'ORGBACKUP_TEST_PAUSE_AT';

/** Whether `wanted` (the variable's value) names this point and key. */
export function pauseMatches(wanted: string | undefined, point: string, key: string): boolean {
  if (!wanted) return false;
  const colon = wanted.indexOf(':');
  if (colon < 0) return wanted === point;
  return wanted.slice(0, colon) === point && key.endsWith(wanted.slice(colon + 1));
}

export async function pauseAt(point: string, key: string, signal: AbortSignal | undefined): Promise<void> {
  if (!pauseMatches(process.env[PAUSE_ENV], point, key) || !signal || signal.aborted) return;
  process.stderr.write(`orgbackup-test: paused at ${point} ${key}\n`);
  await new Promise<void>((resolve) => {
    // A pending abort listener alone does not keep Node running; the timer does.
    const keepAlive = setInterval(() => undefined, 60_000);
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(keepAlive);
        resolve();
      },
      { once: true },
    );
  });
}
