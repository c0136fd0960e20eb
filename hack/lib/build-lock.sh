# Sourced by the tool builds (hack/envtest/build.sh, hack/tools/*.sh).

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
