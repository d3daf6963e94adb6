/** `--at`: an ISO 8601 time, or a duration before now (`2h ago`, `90m ago`). */
import { UsageError } from '../errors.js';
import { parseDuration } from '../util/duration.js';

export function parseAt(text: string, now: Date): Date {
  const ago = /^\s*(\S+)\s+ago\s*$/i.exec(text);
  if (ago) return new Date(now.getTime() - parseDuration(ago[1]!, '--at'));
  // A time without a zone would mean the machine's zone, which a cron job and an operator may not share.
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text.trim());
  const at = new Date(text.trim().replace(' ', 'T'));
  if (!iso || Number.isNaN(at.getTime())) {
    throw new UsageError(`--at ${text}: not a time`, { hint: 'give an ISO time with its zone (2026-12-06T14:03:00Z, 2026-12-06 15:03+01:00) or a duration ago (2h ago, 90m ago)' });
  }
  if (at.getTime() > now.getTime()) throw new UsageError(`--at ${text}: that time is in the future`, { hint: 'a point-in-time restore goes back to a past moment' });
  return at;
}
