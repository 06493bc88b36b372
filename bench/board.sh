#!/usr/bin/env bash
# Load benchmark of the leaderboard (issue 9), one command that sets up
# everything: installs PostgreSQL when missing (Debian), starts a throwaway
# cluster on loopback, "greenai serve" on it with the demo board (the
# torchvision models), then bench/boardload: 200 concurrent closed-loop
# readers and 20 concurrent submitters for 60 s, and a check that every
# accepted submission is stored exactly once. It ends with a SUMMARY line
# (board page p50/p99, errors, lost and duplicated submissions) and exits
# non-zero when the bar is not met. Results go in bench/README.md. Not part
# of the test suite.
#   READERS=200 SUBMITTERS=20 DURATION=60s bash bench/board.sh
#   PROFILE=cpu.pprof bash bench/board.sh   # also a 10 s CPU profile of the server
set -euo pipefail
cd "$(dirname "$0")/.."
READERS=${READERS:-200} SUBMITTERS=${SUBMITTERS:-20} DURATION=${DURATION:-60s}

if ! compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; then
  echo "board.sh: installing PostgreSQL (Debian package postgresql)" >&2
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pg_bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)
work=$(mktemp -d /tmp/greenai-boardbench.XXXXXX)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$work"
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  as_postgres "$pg_bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() {
  for p in $(seq "$1" "$(($1 + 200))"); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "board.sh: no free port from $1" >&2; exit 1
}
port=$(free_port 56432)
as_postgres "$pg_bin/initdb" -D "$work/data" -U greenai --auth=trust -E UTF8 >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c max_connections=300" start >/dev/null
db="postgres://greenai@127.0.0.1:$port/postgres?sslmode=disable"

go build -o "$work/greenai" ./cmd/greenai
go build -o "$work/boardload" ./bench/boardload
for i in $(seq 1 "$SUBMITTERS"); do
  "$work/greenai" board token issue --db "$db" --submitter "load-$i" 2>/dev/null
done > "$work/tokens"
addr=127.0.0.1:$(free_port 18090)
pprof=()
[ -n "${PROFILE:-}" ] && pprof=(--pprof-addr "127.0.0.1:$(free_port 16060)")
"$work/greenai" serve --demo --db "$db" --data "$work/uploads" --addr "$addr" \
  --rate 100000 --burst 1000 --log-level warn "${pprof[@]}" 2>"$work/serve.log" &
server_pid=$!
if [ -n "${PROFILE:-}" ]; then
  (sleep 15; go tool pprof -proto -seconds 10 "http://${pprof[1]}/debug/pprof/profile" >"$PROFILE" 2>/dev/null) &
fi
echo "machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "readers: $READERS (closed loop), submitters: $SUBMITTERS, for $DURATION, PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on loopback"
rc=0
"$work/boardload" -server "http://$addr" -tokens "$work/tokens" -readers "$READERS" \
  -submitters "$SUBMITTERS" -duration "$DURATION" || rc=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# The server's CPU time, with its counting children (clock ticks in /proc).
read -r -a st < <(sed 's/.*) //' "/proc/$server_pid/stat")
hz=$(getconf CLK_TCK)
echo "the server used $(( (st[11] + st[12]) / hz )) s of CPU, its counting children $(( (st[13] + st[14]) / hz )) s"
echo "server errors logged: $(grep -c level=ERROR "$work/serve.log" || true)"; grep level=ERROR "$work/serve.log" | head -3 || true
exit $rc
