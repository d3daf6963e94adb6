/**
 * A MySQL/MariaDB source: the server is reachable and the login works; the native tool is there,
 * of the server's flavour (MariaDB vs MySQL) and at least its major version; the tenants can be
 * listed; and (for create) the account holds SELECT, SHOW VIEW, TRIGGER and EVENT on what it
 * dumps. Problems of the shared database fail; those of one tenant's own database warn (that
 * tenant fails during create, the others are backed up).
 */
import type { MysqlSourceConfig } from './config.js';
import { errorMessage } from '../../errors.js';
import type { MysqlSource } from './source.js';
import type { MysqlConnection } from './connection.js';
import type { ServerFacts } from './catalog.js';
import type { Tenant } from '../types.js';
import { mapLimit } from '../../util/pool.js';
import { checkTool } from '../checks/tool.js';
import { fail, pass, warn, type CheckResult, type CheckContext, type CheckPurpose } from '../checks/result.js';
import { pathChecks } from '../checks/rows-paths.js';
import { hintOf, tenantsCheck, TENANT_ONLY } from '../checks/common.js';

const TENANT_CONCURRENCY = 4;

export async function checkMysqlSource(ctx: CheckContext, name: string, config: MysqlSourceConfig, options: CheckPurpose): Promise<CheckResult[]> {
  if (options.for === 'prune' || options.for === 'verify') return [];
  const { MysqlSource: Mysql } = await import('./source.js');
  const source = new Mysql(name, config);
  let conn: MysqlConnection;
  try {
    conn = await source.conn();
  } catch (error) {
    return [fail(`source.${name}.connect`, errorMessage(error), hintOf(error, `check sources.${name}.url`), name)];
  }
  const checks: CheckResult[] = [];
  // Database mode connects without a database: the tenants are the databases.
  const serverConn = source.mode === 'database' ? { ...conn, database: '' } : conn;
  const server = await connectCheck(name, serverConn, checks, options.for === 'restore' && source.mode !== 'rows');
  checks.push(await toolCheck(ctx, name, config.tools, server, options));
  if (!server) return checks;
  const tenants = await tenantsCheck(source, checks, ctx.signal);
  if (tenants && options.for === 'create') checks.push(...(await privilegeChecks(source, conn, tenants)));
  if (source.mode === 'rows' && options.for === 'create') checks.push(...(await rowsPlanCheck(source)));
  return checks;
}

/** Rows mode: the plan can be made from the catalog (and tenants.paths followed); each table's tenant path. */
async function rowsPlanCheck(source: MysqlSource): Promise<CheckResult[]> {
  const id = `source.${source.name}.rows-plan`;
  try {
    const plan = (await source.rowsPlan())!;
    return [pass(id, `rows plan: ${plan.tables.length} table(s) copied per tenant, ${plan.shared.length} shared`, source.name), ...pathChecks(source.name, plan)];
  } catch (error) {
    return [fail(id, errorMessage(error), hintOf(error, undefined), source.name)];
  }
}

/** `recreates`: a whole-database restore, which creates a dropped database (the disaster case): only the server must be reachable then. */
async function connectCheck(name: string, conn: MysqlConnection, checks: CheckResult[], recreates = false): Promise<ServerFacts | undefined> {
  const { describeMysql, withDatabase, withMysql } = await import('./connection.js');
  const { serverFacts } = await import('./catalog.js');
  try {
    const facts = await withMysql(conn, serverFacts);
    checks.push(pass(`source.${name}.connect`, `connected to ${describeMysql(conn)} as ${facts.account}: ${facts.version}`, name));
    return facts;
  } catch (error) {
    if (recreates && /^database ".*" does not exist/.test(errorMessage(error))) {
      const facts = await withMysql(withDatabase(conn, ''), serverFacts).catch(() => undefined);
      if (facts) {
        checks.push(warn(`source.${name}.connect`, `database "${conn.database}" does not exist; a whole-database restore creates it`, undefined, name));
        return facts;
      }
    }
    checks.push(fail(`source.${name}.connect`, errorMessage(error), hintOf(error, 'check the source URL, the server and the network'), name));
    return undefined;
  }
}

