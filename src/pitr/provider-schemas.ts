/**
 * The `pitr` config schema of each provider (docs/pitr.md). They live apart from the providers'
 * code so that loading the config (every command does) does not load what restores a physical
 * backup: the providers spawn tools, and the process-spawning library alone costs about a tenth of
 * a second of start-up on every command.
 */
import { z } from 'zod';

export const baseBackupSchema = z.object({ type: z.literal('basebackup'), baseBackups: z.string().min(1), walArchive: z.string().min(1) }).strict();
export type BaseBackupConfig = z.infer<typeof baseBackupSchema>;

export const pgBackRestSchema = z
  .object({
    type: z.literal('pgbackrest'),
    stanza: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a pgBackRest stanza name (letters, digits, . _ -)'),
    /** pgbackrest.conf; pgBackRest's default (/etc/pgbackrest/pgbackrest.conf) when absent. */
    configFile: z.string().min(1).optional(),
    /** The pgbackrest binary; `pgbackrest` on PATH when absent. */
    command: z.string().min(1).optional(),
  })
  .strict();
export type PgBackRestConfig = z.infer<typeof pgBackRestSchema>;
