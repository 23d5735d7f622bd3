# Shared by the mail and silence drills and benchmarks (sourced after lib.sh): a private PostgreSQL
# with the schema, app processes started as workers, due messages and signals written straight into
# the database, a stand-in for the venues' PA systems, and counts read back. Every process started
# here is stopped by its pid.

WORKER_PIDS=()
WORKER_PORTS=()

# psql_db [psql args…]: psql as the superuser on the drill's database, unaligned and quiet.
psql_db() {
  pg_as "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$WORK/pg/sock" -p "$PG_PORT" -U postgres -d ceremonies "$@"
}

app_build() {
  say "building the app (Release)"
  dotnet build "$REPO/src/Ceremonies/Ceremonies.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly
}

# worker_start PORT SMTP_PORT [NAME=VALUE…]: one app process with the scheduler on (the outbox
# dispatch runs in it), web on 127.0.0.1:PORT, mail to 127.0.0.1:SMTP_PORT; waits until it is ready.
# Extra settings are passed as environment variables (e.g. Outbox__BatchSize=100).
worker_start() {
  local port=$1 smtp=$2
  shift 2
  (
    cd "$REPO/src/Ceremonies"
    export ASPNETCORE_ENVIRONMENT=Production Scheduler__Enabled=true Logging__LogLevel__Default=Warning
    export ConnectionStrings__Ceremonies="Host=127.0.0.1;Port=$PG_PORT;Database=ceremonies;Username=ceremonies;Password=drill;Multiplexing=true"
    export Email__Smtp__Host=127.0.0.1 Email__Smtp__Port=$smtp
    # Through env, since a setting's name may hold a dot (Logging__LogLevel__Microsoft.EntityFrameworkCore=…).
    exec env "$@" dotnet bin/Release/net10.0/Ceremonies.dll --urls "http://127.0.0.1:$port"
  ) >"$WORK/worker-$port.log" 2>&1 &
  local pid=$!
  WORKER_PIDS+=("$pid")
  WORKER_PORTS+=("$port")
  for _ in $(seq 1 240); do
    curl -fsS "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { tail -30 "$WORK/worker-$port.log" >&2; die "the worker on port $port exited during start-up"; }
    sleep 0.25
  done
  die "the worker on port $port did not start within 60 s"
}

workers_stop() {
  local pid
  for pid in "${WORKER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${WORKER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  WORKER_PIDS=()
  WORKER_PORTS=()
}

# peak_rss_mb PID: the most memory the process has held (VmHWM), in MB.
peak_rss_mb() {
  awk '/^VmHWM:/ { printf "%d", $2 / 1024 }' "/proc/$1/status"
}

# rss_mb PID: the memory the process holds now (VmRSS), in MB.
rss_mb() {
  awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$1/status"
}

# cpu_seconds PID…: user + system CPU the processes have used so far.
cpu_seconds() {
  local ticks
  ticks=$(getconf CLK_TCK)
  for pid in "$@"; do cat "/proc/$pid/stat" 2>/dev/null; done |
    awk -v t="$ticks" '{ sub(/^.*\) /, ""); s += $12 + $13 } END { printf "%.2f", s / t }'
}

# outbox_fill COUNT TAG: COUNT messages due now, in one transaction, as a request would write them:
# text and HTML bodies (about 3 KB together), a UTF-8 subject, recipient reader-N.TAG@drill.test.
outbox_fill() {
  psql_db -v n="$1" -v tag="$2" <<'SQL'
INSERT INTO outbox_messages (id, idempotency_key, recipient, subject, body_text, body_html, created_at, due_at)
SELECT gen_random_uuid(), 'drill:' || :'tag' || ':' || i, 'reader-' || i || '.' || :'tag' || '@drill.test',
       'Xocalı anım mərasimi — Минута молчания — Cérémonie #' || i,
       repeat('The minute of silence begins at 17:00 Asia/Baku (13:00 UTC). ', 16),
       '<p>' || repeat('The minute of silence begins at <b>17:00 Asia/Baku</b> (13:00 UTC). ', 16) || '</p>',
       clock_timestamp(), clock_timestamp()
  FROM generate_series(1, :n) AS i;
SQL
}

