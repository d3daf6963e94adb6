/**
 * Finding mysqldump/mariadb-dump and mysql/mariadb. MariaDB ships both names (mysqldump is a
 * link to mariadb-dump); MySQL only the mysql* ones. For a MariaDB server the mariadb* names come
 * first, for MySQL the mysql* ones, so that the tool's flavour matches the server's: MySQL 8's
 * mysqldump and MariaDB's disagree on column statistics, GTIDs and newer syntax.
 */
import { runTool } from '../../exec.js';
import { resolveTool, toolVersion, parseMajorVersion, type ResolvedTool } from '../tools.js';
import { flavourOf, type MysqlFlavour } from './catalog.js';

export type MysqlToolRole = 'dump' | 'client';

const NAMES: Record<MysqlToolRole, Record<MysqlFlavour, string[]>> = {
  dump: { mariadb: ['mariadb-dump', 'mysqldump'], mysql: ['mysqldump', 'mariadb-dump'] },
  client: { mariadb: ['mariadb', 'mysql'], mysql: ['mysql', 'mariadb'] },
};

export function toolNames(role: MysqlToolRole, serverFlavour: MysqlFlavour | undefined): string[] {
  return NAMES[role][serverFlavour ?? 'mariadb'];
}

export function resolveMysqlTool(role: MysqlToolRole, configured: Record<string, string>, serverFlavour?: MysqlFlavour): Promise<ResolvedTool> {
  return resolveTool(toolNames(role, serverFlavour), configured);
}

export interface ToolFacts {
  file: string;
  version: string;
  flavour: MysqlFlavour;
  major: number | undefined;
}

export async function toolFacts(file: string, signal?: AbortSignal): Promise<ToolFacts> {
  const version = (await toolVersion(file, signal)).split('\n')[0] ?? '';
  return { file, version, flavour: flavourOf(version), major: parseMajorVersion(version) };
}

const helpCache = new Map<string, Promise<string>>();

/** Whether the tool knows an option (`--no-tablespaces`, `--set-gtid-purged`), from its --help. */
export async function supportsOption(file: string, option: string, signal?: AbortSignal): Promise<boolean> {
  let help = helpCache.get(file);
  if (!help) {
    help = runTool(file, ['--help'], { signal }).catch(() => '');
    helpCache.set(file, help);
  }
  return (await help).includes(option);
}
