# ticketd: email-to-ticket mail processing daemon.
#
#   make            build build/ticketd and build/ticketctl
#   make deps       install the Debian packages the build and tests need
#   make check      build and run the whole test suite (unit + integration)
#   make check SANITIZE=1   the same under AddressSanitizer and UBSan
#   make bench      benchmarks against peers measured in the same run
#   make fuzz       each libFuzzer harness for FUZZ_SECONDS (default 60), clang
#                   with ASan and UBSan in build-fuzz/ (see README)
#   make install    honours PREFIX and DESTDIR

PREFIX	?= /usr/local
DESTDIR	?=
SBINDIR	?= $(PREFIX)/sbin
DATADIR	?= $(PREFIX)/share
MANDIR	?= $(DATADIR)/man
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
UNITDIR	?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
TICKETD_USER ?= ticketd
CC	?= cc

ifeq ($(SANITIZE),1)
BUILD	?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD	?= build
SANFLAGS =
endif

PKGS	 = gmime-3.0 uchardet libsystemd sqlite3 libpcre2-8 glib-2.0 gio-2.0 gio-unix-2.0 libxml-2.0 libcurl gnutls \
	   libmicrohttpd libpq
# What ticketd_build_info reports.
VERSION	?= $(shell git describe --always --dirty 2>/dev/null || echo unknown)
WFLAGS	 = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes \
	   -Wstrict-prototypes -Wshadow -Wno-missing-field-initializers -Iinclude \
	   -DTICKETD_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS))
CFLAGS	?= -O2 -g
CFLAGS	+= $(WFLAGS) $(SANFLAGS)
LDLIBS	+= -letpan $(shell pkg-config --libs $(PKGS)) -lm
LDFLAGS	+= $(SANFLAGS)

