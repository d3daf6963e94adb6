// PLACEHOLDER (issue 5): replaced by the MySQL rows-mode restore (in progress).
import { UsageError } from '../../../errors.js';
export async function restoreMysqlRows(..._args: unknown[]): Promise<never> {
  throw new UsageError('tenant mode "rows" is not available for mysql sources in this build yet');
}
export const checkMysqlRowsEntry = restoreMysqlRows;
