/**
 * Every `--json` document the built binary prints in the e2e tests is checked against the JSON Schema
 * shipped in the package (schema/results/<command>.schema.json), with an independent validator (ajv),
 * so the published contract, not only orgbackup's own types, is what the tests hold it to.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const validators = new Map<string, ValidateFunction>();

function validatorFor(root: string, name: string): ValidateFunction | undefined {
  if (validators.size === 0) {
    const dir = path.join(root, 'schema', 'results');
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
      validators.set(file.replace(/\.schema\.json$/, ''), ajv.compile(JSON.parse(readFileSync(path.join(dir, file), 'utf8'))));
    }
  }
  return validators.get(name);
}

/** Throws, naming the command and each violation, when a --json stdout breaks the published contract. */
export function assertJsonContract(root: string, args: readonly string[], stdout: string): void {
  if (!args.includes('--json') || stdout.trim() === '') return;
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Error(`orgbackup ${args.join(' ')} --json printed something that is not one JSON document:\n${stdout.slice(0, 500)}`);
  }
  const d = doc as { command?: unknown; error?: unknown };
  const name = d.error !== undefined ? 'error' : String(d.command);
  const validate = validatorFor(root, name);
  if (!validate) throw new Error(`orgbackup ${args.join(' ')}: no published schema for command "${name}" in schema/results/`);
  if (!validate(doc)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new Error(`orgbackup ${args.join(' ')} --json breaks schema/results/${name}.schema.json: ${problems}`);
  }
}
