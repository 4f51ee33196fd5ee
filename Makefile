# smtpguard. Knobs live in conf-compile/; programs are listed in
# package/targets.mak. `make`, `make check`, `make install`, `make clean`.

it: all

CC_LINE  := $(shell head -n 1 conf-compile/conf-cc)
LD_LINE  := $(shell head -n 1 conf-compile/conf-ld)
INCDIR   := $(shell head -n 1 conf-compile/path-include)
LIBDIR   := $(shell head -n 1 conf-compile/path-library)
BINDIR   := $(shell head -n 1 conf-compile/conf-install-bin)
DOCDIR   := $(shell head -n 1 conf-compile/conf-install-doc)
EXDIR    := $(shell head -n 1 conf-compile/conf-install-examples)

# make SANITIZE=1: an ASan+UBSan build of everything, in its own tree
ifeq ($(SANITIZE),1)
# the sanitizers' runtimes want a dynamic link
LD_LINE := $(filter-out -static,$(LD_LINE))
BUILD ?= build-san
EXTRA_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
EXTRA_LDFLAGS += -fsanitize=address,undefined
else
BUILD ?= build
endif

include package/targets.mak

# tinycdb's libcdb.a comes before libskarnet.a: both define cdb_init,
# cdb_find, ...; the first archive that resolves them wins.
LIBS := $(BUILD)/libsmtpguard.a $(LIBDIR)/libcdb.a $(LIBDIR)/libskarnet.a
CPPFLAGS := -Isrc/libsmtpguard -I$(INCDIR)

