# Shared by ops/run and ops/test: install what is missing, start and stop a private PostgreSQL
# cluster and MailDev. Everything started here is stopped by its pid or data folder, never by name,
# because the machine may be shared.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=${CEREMONIES_PG_BIN:-/usr/lib/postgresql/15/bin}

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"
  fi
}

APT_UPDATED=
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confold "$@" >/dev/null
}

ensure_dotnet() {
  command -v dotnet >/dev/null || die "the .NET SDK 10 is required (dotnet on PATH)"
}

ensure_postgres() {
  [ -x "$PG_BIN/initdb" ] && return
  # Only the server binaries are wanted: stop Debian from creating and starting its own cluster.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    as_root mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  apt_install postgresql-15 postgresql-client-15
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL binaries not found in $PG_BIN after install"
}

ensure_node() {
  command -v npm >/dev/null || apt_install nodejs npm
}

ensure_maildev() {
  ensure_node
  local dir=$REPO/ops/maildev
  if [ ! -x "$dir/node_modules/.bin/maildev" ]; then
    say "installing MailDev into ops/maildev/node_modules"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  MAILDEV_BIN=$dir/node_modules/.bin/maildev
}

# Independent parsers the tests use to read the service's output back (iCalendar).
ensure_testtools() {
  ensure_node
  local dir=$REPO/ops/testtools
  if [ ! -d "$dir/node_modules/ical.js" ]; then
    say "installing the test tools into ops/testtools/node_modules"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

ensure_chromium() {
  [ -x /usr/lib/chromium/chromium ] && return
  apt_install chromium
}

# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user.
PG_USER=
pg_as() {
  if [ -n "$PG_USER" ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

# The postgres user must be able to reach the data folder; a checkout inside a private (0700)
# folder would hide it, so open the search bit (not listing) on the folders above it.
open_path_for() {
  local user=$1 dir=$2
  while ! runuser -u "$user" -- test -x "$dir" 2>/dev/null; do
    local d=$dir
    while [ "$d" != / ]; do
      runuser -u "$user" -- test -x "$d" 2>/dev/null || chmod o+x "$d"
      d=$(dirname "$d")
    done
    runuser -u "$user" -- test -x "$dir" || die "postgres cannot reach $dir"
  done
}

# pg_start DIR PORT [extra server options...]: init (first time) and start a cluster in DIR.
# Sets PG_STARTED=1 when this call started it, so the caller knows whether to stop it.
PG_STARTED=
pg_start() {
  local dir=$1 port=$2; shift 2
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    PG_USER=postgres
    id postgres >/dev/null 2>&1 || as_root useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres:postgres "$dir"
    open_path_for postgres "$dir"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    say "creating a PostgreSQL cluster in $dir/data"
    pg_as "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log"
  fi
  mkdir -p "$dir/sock"
  [ -z "$PG_USER" ] || chown "$PG_USER" "$dir/sock"
  if pg_as "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    say "PostgreSQL already running from $dir/data"
    return
  fi
  say "starting PostgreSQL on 127.0.0.1:$port"
  pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 start \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir/sock $*" >/dev/null \
    || { tail -20 "$dir/pg.log" >&2; die "PostgreSQL did not start (log: $dir/pg.log)"; }
  PG_STARTED=1
}

pg_stop() {
  local dir=$1
  [ -n "$PG_STARTED" ] || return 0
  pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_ensure_role DIR PORT ROLE PASSWORD DB: a login role (allowed to create the test databases)
# and a database it owns.
pg_ensure_role() {
  local dir=$1 port=$2 role=$3 password=$4 db=$5
  local psql=(pg_as "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$port" -U postgres -d postgres)
  "${psql[@]}" -v role="$role" -v pw="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'pw')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'pw') \gexec
SQL
  "${psql[@]}" -v role="$role" -v db="$db" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
}

# maildev_start DIR SMTP_PORT WEB_PORT: start MailDev on loopback and wait until it answers. A port
# held for a moment or a slow start gets a second try; before it, and before giving up, what went
# wrong is printed: MailDev's own log, how it ended and what else listens on its two ports.
# MAILDEV_ARGS: more options for MailDev (an array), e.g. (--mail-directory DIR) to keep the mail
# across a restart.
MAILDEV_PID=
maildev_start() {
  local dir=$1 smtp=$2 web=$3
  mkdir -p "$dir"
  say "starting MailDev: SMTP 127.0.0.1:$smtp, inbox http://127.0.0.1:$web"
  maildev_try "$dir" "$smtp" "$web" && return
  maildev_explain "$dir" "$smtp" "$web"
  sleep 1
  say "starting MailDev again"
  maildev_try "$dir" "$smtp" "$web" && return
  maildev_explain "$dir" "$smtp" "$web"
  die "MailDev did not start (SMTP port $smtp, inbox port $web)"
}

# One start; on failure MAILDEV_FAILURE says how it ended. Not --silent: that hides its errors too
# (a port in use exits 1 and says nothing); the price is two log lines per mail received.
MAILDEV_FAILURE=
maildev_try() {
  local dir=$1 smtp=$2 web=$3 status=0 deadline=$((SECONDS + 20))
  "$MAILDEV_BIN" --ip 127.0.0.1 --smtp "$smtp" --web-ip 127.0.0.1 --web "$web" ${MAILDEV_ARGS[@]+"${MAILDEV_ARGS[@]}"} \
    >"$dir/maildev.log" 2>&1 &
  MAILDEV_PID=$!
  echo "$MAILDEV_PID" >"$dir/maildev.pid"
  while [ "$SECONDS" -lt "$deadline" ]; do
    curl -fsS "http://127.0.0.1:$web/api/healthz" >/dev/null 2>&1 && return 0
    if ! kill -0 "$MAILDEV_PID" 2>/dev/null; then
      wait "$MAILDEV_PID" || status=$?
      MAILDEV_PID=
      MAILDEV_FAILURE="exited with status $status"
      return 1
    fi
    sleep 0.2
  done
  maildev_stop
  MAILDEV_PID=
  MAILDEV_FAILURE="did not answer on http://127.0.0.1:$web/api/healthz within 20 s (stopped it)"
  return 1
}

maildev_explain() {
  local dir=$1 smtp=$2 web=$3 holders
  {
    echo "MailDev $MAILDEV_FAILURE; its log ($dir/maildev.log):"
    if [ -s "$dir/maildev.log" ]; then sed 's/^/  | /' "$dir/maildev.log"; else echo "  (empty)"; fi
    if ! command -v ss >/dev/null; then
      echo "(ss is not installed: cannot say what listens on ports $smtp and $web)"
    elif holders=$(ss -ltnpH "( sport = :$smtp or sport = :$web )") && [ -n "$holders" ]; then
      echo "listening on ports $smtp and $web:"
      sed 's/^/  /' <<<"$holders"
    else
      echo "nothing listens on ports $smtp and $web now"
    fi
  } >&2
}

maildev_stop() {
  [ -n "$MAILDEV_PID" ] || return 0
  kill "$MAILDEV_PID" 2>/dev/null || true
  wait "$MAILDEV_PID" 2>/dev/null || true
}

ensure_curl() {
  command -v curl >/dev/null || apt_install curl
}
