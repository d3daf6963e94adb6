/**
 * A SQLite source: sqlite3 runs; for create the database file (mode none) or the tenant directory
 * and each tenant's file (mode directory) can be read; for restore the directory the new file is
 * renamed into can be written. An unreadable tenant file concerns that tenant only: a warning.
 */
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { SqliteSourceConfig } from './config.js';
import { errorMessage } from '../../errors.js';
import { checkTool } from '../checks/tool.js';
import { fail, pass, warn, type CheckContext, type CheckPurpose, type CheckResult } from '../checks/result.js';

const can = (file: string, mode: number) =>
  access(file, mode).then(
    () => true,
    () => false,
  );
const INSTALL = 'install the sqlite3 CLI (`apt-get install sqlite3`, `apk add sqlite`), or set "tools": {"sqlite3": "/path/to/sqlite3"} in the source\'s config';

export async function checkSqliteSource(ctx: CheckContext, name: string, config: SqliteSourceConfig, options: CheckPurpose): Promise<CheckResult[]> {
  if (options.for === 'prune') return [];
  const { resolveSqlite3 } = await import('./cli.js');
  const resolved = await resolveSqlite3(config.tools);
  const { check } = await checkTool({ id: `source.${name}.tool.sqlite3`, name: 'sqlite3', resolved, installHint: INSTALL, subject: name, signal: ctx.signal });
  const checks: CheckResult[] = [check];
  if (options.for === 'verify') return checks;
  const root = path.resolve(ctx.baseDir, config.path);
  const uid = process.getuid?.() ?? 0;
  const id = `source.${name}.path`;
  if (config.tenants.mode === 'none') {
    const dir = path.dirname(root);
    if (options.for === 'restore') {
      checks.push(
        (await can(dir, constants.W_OK | constants.X_OK))
          ? pass(id, `uid ${uid} may write ${dir}, where restore renames the database in`, name)
          : fail(id, `uid ${uid} may not write ${dir}, where restore renames the database in`, `as root: \`chown ${uid} ${dir}\`, or restore elsewhere with --target <file>`, name),
      );
    } else if (!(await can(root, constants.F_OK))) checks.push(fail(id, `${root} does not exist`, `check sources.${name}.path`, name));
    else
      checks.push(
        (await can(root, constants.R_OK))
          ? pass(id, `uid ${uid} may read ${root}`, name)
          : fail(id, `uid ${uid} may not read ${root}`, `as root: \`chmod g+r ${root}\` and add uid ${uid} to its group, or \`chown ${uid} ${root}\``, name),
      );
    return checks;
  }
  checks.push(...(await directoryChecks(name, root, config.tenants.match, options.for === 'restore', uid)));
  return checks;
}

async function directoryChecks(name: string, root: string, match: string | undefined, forRestore: boolean, uid: number): Promise<CheckResult[]> {
  const { fileSetOf, listTenantFiles } = await import('./paths.js');
  const id = `source.${name}.path`;
  let set;
  let files;
  try {
    set = fileSetOf(root, match, name);
    files = await listTenantFiles(set, name);
  } catch (error) {
    return [fail(id, errorMessage(error), `check sources.${name}.path and that uid ${uid} may read the directory`, name)];
  }
  if (forRestore) {
    const writable = await can(set.dir, constants.W_OK | constants.X_OK);
    return [
      writable
        ? pass(id, `uid ${uid} may write ${set.dir}, where restore renames tenant databases in`, name)
        : fail(id, `uid ${uid} may not write ${set.dir}`, `as root: \`chown ${uid} ${set.dir}\`, or restore elsewhere with --target <file>`, name),
    ];
  }
  const checks: CheckResult[] = [pass(id, `${files.length} tenant database(s) in ${set.dir}`, name)];
  for (const file of files) {
    if (await can(file.file, constants.R_OK)) continue;
    const subject = `${name}/${file.id}`;
    checks.push(
      warn(
        `tenant.${subject}.path`,
        `uid ${uid} may not read ${file.file}; this tenant will fail, the others are backed up`,
        `as root: \`chmod g+r ${file.file}\` or \`chown ${uid} ${file.file}\``,
        subject,
      ),
    );
  }
  return checks;
}
