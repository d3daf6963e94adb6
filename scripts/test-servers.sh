# Throwaway PostgreSQL and MariaDB servers for the test suite, sourced by scripts/test-all.sh.
#
# Both run from a temporary directory on free 127.0.0.1 ports with their own sockets, so the
# suite never touches the machine's own database servers, their data or their authentication
# (pg_hba.conf, grants), and never collides with them. Both trust local connections: they hold
# nothing but test data and are removed when the suite ends; PostgreSQL asks members of
# ob_password_auth for a scram-sha-256 password (ORGBACKUP_TEST_PG_PASSWORD_GROUP), for the secret tests.
#
#   TEST_SERVERS_DIR     set by the caller: an empty directory the service users can enter
#   start_test_pg        exports ORGBACKUP_TEST_PG_HOST/_PORT/_USER
#   start_test_mariadb   exports ORGBACKUP_TEST_MYSQL_HOST/_PORT/_USER
#   stop_test_servers    stop what was started and delete the directory (safe to call twice)

free_port() {
  node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"
}

# The servers refuse to run as root: as root they run as the package's service user.
as_service_user() {
  local user=$1; shift
  if [ "$(id -u)" = 0 ]; then setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"; else "$@"; fi
}

start_test_pg() {
  local bin user=postgres port
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  getent passwd postgres >/dev/null || user=orgbackup-test
  [ "$(id -u)" = 0 ] || user=$(id -un)
  port=$(free_port)
  mkdir -p "$TEST_SERVERS_DIR/pg" && chown "$user" "$TEST_SERVERS_DIR/pg"
  as_service_user "$user" "$bin/initdb" -D "$TEST_SERVERS_DIR/pg/data" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$TEST_SERVERS_DIR/pg/initdb.log" 2>&1 ||
    { cat "$TEST_SERVERS_DIR/pg/initdb.log" >&2; return 1; }
  # Trust, except for members of ob_password_auth over TCP: the secret tests log in as such a role
  # with a real scram-sha-256 password, so a password that does not reach libpq fails them.
  cat >"$TEST_SERVERS_DIR/pg/data/pg_hba.conf" <<'HBA'
local all all trust
host all +ob_password_auth 127.0.0.1/32 scram-sha-256
host all +ob_password_auth ::1/128 scram-sha-256
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
HBA
  # Durability off: a test server's data is thrown away, and fsync dominates small-test time.
  # It listens on ::1 as well, for the IPv6 URL tests; without IPv6 PostgreSQL only logs a warning.
  as_service_user "$user" "$bin/pg_ctl" -D "$TEST_SERVERS_DIR/pg/data" -l "$TEST_SERVERS_DIR/pg/server.log" -w -t 60 start \
    -o "-p $port -c listen_addresses=127.0.0.1,::1 -c unix_socket_directories=$TEST_SERVERS_DIR/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null ||
    { cat "$TEST_SERVERS_DIR/pg/server.log" >&2; return 1; }
  TEST_PG_CTL=("$bin/pg_ctl" -D "$TEST_SERVERS_DIR/pg/data")
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'CREATE ROLE ob_password_auth NOLOGIN' >/dev/null || return 1
  TEST_PG_USER=$user
  export ORGBACKUP_TEST_PG_HOST=127.0.0.1 ORGBACKUP_TEST_PG_PORT=$port ORGBACKUP_TEST_PG_USER=postgres
  export ORGBACKUP_TEST_PG_PASSWORD_GROUP=ob_password_auth
  echo "test-servers: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $TEST_SERVERS_DIR/pg)"
}

start_test_mariadb() {
  local user=mysql port dir="$TEST_SERVERS_DIR/mariadb"
  getent passwd mysql >/dev/null || user=orgbackup-test
  [ "$(id -u)" = 0 ] || user=$(id -un)
  port=$(free_port)
  mkdir -p "$dir" && chown "$user" "$dir"
  mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; return 1; }
  # utf8mb4 as Debian's packaged server defaults to; flushing once a second is durable enough for tests.
  mariadbd --no-defaults --datadir="$dir/data" --user="$user" --port="$port" --bind-address=127.0.0.1 \
    --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --log-error="$dir/server.log" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=256M --max-connections=300 >>"$dir/stderr.log" 2>&1 &
  TEST_MARIADB_PID=$!
  for _ in $(seq 1 60); do
    mariadb --no-defaults -h 127.0.0.1 -P "$port" -uroot -e 'select 1' >/dev/null 2>&1 && break
    kill -0 "$TEST_MARIADB_PID" 2>/dev/null || { cat "$dir/server.log" >&2; return 1; }
    sleep 1
  done
  # Anonymous accounts would shadow the tests' 'user'@'%' accounts on connections from 127.0.0.1.
  mariadb --no-defaults -h 127.0.0.1 -P "$port" -uroot -e "DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES"
  export ORGBACKUP_TEST_MYSQL_HOST=127.0.0.1 ORGBACKUP_TEST_MYSQL_PORT=$port ORGBACKUP_TEST_MYSQL_USER=root
  echo "test-servers: MariaDB $(mariadbd --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)"
}

stop_test_servers() {
  [ -n "${TEST_SERVERS_DIR:-}" ] || return 0
  if [ -n "${TEST_PG_CTL:-}" ]; then as_service_user "$TEST_PG_USER" "${TEST_PG_CTL[@]}" -m immediate stop >/dev/null 2>&1 || true; fi
  if [ -n "${TEST_MARIADB_PID:-}" ]; then
    kill "$TEST_MARIADB_PID" 2>/dev/null || true
    wait "$TEST_MARIADB_PID" 2>/dev/null || true
  fi
  rm -rf "$TEST_SERVERS_DIR"
  TEST_SERVERS_DIR= TEST_PG_CTL= TEST_MARIADB_PID=
}
