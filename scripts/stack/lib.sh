# shellcheck shell=bash
# shellcheck disable=SC2034 # settings defined here are used by the sourcing scripts
# Shared helpers for the local test stack scripts (sourced, not executed).
#
# Everything the stack writes (data, pid files, logs, cached classpaths) lives in
# $STACK_DIR, which defaults to <repo>/.stack. Ports and credentials can be
# overridden with the DTS_* environment variables below.

STACK_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$STACK_SCRIPT_DIR/../.." && pwd)"
STACK_DIR="${DTS_STACK_DIR:-$REPO/.stack}"

STACK_HOST="${DTS_STACK_HOST:-127.0.0.1}"

MARIADB_ROOT_PASSWORD="${DTS_MARIADB_ROOT_PASSWORD:-dts-root}"
SOURCE_PORT="${DTS_SOURCE_PORT:-33061}"
DEST_PORT="${DTS_DEST_PORT:-33062}"

KAFKA_PORT="${DTS_KAFKA_PORT:-39092}"
KAFKA_SASL_PORT="${DTS_KAFKA_SASL_PORT:-39093}"
KAFKA_CONTROLLER_PORT="${DTS_KAFKA_CONTROLLER_PORT:-39094}"
KAFKA_SCRAM_USER="${DTS_KAFKA_SCRAM_USER:-dts}"
KAFKA_SCRAM_PASSWORD="${DTS_KAFKA_SCRAM_PASSWORD:-dts-secret}"
KAFKA_HEAP="${DTS_KAFKA_HEAP:--Xmx512m}"

DYNAMODB_PORT="${DTS_DYNAMODB_PORT:-38000}"
DYNAMODB_HEAP="${DTS_DYNAMODB_HEAP:--Xmx256m}"

# Seconds to wait for a server to answer.
MARIADB_START_TIMEOUT="${DTS_MARIADB_START_TIMEOUT:-90}"
KAFKA_START_TIMEOUT="${DTS_KAFKA_START_TIMEOUT:-120}"
DYNAMODB_START_TIMEOUT="${DTS_DYNAMODB_START_TIMEOUT:-90}"
STOP_TIMEOUT="${DTS_STOP_TIMEOUT:-60}"

STACK_LOG_PREFIX="${STACK_LOG_PREFIX:-stack}"

say() { printf '[%s] %s\n' "$STACK_LOG_PREFIX" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$STACK_LOG_PREFIX" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$STACK_LOG_PREFIX" "$*" >&2
  exit 1
}

# Is something accepting TCP connections on host:port?
port_open() {
  local host="$1" port="$2"
  # shellcheck disable=SC2016 # expanded by the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
}

# Is the process alive (and not a zombie)?
pid_alive() {
  local pid="$1" state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/stat" ]] || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != "Z" && "$state" != "X" ]]
}

# Is the process alive and does its command line contain the given marker?
# Guards against acting on a recycled pid.
pid_matches() {
  local pid="$1" marker="$2"
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}

read_pid_file() {
  local f="$1"
  [[ -s "$f" ]] || return 1
  tr -dc '0-9' <"$f"
}

# Send SIGTERM, wait for exit, escalate to SIGKILL after $STOP_TIMEOUT seconds.
stop_pid() {
  local pid="$1" what="$2" i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.2
  done
  warn "$what (pid $pid) did not exit within ${STOP_TIMEOUT}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.2
  done
  die "$what (pid $pid) is still alive after SIGKILL"
}

# Locate a command on PATH or in the sbin directories (mariadbd lives in
# /usr/sbin, which is not on a normal user's PATH).
find_cmd() {
  local c="$1" d
  if command -v "$c" >/dev/null 2>&1; then
    command -v "$c"
    return 0
  fi
  for d in /usr/sbin /usr/local/sbin /sbin; do
    if [[ -x "$d/$c" ]]; then
      echo "$d/$c"
      return 0
    fi
  done
  return 1
}

