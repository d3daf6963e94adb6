/** audit and audit verify results as text. */
import type { ChalkInstance } from 'chalk';
import type { AuditResult, AuditVerifyResult } from '../../commands/audit.js';
import { formatBytes } from '../../util/bytes.js';
import { table } from './format.js';

export function renderAudit(result: AuditResult, c: ChalkInstance): string {
  if (result.records.length === 0) return `no audit records in storage "${result.storage}"\n`;
  const outcome = (o: string) => (o === 'failed' ? c.red('failed') : o === 'partial' ? c.yellow('partial') : o);
  const rows = result.records.map((r) => [
    r.time,
    r.action,
    outcome(r.outcome),
    `${r.source ?? '-'}/${r.tenant ?? '-'}`,
    r.who.actor ? `${r.who.actor} (${r.who.user}@${r.who.host})` : `${r.who.user}@${r.who.host}`,
    r.bytes === undefined ? '' : formatBytes(r.bytes),
    r.archives.join(' '),
  ]);
  const damaged = result.unreadable ? c.red(`${result.unreadable} unreadable line(s): run \`orgbackup audit verify\`\n`) : '';
  return table(['TIME', 'ACTION', 'OUTCOME', 'SOURCE/TENANT', 'WHO', 'BYTES', 'ARCHIVES'], rows) + damaged;
}

export function renderAuditVerify(result: AuditVerifyResult, c: ChalkInstance): string {
  const bad = result.objects.filter((o) => o.status !== 'ok');
  const lines = bad.map((o) => `${c.red(o.status.toUpperCase())} ${o.key} line ${o.line}: ${o.error}\n`);
  const records = result.objects.reduce((n, o) => n + o.records, 0);
  const heads = result.heads.length ? `newest run(s), which nothing yet follows (record them elsewhere to detect their removal): ${result.heads.join(' ')}\n` : '';
  return `${lines.join('')}${heads}${result.objects.length} audit object(s), ${records} record(s) in storage "${result.storage}": ${bad.length ? c.red(`${bad.length} tampered or unsigned`) : result.signatures ? 'every chain intact, every seal signed' : 'every chain intact'}\n`;
}
