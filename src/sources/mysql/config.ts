/** The MySQL/MariaDB engine's descriptor (sources/descriptor.ts): its part of the config, assembled in config/schema.ts. */
import { z } from 'zod';
import { MYSQL_URL } from '../../config/db-url.js';
import { databaseSource, dbUrl } from '../../config/source-parts.js';
import type { EngineDescriptor } from '../descriptor.js';

export const mysqlSourceSchema = z.object({ type: z.literal('mysql'), url: dbUrl(MYSQL_URL), ...databaseSource }).strict();

export type MysqlSourceConfig = z.infer<typeof mysqlSourceSchema>;

export const mysqlConfig = {
  schema: mysqlSourceSchema,
  modes: ['none', 'database', 'rows'],
  runsQueries: true,
  schemaOnlyCommand: 'mysqldump --no-data',
  scratchServer: { engine: 'MySQL/MariaDB', example: 'mysql://user@host:3306/mysql' },
} satisfies EngineDescriptor;
