# shellcheck shell=bash
# Shared by the mail and reminder benchmarks (sourced after lib.sh and workers.sh, with WORK,
# SINK_PORT and PG_PORT set): Postfix's smtp-sink as the mail server the workers send to, its own
# limit measured with smtp-source, what it received, and where PostgreSQL's time went. smtp-sink
# and smtp-source come from Debian's postfix package, unpacked into a cache folder (nothing
# installed, no mail daemon started). Every process started here is stopped by its pid.

POSTFIX=${XDG_CACHE_HOME:-$HOME/.cache}/ceremonies/postfix
SINK_PID=

# ensure_postfix_tools: smtp-sink and smtp-source, from the postfix package unpacked (not installed)
# into the cache.
ensure_postfix_tools() {
  [ -x "$POSTFIX/usr/sbin/smtp-sink" ] && return
  say "unpacking smtp-sink and smtp-source from Debian's postfix package into $POSTFIX"
  command -v apt-get >/dev/null || die "apt-get is needed to fetch the postfix package"
  [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ] || as_root apt-get update -qq
  mkdir -p "$POSTFIX"
  (cd "$WORK" && apt-get download postfix >/dev/null 2>&1) || { as_root apt-get update -qq && (cd "$WORK" && apt-get download postfix >/dev/null); }
  dpkg -x "$WORK"/postfix_*.deb "$POSTFIX"
}
postfix_tool() { LD_LIBRARY_PATH="$POSTFIX/usr/lib/postfix" "$POSTFIX/usr/sbin/$1" "${@:2}"; }

# sink_start: smtp-sink on SINK_PORT, appending every message to $WORK/sink/dump (it drops to the
# unprivileged user nobody when run as root, so the folder is theirs).
sink_start() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null || die "port $SINK_PORT is in use (CEREMONIES_BENCH_SINK_PORT)"
  rm -rf "$WORK/sink" && mkdir -p "$WORK/sink"
  [ "$(id -u)" != 0 ] || chown nobody "$WORK/sink"
  (export LD_LIBRARY_PATH="$POSTFIX/usr/lib/postfix" && exec "$POSTFIX/usr/sbin/smtp-sink" \
    -u nobody -D "$WORK/sink/dump" "127.0.0.1:$SINK_PORT" 1024) >"$WORK/sink.log" 2>&1 &
  SINK_PID=$!
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null && return 0; sleep 0.1; done
  cat "$WORK/sink.log" >&2
  die "smtp-sink did not start on port $SINK_PORT"
}
sink_stop() {
  [ -n "$SINK_PID" ] || return 0
  kill "$SINK_PID" 2>/dev/null || true
  wait "$SINK_PID" 2>/dev/null || true
  SINK_PID=
}

# sink_received: "RECEIVED DISTINCT", the Message-ID headers in what the sink stored, in all and
# distinct.
sink_received() {
  local received distinct
  received=$(grep -c '^Message-I[Dd]: ' "$WORK/sink/dump" || true)
  distinct=$(grep '^Message-I[Dd]: ' "$WORK/sink/dump" | sort -u | wc -l)
  echo "$received $distinct"
}

now() { date +%s.%N; }
pg_pids() { pgrep -d ' ' -P "$(head -1 "$WORK/pg/data/postmaster.pid")"; }
# rate COUNT FROM TO: COUNT per second between two instants (epoch seconds).
rate() { python3 -c "import sys; print(f'{float(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.0f}')" "$@"; }
# difference A B: A − B to a tenth.
difference() { python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.1f}')" "$@"; }

# worker_gc_mode: the GC the workers run with, as the build wrote it (an unnoticed misspelt property
# once left the Web SDK's server GC on, at ~70 MB more peak RSS).
worker_gc_mode() {
  grep -q '"System.GC.Server": false' "$REPO/src/Ceremonies/bin/Release/net10.0/Ceremonies.runtimeconfig.json" && echo workstation || echo server
}

# top_statements COUNT: the COUNT statements that took PostgreSQL the most time since the last reset (needs the
# cluster started with shared_preload_libraries=pg_stat_statements and the extension created).
top_statements() {
  psql_db -F $'\t' -c "SELECT round(total_exec_time)::int, calls, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
                          FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'ceremonies')
                         ORDER BY total_exec_time DESC LIMIT $1" |
    awk -F'\t' '{ printf "    PostgreSQL: %6d ms in %6d calls: %s\n", $1, $2, $3 }'
}

# sink_limit SESSIONS: msg/s of smtp-source into a fresh smtp-sink over SESSIONS connections.
sink_limit() {
  sink_start
  local started
  started=$(now)
  postfix_tool smtp-source -d -s "$1" -m 20000 -l 3000 -f bench@ceremonies.test -t sink@drill.test "127.0.0.1:$SINK_PORT"
  rate 20000 "$started" "$(now)"
  sink_stop
}
# sink_limits: "ONE FOUR" (msg/s over 1 and over 4 connections), printed as it goes.
sink_limits() {
  local one four
  one=$(sink_limit 1)
  four=$(sink_limit 4)
  echo "  the sink's limit: $one msg/s over 1 connection, $four over 4" >&2
  echo "$one $four"
}

# sink_ratios MSG_PER_S BEFORE_ONE BEFORE_FOUR AFTER_ONE AFTER_FOUR: the rate against the higher of
# the sink's limits measured before and after the run (the harder comparison), as words.
sink_ratios() {
  python3 - "$@" <<'PY'
import sys
rate, b1, b4, a1, a4 = (int(x) for x in sys.argv[1:])
print(f"{rate / max(b1, a1):.2f} × the sink's limit over 1 connection ({b1} before, {a1} after), "
      f"{rate / max(b4, a4):.2f} × over 4 ({b4}, {a4})")
PY
}
