// PLACEHOLDER (issue 6): replaced by the level-3 restore test.
import { UsageError } from '../errors.js';
export async function restoreTest(..._args: unknown[]): Promise<never> {
  throw new UsageError('--restore-test is not available in this build yet');
}