const INSTALL: Record<'mariadb' | 'mysql', string> = {
  mariadb: 'install the MariaDB client (`apt-get install mariadb-client`, `apk add mariadb-client`)',
  mysql: 'install the MySQL client (`apt-get install mysql-client` from the MySQL APT repository, `apk add mysql-client`)',
};

/** create: mysqldump/mariadb-dump; restore: mysql/mariadb. Flavour and major must fit the server. */
async function toolCheck(ctx: CheckContext, name: string, tools: Record<string, string>, server: ServerFacts | undefined, options: CheckPurpose): Promise<CheckResult> {
  const { resolveMysqlTool, toolFacts, toolNames } = await import('./tools.js');
  const role = options.for === 'create' ? 'dump' : 'client';
  const resolved = await resolveMysqlTool(role, tools, server?.flavour);
  const names = toolNames(role, server?.flavour);
  const installHint = `${INSTALL[server?.flavour ?? 'mariadb']}, or set "tools": {"${names[0]}": "/path/to/${names[0]}"} in the source's config`;
  const id = `source.${name}.tool.${role === 'dump' ? 'dump' : 'client'}`;
  ctx.log.debug(`${name}: ${role} tool is ${resolved.file} (${resolved.reason})`, { source: name, file: resolved.file });
  const { check } = await checkTool({ id, name: names.join('/'), resolved, serverMajor: server?.major, installHint, subject: name, signal: ctx.signal });
  if (check.status !== 'pass' || !server) return check;
  const facts = await toolFacts(resolved.file, ctx.signal);
  if (facts.flavour !== server.flavour) {
    const what = server.flavour === 'mariadb' ? 'MariaDB' : 'MySQL';
    return fail(id, `${resolved.file} is a ${facts.flavour === 'mariadb' ? 'MariaDB' : 'MySQL'} tool ("${facts.version}") but the server is ${what} ${server.version}`, installHint, name);
  }
  return check;
}

async function privilegeChecks(source: MysqlSource, conn: MysqlConnection, tenants: Tenant[]): Promise<CheckResult[]> {
  const id = `source.${source.name}.privileges`;
  if (source.mode !== 'database') {
    // Every tenant is read from the shared database: what the account lacks there breaks them all.
    const problem = await databaseProblem(conn, conn.database);
    if (!problem) return [pass(id, `the account holds SELECT, SHOW VIEW, TRIGGER and EVENT on ${conn.database}`, source.name)];
    const status = problem.uncertain ? warn : fail;
    return [status(id, problem.message, problem.hint, source.name)];
  }
  const results = await mapLimit(tenants, TENANT_CONCURRENCY, async (tenant): Promise<CheckResult | undefined> => {
    const subject = `${source.name}/${tenant.id}`;
    try {
      const problem = await databaseProblem(conn, tenant.id);
      return problem ? warn(`tenant.${subject}.privileges`, `${problem.message}; ${TENANT_ONLY}`, problem.hint, subject) : undefined;
    } catch (error) {
      return warn(`tenant.${subject}.connect`, `${errorMessage(error)}; ${TENANT_ONLY}`, hintOf(error, undefined), subject);
    }
  });
  const warnings = results.filter((r): r is CheckResult => r !== undefined);
  const fine = tenants.length - warnings.length;
  if (fine === 0 && warnings.length > 0) return warnings;
  return [pass(id, `the account holds what a dump needs on ${fine} of ${tenants.length} tenant database(s)`, source.name), ...warnings];
}

async function databaseProblem(conn: MysqlConnection, database: string): Promise<{ message: string; hint: string; uncertain: boolean } | undefined> {
  const { withDatabase, withMysql } = await import('./connection.js');
  const { describePrivilegeProblems, dumpPrivilegeReport, grantStatement } = await import('./privileges.js');
  const report = await withMysql(withDatabase(conn, database), (client) => dumpPrivilegeReport(client, database));
  if (report.problems.length === 0) return undefined;
  const roles = report.viaRoles ? ' (the account uses roles, whose grants may not show here)' : '';
  return { message: describePrivilegeProblems(report, database) + roles, hint: `as an administrator: ${grantStatement(report, database)}`, uncertain: report.viaRoles };
}
