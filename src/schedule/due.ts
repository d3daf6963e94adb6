/**
 * Schedule due-ness as a pure function of (cron, timezone, last recorded run, now) — DESIGN.md
 * "decide, then act". A schedule is due when its latest cron tick at or before `now` is after the
 * start of its last recorded run; every tick missed since then collapses into that one run. A
 * schedule that never ran is due at once, so a fresh install backs up on its first invocation
 * instead of waiting up to a day for the next tick.
 */
import { Cron } from 'croner';

export interface CompiledSchedule {
  name: string;
  cron: string;
  timezone: string;
  /** The next tick strictly after `after`, or undefined when the pattern has no more ticks. */
  nextTick(after: Date): Date | undefined;
}

export interface DueInput {
  schedule: CompiledSchedule;
  /** When the last recorded run of this schedule (and shard) started. */
  lastRun?: Date;
  now: Date;
  /** `--now`: run whatever the ticks say. */
  force?: boolean;
}

export interface DueDecision {
  schedule: string;
  due: boolean;
  /** Why, for logs and `--json`: `never run`, `tick ... after last run ...`, `next tick ...`. */
  reason: string;
  /** The latest tick at or before now. */
  tick?: Date;
  /** Ticks after the last run up to now (capped at MISSED_CAP); more than 1 means missed ticks. */
  ticksSinceLastRun: number;
  nextTick?: Date;
}

/** Counting stops here: only "one" versus "several" matters to the decision. */
export const MISSED_CAP = 1000;
/** Far enough back for the sparsest sensible pattern (29 February, every leap year). */
const MAX_LOOKBACK_MS = 9 * 366 * 86_400_000;
const MIN_LOOKBACK_MS = 1000;

/** Parses a cron pattern (5 fields, or 6 with seconds) in an IANA timezone; throws a message naming the problem. */
export function compileSchedule(name: string, cron: string, timezone: string): CompiledSchedule {
  const job = new Cron(cron, { timezone, paused: true });
  // croner checks the timezone lazily, on the first computation: make a bad one fail here.
  job.nextRun(new Date(0));
  return {
    name,
    cron,
    timezone,
    nextTick: (after) => job.nextRun(after) ?? undefined,
  };
}

/** The latest tick at or before `now`, searching back in doubling windows so dense patterns stay cheap. */
export function latestTick(schedule: CompiledSchedule, now: Date): Date | undefined {
  for (let window = MIN_LOOKBACK_MS; window <= MAX_LOOKBACK_MS; window *= 2) {
    let tick = schedule.nextTick(new Date(now.getTime() - window));
    if (!tick || tick > now) continue;
    for (;;) {
      const next = schedule.nextTick(tick);
      if (!next || next > now) return tick;
      tick = next;
    }
  }
  return undefined;
}

function countTicks(schedule: CompiledSchedule, after: Date, now: Date): number {
  let count = 0;
  for (let tick = schedule.nextTick(after); tick && tick <= now && count < MISSED_CAP; tick = schedule.nextTick(tick)) count++;
  return count;
}

export function decideDue(input: DueInput): DueDecision {
  const { schedule, lastRun, now } = input;
  const tick = latestTick(schedule, now);
  const nextTick = schedule.nextTick(now);
  const base = { schedule: schedule.name, ...(tick ? { tick } : {}), ...(nextTick ? { nextTick } : {}) };
  if (input.force) return { ...base, due: true, reason: 'forced with --now', ticksSinceLastRun: lastRun ? countTicks(schedule, lastRun, now) : 0 };
  if (!lastRun) {
    return tick
      ? { ...base, due: true, reason: 'never run', ticksSinceLastRun: 1 }
      : { ...base, due: false, reason: nextTick ? `first tick at ${nextTick.toISOString()}` : 'the cron pattern has no ticks', ticksSinceLastRun: 0 };
  }
  if (tick && tick > lastRun) {
    const ticks = countTicks(schedule, lastRun, now);
    const missed = ticks > 1 ? ` (${ticks >= MISSED_CAP ? `${MISSED_CAP}+` : ticks} ticks since, run once)` : '';
    return { ...base, due: true, reason: `tick ${tick.toISOString()} is after the last run ${lastRun.toISOString()}${missed}`, ticksSinceLastRun: ticks };
  }
  const when = nextTick ? `next tick ${nextTick.toISOString()}` : 'no more ticks';
  return { ...base, due: false, reason: `ran ${lastRun.toISOString()}; ${when}`, ticksSinceLastRun: 0 };
}
