#!/usr/bin/env bash
# Builds promtool from the Prometheus Go module (no download of a release
# binary), once, into a cache outside the checkout, and prints its path.
set -euo pipefail

PROMETHEUS_VERSION=${PROMETHEUS_VERSION:-v0.316.0}
# shellcheck source=../lib/build-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/build-lock.sh"
go_install_cached promtool "$PROMETHEUS_VERSION" github.com/prometheus/prometheus/cmd/promtool
