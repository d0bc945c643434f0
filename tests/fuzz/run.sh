#!/bin/sh
# run.sh: `make fuzz`. Runs each libFuzzer harness in $FUZZBUILD for
# FUZZ_SECONDS (default 60), one after the other, over a scratch copy of
# its seeds and regression inputs in $FUZZBUILD/corpus/NAME; new inputs
# the fuzzer keeps go there, never into the repository. FUZZ_TARGETS
# (default: all) names the harnesses to run. tests/fuzz/NAME.dict is
# its dictionary and tests/fuzz/NAME.options its extra libFuzzer flags,
# when they exist. Crashes are left in
# $FUZZBUILD/artifacts/NAME/; copy each into tests/fuzz/regress/NAME/
# with its fix. Exits 1 when any harness found something.
set -u
cd "$(dirname "$0")/../.."
FUZZBUILD=${FUZZBUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz-*.c; do n=${f##*/fuzz-}; echo "${n%.c}"; done)}
failed=

for name in $targets; do
	bin=$FUZZBUILD/fuzz-$name
	corpus=$FUZZBUILD/corpus/$name
	artifacts=$FUZZBUILD/artifacts/$name
	mkdir -p "$corpus" "$artifacts"
	for d in tests/fuzz/seeds/$name tests/fuzz/regress/$name; do
		[ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$corpus/" \;
	done
	set -- -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$artifacts/"
	[ -f "tests/fuzz/$name.dict" ] && set -- "$@" -dict="tests/fuzz/$name.dict"
	# shellcheck disable=SC2046
	[ -f "tests/fuzz/$name.options" ] && set -- "$@" $(cat "tests/fuzz/$name.options")
	echo "fuzz $name: $FUZZ_SECONDS s"
	if ! "$bin" "$@" "$corpus" >"$FUZZBUILD/$name.log" 2>&1; then
		failed="$failed $name"
		tail -n 60 "$FUZZBUILD/$name.log"
	fi
	grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$FUZZBUILD/$name.log" |
		sed "s/^/fuzz $name: /"
done
if [ -n "$failed" ]; then
	echo "fuzz: found something in:$failed (see $FUZZBUILD/artifacts/)" >&2
	exit 1
fi