# outbox_count TAG [STATE]: messages to the tag's readers (plain messages or reminders), in a state
# or in all.
outbox_count() {
  psql_db -v tag="$1" -v state="${2:-}" <<'SQL'
SELECT count(*) FROM outbox_messages
 WHERE recipient LIKE '%.' || :'tag' || '@drill.test' AND (:'state' = '' OR state = :'state');
SQL
}

# reminders_seed COUNT TAG DAYS: an event submitted and not yet public, starting DAYS from now, and
# COUNT confirmed subscribers following it (reader-N.TAG@drill.test, one reminder a day before,
# English, eight time zones in turn), written straight into the database as the subscription
# actions would leave them. Prints the event's id.
reminders_seed() {
  psql_db -v n="$1" -v tag="$2" -v days="$3" <<'SQL'
BEGIN;
CREATE TEMP TABLE seed ON COMMIT DROP AS
SELECT gen_random_uuid() AS organizer, gen_random_uuid() AS event, 'Asia/Baku' AS zone,
       date_trunc('minute', now()) + make_interval(days => :days) AS starts_at;
INSERT INTO users (id, user_name, normalized_user_name, email, normalized_email, email_confirmed,
                   phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count)
SELECT organizer, 'organizer.' || :'tag' || '@drill.test', upper('organizer.' || :'tag' || '@drill.test'),
       'organizer.' || :'tag' || '@drill.test', upper('organizer.' || :'tag' || '@drill.test'), true, false, false, true, 0
  FROM seed;
INSERT INTO events (id, organizer_id, organizer_name, title, description, languages, local_start, local_end, time_zone,
                    starts_at, ends_at, address, city, country, capacity, contact, state, published,
                    submitted_at, created_at, updated_at)
SELECT event, organizer, 'Drill organizer', 'Xocalı anım mərasimi — drill ' || :'tag', repeat('A remembrance evening. ', 20), '{en}',
       (starts_at AT TIME ZONE zone), (starts_at AT TIME ZONE zone) + interval '2 hours', zone,
       starts_at, starts_at + interval '2 hours', 'Drill street 1', 'Baku', 'AZ', 100000, 'organizer@drill.test',
       'submitted', false, now(), now(), now()
  FROM seed;
INSERT INTO subscriptions (id, email, time_zone, language, follows, event_id, offset_minutes, state, created_at, updated_at, confirmed_at)
SELECT gen_random_uuid(), 'reader-' || i || '.' || :'tag' || '@drill.test',
       (ARRAY['Asia/Baku', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney',
              'Europe/Moscow', 'America/Sao_Paulo', 'Etc/UTC'])[1 + i % 8],
       'en', 'event', event, '{1440}', 'confirmed', now(), now(), now()
  FROM seed, generate_series(1, :n) AS i;
SELECT event FROM seed;
COMMIT;
SQL
}

# reminders_approve EVENT: the moderator's approval as one UPDATE (the trigger writes the plan
# request in its transaction). Prints "MS COMMITTED": the UPDATE's own time in milliseconds, commit
# included, and the server's clock right after the commit (epoch seconds).
reminders_approve() {
  psql_db -v event="$1" <<'SQL' | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p; t; /^[0-9][0-9.]*$/p' | paste -sd' '
\timing on
UPDATE events SET state = 'approved', published = true, moderated_at = now(), updated_at = now() WHERE id = :'event';
\timing off
SELECT extract(epoch FROM clock_timestamp());
SQL
}

# reminders_wait_planned: until no plan request is left (at most 5 minutes); prints the instant
# it saw none (epoch seconds). A plan and the removal of its request commit together, so by then
# every planned reminder is in the outbox.
reminders_wait_planned() {
  for _ in $(seq 1 3000); do
    if [ "$(psql_db -c "SELECT NOT EXISTS (SELECT 1 FROM reminder_plans)")" = t ]; then
      date +%s.%N
      return 0
    fi
    sleep 0.1
  done
  die "reminder plans still waiting after 5 minutes"
}

