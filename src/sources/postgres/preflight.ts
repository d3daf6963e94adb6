/**
 * A PostgreSQL source: the server is reachable and the login works, the native tools are there
 * and at least as new as the server, the tenants query runs, and the role may read every table
 * it will dump. Problems of the shared database fail; a problem of one tenant's own database or
 * schema is a warning (SPEC.md: that tenant fails during create, the others are backed up).
 */
import type { Logger } from '../../context.js';
import type { PostgresSourceConfig } from '../../config/schema.js';
import { errorMessage } from '../../errors.js';
import type { PostgresSource } from './source.js';
import type { PgConnection } from './connection.js';
import { installedPgTools, pgInstallHint, resolvePgTool } from '../tools.js';
import type { Tenant } from '../types.js';
import { mapLimit } from '../../util/pool.js';
import { describeProblems, findPrivilegeProblems, grantStatements, roleInfo } from './preflight-privileges.js';
import { checkTool } from '../checks/tool.js';
import { fail, pass, warn, type CheckResult, type CheckContext, type CheckPurpose } from '../checks/result.js';
import { hintOf, tenantsCheck, TENANT_ONLY } from '../checks/common.js';

/** Tenant databases checked at once in database mode. */
const TENANT_CONCURRENCY = 4;

interface ServerFacts {
  major: number;
  version: string;
  role: string;
  superuser: boolean;
}

export async function checkPostgresSource(ctx: CheckContext, name: string, config: PostgresSourceConfig, options: CheckPurpose): Promise<CheckResult[]> {
  const { PostgresSource: Pg } = await import('./source.js');
  const source = new Pg(name, config);
  const checks: CheckResult[] = [];
  let conn: PgConnection;
  try {
    conn = await source.conn();
  } catch (error) {
    return [fail(`source.${name}.connect`, errorMessage(error), hintOf(error, `check sources.${name}.url`), name)];
  }
  const server = await connectCheck(name, conn, checks, options, ctx.log);
  checks.push(...(await toolChecks(ctx, name, config.tools, server?.major, options)));
  if (!server) return checks;
  const tenants = await tenantsCheck(source, checks, ctx.signal);
  if (tenants && options.for === 'create') checks.push(...(await privilegeChecks(source, conn, tenants, server)));
  if (source.mode === 'rows' && options.for === 'create') {
    const { rowsPlanCheck } = await import('./preflight-rows.js');
    checks.push(...(await rowsPlanCheck(source, conn)));
  }
  return checks;
}

async function connectCheck(name: string, conn: PgConnection, checks: CheckResult[], options: CheckPurpose, log: Logger): Promise<ServerFacts | undefined> {
  const { describePg, withDatabase } = await import('./connection.js');
  try {
    const facts = await serverFacts(conn);
    checks.push(pass(`source.${name}.connect`, `connected to ${describePg(conn)} as ${facts.role}: PostgreSQL ${facts.version}`, name));
    return facts;
  } catch (error) {
    // A restore recreates a dropped database: only the server must be reachable then.
    if (options.for === 'restore' && /^database ".*" does not exist/.test(errorMessage(error))) {
      const facts = await serverFacts(withDatabase(conn, 'postgres')).catch(() => undefined);
      if (facts) {
        checks.push(warn(`source.${name}.connect`, `database "${conn.database}" does not exist; a whole-database restore creates it`, undefined, name));
        return facts;
      }
    }
    // -v: the server's own words behind the translated message.
    if (error instanceof Error && error.cause instanceof Error) log.debug(`source.${name}.connect: the server said: ${error.cause.message}`);
    checks.push(fail(`source.${name}.connect`, errorMessage(error), hintOf(error, 'check the source URL, the server and the network'), name));
    return undefined;
  }
}

async function serverFacts(conn: PgConnection): Promise<ServerFacts> {
  const { withPgClient } = await import('./connection.js');
  return withPgClient(conn, async (client) => {
    const res = await client.query<{ num: string; version: string }>(`SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version`);
    const row = res.rows[0];
    const role = await roleInfo(client);
    return { major: Math.floor(Number(row?.num ?? 0) / 10000), version: row?.version ?? 'unknown', role: role.role, superuser: role.superuser };
  });
}

