/**
 * examples/monitoring: the alert rules load in Prometheus's own checker, and the dashboard and the
 * rules use only metric names orgbackup writes (src/notify/metrics.ts), so a renamed metric cannot
 * leave a silent panel or an alert that never fires.
 */
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FAMILIES } from '../../src/notify/metrics.js';
import { ROOT } from '../helpers/cli.js';

const DIR = path.join(ROOT, 'examples/monitoring');
const KNOWN = new Set<string>(Object.values(FAMILIES).map((f) => f.name));
const hasPromtool = await execa('promtool', ['--version'], { reject: false }).then((r) => r.exitCode === 0);

/** Every orgbackup_* name in a text. */
const metricNames = (text: string) => [...new Set(text.match(/\borgbackup_[a-z_]+\b/g) ?? [])];

/** The PromQL of every panel target and of the template variables. */
function dashboardQueries(dashboard: any): string[] {
  const targets = (dashboard.panels as any[]).flatMap((p) => (p.targets as any[]).map((t) => String(t.expr)));
  const variables = (dashboard.templating.list as any[]).map((v) => String(v.definition));
  return [...targets, ...variables];
}

describe('examples/monitoring', () => {
  it.skipIf(!hasPromtool)(`promtool check rules accepts the alert rules${hasPromtool ? '' : ' (skipped: promtool not installed; apt-get install prometheus)'}`, async () => {
    const run = await execa('promtool', ['check', 'rules', path.join(DIR, 'orgbackup-alerts.yml')], { reject: false });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/SUCCESS: 6 rules found/);
  });

  it('the alert rules cover stale tenants, failed runs and quota, over known metrics', async () => {
    const text = await readFile(path.join(DIR, 'orgbackup-alerts.yml'), 'utf8');
    for (const alert of ['OrgbackupTenantStale', 'OrgbackupScheduleRunFailed', 'OrgbackupCommandFailed', 'OrgbackupQuotaWarning']) expect(text).toContain(`alert: ${alert}`);
    const names = metricNames(text);
    expect(names.filter((n) => !KNOWN.has(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['orgbackup_last_success_timestamp_seconds', 'orgbackup_quota_used_ratio', 'orgbackup_command_last_run_exit_code']));
  });

  it('the dashboard is valid JSON with panels for freshness, sizes, durations and failures, over known metrics only', async () => {
    const dashboard = JSON.parse(await readFile(path.join(DIR, 'grafana-dashboard.json'), 'utf8'));
    const queries = dashboardQueries(dashboard);
    const names = metricNames(queries.join('\n'));
    expect(names.filter((n) => !KNOWN.has(n))).toEqual([]);
    for (const family of [FAMILIES.lastSuccess, FAMILIES.tenantBytes, FAMILIES.tenantDuration, FAMILIES.tenantFailed, FAMILIES.runExitCode, FAMILIES.quotaRatio]) expect(names).toContain(family.name);
    const ids = (dashboard.panels as { id: number }[]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
