/**
 * Fault-injection points for the end-to-end tests, which drive the built binary and cannot reach
 * inside it (a signal that must land at one exact step cannot be timed from outside on a loaded
 * machine). Inert unless ORGBACKUP_TEST_PAUSE_AT names the point:
 *
 *   ORGBACKUP_TEST_PAUSE_AT=<point>[@<storage>][:<key suffix>]   e.g. local-commit:.manifest.json
 *
 * The run then prints `orgbackup-test: paused at <point> <key>` on stderr and waits there until
 * its signal is aborted (SIGINT/SIGTERM), then goes on as if the signal had arrived during that
 * step; or until it receives SIGUSR2, then goes on as if nothing had happened (so that a test can
 * hold one storage's upload while it does something else, e.g. run a prune). `@<storage>` holds
 * only that storage's put. Not for production use: it exists only so that tests can interrupt a
 * run deterministically.
 */
export const PAUSE_ENV = 'ORGBACKUP_TEST_PAUSE_AT';

/** Whether `wanted` (the variable's value) names this point and key. */
export function pauseMatches(wanted: string | undefined, point: string, key: string, storage?: string): boolean {
  if (!wanted) return false;
  const colon = wanted.indexOf(':');
  const [wantedPoint, wantedStorage] = (colon < 0 ? wanted : wanted.slice(0, colon)).split('@') as [string, string | undefined];
  if (wantedPoint !== point || (wantedStorage !== undefined && wantedStorage !== storage)) return false;
  return colon < 0 || key.endsWith(wanted.slice(colon + 1));
}

export async function pauseAt(point: string, key: string, signal: AbortSignal | undefined, storage?: string): Promise<void> {
  if (!pauseMatches(process.env[PAUSE_ENV], point, key, storage) || !signal || signal.aborted) return;
  await new Promise<void>((resolve) => {
    // A pending abort listener alone does not keep Node running; the timer does.
    const keepAlive = setInterval(() => undefined, 60_000);
    const done = () => {
      clearInterval(keepAlive);
      process.off('SIGUSR2', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    process.once('SIGUSR2', done);
    process.stderr.write(`orgbackup-test: paused at ${point} ${key}\n`);
  });
}
