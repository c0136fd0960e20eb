# Sourced by the tool builds (hack/envtest/build.sh, hack/tools/*.sh): a lock, progress lines, and a cached go install.

# lock waits for any other build of the cache $1: parallel runs on a fresh
# machine (make test and make demo at once) wait for the first build instead
# of each building the same cache; whoever waited then finds the result.
lock() {
	if command -v flock >/dev/null; then
		exec 9>"$1.lock"
		if ! flock -n 9; then
			echo "waiting for another build of $1" >&2
			flock 9
		fi
	fi
}

# progress prints a line every 30 seconds while a long build of $1 runs;
# the caller kills $ticker when done.
progress() {
	(while sleep 30; do echo "  still building $1 ($((SECONDS - $2))s)" >&2; done) &
	ticker=$!
}

# go_install_cached builds binary $1 of Go package $3 at version $2 (extra
# -ldflags in $4) once, from its module, into a cache outside the checkout,
# and prints its path; parallel callers wait for one build.
go_install_cached() {
	local name=$1 version=$2 pkg=$3 ldflags="-s -w ${4:-}"
	local cache=${XDG_CACHE_HOME:-$HOME/.cache}/customer-sync-operator/tools/$name-$version
	local bin=$cache/$name
	if [[ -x $bin ]]; then
		echo "$bin"
		return
	fi
	mkdir -p "$cache"
	lock "$cache"
	if [[ -x $bin ]]; then
		echo "$bin" # built while we waited
		return
	fi
	# Into a temporary GOBIN, moved when done: an interrupted build never
	# leaves a half-written binary behind.
	tmp=$(mktemp -d "$cache/.build.XXXXXX")
	ticker=
	trap 'rm -rf "$tmp"; [[ -z $ticker ]] || kill "$ticker" 2>/dev/null' EXIT
	progress "$name $version" "$SECONDS"
	echo "building $name $version into $cache (first time only, a few minutes)" >&2
	# Outside any module: the root go.mod is neither read nor changed.
	(cd "$tmp" && GOFLAGS=-buildvcs=false GOBIN="$tmp" CGO_ENABLED=0 \
		go install -trimpath -ldflags "$ldflags" "$pkg@$version")
	mv "$tmp/$name" "$bin"
	echo "$bin"
}
