/** `help <command>` ends with examples to copy; restore says what "latest" picks, verify which password --scratch uses. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('help', () => {
  it.each(['create', 'list', 'restore', 'verify', 'prune', 'schedule-run', 'preflight', 'init', 'import', 'export', 'diff'])(
    'help %s ends with two or three examples of that command',
    async (command) => {
      const help = await runCli(['help', command]);
      expect(help.exitCode).toBe(0);
      const tail = help.stdout.trimEnd().split('\nEXAMPLES\n')[1];
      expect(tail, help.stdout).toBeDefined();
      const examples = tail!.split('\n');
      expect(examples.length).toBeGreaterThanOrEqual(2);
      expect(examples.length).toBeLessThanOrEqual(3);
      for (const line of examples) expect(line).toMatch(new RegExp(`^  orgbackup ${command}( |$)`));
    },
  );

  it('help restore says what "latest" picks', async () => {
    const help = (await runCli(['help', 'restore'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('"latest" is the newest complete archive of the tenant made by `create` or `schedule-run`');
    expect(help).toContain('pre-restore safety backups');
  });

  it('help verify says which password a --scratch URL uses', async () => {
    const help = (await runCli(['help', 'verify'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain("--scratch URL: a URL without a password uses the source's password when it names the same host as the source");
  });
});
