#!/usr/bin/env bash
# Builds kube-score from its Go module (no download of a release binary),
# once, into a cache outside the checkout, and prints its path. The chart
# tests score the chart with it (test/install/kubescore_test.go).
set -euo pipefail

KUBE_SCORE_VERSION=${KUBE_SCORE_VERSION:-v1.20.0}
# shellcheck source=../lib/build-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/build-lock.sh"
go_install_cached kube-score "$KUBE_SCORE_VERSION" github.com/zegl/kube-score/cmd/kube-score "-X main.version=${KUBE_SCORE_VERSION}"
