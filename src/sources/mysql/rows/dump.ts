// PLACEHOLDER (issue 5): replaced by the MySQL rows-mode dump (in progress).
import { UsageError } from '../../../errors.js';
export async function dumpMysqlRows(..._args: unknown[]): Promise<never> {
  throw new UsageError('tenant mode "rows" is not available for mysql sources in this build yet');
}
