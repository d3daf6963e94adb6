/**
 * The unattended-operation examples stay true to the product: the config embedded in the
 * Kubernetes example validates, and the lines operators copy keep the settings the README promises.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { compileSchedule } from '../../src/schedule/due.js';
import { ROOT } from '../helpers/cli.js';

const read = (file: string) => readFile(path.join(ROOT, 'examples', file), 'utf8');

/** The block scalar under `backup.config.json: |` (indented 4 spaces) of the ConfigMap. */
function embeddedConfig(yaml: string): unknown {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'backup.config.json: |');
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && !line.startsWith('    ')) break;
    block.push(line.slice(4));
  }
  return JSON.parse(block.join('\n'));
}

describe('examples for running unattended', () => {
  it('the Kubernetes ConfigMap holds a valid config whose schedules compile', async () => {
    const config = parseConfig(embeddedConfig(await read('kubernetes/cronjob.yaml')), {});
    expect(Object.keys(config.schedules)).toEqual(['nightly']);
    for (const [name, s] of Object.entries(config.schedules)) expect(() => compileSchedule(name, s.cron, s.timezone)).not.toThrow();
    expect(config.notifications.webhook?.urlFile).toBe('/run/secrets/orgbackup/alert-webhook');
  });

  it.each([
    { file: 'kubernetes/cronjob.yaml', must: ['concurrencyPolicy: Forbid', 'runAsUser: 1001', 'runAsGroup: 1001', 'fsGroup: 1001', 'defaultMode: 0440', 'args: ["schedule-run"'] },
    {
      file: 'kubernetes/indexed-job.yaml',
      must: ['concurrencyPolicy: Forbid', 'completionMode: Indexed', 'name: ORGBACKUP_SHARDS', 'backoffLimitPerIndex: 0', 'runAsUser: 1001', 'fsGroup: 1001', 'args: ["schedule-run"'],
    },
    { file: 'systemd/orgbackup.service', must: ['Type=oneshot', 'User=orgbackup', 'SuccessExitStatus=75', 'UMask=0077', 'ExecStart=/usr/bin/orgbackup schedule-run'] },
    { file: 'systemd/orgbackup.timer', must: ['OnCalendar=*-*-* *:*:00', 'Persistent=yes', 'Unit=orgbackup.service'] },
    { file: 'crontab', must: ['* * * * *  orgbackup schedule-run', 'ORGBACKUP_CONFIG=', 'orgbackup list --stale 26h', 'install -d -o orgbackup /var/log/orgbackup'] },
  ])('$file keeps $must', async ({ file, must }) => {
    const text = await read(file);
    for (const line of must) expect(text).toContain(line);
  });

  it('the Indexed Job has as many shards as completions', async () => {
    const text = await read('kubernetes/indexed-job.yaml');
    const completions = /completions: (\d+)/.exec(text)?.[1];
    const shards = /name: ORGBACKUP_SHARDS\s+value: "(\d+)"/.exec(text)?.[1];
    expect(completions).toBeDefined();
    expect(shards).toBe(completions);
  });
});
