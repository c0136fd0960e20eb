#!/usr/bin/env bash
# Builds promtool from the Prometheus Go module (no download of a release
# binary), once, into a cache outside the checkout, and prints its path.
set -euo pipefail

PROMETHEUS_VERSION=${PROMETHEUS_VERSION:-v0.316.0}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/customer-sync-operator/tools/promtool-${PROMETHEUS_VERSION}
bin=$cache/promtool
if [[ -x $bin ]]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$cache"
# One build at a time; whoever waited finds the result.
if command -v flock >/dev/null; then
	exec 9>"$cache.lock"
	flock -n 9 || { echo "waiting for another build of promtool" >&2; flock 9; }
fi
if [[ -x $bin ]]; then
	echo "$bin"
	exit 0
fi
tmp=$(mktemp -d "$cache/.build.XXXXXX")
(while sleep 30; do echo "  still building promtool ${PROMETHEUS_VERSION} (${SECONDS}s)" >&2; done) &
ticker=$!
trap 'rm -rf "$tmp"; kill "$ticker" 2>/dev/null' EXIT
cd "$tmp" # outside any module
echo "building promtool ${PROMETHEUS_VERSION} into $cache (first time only, a few minutes)" >&2
GOFLAGS=-buildvcs=false GOBIN="$tmp" CGO_ENABLED=0 \
	go install -trimpath -ldflags "-s -w" "github.com/prometheus/prometheus/cmd/promtool@${PROMETHEUS_VERSION}"
mv "$tmp/promtool" "$bin"
echo "$bin"
