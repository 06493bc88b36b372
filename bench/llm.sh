#!/usr/bin/env bash
# llm.sh: wall time and peak RSS of `greenai fpo CONFIG` on the configs of
# issue 10's speed target (Llama-3-70B and DeepSeek-V3, bench/testdata/),
# each run a fresh process measured by /usr/bin/time -v.
#
#   bench/llm.sh             # REPS=3 runs of each, medians reported
#   REPS=5 bench/llm.sh
#
# Target: under 1 s and under 100 MB peak RSS per count; the script exits 1
# naming each case whose median misses it. The table goes to stdout and to
# bench/out/llm-DATE.txt.
set -euo pipefail

reps=${REPS:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "llm.sh: /usr/bin/time is missing; install it: sudo apt-get install time" >&2
		exit 1
	fi
	apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >&2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/greenai-llm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$here/out"
out="$here/out/llm-$(date -u +%Y%m%dT%H%M%SZ).txt"
log() { echo "$@" | tee -a "$out"; }

cd "$root"
go build -o "$tmp/greenai" ./cmd/greenai
log "greenai fpo CONFIG  $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
log "source    commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(go version | cut -d' ' -f3)"
log "$(printf '%-34s %9s %9s %10s %8s' case 'wall s' 'cpu s' 'peak MB' nodes)"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run() { # name, args...
	local name=$1
	shift
	local walls=() cpus=() rss=()
	for _ in $(seq "$reps"); do
		/usr/bin/time -v -o "$tmp/time" "$tmp/greenai" fpo "$@" >"$tmp/stdout" 2>"$tmp/stderr" || {
			cat "$tmp/stderr" >&2
			exit 1
		}
		walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$tmp/time")")
		cpus+=("$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$tmp/time")")
		rss+=("$(awk -F': ' '/Maximum resident set size/ {print $2/1024}' "$tmp/time")")
	done
	local nodes wall mb
	nodes=$("$tmp/greenai" inspect "${@: -1}" | awk '/^Nodes/ {print $2}')
	wall=$(printf '%s\n' "${walls[@]}" | median)
	mb=$(printf '%s\n' "${rss[@]}" | median)
	log "$(printf '%-34s %9.3f %9.2f %10.1f %8s' "$name" \
		"$wall" "$(printf '%s\n' "${cpus[@]}" | median)" "$mb" "$nodes")"
	if awk -v w="$wall" -v m="$mb" 'BEGIN {exit !(w >= 1 || m >= 100)}'; then
		missed+=("$name: ${wall} s, ${mb} MB")
	fi
}
missed=()

for c in llama-3-70b deepseek-v3; do
	run "$c symbolic" "$here/testdata/$c.json"
	run "$c batch 1 × sequence 4096" --dim batch=1 --dim sequence=4096 "$here/testdata/$c.json"
done
log "(medians of $reps runs; target < 1 s and < 100 MB per count)"
if [ ${#missed[@]} -gt 0 ]; then
	for m in "${missed[@]}"; do log "TARGET MISSED: $m"; done
	exit 1
fi
log "target met by every case"
