/** The one statement form a MySQL rows entry may hold (src/sources/mysql/rows/statements.ts). */
import { describe, expect, it } from 'vitest';
import type { PlannedTable } from '../../src/sources/rows/plan.js';
import { entryStatements, literalTuples } from '../../src/sources/mysql/rows/statements.js';

const TABLE: PlannedTable = { table: 'app.users', schema: 'app', name: 'users', role: 'tenant', columns: ['id', 'org_id', 'email'], primaryKey: ['id'], filterColumn: 'org_id' };
const PREFIX = 'INSERT INTO `users` (`id`,`org_id`,`email`) VALUES ';

describe('literalTuples', () => {
  it.each([
    ["(1,3,'a@example.org');", true],
    ["(1,3,'a'),(2,3,NULL),(-3,0x0aff,'it\\'s \\\\ \\n');", true],
    ["(1.5e-7,-12.50,'');", true],
    ["(1,3,'a')", false],
    ["(1,3,'a');DELETE FROM users", false],
    ["(1,3,'a'); ", false],
    ['(1,3);', false],
    ["(1,3,'a',4);", false],
    ["(1,(SELECT 3),'a');", false],
    ["(1,3,CONCAT('a'));", false],
    ["(1,3,'a' 'b');", false],
    ["(1,3,'it''s');", false],
    ["(1,3,'unterminated);", false],
    ['(1,3,NULLX);', false],
    ["(1,3abc,'a');", false],
    ["(1,3,'a') ON DUPLICATE KEY UPDATE email='x';", false],
  ])('%s -> %s', (values, ok) => {
    expect(literalTuples(PREFIX + values, PREFIX.length, 3)).toBe(ok);
  });
});

describe('entryStatements', () => {
  const statements = entryStatements('rows/users.sql', TABLE, '`ob_stage_0`');
  it.each([
    ['-- orgbackup rows of table `users`', undefined],
    ["SET time_zone = '+00:00';", undefined],
    ['', undefined],
    [`${PREFIX}(1,3,'a');`, "INSERT INTO `ob_stage_0` (`id`,`org_id`,`email`) VALUES (1,3,'a');"],
  ])('%s is staged as %s', (line, sql) => {
    expect(statements.toStage(line, 1)).toBe(sql);
  });

  it.each([
    ["INSERT INTO `countries` (`code`,`name`) VALUES ('XX','x');"],
    ['INSERT INTO `users` (`id`,`org_id`) VALUES (1,3);'],
    ["INSERT INTO `users` VALUES (1,3,'a');"],
    ['DELETE FROM `users`;'],
    ['SET foreign_key_checks = 1;'],
  ])('refuses %s', (line) => {
    expect(() => statements.toStage(line, 7)).toThrow(/rows\/users\.sql, line 7, is not an INSERT of plain values into users/);
  });
});
