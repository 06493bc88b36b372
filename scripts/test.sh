#!/usr/bin/env bash
# The whole greenai test suite. Installs what the suite needs on a fresh
# Debian machine, then runs every Go test. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# ONNX's own backend test suite: the conformance oracle for shape inference.
[ -d /usr/share/libonnx-testdata/data ] || need_apt+=(libonnx-testdata)
# --- extra Debian packages the suite needs are added here ---

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    sudo apt-get update -qq >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi

# --- services the suite needs are started here ---

export GREENAI_REQUIRE_CONFORMANCE=1
go vet ./...
go test -count=1 -timeout 60m ./... "$@"
