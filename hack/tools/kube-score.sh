#!/usr/bin/env bash
# Builds kube-score from its Go module (no download of a release binary),
# once, into a cache outside the checkout, and prints its path. The chart
# tests score the chart with it (test/install/kubescore_test.go).
set -euo pipefail

KUBE_SCORE_VERSION=${KUBE_SCORE_VERSION:-v1.20.0}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/customer-sync-operator/tools/kube-score-${KUBE_SCORE_VERSION}
bin=$cache/kube-score
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
progress "kube-score ${KUBE_SCORE_VERSION}" "$SECONDS"
cd "$tmp" # outside any module
echo "building kube-score ${KUBE_SCORE_VERSION} into $cache (first time only, a minute or two)" >&2
GOFLAGS=-buildvcs=false GOBIN="$tmp" CGO_ENABLED=0 \
	go install -trimpath -ldflags "-s -w -X main.version=${KUBE_SCORE_VERSION}" "github.com/zegl/kube-score/cmd/kube-score@${KUBE_SCORE_VERSION}"
mv "$tmp/kube-score" "$bin"
echo "$bin"
