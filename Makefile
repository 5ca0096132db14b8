# pict_repo: PGXS build of the server module, plus the client and the test,
# demo and benchmark entry points.
#
#   make            build the extension, the client library and the tool
#   make install    install it into the PostgreSQL found by PG_CONFIG
#   make test       install missing packages (as root), build, install, run
#                   every suite on a throw-away cluster, print "N passed, N failed"
#   make installcheck   pg_regress against an already running server (PGHOST, PGPORT)

EXTENSION = pict_repo
# PG_CONFIG and PR_VERSION (the version lives in pict_repo.control only;
# everything else reads it through mk/common.mk).
include mk/common.mk

MODULE_big = pict_repo
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard extension/*.c)))
DATA = $(sort $(wildcard extension/pict_repo--*.sql))
PG_CPPFLAGS = -DPICT_REPO_VERSION='"$(PR_VERSION)"' -Iextension -Iinclude
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

REGRESS = $(basename $(notdir $(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=pict_repo

# PG_CONFIG=... builds against another PostgreSQL.
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
all install installcheck:
	@echo "pg_config/PGXS not found: install postgresql-server-dev-15 (make test does it when run as root)" >&2; exit 1
endif

# The version is compiled in (version()): rebuild when it changes.
$(OBJS): $(EXTENSION).control

.PHONY: test deps

deps:
	@bash test/deps.sh

test: deps
	@bash test/run.sh

# --- client ---
# libpictrepo (client/): built, installed (under PREFIX, default /usr/local)
# and cleaned with the extension.
PREFIX ?= /usr/local
.PHONY: client-all client-install client-clean
all: client-all
install: client-install
clean: client-clean
client-all:
	$(MAKE) -C client all
client-install: client-all
	$(MAKE) -C client install PREFIX=$(PREFIX)
client-clean:
	$(MAKE) -C client clean
	rm -f test/client/test_client
# --- end client ---

# --- tool and demo ---
# pict-repo (client/tool/), built, installed (PREFIX/bin) and cleaned after
# the client library; `make demo` plays an image host's life on a
# throw-away cluster (demo/demo.sh).
.PHONY: tool-all tool-install tool-clean demo
all: tool-all
install: tool-install
clean: tool-clean
tool-all: client-all
	$(MAKE) -C client/tool all
tool-install: tool-all client-install
	$(MAKE) -C client/tool install PREFIX=$(PREFIX)
tool-clean:
	$(MAKE) -C client/tool clean
demo: deps
	@bash demo/demo.sh
# --- end tool and demo ---

# --- fuzz ---
# `make fuzz`: libFuzzer targets (fuzz/) for the client's decoding of server
# results and its pipelined batches, and the tool's argument parsing, FUZZ_SECONDS (default 60) each.
# Not part of `make test`.  Installs clang when run as root and missing.
FUZZ_SECONDS ?= 60
.PHONY: fuzz fuzz-clean
clean: fuzz-clean
fuzz:
	@command -v clang >/dev/null 2>&1 || { \
		if [ "$$(id -u)" -eq 0 ]; then apt-get install -y -q clang >/dev/null; \
		else echo "make fuzz needs clang (apt-get install clang)" >&2; exit 1; fi; }
	$(MAKE) -C fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)
fuzz-clean:
	$(MAKE) -C fuzz clean
# --- end fuzz ---

# --- soak ---
# `make soak`: 1M jobs drained by 16 worker processes, each completion in the
# transaction of its complete_job, checked exactly once (test/proofs/soak.sh,
# on a throw-away cluster; SOAK_JOBS and SOAK_WORKERS change the size).
# Not part of make test.
.PHONY: soak
soak: deps
	@bash test/proofs/soak.sh
# --- end soak ---

# --- bench ---
# `make bench` runs bench/bench (pict_repo against plain-SQL baselines) and
# bench/peers (against graphile-worker, pg-boss, @lbu/store and PgQ, which it
# installs into a temporary directory) on a throw-away cluster and writes
# bench/results/latest.md (the peers add 8-10 minutes on two cores);
# `make bench-quick` is the same at a small scale.  Neither is part of
# `make test`, which needs nothing of them.
# `make bench-pictrs` runs bench/pictrs.sh (the pict-rs import and the
# claim path's stale-job check).
.PHONY: bench bench-quick bench-pictrs bench-clean
clean: bench-clean
bench: deps
	@bash bench/run.sh
bench-quick: deps
	@bash bench/run.sh --quick
bench-pictrs: deps
	@bash bench/pictrs.sh
bench-clean:
	$(MAKE) -C bench clean
# --- end bench ---

# --- replicas, failover, packages ---
# `make test-ha`: automatic failover with pg_auto_failover (a monitor and
# two nodes with synchronous replication on loopback) under a load of
# pushes and claims through libpictrepo (test/ha/failover.sh); prints the
# time to recover.  `make package-check`: builds the Debian packages
# (debian/), checks them with lintian, installs them on this machine,
# creates the extension in a fresh cluster, runs a smoke test of the tool
# and removes the packages again (test/package_check.sh; as root).
# Neither is part of `make test`.
.PHONY: test-ha package-check
test-ha: deps
	@bash test/ha/failover.sh
package-check:
	@bash test/package_check.sh
# --- end replicas, failover, packages ---
