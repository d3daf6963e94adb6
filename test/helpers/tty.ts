/**
 * Runs the built binary on a pseudo-terminal (util-linux `script`), so that it sees a TTY on stdin
 * and stderr, and answers its prompt once the prompt has appeared.
 */
import { execa } from 'execa';
import { BIN } from './cli.js';

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export async function runOnTty(args: string[], prompt: string, answer: string): Promise<{ exitCode: number; output: string; prompted: boolean }> {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  const child = execa('script', ['-qec', command, '/dev/null'], { reject: false, stdin: 'pipe', env: { NO_COLOR: '1' } });
  let output = '';
  let prompted = false;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (!prompted && output.includes(prompt)) {
      prompted = true;
      child.stdin.write(`${answer}\n`);
      child.stdin.end();
    }
  });
  const result = await child;
  if (!prompted) child.stdin?.end();
  return { exitCode: result.exitCode ?? -1, output, prompted };
}
