// PLACEHOLDER (issue 4/6): replaced by rows mode restore.
import { UsageError } from '../../../errors.js';
export async function restoreRows(..._args: unknown[]): Promise<never> {
  throw new UsageError('tenant mode "rows" is not available in this build yet');
}
export const checkRowsEntry = restoreRows;
