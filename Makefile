# placesim: build, test, run, bench, install.
#
#   make            build libplacesim.a and the placesim program
#   make run        build, then compare the four service models (out/demo/report.html)
#   make test       build and run every test (cmocka), and check an installed copy
#   make test SANITIZE=1   the same under AddressSanitizer and UndefinedBehaviorSanitizer
#   make MPI=1      build placesim with OpenMPI (mpirun -np N ./placesim ...)
#   make test-mpi   check that mpirun -np 2 writes what one process writes
#   make bench      measure speed and memory (see docs/performance.md)
#   make install    PREFIX=/usr/local DESTDIR=
#
# Missing build packages (Debian/Ubuntu) are installed with apt-get when run as
# root or with password-less sudo; otherwise the build stops with the command to run.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := lua5.4 libcjson
TESTPKG := cmocka
DEBPKGS := liblua5.4-dev libcjson-dev libcmocka-dev pkg-config

# make MPI=1: the same program built with OpenMPI (mpicc), so that
# mpirun -np N placesim run|compare|sweep spreads replicates over processes.
ifeq ($(MPI),1)
CC      := mpicc
MPIFLAGS := -DPS_MPI
DEBPKGS += libopenmpi-dev openmpi-bin
else
MPIFLAGS :=
endif

ifeq ($(SANITIZE),1)
BUILD   := build-san
# PS_CHECK_MARKS: every week, check the per-person marks (unwell, needs)
# against the states and flags they mirror
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -DPS_CHECK_MARKS
OPT     := -O1 -g
else
BUILD   := build$(if $(filter 1,$(MPI)),-mpi)
SANFLAGS :=
OPT     ?= -O2 -g
endif

WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# Recursive (=) so pkg-config runs after the deps target has installed what is missing.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell pkg-config --cflags $(TESTPKG) 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs $(TESTPKG) 2>/dev/null)
ALL_CFLAGS = $(WARN) $(OPT) $(SANFLAGS) $(MPIFLAGS) -D_XOPEN_SOURCE=700 -pthread -Iinclude -Iengine $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) -pthread $(LDFLAGS)
LIBS_ALL = $(PKG_LIBS) -lm

