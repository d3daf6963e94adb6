/** Database sizes (pg_database_size) as the upper-bound estimate of a PostgreSQL source's archives. */
import type { PostgresSourceConfig } from '../../config/schema.js';

export async function estimatePostgresBytes(name: string, config: PostgresSourceConfig): Promise<number | undefined> {
  const { PostgresSource } = await import('./source.js');
  const { withPgClient } = await import('./connection.js');
  const source = new PostgresSource(name, config);
  try {
    // In database mode every tenant is its own database; in the other modes the tenants share one.
    const databases = source.mode === 'database' ? (await source.discoverTenants()).map((t) => t.id) : undefined;
    return await withPgClient(await source.conn(), async (client) => {
      const res = databases
        ? await client.query<{ n: string | null }>('SELECT sum(pg_database_size(datname))::text AS n FROM pg_database WHERE datname = ANY($1)', [databases])
        : await client.query<{ n: string | null }>('SELECT pg_database_size(current_database())::text AS n');
      const n = res.rows[0]?.n;
      return n === null || n === undefined ? undefined : Number(n);
    });
  } finally {
    await source.close();
  }
}