# ensure_cmds "cmd:debian-package" ...
# Installs missing packages with apt-get when running as root; otherwise prints
# what to install and exits 1.
ensure_cmds() {
  local spec cmd pkg missing_pkgs=() missing_cmds=()
  for spec in "$@"; do
    cmd="${spec%%:*}"
    pkg="${spec#*:}"
    if ! find_cmd "$cmd" >/dev/null; then
      missing_cmds+=("$cmd")
      [[ " ${missing_pkgs[*]-} " == *" $pkg "* ]] || missing_pkgs+=("$pkg")
    fi
  done
  ((${#missing_cmds[@]} == 0)) && return 0
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    say "missing commands: ${missing_cmds[*]} -> apt-get install -y ${missing_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing_pkgs[@]}" >&2 ||
      die "apt-get install ${missing_pkgs[*]} failed"
    for cmd in "${missing_cmds[@]}"; do
      find_cmd "$cmd" >/dev/null || die "'$cmd' still missing after installing ${missing_pkgs[*]}"
    done
    return 0
  fi
  printf '[%s] ERROR: missing commands: %s\n' "$STACK_LOG_PREFIX" "${missing_cmds[*]}" >&2
  printf '[%s] Install them with:\n    sudo apt-get update && sudo apt-get install -y %s\n' \
    "$STACK_LOG_PREFIX" "${missing_pkgs[*]}" >&2
  exit 1
}

# Unix socket paths are limited to ~107 bytes; fall back to /tmp for deep checkouts.
socket_path() {
  local name="$1" p
  p="$STACK_DIR/$name.sock"
  if ((${#p} > 100)); then
    p="/tmp/dts-stack-$(printf '%s' "$STACK_DIR" | md5sum | cut -c1-10)-$name.sock"
  fi
  printf '%s\n' "$p"
}

# Serialise concurrent runs (e.g. parallel test files all calling `up`).
# take_lock <name>: holds $STACK_DIR/<name>.lock on fd 9 until the script exits.
# Long-running servers must be started with `9>&-` so they do not inherit it.
take_lock() {
  mkdir -p "$STACK_DIR"
  exec 9>"$STACK_DIR/$1.lock"
  if ! flock -n 9; then
    say "waiting for another run holding $STACK_DIR/$1.lock"
    flock -w 600 9 || die "timed out waiting for $STACK_DIR/$1.lock"
  fi
}

# Escape a string for use inside a single-quoted SQL literal.
sql_quote() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\'/\\\'}"
  printf '%s' "$s"
}

# ---------------------------------------------------------------------------
# Maven-resolved classpaths (jars stay in the local Maven repository; only the
# classpath text file is cached in $STACK_DIR).

# The stack's Kafka: 3.9 (default) or 4.1 (DTS_KAFKA_VERSION). Each has its own pom, classpath,
# logging backend (reload4j, log4j2) and data directory: a broker upgraded to 4.1 does not go back.
KAFKA_VERSION="${DTS_KAFKA_VERSION:-3.9}"
case "$KAFKA_VERSION" in
3.9)
  KAFKA_POM="$STACK_SCRIPT_DIR/kafka/pom.xml"
  KAFKA_CLASSPATH_FILE="$STACK_DIR/kafka.classpath"
  KAFKA_DIR="$STACK_DIR/kafka"
  KAFKA_LOG_OPTS=(-Dlog4j.configuration="file:$STACK_SCRIPT_DIR/kafka/log4j.properties")
  KAFKA_TOOLS_LOG_OPTS=(-Dlog4j.configuration="file:$STACK_SCRIPT_DIR/kafka/tools-log4j.properties")
  ;;
4.1)
  KAFKA_POM="$STACK_SCRIPT_DIR/kafka/pom-4.1.xml"
  KAFKA_CLASSPATH_FILE="$STACK_DIR/kafka-4.1.classpath"
  KAFKA_DIR="$STACK_DIR/kafka-4.1"
  KAFKA_LOG_OPTS=(-Dlog4j2.configurationFile="$STACK_SCRIPT_DIR/kafka/log4j2.properties")
  KAFKA_TOOLS_LOG_OPTS=(-Dlog4j2.configurationFile="$STACK_SCRIPT_DIR/kafka/tools-log4j2.properties")
  ;;
*) die "DTS_KAFKA_VERSION=$KAFKA_VERSION: the stack runs Kafka 3.9 (the default) or 4.1" ;;
esac
DYNAMODB_POM="$STACK_SCRIPT_DIR/dynamodb/pom.xml"
DYNAMODB_CLASSPATH_FILE="$STACK_DIR/dynamodb.classpath"
DYNAMODB_LIB_DIR="$STACK_DIR/dynamodb-lib"

ensure_java_cmds() {
  ensure_cmds java:default-jre-headless mvn:maven
}

# classpath_cache_valid <classpath file> <pom>
classpath_cache_valid() {
  local cpfile="$1" pom="$2" entry entries=()
  [[ -s "$cpfile" && -s "$cpfile.key" ]] || return 1
  [[ "$(cat "$cpfile.key")" == "$(sha256sum "$pom" | cut -d' ' -f1)" ]] || return 1
  IFS=: read -r -a entries <"$cpfile" || true
  ((${#entries[@]} > 0)) || return 1
  for entry in "${entries[@]}"; do
    [[ -f "$entry" ]] || return 1
  done
  return 0
}

# resolve_classpath <label> <pom> <classpath file>
# Runs `mvn dependency:build-classpath` unless the cached file is still valid.
resolve_classpath() {
  local label="$1" pom="$2" cpfile="$3" mvnlog="$STACK_DIR/maven-$1.log" tmp
  if classpath_cache_valid "$cpfile" "$pom"; then
    return 0
  fi
  mkdir -p "$STACK_DIR"
  say "resolving $label jars with Maven (first run only; log $mvnlog)"
  tmp="$cpfile.tmp.$$"
  if ! mvn -B -q -f "$pom" dependency:build-classpath \
    -Dmdep.outputFile="$tmp" -Dmdep.includeScope=runtime -Dmdep.pathSeparator=: \
    >"$mvnlog" 2>&1; then
    rm -f "$tmp"
    tail -n 30 "$mvnlog" >&2 || true
    die "Maven could not resolve the $label dependencies (see $mvnlog)"
  fi
  [[ -s "$tmp" ]] || die "Maven produced an empty $label classpath (see $mvnlog)"
  mv -f "$tmp" "$cpfile"
  sha256sum "$pom" | cut -d' ' -f1 >"$cpfile.key"
}

resolve_kafka_classpath() {
  resolve_classpath kafka "$KAFKA_POM" "$KAFKA_CLASSPATH_FILE"
}

# DynamoDB Local: the classpath holds the jars only; the sqlite4java native
# library is copied to $DYNAMODB_LIB_DIR under the name sqlite4java looks for.
resolve_dynamodb_classpath() {
  local raw="$STACK_DIR/dynamodb.resolved" entry entries=() jars=() so=""
  if classpath_cache_valid "$DYNAMODB_CLASSPATH_FILE" "$DYNAMODB_POM" &&
    [[ -f "$DYNAMODB_LIB_DIR/libsqlite4java-linux-amd64.so" ]]; then
    return 0
  fi
  resolve_classpath dynamodb "$DYNAMODB_POM" "$raw"
  IFS=: read -r -a entries <"$raw" || true
  for entry in "${entries[@]}"; do
    case "$entry" in
    *.so) so="$entry" ;;
    *) jars+=("$entry") ;;
    esac
  done
  [[ -n "$so" ]] || die "libsqlite4java-linux-amd64 was not resolved (see $STACK_DIR/maven-dynamodb.log)"
  mkdir -p "$DYNAMODB_LIB_DIR"
  cp -f "$so" "$DYNAMODB_LIB_DIR/libsqlite4java-linux-amd64.so"
  (
    IFS=:
    printf '%s' "${jars[*]}" >"$DYNAMODB_CLASSPATH_FILE"
  )
  cp -f "$raw.key" "$DYNAMODB_CLASSPATH_FILE.key"
}

# The stack's ports lie inside Linux's ephemeral range (32768-60999): an outgoing connection can
# take one as its local port just before a server binds it ("Address already in use"). As root,
# reserve them so the kernel never hands them out; otherwise say why a bind may fail.
reserve_stack_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports wanted="33061-33069,38000,39092-39094"
  [[ -w "$file" ]] || return 0
  local current
  current="$(cat "$file")"
  case ",$current," in
  *",33061-33069,"*) return 0 ;;
  esac
  echo "${current:+$current,}$wanted" >"$file" 2>/dev/null || true
}