MAINS	 = src/ticketd.c src/ticketctl.c
LIBSRC	 = $(filter-out $(MAINS),$(wildcard src/*.c))
LIBOBJ	 = $(LIBSRC:src/%.c=$(BUILD)/obj/%.o)
HEADERS	 = $(wildcard include/*.h)

UNITSRC	 = $(wildcard tests/unit/*.c)
UNITBIN	 = $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
UNITTESTS = $(filter $(BUILD)/tests/test-%,$(UNITBIN))
BENCHBIN = $(BUILD)/tests/lmtp-load $(BUILD)/tests/rules-eval $(BUILD)/tests/search-gen

# Fuzz harnesses: tests/fuzz/fuzz-NAME.c. Each is built twice: with clang
# and libFuzzer in $(FUZZBUILD) for `make fuzz`, and with $(CC) and a
# replay main() in $(BUILD)/fuzz for `make check` (tests/fuzz/replay.t).
FUZZSRC	 = $(wildcard tests/fuzz/fuzz-*.c)
REPLAYBIN = $(FUZZSRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZCC	?= clang
FUZZBUILD = build-fuzz
FUZZ_SECONDS ?= 60
FUZZFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=undefined
FUZZBIN	 = $(FUZZSRC:tests/fuzz/%.c=$(FUZZBUILD)/%)
FUZZOBJ	 = $(LIBSRC:src/%.c=$(FUZZBUILD)/obj/%.o)

all: $(BUILD)/ticketd $(BUILD)/ticketctl

$(BUILD)/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The configuration both programs read unless told otherwise; they are
# built again when SYSCONFDIR changes.
$(BUILD)/obj/ticketd.o $(BUILD)/obj/ticketctl.o: CFLAGS += \
	-DTICKETD_CONF='"$(SYSCONFDIR)/ticketd/ticketd.conf"'
$(BUILD)/obj/ticketd.o $(BUILD)/obj/ticketctl.o: $(BUILD)/sysconfdir

$(BUILD)/sysconfdir: FORCE
	@mkdir -p $(BUILD)
	@echo '$(SYSCONFDIR)' | cmp -s - $@ || echo '$(SYSCONFDIR)' >$@

$(BUILD)/libticketd.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/ticketd: $(BUILD)/obj/ticketd.o $(BUILD)/libticketd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/ticketctl: $(BUILD)/obj/ticketctl.o $(BUILD)/libticketd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libticketd.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libticketd.a $(LDLIBS)

$(BUILD)/tests/lmtp-load: tests/bench/lmtp-load.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/tests/rules-eval: tests/bench/rules-eval.c $(BUILD)/libticketd.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libticketd.a $(LDLIBS)

$(BUILD)/tests/search-gen: tests/bench/search-gen.c $(BUILD)/libticketd.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libticketd.a $(LDLIBS)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libticketd.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libticketd.a $(LDLIBS)

$(FUZZBUILD)/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(WFLAGS) $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZBUILD)/libticketd.a: $(FUZZOBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZBUILD)/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZBUILD)/libticketd.a $(HEADERS)
	$(FUZZCC) $(WFLAGS) $(FUZZFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FUZZBUILD)/libticketd.a $(LDLIBS)

tests: all $(UNITBIN) $(BENCHBIN) $(REPLAYBIN)

fuzz-build: $(FUZZBIN)

fuzz: fuzz-build
	FUZZBUILD=$(FUZZBUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" \
		sh tests/fuzz/run.sh

deps:
	sh tests/peers/deps.sh

check: tests
	BUILD=$(BUILD) prove $(PROVEFLAGS) $(UNITTESTS) tests/fuzz/replay.t \
		tests/integration/*.t :: --tap

bench: tests
	BUILD=$(BUILD) sh tests/bench/run.sh
	BUILD=$(BUILD) sh tests/bench/outbox.sh
	BUILD=$(BUILD) sh tests/bench/imap.sh
	BUILD=$(BUILD) sh tests/bench/agents.sh
	BUILD=$(BUILD) sh tests/bench/rules.sh
	BUILD=$(BUILD) sh tests/bench/sla.sh
	BUILD=$(BUILD) sh tests/bench/search.sh

# Paths into the unit, the sysusers and tmpfiles entries and the example
# configuration, which make install writes with absolute paths.
INSTALL_SED = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' -e 's|@USER@|$(TICKETD_USER)|g'
CONF_SED = sed -e 's|^database = var/|database = $(LOCALSTATEDIR)/lib/ticketd/|' \
	-e 's|^templates = templates |templates = $(DATADIR)/ticketd/templates |' \
	-e 's|^rules = conf/rules |rules = $(SYSCONFDIR)/ticketd/rules |' \
	-e 's|^holidays = conf/|holidays = $(SYSCONFDIR)/ticketd/|' \
	-e 's|^;user = ticketd |user = $(TICKETD_USER) |' \
	-e 's|^; Relative paths are taken .*|; Installed by make install; see ticketd.conf(5).|'
ETC	 = $(DESTDIR)$(SYSCONFDIR)/ticketd
SHARE	 = $(DESTDIR)$(DATADIR)/ticketd

# An admin's configuration, rules and holidays are never overwritten; the
# examples under share/ticketd are.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(SHARE)/templates $(SHARE)/rules $(ETC) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 755 $(BUILD)/ticketd $(BUILD)/ticketctl $(DESTDIR)$(SBINDIR)/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 templates/* $(SHARE)/templates/
	install -m 644 conf/rules/*.rules $(SHARE)/rules/
	install -m 644 conf/holidays-th.txt $(SHARE)/
	$(CONF_SED) conf/ticketd.conf >$(SHARE)/ticketd.conf.example
	test -e $(ETC)/ticketd.conf || install -m 644 $(SHARE)/ticketd.conf.example $(ETC)/ticketd.conf
	test -e $(ETC)/rules || { install -d $(ETC)/rules && \
		install -m 644 conf/rules/*.rules $(ETC)/rules/; }
	test -e $(ETC)/holidays-th.txt || install -m 644 conf/holidays-th.txt $(ETC)/
	$(INSTALL_SED) contrib/systemd/ticketd.service.in >$(DESTDIR)$(UNITDIR)/ticketd.service
	$(INSTALL_SED) contrib/systemd/ticketd.sysusers.in >$(DESTDIR)$(SYSUSERSDIR)/ticketd.conf
	$(INSTALL_SED) contrib/systemd/ticketd.tmpfiles.in >$(DESTDIR)$(TMPFILESDIR)/ticketd.conf

clean:
	rm -rf build build-san $(FUZZBUILD)

.PHONY: all tests deps check bench fuzz fuzz-build install clean FORCE