async function toolChecks(ctx: CheckContext, name: string, tools: Record<string, string>, serverMajor: number | undefined, options: CheckPurpose): Promise<CheckResult[]> {
  const needed = options.for === 'create' ? ['pg_dump'] : options.for === 'prune' ? [] : ['pg_restore', 'psql'];
  const checks: CheckResult[] = [];
  for (const tool of needed) {
    const resolved = await resolvePgTool(tool, tools, serverMajor);
    ctx.log.debug(`${name}: ${tool} is ${resolved.file} (${resolved.reason})`, { source: name, tool, file: resolved.file });
    const better = serverMajor === undefined ? undefined : (await installedPgTools(tool)).find((t) => t.major >= serverMajor);
    const installHint =
      better && tools[tool] ? `a ${tool} ${better.major} is installed at ${better.file}: set tools.${tool} to it, or remove tools.${tool} so orgbackup picks it` : pgInstallHint(tool, serverMajor);
    const { check } = await checkTool({ id: `source.${name}.tool.${tool}`, name: tool, resolved, serverMajor, installHint, subject: name, signal: ctx.signal });
    checks.push(check);
  }
  return checks;
}

async function privilegeChecks(source: PostgresSource, conn: PgConnection, tenants: Tenant[], server: ServerFacts): Promise<CheckResult[]> {
  const { withPgClient } = await import('./connection.js');
  const { tenants: settings } = source.config;
  const id = `source.${source.name}.privileges`;
  if (source.mode === 'none' || source.mode === 'rows') {
    // Every tenant reads the shared database's tables: what the role cannot read breaks them all.
    const schemas = source.mode === 'rows' ? (settings.schemas ?? ['public']) : undefined;
    const problems = await withPgClient(conn, (client) => findPrivilegeProblems(client, schemas, settings.excludeTables));
    if (problems.length === 0) return [pass(id, `${server.role} may read every table and sequence it dumps in ${conn.database}`, source.name)];
    return [fail(id, `${server.role} may not read ${describeProblems(problems)} in ${conn.database}`, grantStatements(server.role, problems, server.major), source.name)];
  }
  if (source.mode === 'database' && server.superuser) {
    // A superuser may connect to and read everything (row security included): visiting hundreds
    // of tenant databases one by one would cost more than the backups of small ones.
    return [pass(id, `${server.role} is a superuser: may read every table and sequence of the ${tenants.length} tenant database(s)`, source.name)];
  }
  const warnings = source.mode === 'database' ? await tenantDatabaseProblems(source, conn, tenants, server) : await tenantSchemaProblems(source, conn, tenants, server);
  const fine = tenants.length - warnings.length;
  if (fine === 0 && warnings.length > 0) return warnings;
  return [pass(id, `${server.role} may read every table and sequence of ${fine} of ${tenants.length} tenant(s)`, source.name), ...warnings];
}

/** Database mode: each tenant's own database, connected to one by one (a few at once). */
async function tenantDatabaseProblems(source: PostgresSource, conn: PgConnection, tenants: Tenant[], server: ServerFacts): Promise<CheckResult[]> {
  const { withDatabase, withPgClient } = await import('./connection.js');
  const results = await mapLimit(tenants, TENANT_CONCURRENCY, async (tenant): Promise<CheckResult | undefined> => {
    const subject = `${source.name}/${tenant.id}`;
    try {
      const problems = await withPgClient(withDatabase(conn, tenant.id), (client) => findPrivilegeProblems(client));
      if (problems.length === 0) return undefined;
      return warn(
        `tenant.${subject}.privileges`,
        `${server.role} may not read ${describeProblems(problems)} in database ${tenant.id}; ${TENANT_ONLY}`,
        grantStatements(server.role, problems, server.major),
        subject,
      );
    } catch (error) {
      return warn(`tenant.${subject}.connect`, `${errorMessage(error)}; ${TENANT_ONLY}`, hintOf(error, undefined), subject);
    }
  });
  return results.filter((r): r is CheckResult => r !== undefined);
}

/** Schema mode: every tenant schema in one query, problems grouped by schema. */
async function tenantSchemaProblems(source: PostgresSource, conn: PgConnection, tenants: Tenant[], server: ServerFacts): Promise<CheckResult[]> {
  const { withPgClient } = await import('./connection.js');
  const problems = await withPgClient(conn, (client) =>
    findPrivilegeProblems(
      client,
      tenants.map((t) => t.id),
    ),
  );
  const checks: CheckResult[] = [];
  for (const tenant of tenants) {
    const own = problems.filter((p) => p.schema === tenant.id);
    if (own.length === 0) continue;
    const subject = `${source.name}/${tenant.id}`;
    checks.push(
      warn(`tenant.${subject}.privileges`, `${server.role} may not read ${describeProblems(own)} in schema ${tenant.id}; ${TENANT_ONLY}`, grantStatements(server.role, own, server.major), subject),
    );
  }
  return checks;
}
