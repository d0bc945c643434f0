#!/bin/sh
# Replays every seed and regression input of each fuzz harness
# (tests/fuzz/fuzz-NAME.c) through the harness built with the normal
# compiler, so that what the fuzzers once found stays fixed in every
# `make check`, and under ASan and UBSan with SANITIZE=1.
. "$(dirname "$0")/../lib.sh"

FUZZ=$TESTS/fuzz
set -- "$FUZZ"/fuzz-*.c
plan $#
for src; do
	name=${src##*/fuzz-}
	name=${name%.c}
	bin=$BUILD/fuzz/fuzz-$name
	if [ ! -x "$bin" ]; then
		fail "$name: $bin is not built (make tests)"
		continue
	fi
	"$bin" "$FUZZ/seeds/$name" "$FUZZ/regress/$name" >"$TMP/$name.out" 2>"$TMP/$name.err"
	st=$?
	grep -q 'Sanitizer\|runtime error:' "$TMP/$name.err" && st=1
	ok $st "$name: $(cat "$TMP/$name.out") without a crash or sanitizer report" ||
		tail -n 40 "$TMP/$name.err" | diag
done
