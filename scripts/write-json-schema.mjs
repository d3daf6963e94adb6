// Writes schema/orgbackup.schema.json from the zod schema (run by `npm run build`).
import { mkdir, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { configSchema } from '../dist/config/schema.js';

const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
schema.title = 'orgbackup configuration (version 1)';
await mkdir(new URL('../schema/', import.meta.url), { recursive: true });
await writeFile(new URL('../schema/orgbackup.schema.json', import.meta.url), JSON.stringify(schema, null, 2) + '\n');
