#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine with Node.js: installs and starts what the
# suite needs (PostgreSQL, MariaDB, sqlite3, zstd, age, rclone, python3 for the recovery recipes, cron, promtool), then type-checks, lints,
# builds and runs every test. Safe to run again: it only installs what is missing.
#
# The tests run against their own throwaway PostgreSQL and MariaDB servers (scripts/test-servers.sh:
# a temporary directory, free 127.0.0.1 ports, removed at the end); the machine's own servers, their
# data and their authentication are never touched. To test against other servers instead, set
# ORGBACKUP_TEST_PG_HOST/_PORT/_USER or ORGBACKUP_TEST_MYSQL_HOST/_PORT/_USER (superuser accounts
# without a password) and that server is used as is.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v pg_dump >/dev/null || need+=(postgresql-client)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v mariadb >/dev/null || need+=(mariadb-client)
command -v pgbackrest >/dev/null || need+=(pgbackrest)   # the pgBackRest point-in-time tests (test/e2e/pitr-pgbackrest.test.ts)
for tool in sqlite3 zstd age rclone unzip python3; do command -v "$tool" >/dev/null || need+=("$tool"); done
command -v setpriv >/dev/null || need+=(util-linux)
command -v script >/dev/null || need+=(bsdutils)   # script(1): the restore confirmation tests run on a pseudo-terminal
[ -x /usr/bin/time ] || need+=(time)
[ -x /usr/sbin/cron ] || need+=(cron)
command -v promtool >/dev/null || need+=(prometheus)   # promtool checks examples/monitoring's alert rules; the service is never started
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# An unprivileged user for the permission tests (uid 1001).
if [ "$(id -u)" = 0 ] && ! getent passwd 1001 >/dev/null; then
  useradd --uid 1001 --user-group --no-create-home --shell /usr/sbin/nologin orgbackup-test || true
fi

source scripts/test-servers.sh
trap stop_test_servers EXIT
TEST_SERVERS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/orgbackup-test-servers.XXXXXX")
chmod 755 "$TEST_SERVERS_DIR"
if [ -n "${ORGBACKUP_TEST_PG_PORT:-}${ORGBACKUP_TEST_PG_HOST:-}" ]; then echo "test-servers: PostgreSQL from ORGBACKUP_TEST_PG_*"; else start_test_pg; fi
if [ -n "${ORGBACKUP_TEST_MYSQL_PORT:-}${ORGBACKUP_TEST_MYSQL_HOST:-}" ]; then echo "test-servers: MariaDB from ORGBACKUP_TEST_MYSQL_*"; else start_test_mariadb; fi

npm ci --no-audit --no-fund
npm run build
npm run typecheck
npm run lint
npm run format:check
npx vitest run
