#!/bin/sh
# corpus.t: every tests/corpus/NAME.eml, parsed by mimedump, must print
# exactly tests/corpus/NAME.ref (Postfix-style golden files). After an
# intended change, review the new output by eye and then regenerate with
#	build/tests/mimedump tests/corpus/NAME.eml >tests/corpus/NAME.ref
# Needs no daemon, so it does not use lib.sh.
BUILD=${BUILD:-build}
MIMEDUMP=$BUILD/tests/mimedump
CORPUS=$(dirname "$0")/../corpus

if [ ! -x "$MIMEDUMP" ]; then
	echo "Bail out! $MIMEDUMP is not built"
	exit 1
fi
set -- "$CORPUS"/*.eml
echo "1..$#"
n=0 failed=0
out=$(mktemp "${TMPDIR:-/tmp}/corpus.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
for eml; do
	n=$((n + 1))
	name=$(basename "$eml" .eml)
	ref=${eml%.eml}.ref
	if "$MIMEDUMP" "$eml" >"$out" 2>&1 &&
	    diff -u "$ref" "$out" >"$out.diff" 2>&1; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		sed 's/^/# /' "$out.diff" 2>/dev/null || sed 's/^/# /' "$out"
		failed=$((failed + 1))
	fi
	rm -f "$out.diff"
done
[ "$failed" -eq 0 ]
