/**
 * `pg_restore --clean` drops a partition's constraints before its parent's (reverse dump order),
 * so an in-place restore of a database with a partitioned table's primary key, unique or foreign
 * key failed with `cannot drop inherited constraint` and rolled back. The fix keeps pg_restore's
 * own clean phase (it alone knows every object of the archive and their order) and leaves out
 * only the drops the server refuses: constraints a partition inherits. Dropping the parent's
 * constraint a few statements later removes them with it, so the result is the same.
 */
import type pg from 'pg';

/**
 * The exact statements pg_restore --clean --if-exists writes for the target's inherited
 * constraints (pg_dump quotes identifiers by the same rule as quote_ident).
 */
export async function inheritedConstraintDrops(client: pg.Client): Promise<Set<string>> {
  // In the database's own encoding, the one pg_dump writes the script in (bytes, not text).
  const res = await client.query<{ statement: Buffer }>(
    `SELECT convert_to(format('ALTER TABLE IF EXISTS ONLY %s.%s DROP CONSTRAINT IF EXISTS %s;', quote_ident(n.nspname), quote_ident(c.relname), quote_ident(k.conname)),
                       current_setting('server_encoding')) AS statement
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.coninhcount > 0`,
  );
  return new Set(res.rows.map((r) => r.statement.toString('latin1')));
}

/**
 * Passes the script through, leaving out the lines in `skip` while still in the clean phase:
 * it ends at the first CREATE or COPY, so function bodies and table data are never touched.
 * Lines are handled as latin1 text, one character per byte, so no byte of the script (in
 * whatever encoding it is) changes; `skip` holds the statements' bytes the same way.
 */
export async function* withoutCleanStatements(script: AsyncIterable<Buffer>, skip: ReadonlySet<string>): AsyncGenerator<Buffer> {
  let cleaning = skip.size > 0;
  let pending = '';
  for await (const chunk of script) {
    if (!cleaning) {
      yield chunk;
      continue;
    }
    // The clean phase is a few short lines at the script's start: splitting them costs nothing.
    const lines = (pending + chunk.toString('latin1')).split('\n');
    pending = lines.pop() ?? '';
    const kept: string[] = [];
    for (const [i, line] of lines.entries()) {
      if (line.startsWith('CREATE ') || line.startsWith('COPY ')) {
        cleaning = false;
        kept.push(...lines.slice(i));
        break;
      }
      if (!skip.has(line)) kept.push(line);
    }
    if (kept.length > 0) yield Buffer.from(`${kept.join('\n')}\n`, 'latin1');
    if (!cleaning && pending) {
      yield Buffer.from(pending, 'latin1');
      pending = '';
    }
  }
  if (pending) yield Buffer.from(pending, 'latin1');
}
