#!/usr/bin/env bash
# Start/stop a throwaway MariaDB server for the local test stack.
#
#   mariadb-instance.sh start <name> <port> [extra mariadbd options...]
#   mariadb-instance.sh stop <name> [--purge]   (--purge also deletes its datadir and files)
#   mariadb-instance.sh status <name>
#
# Each instance keeps its state under <repo>/.stack/:
#   mariadb-<name>/        datadir (binlogs mysql-bin.* live in here)
#   mariadb-<name>.log     error log + the server's stdout/stderr
#   mariadb-<name>.pid     pid file
#   mariadb-<name>.sock    unix socket
#   mariadb-<name>.args    port + extra options the running server was started with
#
# The base options make a replication-ready source (ROW binlog, FULL row image,
# GTID strict mode, 7 days binlog retention, utf8mb4). Extra options are appended
# last so they override the base ones, e.g.
#   mariadb-instance.sh start statement 33063 --binlog-format=STATEMENT
#   mariadb-instance.sh start minimal   33064 --binlog-row-image=MINIMAL
#   mariadb-instance.sh start dest      33062 --skip-log-bin --server-id=2
#
# The datadir is initialised only when it does not exist yet. root can log in
# over TCP (root@127.0.0.1, root@::1, root@%) and over the socket with the
# password $DTS_MARIADB_ROOT_PASSWORD (default dts-root).
#
# `start` is idempotent: if the instance already runs with the same port and
# options it only checks that it answers; if it runs with different ones it is
# restarted with the new ones.
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") start <name> <port> [extra mariadbd options...]
       $(basename "$0") stop <name> [--purge]
       $(basename "$0") status <name>
state and logs go to $STACK_DIR/mariadb-<name>*
EOF
  exit 2
}

