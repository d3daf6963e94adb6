// PLACEHOLDER (issue 4): replaced by schema mode.
import { UsageError } from '../../errors.js';
export async function dumpSchema(..._args: unknown[]): Promise<never> {
  throw new UsageError('tenant mode "schema" is not available in this build yet');
}
export const restoreSchema = dumpSchema;