LIB_SOURCES := $(sort $(wildcard src/libsmtpguard/*.c))
LIB_OBJECTS := $(LIB_SOURCES:src/%.c=$(BUILD)/obj/%.o)
HEADERS := $(wildcard src/libsmtpguard/*.h)
PROGRAMS := $(notdir $(BIN_SOURCES:.c=))
BINARIES := $(addprefix $(BUILD)/bin/,$(PROGRAMS))
TEST_SOURCES := $(sort $(wildcard tests/unit/*.c))
TEST_BINARIES := $(TEST_SOURCES:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SOURCES := $(sort $(wildcard tests/tools/*.c))
# the test client and the scripted smtpd, of several files each
MULTI_TOOLS := sgtclient sgscriptd
TOOL_BINARIES := $(TOOL_SOURCES:tests/tools/%.c=$(BUILD)/tests/tools/%) $(addprefix $(BUILD)/tests/tools/,$(MULTI_TOOLS))

all: $(BINARIES)

# Before the first compile: a missing Debian package stops the build with
# one line that says what to run, not with a compiler error.
$(BUILD)/.deps-build: package/deps-build
	@sh package/install-deps -c build
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: src/%.c $(HEADERS) | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC_LINE) $(EXTRA_CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/libsmtpguard.a: $(LIB_OBJECTS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

define program_rule
$(BUILD)/bin/$(notdir $(1:.c=)): $(1:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/libsmtpguard.a
	@mkdir -p $$(@D)
	$(LD_LINE) $(EXTRA_LDFLAGS) -o $$@ $$< $(LIBS)
endef
$(foreach s,$(BIN_SOURCES),$(eval $(call program_rule,$(s))))

# The test clock: sgnow() that honours SMTPGUARD_NOW, linked ahead of the
# library only into test builds: the unit tests, the test tools and the
# programs' variants in $(BUILD)/tests/bin/ that the time-travel tests
# run. The installed programs read the real clock whatever the environment.
TESTCLOCK := $(BUILD)/testobj/sgclock-testhook.o
$(TESTCLOCK): src/libsmtpguard/sgclock.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC_LINE) $(EXTRA_CFLAGS) $(CPPFLAGS) -DSGCLOCK_TESTHOOK -c -o $@ $<
define testprogram_rule
$(BUILD)/tests/bin/$(notdir $(1:.c=)): $(1:src/%.c=$(BUILD)/obj/%.o) $(TESTCLOCK) $(BUILD)/libsmtpguard.a
	@mkdir -p $$(@D)
	$(LD_LINE) $(EXTRA_LDFLAGS) -o $$@ $$< $(TESTCLOCK) $(LIBS)
endef
$(foreach s,$(BIN_SOURCES),$(eval $(call testprogram_rule,$(s))))
TEST_PROGRAMS := $(addprefix $(BUILD)/tests/bin/,$(PROGRAMS))

$(BUILD)/tests/%: tests/unit/%.c tests/unit/sgtest.h $(TESTCLOCK) $(BUILD)/libsmtpguard.a $(HEADERS)
	@mkdir -p $(@D)
	$(CC_LINE) $(EXTRA_CFLAGS) $(CPPFLAGS) -o $@ $< $(EXTRA_LDFLAGS) $(TESTCLOCK) $(LIBS)

# it replays the fuzz corpus through the fuzzer's own models, which it includes
$(BUILD)/tests/test_fuzz_regressions: $(wildcard tests/fuzz/*.c tests/fuzz/*.h)

# test tools (clients, scripted servers) are plain libc programs
$(BUILD)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC_LINE) $(EXTRA_CFLAGS) -o $@ $< $(EXTRA_LDFLAGS)

define multitool_rule
$(BUILD)/tests/tools/$(1): $(sort $(wildcard tests/tools/$(1)/*.c)) $(wildcard tests/tools/$(1)/*.h)
	@mkdir -p $$(@D)
	$(CC_LINE) $(EXTRA_CFLAGS) -o $$@ $(sort $(wildcard tests/tools/$(1)/*.c)) $(EXTRA_LDFLAGS)
endef
$(foreach t,$(MULTI_TOOLS),$(eval $(call multitool_rule,$(t))))

# test tools that use the library
$(BUILD)/tests/state/%: tests/state/%.c $(TESTCLOCK) $(BUILD)/libsmtpguard.a $(HEADERS)
	@mkdir -p $(@D)
	$(CC_LINE) $(EXTRA_CFLAGS) $(CPPFLAGS) -o $@ $< $(EXTRA_LDFLAGS) $(TESTCLOCK) $(LIBS)
STATE_TOOLS := $(patsubst tests/state/%.c,$(BUILD)/tests/state/%,$(wildcard tests/state/*.c))

# the relay with the test-only pairing trace on fd 9 (src/libsmtpguard/sgtrace.h),
# for the differential harness tests/diff/; never installed
TRACE_BINARY := $(BUILD)/tests/diff/smtpguard-trace
$(TRACE_BINARY): src/smtpguard/smtpguard.c tests/diff/sgtrace.c $(BUILD)/libsmtpguard.a $(HEADERS)
	@mkdir -p $(@D)
	$(CC_LINE) $(EXTRA_CFLAGS) -DSMTPGUARD_TRACE=9 $(CPPFLAGS) -o $@ src/smtpguard/smtpguard.c tests/diff/sgtrace.c $(EXTRA_LDFLAGS) $(LIBS)

tests: all $(TEST_PROGRAMS) $(TEST_BINARIES) $(TOOL_BINARIES) $(STATE_TOOLS) $(TRACE_BINARY)

# Every test: unit programs and the shell suites through the real chain
# (the short fuzz run and the benchmark's quick mode among them); then
# the same suite against an ASan+UBSan build, and the real-chain tests
# with every program under valgrind memcheck.
check:
	sh package/install-deps test
	$(MAKE) tests
	BUILD=$(BUILD) sh tests/run
ifneq ($(SANITIZE),1)
	sh tests/check-sanitize
	sh tests/check-valgrind
endif

# just the suite, once
check-quick: tests
	sh package/install-deps test
	BUILD=$(BUILD) sh tests/run

# Fuzzing the scanner: clang-14, libFuzzer, ASan+UBSan, into
# build-fuzz/. `make check` runs the short run through tests/fuzz-short.sh.
FUZZTIME ?= 600
fuzz:
	sh package/install-deps test
	FUZZ_REQUIRED=1 FUZZ_SECONDS=$(FUZZTIME) BUILD_FUZZ=build-fuzz sh tests/fuzz-short.sh
fuzz-short:
	FUZZ_REQUIRED=1 FUZZ_SECONDS=60 BUILD_FUZZ=build-fuzz sh tests/fuzz-short.sh

check-sanitize:
	sh tests/check-sanitize

check-valgrind:
	sh tests/check-valgrind

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(EXDIR)
	for p in $(PROGRAMS) ; do install -m 755 $(BUILD)/bin/$$p $(DESTDIR)$(BINDIR)/$$p || exit 1 ; done
	if [ -d doc ] ; then cp -R doc/. $(DESTDIR)$(DOCDIR)/ ; fi
	cp README COPYING $(DESTDIR)$(DOCDIR)/
	# the demo only runs from a source tree: not installed. The s6 and
	# runit service directories are made from the daemontools ones.
	sh package/mkservice daemontools examples/service $(DESTDIR)$(EXDIR)/service
	sh package/mkservice s6 examples/service $(DESTDIR)$(EXDIR)/s6
	sh package/mkservice runit examples/service $(DESTDIR)$(EXDIR)/runit

# Benchmarks: one table, also in bench/results/latest.md;
# BENCH_QUICK=1: quick mode (make check runs it to prove the harness)
bench: all $(addprefix $(BUILD)/tests/tools/,$(MULTI_TOOLS))
	sh package/install-deps test
	BUILD=$(BUILD) BENCH_QUICK=$(BENCH_QUICK) bash bench/run

# the live demo: `make demo` (about a minute), `make demo DEMO_SHORT=1` (about 20 s)
# no `all` first: the demo installs the packages it misses, then builds
demo:
	DEMO_SHORT=$(DEMO_SHORT) bash examples/demo/run

clean:
	rm -rf build build-san build-fuzz build-vg build-dyn

.PHONY: it all bench tests check check-quick check-sanitize check-valgrind fuzz fuzz-short demo install clean