# silence_fill VENUES SECONDS_AHEAD RECEIVER SECRETS: an observance whose minute begins SECONDS_AHEAD
# from now (on a whole second; prints that instant as epoch seconds), one occurrence, and VENUES
# venues taking part, each with a webhook RECEIVER/v<N> and a secret (written to SECRETS as
# "/v<N><TAB>secret" lines), and their begin and end signals planned as joining plans them.
silence_fill() {
  local venues=$1 ahead=$2 receiver=$3 secrets=$4
  psql_db -v n="$venues" -v ahead="$ahead" -v receiver="$receiver" <<'SQL'
BEGIN;
CREATE TEMP TABLE drill AS SELECT date_trunc('second', clock_timestamp()) + make_interval(secs => :ahead + 1) AS t, gen_random_uuid() AS observance, gen_random_uuid() AS occurrence;
INSERT INTO venues (id, name, city, country, time_zone, webhook_url, webhook_secret, created_at, updated_at)
SELECT gen_random_uuid(), 'Drill venue ' || i, 'Drill', 'AZ', 'Asia/Baku', :'receiver' || '/v' || i, 'drill-secret-of-venue-' || i, now(), now()
  FROM generate_series(1, :n) AS i;
INSERT INTO observances (id, name, month, day, silence_local_time, reference_zone, mode, notice_minutes_before, prepare_minutes_before, silence_seconds, created_at, updated_at)
SELECT observance, 'Drill observance', extract(month FROM t AT TIME ZONE 'UTC'), extract(day FROM t AT TIME ZONE 'UTC'), (t AT TIME ZONE 'UTC')::time, 'Etc/UTC', 'one_instant', 1440, 10, 60, now(), now() FROM drill;
INSERT INTO occurrences (id, observance_id, year, local_date, silence_at, created_at)
SELECT occurrence, observance, extract(year FROM t AT TIME ZONE 'UTC'), (t AT TIME ZONE 'UTC')::date, t, now() FROM drill;
INSERT INTO occurrence_venues (occurrence_id, venue_id, time_zone, local_date, local_time, begins_at, ends_at, different_day, time_rule, joined_at)
SELECT d.occurrence, v.id, v.time_zone, (d.t AT TIME ZONE v.time_zone)::date, (d.t AT TIME ZONE v.time_zone)::time, d.t, d.t + interval '60 seconds', false, 'exact', now()
  FROM drill d, venues v WHERE v.name LIKE 'Drill venue %';
INSERT INTO signal_deliveries (id, occurrence_id, venue_id, signal, due_at, deadline_at)
SELECT gen_random_uuid(), p.occurrence_id, p.venue_id, s.signal, CASE s.signal WHEN 'begin' THEN p.begins_at ELSE p.ends_at END,
       CASE s.signal WHEN 'begin' THEN p.ends_at ELSE p.ends_at + interval '60 seconds' END
  FROM occurrence_venues p, (VALUES ('begin'), ('end')) AS s(signal), drill d WHERE p.occurrence_id = d.occurrence;
SELECT extract(epoch FROM t)::bigint FROM drill;
COMMIT;
SQL
  seq 1 "$venues" | awk '{ printf "/v%d\tdrill-secret-of-venue-%d\n", $1, $1 }' >"$secrets"
}

# receiver_build: the stand-in PA systems (ops/bench/SignalReceiver), built once per run beside the
# app, so that no build falls inside a measurement.
receiver_build() {
  say "building the signal receiver (Release)"
  dotnet build "$REPO/ops/bench/SignalReceiver/SignalReceiver.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly
}

# receiver_start PORT LOG SECRETS: the stand-in PA systems on 127.0.0.1:PORT (built by
# receiver_build), logging each call to LOG as a TSV line within 200 ms and at its stop; waits until
# it has warmed up.
RECEIVER_PID=
receiver_start() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || die "port $1 is in use"
  dotnet "$REPO/ops/bench/SignalReceiver/bin/Release/net10.0/SignalReceiver.dll" "$1" "$2" "$3" >"$WORK/receiver.out" 2>&1 &
  RECEIVER_PID=$!
  for _ in $(seq 1 100); do
    grep -qx ready "$WORK/receiver.out" && return 0
    kill -0 "$RECEIVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$WORK/receiver.out" >&2
  die "the signal receiver did not start on port $1"
}
# receiver_stop: SIGTERM, on which the receiver writes what it has not yet written.
receiver_stop() {
  if [ -n "$RECEIVER_PID" ]; then kill "$RECEIVER_PID" 2>/dev/null || true; wait "$RECEIVER_PID" 2>/dev/null || true; RECEIVER_PID=; fi
}
