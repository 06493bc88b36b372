#!/usr/bin/env bash
# compare.sh: wall time and peak RSS of greenai against Python's onnx package
# on large generated models.
#
#   bench/compare.sh            # REPS=3 runs of each, medians reported
#   REPS=5 bench/compare.sh
#
# Builds greenai and genmodel, generates (in a temporary folder, removed at
# exit) a model with ~500 MB of embedded weights, a 10,000-node chain and
# GPT-2 small with its ~650 MB of weights embedded as zeros, and runs on each
#
#   greenai inspect MODEL                     vs  onnx.load + onnx.shape_inference.infer_shapes
#   greenai fpo [--input input=1x128] GPT-2   vs  the same + Conv/MatMul/Gemm MACs counted from
#                                                 the inferred shapes (bench/pybaseline.py)
#
# Every run is a fresh process, timed end to end (process start, Python's
# interpreter and `import onnx` included) with bash's EPOCHREALTIME; peak RSS
# is /usr/bin/time's "Maximum resident set size". Python is Debian's
# /usr/bin/python3 with python3-onnx (installed with apt-get when missing).
# The table goes to stdout and to bench/out/compare-DATE.txt, the raw runs
# to bench/out/compare-DATE.tsv.
set -euo pipefail

reps=${REPS:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
py=/usr/bin/python3

need_apt() {
	if [ "$(id -u)" != 0 ]; then
		echo "compare.sh: $1 is missing; install it: sudo apt-get install $2" >&2
		exit 1
	fi
	echo "compare.sh: installing $2 with apt-get" >&2
	apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2
}
[ -x /usr/bin/time ] || need_apt /usr/bin/time time
[ -x "$py" ] && "$py" -c 'import onnx' 2>/dev/null || need_apt "Python's onnx" python3-onnx

tmp=$(mktemp -d "${TMPDIR:-/tmp}/greenai-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$here/out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$here/out/compare-$stamp.txt"
raw="$here/out/compare-$stamp.tsv"

log() { echo "$@" | tee -a "$out"; }

cd "$root"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "greenai vs Python onnx  $(date -u '+%Y-%m-%d %H:%M UTC')"
log "machine   $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/^Mem:/{print $2}') GiB"
log "software  $(go version | cut -d' ' -f3), python $("$py" -c 'import sys; print(sys.version.split()[0])'), onnx $("$py" -c 'import onnx; print(onnx.__version__)')"
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
	git diff --quiet HEAD -- onnx shape fpo params sym cmd 2>/dev/null || rev="$rev, with uncommitted changes"
	log "source    commit $rev"
fi
log "load avg  $load_start at start (1, 5, 15 min)"

go build -o "$tmp/greenai" ./cmd/greenai
go build -o "$tmp/genmodel" ./bench/genmodel
"$tmp/genmodel" -weights 500 -o "$tmp/weights500.onnx"
"$tmp/genmodel" -nodes 10000 -o "$tmp/chain10000.onnx"
"$tmp/genmodel" -embed testdata/models/gpt2_small.onnx -o "$tmp/gpt2_embedded.onnx"
# Read each file once so that every run, the first included, finds it in
# the page cache.
cat "$tmp"/*.onnx >/dev/null

printf 'case\ttool\trep\twall_s\tpeak_rss_kb\tstdout\tcpu_s\n' >"$raw"

# run CASE TOOL CMD...: REPS runs of CMD; appends a row per run to $raw.
run() {
	local c=$1 tool=$2 i t0 t1 rss cpu
	shift 2
	for ((i = 1; i <= reps; i++)); do
		t0=$EPOCHREALTIME
		if ! /usr/bin/time -v -o "$tmp/time.txt" "$@" >"$tmp/stdout.txt" 2>"$tmp/stderr.txt"; then
			echo "compare.sh: $c: $tool failed: $*" >&2
			cat "$tmp/stderr.txt" >&2
			exit 1
		fi
		t1=$EPOCHREALTIME
		rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tmp/time.txt")
		cpu=$(awk -F': ' '/(User|System) time \(seconds\)/{s += $2} END{print s}' "$tmp/time.txt")
		printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\n' "$c" "$tool" "$i" \
			"$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')" "$rss" \
			"$(head -c 300 "$tmp/stdout.txt" | tr '\t\n' '  ' | sed 's/ *$//')" "$cpu" >>"$raw"
	done
}

w=$tmp/weights500.onnx
c=$tmp/chain10000.onnx
g=$tmp/gpt2_embedded.onnx
run "weights 500 MB, inspect" greenai "$tmp/greenai" inspect "$w"
run "weights 500 MB, inspect" python "$py" "$here/pybaseline.py" inspect "$w"
run "chain 10,000 nodes, inspect" greenai "$tmp/greenai" inspect "$c"
run "chain 10,000 nodes, inspect" python "$py" "$here/pybaseline.py" inspect "$c"
run "GPT-2 650 MB, inspect" greenai "$tmp/greenai" inspect "$g"
run "GPT-2 650 MB, inspect" python "$py" "$here/pybaseline.py" inspect "$g"
run "GPT-2 650 MB, fpo 1x128" greenai "$tmp/greenai" fpo --json --input input=1x128 "$g"
run "GPT-2 650 MB, fpo 1x128" python "$py" "$here/pybaseline.py" fpo "$g" input=1x128
run "GPT-2 650 MB, fpo symbolic" greenai "$tmp/greenai" fpo "$g"

# median CASE TOOL COLUMN
median() {
	awk -F'\t' -v c="$1" -v t="$2" -v k="$3" '$1==c && $2==t {print $k}' "$raw" |
		sort -g | awk '{v[NR]=$1} END{if (NR==0) exit; if (NR%2) print v[(NR+1)/2]; else printf "%.4f\n", (v[NR/2]+v[NR/2+1])/2}'
}

log "runs      $reps of each, medians; wall = whole process, start to exit"
log ""
{
	printf '%-28s | %-26s | %-26s | %s\n' "" "greenai" "python" "python/greenai"
	printf '%-28s | %8s %8s %8s | %8s %8s %8s | %7s %7s %7s\n' "case" "wall s" "cpu s" "peak MB" "wall s" "cpu s" "peak MB" "wall" "cpu" "memory"
	for cs in "weights 500 MB, inspect" "chain 10,000 nodes, inspect" "GPT-2 650 MB, inspect" "GPT-2 650 MB, fpo 1x128" "GPT-2 650 MB, fpo symbolic"; do
		gs=$(median "$cs" greenai 4)
		gk=$(median "$cs" greenai 5)
		gc=$(median "$cs" greenai 7)
		pc=$cs
		[ "$cs" = "GPT-2 650 MB, fpo symbolic" ] && pc="GPT-2 650 MB, fpo 1x128" # Python needs fixed shapes
		ps=$(median "$pc" python 4)
		pk=$(median "$pc" python 5)
		pcpu=$(median "$pc" python 7)
		awk -v c="$cs" -v gs="$gs" -v gk="$gk" -v gc="$gc" -v ps="$ps" -v pk="$pk" -v pc="$pcpu" 'BEGIN{
			cr = gc > 0 ? sprintf("%6.1f×", pc/gc) : "      -"
			printf "%-28s | %8.3f %8.2f %8.1f | %8.3f %8.2f %8.1f | %6.1f× %s %6.1f×\n", c, gs, gc, gk/1024, ps, pc, pk/1024, ps/gs, cr, pk/gk}'
	done
	echo "wall: start to exit of the process; cpu: user+sys seconds (10 ms resolution, so small greenai"
	echo "cpu times make coarse ratios); peak: maximum resident set. The symbolic fpo row is compared"
	echo "with Python's 1x128 count (Python needs fixed shapes)."
	echo ""
	echo "file sizes: weights $(stat -c %s "$w") B, chain $(stat -c %s "$c") B, GPT-2 $(stat -c %s "$g") B"
	gm=$("$tmp/greenai" fpo --json --input input=1x128 "$g" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["totals"]["macs"])')
	pm=$(awk -F'\t' '$1=="GPT-2 650 MB, fpo 1x128" && $2=="python" && $3==1 {print $6}' "$raw" | grep -o 'macs=.*')
	echo "GPT-2 MACs at 1x128: greenai $gm (every node); python $pm (Conv/MatMul/Gemm with inferred shapes)"
	echo "python phases (first run of each case, seconds):"
	awk -F'\t' '$2=="python" && $3==1 {printf "  %-28s %s\n", $1, $6}' "$raw"
	echo "load avg  $(cut -d' ' -f1-3 /proc/loadavg) at end"
} | tee -a "$out"
echo "results: $out (raw runs: $raw)"
