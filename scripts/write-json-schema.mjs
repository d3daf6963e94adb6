// Writes the JSON Schemas shipped in the package (run by `npm run build`): the configuration
// (schema/orgbackup.schema.json) and each command's --json result (schema/results/<command>.schema.json).
import { mkdir, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { configSchema } from '../dist/config/schema.js';
import { RESULT_SCHEMA_VERSION, resultSchemas } from '../dist/results/schemas.js';

async function write(relative, schema) {
  const url = new URL(`../schema/${relative}`, import.meta.url);
  await mkdir(new URL('.', url), { recursive: true });
  await writeFile(url, JSON.stringify(schema, null, 2) + '\n');
}

const config = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
config.title = 'orgbackup configuration (version 1)';
await write('orgbackup.schema.json', config);

for (const [name, schema] of Object.entries(resultSchemas)) {
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
  json.title = name === 'error' ? 'orgbackup --json: a command that failed before its result' : `orgbackup ${name} --json result (schemaVersion ${RESULT_SCHEMA_VERSION})`;
  await write(`results/${name}.schema.json`, json);
}
