#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine with Node.js: installs and starts what the
# suite needs (PostgreSQL, MariaDB, sqlite3, zstd, age, rclone, cron), then type-checks, lints,
# builds and runs every test. Safe to run again: it only installs or starts what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# The PostgreSQL tests seed the shared multi-tenant fixture; without it they cannot run (the public
# sample datasets beside it are optional: those tests skip and say so).
datasets="${ORGBACKUP_TEST_DATASETS:-$(pwd)/../shared/datasets}"
if [ ! -f "$datasets/../bench/seed-pg.sql" ]; then
  echo "test-all: the shared bench fixture is not at $datasets/../bench/seed-pg.sql" >&2
  echo "hint: in a clone outside the workspace, set ORGBACKUP_TEST_DATASETS=/path/to/shared/datasets (its ../bench holds the fixture)" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=()
command -v pg_dump >/dev/null || need+=(postgresql postgresql-client)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v mariadb >/dev/null || need+=(mariadb-client)
for tool in sqlite3 zstd age rclone unzip; do command -v "$tool" >/dev/null || need+=("$tool"); done
command -v setpriv >/dev/null || need+=(util-linux)
command -v script >/dev/null || need+=(bsdutils)   # script(1): the restore confirmation tests run on a pseudo-terminal
[ -x /usr/bin/time ] || need+=(time)
[ -x /usr/sbin/cron ] || need+=(cron)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# PostgreSQL on 127.0.0.1:5432 with trust auth for local test connections.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(ls /etc/postgresql | sort -n | tail -1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || $SUDO service postgresql start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  hba=$(ls /etc/postgresql/*/main/pg_hba.conf | tail -1)
  $SUDO sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(local\s+all\s+\S+\s+)peer/\1trust/' "$hba"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -n | tail -1)" main reload
fi

# MariaDB on 127.0.0.1:3306, root without a password.
if ! mariadb -h 127.0.0.1 -uroot -e 'select 1' >/dev/null 2>&1; then
  $SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld 2>/dev/null || true
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql || $SUDO service mariadb start
  for _ in $(seq 1 30); do mariadb -h 127.0.0.1 -uroot -e 'select 1' >/dev/null 2>&1 && break; sleep 1; done
fi

# An unprivileged user for the permission tests (uid 1001).
if [ "$(id -u)" = 0 ] && ! getent passwd 1001 >/dev/null; then
  useradd --uid 1001 --user-group --no-create-home --shell /usr/sbin/nologin orgbackup-test || true
fi

npm ci --no-audit --no-fund
npm run build
npm run typecheck
npm run lint
npx vitest run
