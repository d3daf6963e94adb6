/**
 * Cron patterns and time zones checked when the config loads, so that a schedule that can never
 * run is an exit 2 on the first command, not a failure found by schedule-run at 02:00.
 */
import { Cron } from 'croner';

/** A leap year's first day: a pattern with no tick after it (`0 0 30 2 *`) never runs. */
const SEARCH_FROM = new Date('2000-01-01T00:00:00Z');

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function timeZoneProblem(zone: string): string | undefined {
  return isTimeZone(zone) ? undefined : `"${zone}" is not a time zone (use an IANA name such as UTC or Europe/Berlin)`;
}

const FIELDS: readonly (readonly [name: string, range: string])[] = [
  ['second', '0-59'],
  ['minute', '0-59'],
  ['hour', '0-23'],
  ['day-of-month', '1-31'],
  ['month', '1-12 or JAN-DEC'],
  ['day-of-week', '0-7 or SUN-SAT'],
];
const EXAMPLE = 'e.g. "0 2 * * *" is 02:00 daily';

/** Parsed by croner, the library schedule-run uses, so load and run agree on what is valid. */
export function cronProblem(pattern: string): string | undefined {
  const fields = pattern.trim().split(/\s+/).filter(Boolean);
  const nickname = pattern.trim().startsWith('@');
  const why = nickname ? 'use @yearly, @monthly, @weekly, @daily or @hourly, or 5 fields' : undefined;
  if (!nickname && fields.length !== 5 && fields.length !== 6) {
    return `"${pattern}" is not a cron pattern: it has ${fields.length} field(s), not 5 (minute hour day-of-month month day-of-week) or 6 (seconds first); ${EXAMPLE}`;
  }
  let job: Cron;
  try {
    job = compile(pattern);
  } catch (error) {
    const reason = why ?? badField(fields) ?? (error instanceof Error ? error.message : String(error)).replace(/^CronPattern:\s*/, '');
    return `"${pattern}" is not a cron pattern: ${reason}; ${EXAMPLE}`;
  }
  if (!job.nextRun(SEARCH_FROM)) return `"${pattern}" never matches a date, so the schedule would never run; check its day-of-month and month`;
  return undefined;
}

function compile(pattern: string): Cron {
  return new Cron(pattern, { paused: true, timezone: 'UTC' });
}

/** The first field that fails on its own (others as `*`): croner's messages count fields from 0 and offset values. */
function badField(fields: readonly string[]): string | undefined {
  const names = fields.length === 6 ? FIELDS : FIELDS.slice(1);
  for (const [i, field] of fields.entries()) {
    try {
      compile(fields.map((f, j) => (j === i ? f : '*')).join(' '));
    } catch {
      const [name, range] = names[i]!;
      return `the ${name} field "${field}" must be ${range} (or a list, range or step of them)`;
    }
  }
  return undefined;
}
