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
CC	?= cc

ifeq ($(SANITIZE),1)
BUILD	?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD	?= build
SANFLAGS =
endif

PKGS	 = gmime-3.0 uchardet sqlite3 libpcre2-8 glib-2.0 gio-2.0 gio-unix-2.0 libxml-2.0 libcurl gnutls
WFLAGS	 = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes \
	   -Wstrict-prototypes -Wshadow -Wno-missing-field-initializers -Iinclude \
	   $(shell pkg-config --cflags $(PKGS))
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

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/ticketd/templates
	install -m 755 $(BUILD)/ticketd $(BUILD)/ticketctl $(DESTDIR)$(PREFIX)/sbin/
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	cp -R templates/. $(DESTDIR)$(PREFIX)/share/ticketd/templates/

clean:
	rm -rf build build-san $(FUZZBUILD)

.PHONY: all tests deps check bench fuzz fuzz-build install clean
