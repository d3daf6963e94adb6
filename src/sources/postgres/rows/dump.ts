// PLACEHOLDER (issue 4): replaced by rows mode.
import { UsageError } from '../../../errors.js';
export async function dumpRows(..._args: unknown[]): Promise<never> {
  throw new UsageError('tenant mode "rows" is not available in this build yet');
}
