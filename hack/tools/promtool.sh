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

# shellcheck source=../lib/build-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/build-lock.sh"
mkdir -p "$cache"
lock "$cache"
if [[ -x $bin ]]; then
	echo "$bin" # built while we waited
	exit 0
fi
tmp=$(mktemp -d "$cache/.build.XXXXXX")
ticker=
trap 'rm -rf "$tmp"; [[ -z $ticker ]] || kill "$ticker" 2>/dev/null' EXIT
progress "promtool ${PROMETHEUS_VERSION}" "$SECONDS"
cd "$tmp" # outside any module
echo "building promtool ${PROMETHEUS_VERSION} into $cache (first time only, a few minutes)" >&2
GOFLAGS=-buildvcs=false GOBIN="$tmp" CGO_ENABLED=0 \
	go install -trimpath -ldflags "-s -w" "github.com/prometheus/prometheus/cmd/promtool@${PROMETHEUS_VERSION}"
mv "$tmp/promtool" "$bin"
echo "$bin"
