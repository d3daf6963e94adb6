/**
 * The rule every archive entry name follows, checked when writing and when reading. Its own file:
 * readers (verify, restore, export) must not load the zip writer's library just for it.
 */
import { UsageError } from '../errors.js';

/** Entry names are relative POSIX paths with no `..`, no absolute part and no backslash. */
export function assertSafeEntryName(name: string): void {
  const bad =
    name === '' || name.startsWith('/') || name.includes('\\') || name.includes('\0') || /^[A-Za-z]:/.test(name) || name.split('/').some((part) => part === '..' || part === '.' || part === '');
  if (bad)
    throw new UsageError(`unsafe archive entry name "${name}": entries must be relative paths without ".." or absolute parts`, {
      hint: 'rename the file or table so that its path has no ".." or leading "/" part',
    });
}
