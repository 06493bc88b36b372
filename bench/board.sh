#!/usr/bin/env bash
# Load benchmark of the leaderboard (issue 9): a throwaway PostgreSQL on
# loopback, "greenai serve" on it with the demo board (the torchvision
# models), then bench/boardload: 200 concurrent readers and 20 concurrent
# submitters for 60 s, and a check that every accepted submission is stored
# exactly once. Results go in bench/README.md. Not part of the test suite.
#   READERS=200 SUBMITTERS=20 DURATION=60s bench/board.sh
set -euo pipefail
cd "$(dirname "$0")/.."
READERS=${READERS:-200} SUBMITTERS=${SUBMITTERS:-20} DURATION=${DURATION:-60s}
work=$(mktemp -d /tmp/greenai-boardbench.XXXXXX)
pg_bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$work"
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  as_postgres "$pg_bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
port=
for p in $(seq 56432 56632); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
as_postgres "$pg_bin/initdb" -D "$work/data" -U greenai --auth=trust -E UTF8 >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c max_connections=300" start >/dev/null
db="postgres://greenai@127.0.0.1:$port/postgres?sslmode=disable"

go build -o "$work/greenai" ./cmd/greenai
go build -o "$work/boardload" ./bench/boardload
for i in $(seq 1 "$SUBMITTERS"); do
  "$work/greenai" board token issue --db "$db" --submitter "load-$i" 2>/dev/null
done > "$work/tokens"
addr=127.0.0.1:18090
"$work/greenai" serve --demo --db "$db" --data "$work/uploads" --addr "$addr" \
  --rate 100000 --burst 1000 --log-level warn ${PROFILE:+--pprof-addr 127.0.0.1:6061} 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "http://$addr/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
[ -n "${PROFILE:-}" ] && (sleep 5; curl -s "http://127.0.0.1:6061/debug/pprof/profile?seconds=8" > "$PROFILE") &
echo "machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
"$work/boardload" -server "http://$addr" -tokens "$work/tokens" -readers "$READERS" \
  -submitters "$SUBMITTERS" -duration "$DURATION" || rc=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server errors logged: $(grep -c level=ERROR "$work/serve.log" || true)"; grep level=ERROR "$work/serve.log" | head -3 || true
exit $rc
