#!/usr/bin/env bash
# Builds helm from its Go module (the official install script downloads a
# prebuilt binary, and this project builds with nothing but the Go module
# proxy). The binary is built once into a cache outside the checkout, reused
# afterwards, and its path is printed on stdout.
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v3.22.0}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/customer-sync-operator/tools/helm-${HELM_VERSION}
bin=$cache/helm

# The version check also replaces a binary built without the flags below.
if [[ -x $bin ]] && [[ $("$bin" version --template '{{.Version}}' 2>/dev/null) == "$HELM_VERSION" ]]; then
	echo "$bin"
	exit 0
fi

# shellcheck source=../lib/build-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/build-lock.sh"

mkdir -p "$cache"
lock "$cache"
if [[ -x $bin ]] && [[ $("$bin" version --template '{{.Version}}' 2>/dev/null) == "$HELM_VERSION" ]]; then
	echo "$bin" # built while we waited
	exit 0
fi
# Build into a temporary GOBIN and move the result, so an interrupted build
# never leaves a half-written binary behind.
tmp=$(mktemp -d "$cache/.build.XXXXXX")
ticker=
trap 'rm -rf "$tmp"; [[ -z $ticker ]] || kill "$ticker" 2>/dev/null' EXIT
cd "$tmp" # outside any module: the root go.mod is neither read nor changed

echo "building helm $HELM_VERSION into $cache (first time only, a few minutes)" >&2
progress "helm $HELM_VERSION" "$SECONDS"
# The -X flags are those of helm's own Makefile. Without them `helm version`
# says "v3.22" and, worse, `helm template` and `helm lint` assume Kubernetes
# v1.20 (the default capabilities), so kubeVersion checks and
# .Capabilities.KubeVersion would be wrong; helm derives the version from
# the k8s.io/client-go it is built with.
if ! info=$(GOFLAGS= go mod download -json "helm.sh/helm/v3@${HELM_VERSION}"); then
	echo "cannot download helm.sh/helm/v3@${HELM_VERSION} from the module proxy:" >&2
	echo "$info" >&2
	exit 1
fi
gomod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' <<<"$info")
clientgo=$(awk '$1 == "k8s.io/client-go" { print $2; exit }' "$gomod")
if [[ ! $clientgo =~ ^v0\.([0-9]+)\. ]]; then
	echo "cannot find the k8s.io/client-go version of helm $HELM_VERSION in $gomod" >&2
	exit 1
fi
kminor=${BASH_REMATCH[1]}
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
ldflags+=" -X helm.sh/helm/v3/internal/version.metadata="
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
	ldflags+=" -X ${pkg}.k8sVersionMajor=1 -X ${pkg}.k8sVersionMinor=${kminor}"
done
GOFLAGS=-buildvcs=false GOBIN="$tmp" CGO_ENABLED=0 \
	go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
mv "$tmp/helm" "$bin"
echo "$bin"