(($# >= 2)) || usage
action="$1"
name="$2"
shift 2
[[ "$name" =~ ^[A-Za-z0-9_-]+$ ]] || die "invalid instance name '$name' (use letters, digits, _ and -)"
STACK_LOG_PREFIX="mariadb-$name"

datadir="$STACK_DIR/mariadb-$name"
pidfile="$STACK_DIR/mariadb-$name.pid"
logfile="$STACK_DIR/mariadb-$name.log"
argsfile="$STACK_DIR/mariadb-$name.args"
configured_marker="$STACK_DIR/mariadb-$name.configured"
initialising_marker="$STACK_DIR/mariadb-$name.initialising"
socket="$(socket_path "mariadb-$name")"

ensure_mariadb_cmds() {
  ensure_cmds mariadbd:mariadb-server mariadb-install-db:mariadb-server \
    mariadb:mariadb-client mariadb-admin:mariadb-client
  MARIADBD="$(find_cmd mariadbd)"
  INSTALL_DB="$(find_cmd mariadb-install-db)"
  MARIADB="$(find_cmd mariadb)"
  MARIADB_ADMIN="$(find_cmd mariadb-admin)"
}

# Pid of the running server of this instance, or nothing.
running_pid() {
  local pid
  pid="$(read_pid_file "$pidfile" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && pid_matches "$pid" "--datadir=$datadir"; then
    echo "$pid"
  fi
}

# Client helpers. The password is passed through MYSQL_PWD so it never shows
# up in `ps` and the client does not warn about it.
sql_socket() { # sql_socket <password> <sql>
  MYSQL_PWD="$1" "$MARIADB" --no-defaults --protocol=SOCKET --socket="$socket" -uroot \
    --connect-timeout=5 -N -B -e "$2"
}
sql_tcp() { # sql_tcp <port> <sql>
  MYSQL_PWD="$MARIADB_ROOT_PASSWORD" "$MARIADB" --no-defaults --protocol=TCP -h"$STACK_HOST" -P"$1" \
    -uroot --connect-timeout=5 -N -B -e "$2"
}

configure_root() {
  local pw sql host
  pw="$(sql_quote "$MARIADB_ROOT_PASSWORD")"
  # sql_log_bin=0: keep account setup out of the binlog that the DTS reads.
  sql="SET SESSION sql_log_bin=0;"
  sql+="ALTER USER 'root'@'localhost' IDENTIFIED BY '$pw';"
  # mariadb-install-db also creates root@<hostname>, which --skip-name-resolve
  # can never match (and warns about at every start).
  if [[ "$(hostname 2>/dev/null || echo localhost)" != "localhost" ]]; then
    sql+="DROP USER IF EXISTS 'root'@'$(sql_quote "$(hostname)")';"
  fi
  for host in 127.0.0.1 ::1 %; do
    sql+="CREATE USER IF NOT EXISTS 'root'@'$host' IDENTIFIED BY '$pw';"
    sql+="ALTER USER 'root'@'$host' IDENTIFIED BY '$pw';"
    sql+="GRANT ALL PRIVILEGES ON *.* TO 'root'@'$host' WITH GRANT OPTION;"
    sql+="GRANT PROXY ON ''@'%' TO 'root'@'$host' WITH GRANT OPTION;"
  done
  sql+="FLUSH PRIVILEGES;"
  # Fresh datadir: root@localhost has no password yet. A previous half-done
  # setup may already have set it, so try both.
  if ! sql_socket "" "$sql" >>"$logfile" 2>&1 &&
    ! sql_socket "$MARIADB_ROOT_PASSWORD" "$sql" >>"$logfile" 2>&1; then
    die "could not configure the root user over $socket (see $logfile)"
  fi
  touch "$configured_marker"
}

initialise_datadir() {
  say "initialising new datadir $datadir"
  rm -rf "$datadir"
  rm -f "$configured_marker"
  touch "$initialising_marker"
  mkdir -p "$datadir"
  local user_opt=() attempt
  [[ "$(id -u)" == "0" ]] && user_opt=(--user=root)
  # Tried twice: a bootstrap once failed sporadically while two instances
  # and the JVMs were starting at the same time.
  for attempt in 1 2; do
    printf '\n===== %s mariadb-install-db (attempt %s)\n' "$(date -Is)" "$attempt" >>"$logfile"
    if "$INSTALL_DB" --no-defaults "${user_opt[@]}" --datadir="$datadir" \
      --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
      >>"$logfile" 2>&1; then
      rm -f "$initialising_marker"
      return 0
    fi
    warn "mariadb-install-db failed (attempt $attempt); last lines of $logfile:"
    tail -n 20 "$logfile" >&2 || true
    rm -rf "$datadir"
    mkdir -p "$datadir"
  done
  rm -rf "$datadir"
  rm -f "$initialising_marker"
  die "mariadb-install-db failed (see $logfile)"
}

wait_until_answering() { # wait_until_answering <pid>
  local pid="$1" deadline=$((SECONDS + MARIADB_START_TIMEOUT)) ping_pw=""
  [[ -f "$configured_marker" ]] && ping_pw="$MARIADB_ROOT_PASSWORD"
  while :; do
    if ! pid_alive "$pid"; then
      warn "mariadbd exited during startup; last lines of $logfile:"
      tail -n 25 "$logfile" >&2 || true
      die "mariadb-$name failed to start"
    fi
    # ping exits 0 as soon as the server accepts connections (even before root is set up).
    # (Use the password once root is configured, to keep "access denied" noise out of the log.)
    if MYSQL_PWD="$ping_pw" "$MARIADB_ADMIN" --no-defaults --protocol=SOCKET --socket="$socket" -uroot \
      --connect-timeout=2 ping >/dev/null 2>&1; then
      return 0
    fi
    ((SECONDS < deadline)) || {
      tail -n 25 "$logfile" >&2 || true
      die "mariadb-$name did not answer within ${MARIADB_START_TIMEOUT}s (see $logfile)"
    }
    sleep 0.2
  done
}

do_stop() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$pidfile"
    say "not running"
    return 0
  fi
  say "stopping (pid $pid)"
  stop_pid "$pid" "mariadb-$name"
  rm -f "$pidfile"
  say "stopped"
}

do_start() {
  (($# >= 1)) || usage
  local port="$1"
  shift
  [[ "$port" =~ ^[0-9]+$ ]] || die "invalid port '$port'"
  ensure_mariadb_cmds
  reserve_stack_ports
  mkdir -p "$STACK_DIR"

  local wanted_args pid
  wanted_args="$(printf '%q ' "$port" "$@")"

  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    if [[ -f "$argsfile" && "$(cat "$argsfile")" == "$wanted_args" ]]; then
      wait_until_answering "$pid"
      [[ -f "$configured_marker" ]] || configure_root
      sql_tcp "$port" "SELECT 1" >/dev/null 2>&1 ||
        die "running (pid $pid) but root cannot log in over TCP on $STACK_HOST:$port (see $logfile)"
      say "already running on $STACK_HOST:$port (pid $pid)"
      return 0
    fi
    say "running with different options (${wanted_args% } wanted, $(cat "$argsfile" 2>/dev/null || echo '?') running); restarting"
    do_stop
  fi

  if port_open "$STACK_HOST" "$port"; then
    die "port $STACK_HOST:$port is already in use by another process (not this instance)"
  fi

  if [[ ! -d "$datadir" || -e "$initialising_marker" ]]; then
    initialise_datadir
  fi

  local user_opt=()
  [[ "$(id -u)" == "0" ]] && user_opt=(--user=root)
  local opts=(
    --no-defaults
    "${user_opt[@]}"
    --datadir="$datadir"
    --port="$port"
    --bind-address="$STACK_HOST"
    --socket="$socket"
    --pid-file="$pidfile"
    --log-error="$logfile"
    --skip-name-resolve
    # Replication / CDC settings.
    --server-id=1
    --log-bin=mysql-bin
    --binlog-format=ROW
    --binlog-row-image=FULL
    --binlog-row-metadata=FULL
    --binlog-expire-logs-seconds=604800
    --log-slave-updates
    --gtid-strict-mode=ON
    # Character set; the time zone is deliberately left at SYSTEM.
    --character-set-server=utf8mb4
    --collation-server=utf8mb4_general_ci
    # Small and fast (durability is not a concern for a test stack).
    --innodb-buffer-pool-size=256M
    --innodb-log-file-size=256M
    --innodb-flush-log-at-trx-commit=2
    --sync-binlog=0
    --max-connections=500
    --local-infile=1
    # Caller's options last so they win.
    "$@"
  )

  say "starting on $STACK_HOST:$port (datadir $datadir, log $logfile)"
  printf '\n===== %s starting mariadbd %s\n' "$(date -Is)" "${opts[*]}" >>"$logfile"
  # setsid: the server must not belong to the caller's process group/session,
  # so that it survives the shell or test runner that started it.
  setsid nohup "$MARIADBD" "${opts[@]}" >>"$logfile" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$pidfile"
  printf '%s' "$wanted_args" >"$argsfile"

  wait_until_answering "$pid"
  [[ -f "$configured_marker" ]] || configure_root
  sql_tcp "$port" "SELECT 1" >/dev/null 2>>"$logfile" ||
    die "server is up but root cannot log in over TCP on $STACK_HOST:$port (see $logfile)"
  say "up on $STACK_HOST:$port (pid $pid)"
}

do_status() {
  local pid port
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    port="$(cut -d' ' -f1 "$argsfile" 2>/dev/null || echo '?')"
    echo "mariadb-$name: up on $STACK_HOST:$port (pid $pid)"
  else
    echo "mariadb-$name: down"
    return 3
  fi
}

case "$action" in
start)
  take_lock "mariadb-$name"
  do_start "$@"
  ;;
stop)
  (($# == 0)) || [[ $# == 1 && "$1" == --purge ]] || usage
  take_lock "mariadb-$name"
  do_stop
  if [[ "${1:-}" == --purge ]]; then
    rm -rf "$datadir"
    rm -f "$argsfile" "$configured_marker" "$initialising_marker" "$logfile" "$pidfile"
    say "purged $datadir"
  fi
  ;;
status)
  (($# == 0)) || usage
  do_status
  ;;
*) usage ;;
esac
