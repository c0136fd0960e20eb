#!/usr/bin/env bash
# Builds kube-apiserver, etcd and kubectl for envtest from their Go modules, because
# setup-envtest downloads prebuilt binaries from the internet and this project
# must build and test with nothing but the Go module proxy.
#
# The binaries land in a cache outside the checkout so a fresh clone reuses
# them; the directory is printed on stdout (KUBEBUILDER_ASSETS).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KUBE_VERSION=v1.36.3
ETCD_VERSION=$(cd "$here" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/customer-sync-operator/envtest/kube-${KUBE_VERSION}-etcd-${ETCD_VERSION}

if [[ -x $cache/kube-apiserver && -x $cache/etcd && -x $cache/kubectl ]]; then
	echo "$cache"
	exit 0
fi

# shellcheck source=../lib/build-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/build-lock.sh"

mkdir -p "$cache"
lock "$cache"
if [[ -x $cache/kube-apiserver && -x $cache/etcd && -x $cache/kubectl ]]; then
	echo "$cache" # built while we waited
	exit 0
fi
tmp=$(mktemp -d "$cache/.build.XXXXXX")
ticker=
trap 'rm -rf "$tmp"; [[ -z $ticker ]] || kill "$ticker" 2>/dev/null' EXIT

# Some k8s.io modules have no checksum-database entry; the committed go.sum
# is the source of truth for this tools module only.
export GONOSUMDB=k8s.io GOFLAGS=-mod=readonly CGO_ENABLED=0

minor=${KUBE_VERSION#v1.}
minor=${minor%%.*}
echo "building kube-apiserver $KUBE_VERSION and etcd $ETCD_VERSION into $cache (first time only, several minutes)" >&2
progress "kube-apiserver, kubectl and etcd" "$SECONDS"
(
	cd "$here"
	go build -trimpath -o "$tmp/kube-apiserver" \
		-ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
		k8s.io/kubernetes/cmd/kube-apiserver
	go build -trimpath -o "$tmp/kubectl" \
		-ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
		k8s.io/kubernetes/cmd/kubectl
	go build -trimpath -o "$tmp/etcd" -ldflags "-s -w" go.etcd.io/etcd/server/v3
)
mv "$tmp/kube-apiserver" "$tmp/kubectl" "$tmp/etcd" "$cache/"
echo "$cache"
