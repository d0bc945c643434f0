#!/bin/sh
# make install: binaries, manual pages, templates, example rules, an
# example configuration with absolute paths that never overwrites the
# admin's, a systemd unit hardened to systemd-analyze's "OK" (2.0 or
# less), and sysusers.d and tmpfiles.d entries for the ticketd user and
# /var/lib/ticketd, each tried for real: systemd-sysusers and
# systemd-tmpfiles run on a private root. Only `ticketd -n` needs the
# ticketd user in the machine's own passwd: when it is missing, the test
# creates it from our sysusers entry, as an admin does after installing.
. "$(dirname "$0")/../lib.sh"
plan 18

# Reuse the built library: only the two programs are built again, with
# the installed configuration's path compiled in.
mkdir -p "$TMP/build"
cp -a "$BUILD/obj" "$BUILD/libticketd.a" "$TMP/build/"
san=0
case $BUILD in *-san) san=1 ;; esac
P=$TMP/usr E=$TMP/etc V=$TMP/var
make -s install SANITIZE=$san BUILD="$TMP/build" PREFIX="$P" SYSCONFDIR="$E" \
	LOCALSTATEDIR="$V" DESTDIR= >&2
ok $? "make install succeeds"
check "the binaries are installed in sbin" test -x "$P/sbin/ticketd" -a -x "$P/sbin/ticketctl"
check "the manual pages are installed" test -f "$P/share/man/man8/ticketd.8" \
	-a -f "$P/share/man/man5/ticketd.conf.5" -a -f "$P/share/man/man5/ticketd.rules.5" \
	-a -f "$P/share/man/man8/ticketctl.8"
check "templates and example rules are under share/ticketd" test -f "$P/share/ticketd/templates/ack.th.txt" \
	-a -f "$P/share/ticketd/rules/30-thai.rules" -a -f "$P/share/ticketd/ticketd.conf.example"
check "the configuration, its rules and holidays are in SYSCONFDIR/ticketd" \
	test -f "$E/ticketd/ticketd.conf" -a -f "$E/ticketd/rules/10-urgent.rules" -a -f "$E/ticketd/holidays-th.txt"

conf=$E/ticketd/ticketd.conf
! grep -Eq '^(database|templates|rules|holidays|secret_file) *= *[^/ ]' "$conf"
ok $? "every path in the installed configuration is absolute"
"$P/sbin/ticketd" --help | grep -Fq "default $conf)"
ok $? "the programs read SYSCONFDIR's configuration by default"
grep -q '^user = ticketd ' "$conf"
ok $? "the installed configuration names the ticketd user"

getent passwd ticketd >/dev/null || sed -e 's|@USER@|ticketd|g' -e 's|@LOCALSTATEDIR@|/var|g' \
	contrib/systemd/ticketd.sysusers.in | systemd-sysusers - >&2
out=$(cd / && "$P/sbin/ticketd" -n 2>&1)
ok $? "ticketd -n passes on it from / with no -c"
diag "$out"

echo '; edited by the admin' >>"$conf"
make -s install SANITIZE=$san BUILD="$TMP/build" PREFIX="$P" SYSCONFDIR="$E" \
	LOCALSTATEDIR="$V" DESTDIR= >&2
grep -q 'edited by the admin' "$conf"
ok $? "installing again leaves the admin's configuration alone"

unit=$P/lib/systemd/system/ticketd.service
check "the unit starts the installed ticketd with the installed configuration" \
	grep -q "^ExecStart=$P/sbin/ticketd -c $conf -s$" "$unit"
check "the unit is Type=notify with a watchdog and UMask=0027" \
	sh -c "grep -q '^Type=notify$' '$unit' && grep -q '^WatchdogSec=' '$unit' && grep -q '^UMask=0027$' '$unit'"
score=$(systemd-analyze security --offline=true "$unit" 2>&1 |
	sed -n 's/.*Overall exposure level for ticketd.service: \([0-9.]*\).*/\1/p')
diag "systemd-analyze security: $score"
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
ok $? "systemd-analyze security rates the unit 2.0 or lower ($score)"
# Without the system call chown, [lmtp] socket_group (Postfix's and Exim's
# recipes) would fail to start; systemd-analyze says what the filter lets by.
systemd-analyze security --offline=true "$unit" 2>&1 | grep -q '@privileged is included (e.g. chown is allowed)'
ok $? "the unit's system call filter keeps chown, which socket_group needs"
bad=$(systemd-analyze verify "$unit" 2>&1 | grep -v "Command 'man " | grep -v '^$')
is "$bad" "" "systemd-analyze verify finds nothing wrong with the unit"

root=$TMP/sysroot
mkdir -p "$root/etc"
systemd-sysusers --root="$root" "$P/lib/sysusers.d/ticketd.conf" >&2
grep -q "^ticketd:x:[0-9]*:[0-9]*:.*:$V/lib/ticketd:/usr/sbin/nologin$" "$root/etc/passwd"
ok $? "the sysusers.d entry makes a ticketd system user without a shell"
systemd-tmpfiles --create --root="$root" "$P/lib/tmpfiles.d/ticketd.conf" >&2
uid=$(awk -F: '$1 == "ticketd" { print $3 }' "$root/etc/passwd")
is "$(stat -c '%a %u' "$root$V/lib/ticketd")" "750 $uid" "the tmpfiles.d entry makes the state directory, private to ticketd"
is "$(stat -c '%a %u' "$root/run/ticketd")" "755 $uid" "... and the runtime directory the MTA reaches the socket in"
