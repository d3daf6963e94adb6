/**
 * The links between runs (chain.ts `after`): which run a new run follows, and what the links of a
 * whole trail show. Every run names the newest object present when it writes its own, so the trail
 * is a tree: concurrent runs that found the same newest object are siblings (a fork), which is
 * accepted. Detected: a run whose predecessor is missing (removed; unless it is older than the
 * audit retention, which prunes it), or whose predecessor's seal is not the one recorded (altered
 * or rewritten), and a run that starts a new chain after linked runs (forged, or written after the
 * trail was emptied). Not detectable from the trail alone: removing the newest runs, since nothing
 * links to them yet; `heads` lists the runs nothing follows, for an operator to record elsewhere.
 */
import { parseTimestamp } from '../archive/layout.js';
import { sha256, type RunLink } from './chain.js';
import type { AuditObject } from './read.js';

/** The link a new run writes: the newest object's key and the hash of its last line, null when none. */
export function linkToNewest(objects: readonly AuditObject[]): RunLink | null {
  const newest = [...objects].sort((a, b) => a.key.localeCompare(b.key)).at(-1);
  return newest ? { key: newest.key, seal: sha256(lastLine(newest.text)) } : null;
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter(Boolean);
  return lines.at(-1) ?? '';
}

/** The first line's `after`: a link, null (a root), or undefined (written before runs were chained). */
export function linkOf(text: string): RunLink | null | undefined | 'invalid' {
  let first: unknown;
  try {
    first = JSON.parse(text.split('\n')[0] ?? '');
  } catch {
    return 'invalid';
  }
  if (!first || typeof first !== 'object' || !('after' in first)) return undefined;
  const after: unknown = first.after;
  if (after === null) return null;
  if (!after || typeof after !== 'object') return 'invalid';
  const { key, seal } = after as Record<string, unknown>;
  return typeof key === 'string' && typeof seal === 'string' ? { key, seal } : 'invalid';
}

/** The run time an audit key starts with (`_audit/yyyy/mm/dd/<time>-<host>-<pid>.ndjson`). */
export function keyTime(key: string): Date | undefined {
  const name = key.split('/').at(-1) ?? '';
  return parseTimestamp(name.slice(0, 24));
}

export interface RunProblem {
  key: string;
  message: string;
}

export interface RunCheck {
  problems: RunProblem[];
  /** Keys of the runs no run follows: the newest of each branch. */
  heads: string[];
}

/**
 * Checks every object's link. `prunedBefore`: a missing predecessor older than this was removed by
 * the audit retention (keepWithin), not by tampering.
 */
export function checkRuns(objects: readonly AuditObject[], prunedBefore: Date): RunCheck {
  const byKey = new Map(objects.map((o) => [o.key, sha256(lastLine(o.text))]));
  const links = new Map(objects.map((o) => [o.key, linkOf(o.text)]));
  const followed = new Set<string>();
  const problems: RunProblem[] = [];
  let linkedSeen = false;
  for (const object of [...objects].sort((a, b) => a.key.localeCompare(b.key))) {
    const link = links.get(object.key);
    if (link === 'invalid') continue; // the chain check reports the first line
    if (link === undefined) continue; // written before runs were chained
    if (link === null) {
      if (linkedSeen) problems.push({ key: object.key, message: 'starts a new chain although older linked runs exist: it was forged, or every run before it was removed' });
      continue;
    }
    linkedSeen = true;
    followed.add(link.key);
    const message = linkProblem(object.key, link, byKey, prunedBefore);
    if (message) problems.push({ key: object.key, message });
  }
  const heads = [...links].filter(([k, l]) => l !== undefined && l !== 'invalid' && !followed.has(k)).map(([k]) => k);
  return { problems, heads: heads.sort() };
}

function linkProblem(key: string, link: RunLink, byKey: Map<string, string>, prunedBefore: Date): string | undefined {
  if (link.key.localeCompare(key) >= 0) return `follows ${link.key}, which is not older than itself: the link was edited`;
  const seal = byKey.get(link.key);
  if (seal === link.seal) return undefined;
  if (seal !== undefined) return `follows ${link.key}, whose last line is not the seal it recorded: that object was altered or rewritten after this run`;
  const time = keyTime(link.key);
  if (time && time < prunedBefore) return undefined; // removed by audit retention
  const renamed = [...byKey].find(([, s]) => s === link.seal)?.[0];
  if (renamed) return `follows ${link.key}, which is now named ${renamed}: that object was renamed`;
  return `follows ${link.key}, which is missing: that run's object was removed`;
}
