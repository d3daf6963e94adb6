/** The MySQL/MariaDB engine's part of the config (assembled in config/schema.ts). */
import { z } from 'zod';
import { MYSQL_URL } from '../../config/db-url.js';
import { databaseSource, dbUrl, type EngineConfig } from '../../config/source-parts.js';

export const mysqlSourceSchema = z.object({ type: z.literal('mysql'), url: dbUrl(MYSQL_URL), ...databaseSource }).strict();

export const mysqlConfig = { schema: mysqlSourceSchema, modes: ['none', 'database', 'rows'] } satisfies EngineConfig;
