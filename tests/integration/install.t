#!/bin/sh
# make install honours PREFIX and DESTDIR and installs binaries, manual
# pages and templates.
. "$(dirname "$0")/../lib.sh"
plan 4

make -s install BUILD="$BUILD" PREFIX=/opt/td DESTDIR="$TMP/dest" >&2
ok $? "make install succeeds"
check "the binaries are installed under DESTDIR/PREFIX/sbin" \
	test -x "$TMP/dest/opt/td/sbin/ticketd" -a -x "$TMP/dest/opt/td/sbin/ticketctl"
check "the manual pages are installed" test -f "$TMP/dest/opt/td/share/man/man8/ticketd.8" \
	-a -f "$TMP/dest/opt/td/share/man/man5/ticketd.conf.5" -a -f "$TMP/dest/opt/td/share/man/man8/ticketctl.8"
"$TMP/dest/opt/td/sbin/ticketd" -n -c conf/ticketd.conf >/dev/null
ok $? "the installed ticketd runs"