# engine/main.c and engine/cli_*.c make the program; the rest is libplacesim.
CLI_SRC := engine/main.c $(wildcard engine/cli_*.c)
LIB_SRC := $(filter-out $(CLI_SRC),$(wildcard engine/*.c))
LIB_OBJ := $(patsubst engine/%.c,$(BUILD)/engine/%.o,$(LIB_SRC))
MAIN_OBJ := $(patsubst engine/%.c,$(BUILD)/engine/%.o,$(CLI_SRC))
LIB     := $(BUILD)/libplacesim.a
# The program is linked in the build folder of its variant; ./placesim is a
# copy of the plain or MPI one, whichever was built last.
BIN     := $(BUILD)/placesim
ifeq ($(SANITIZE),1)
PROG    := $(BIN)
else
PROG    := placesim
endif

TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TEST_SUPPORT := $(BUILD)/tests/support.o

.PHONY: all run test test-deps test-install test-mpi golden bench install uninstall clean deps docs FORCE
.SECONDARY:
all: $(PROG)

# Installs missing Debian packages, or says exactly what to run.
deps:
	@missing=""; \
	command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"; \
	if command -v pkg-config >/dev/null 2>&1; then \
	  pkg-config --exists lua5.4  || missing="$$missing liblua5.4-dev"; \
	  pkg-config --exists libcjson || missing="$$missing libcjson-dev"; \
	  pkg-config --exists cmocka  || missing="$$missing libcmocka-dev"; \
	else missing="$(DEBPKGS)"; fi; \
	if [ "$(MPI)" = 1 ]; then \
	  command -v mpicc >/dev/null 2>&1 || missing="$$missing libopenmpi-dev"; \
	  command -v mpirun >/dev/null 2>&1 || missing="$$missing openmpi-bin"; fi; \
	[ "$(MPI)" = 1 ] || command -v $(CC) >/dev/null 2>&1 || missing="$$missing gcc"; \
	if [ -n "$$missing" ]; then \
	  echo "placesim: installing missing build packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	  else echo "placesim: cannot install packages without root; run:"; \
	       echo "  sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; fi; \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "placesim: no apt-get here; install the packages for:$$missing (Lua 5.4, cJSON, cmocka, pkg-config)"; exit 1; fi; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || { \
	    echo "placesim: apt-get failed; run: sudo apt-get install -y$$missing"; exit 1; }; \
	fi

$(BUILD)/engine/%.o: engine/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIB) $(LIBS_ALL)

# Copied then renamed, so a ./placesim that is running is replaced, not
# written over ("Text file busy").
ifneq ($(PROG),$(BIN))
$(PROG): $(BIN) FORCE
	@cmp -s $(BIN) $@ || { cp $(BIN) $@.tmp && mv -f $@.tmp $@; }
endif
FORCE:

$(BUILD)/tests/%.o: tests/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TEST_SUPPORT) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(TEST_SUPPORT) $(LIB) $(LIBS_ALL) $(TEST_LIBS)

test: $(PROG) $(TEST_BIN) test-deps
	@PLACESIM=$(abspath $(PROG)) BUILD=$(BUILD) sh tests/run_tests.sh $(TEST_BIN)
	@$(MAKE) --no-print-directory test-install

# Installs into a folder of the build (DESTDIR) and checks every installed
# scenario and place file there, from another folder, so a scenario that
# needs a file make install leaves out (a parent it extends, a shock, a
# script) fails the tests.
STAGE := $(abspath $(BUILD)/stage)
test-install: $(PROG) $(LIB)
	@rm -rf $(STAGE)
	@$(MAKE) --no-print-directory install DESTDIR=$(STAGE) PREFIX=/usr >/dev/null
	@cd / && $(STAGE)/usr/bin/placesim check --quiet $(STAGE)/usr/share/placesim/scenarios/*.json && \
	  echo "ok    install  every installed scenario passes placesim check" || \
	  { echo "FAIL  install: an installed scenario does not pass placesim check (above)"; exit 1; }
	@rm -rf $(STAGE)

# Builds placesim with MPI and checks mpirun -np 2 against one process
# (run, compare, sweep). Leaves ./placesim as the plain build.
test-mpi:
	@$(MAKE) --no-print-directory MPI=1 build-mpi/placesim
	sh tests/mpi_check.sh $(abspath build-mpi/placesim) 2

# The report tests render report.html in headless Chromium (Debian's
# chromium package) driven by playwright-core (tests/report, from npm).
test-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="chromium"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "placesim: installing what the report tests need:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	  else echo "placesim: cannot install packages without root; run:"; \
	       echo "  sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; fi; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || { \
	    echo "placesim: apt-get failed; run: sudo apt-get install -y$$missing"; exit 1; }; \
	fi
	@[ -d tests/report/node_modules/playwright-core ] || \
	  (cd tests/report && npm ci --no-audit --no-fund --loglevel=error) || { \
	  echo "placesim: npm could not install playwright-core; run: (cd tests/report && npm ci)"; exit 1; }

# Speed and memory (docs/performance.md): about 4 minutes on 2 cores.
# BENCH_RUNS=N sets how many runs each median is taken over.
bench: $(PROG)
	@sh tests/bench.sh $(abspath $(PROG))

# Records the golden outputs test_golden compares against (tests/fixtures/golden):
# only when the model changes on purpose.
GOLDEN_RUN := --set population.scale=0.25 --set burn_in_weeks=8 --weeks 52 --replicates 2 --threads 2
GOLDEN := crisis_led integrated_teams community_led_shock crisis_led_with_library
golden: $(PROG)
	@for s in $(GOLDEN); do extra=""; \
	  [ $$s = community_led_shock ] && extra="--set shocks.cost_of_living.start_week=20 --set shocks.cost_of_living.weeks=20"; \
	  ./$(PROG) run scenarios/$$s.json $(GOLDEN_RUN) $$extra --out build/golden/$$s --force --quiet || exit 1; \
	  mkdir -p tests/fixtures/golden/$$s; \
	  cp build/golden/$$s/timeseries.csv build/golden/$$s/services.csv build/golden/$$s/neighbourhoods.csv \
	    tests/fixtures/golden/$$s/; done
	@echo "tests/fixtures/golden: recorded"

# Regenerates the key reference at the end of docs/scenarios.md from engine/keys.c.
docs: $(PROG)
	@sed -n '1,/^<!-- keys: generated/p' docs/scenarios.md > docs/scenarios.md.tmp
	@./$(PROG) keys >> docs/scenarios.md.tmp
	@mv docs/scenarios.md.tmp docs/scenarios.md
	@echo "docs/scenarios.md: key reference regenerated"

# The four service models on Example Town, compared with the crisis-led
# baseline; the report is out/demo/report.html.
MODELS := scenarios/crisis_led.json scenarios/preventative.json scenarios/integrated_teams.json scenarios/community_led.json
run: $(PROG)
	./$(PROG) compare $(MODELS) --out out/demo --force

SHARE = $(abspath $(DESTDIR)$(PREFIX)/share/placesim)
install: $(PROG) $(LIB)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/share/placesim/scenarios $(DESTDIR)$(PREFIX)/share/placesim/scripts \
	  $(DESTDIR)$(PREFIX)/share/doc/placesim
	install -m 755 $(PROG) $(DESTDIR)$(PREFIX)/bin/placesim
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libplacesim.a
	install -m 644 include/placesim.h $(DESTDIR)$(PREFIX)/include/placesim.h
	@# every file of scenarios/ and scripts/, subfolders too (shocks/, types/): scenarios
	@# name files beside them (extends, place, ../scripts/), so the two keep their layout
	@for d in scenarios scripts; do (cd $$d && find . -type f | sort | while read -r f; do \
	  install -D -m 644 "$$f" "$(SHARE)/$$d/$$f" || exit 1; done) || exit 1; done
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/placesim/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/placesim $(DESTDIR)$(PREFIX)/lib/libplacesim.a $(DESTDIR)$(PREFIX)/include/placesim.h
	rm -rf $(DESTDIR)$(PREFIX)/share/placesim $(DESTDIR)$(PREFIX)/share/doc/placesim

clean:
	rm -rf build build-san build-mpi placesim

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_BIN:=.d) $(TEST_SUPPORT:.o=.d)
