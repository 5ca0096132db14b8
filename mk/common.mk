# What every Makefile of pict_repo (and the test scripts) reads in one place:
# the PostgreSQL to build against and the version of pict_repo.
#
#   include $(TOP)/mk/common.mk
#
# defines PG_CONFIG (the server-side pg_config of PostgreSQL 15 on Debian,
# else the first on PATH; PG_CONFIG=... overrides it), PR_VERSION (the
# default_version of pict_repo.control, the only place the version is
# written), and LIBPQ_CFLAGS / LIBPQ_LIBS for the client side.  A script
# reads a value with `make -s --no-print-directory -f mk/common.mk print-PG_CONFIG`.

PR_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PR_VERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(PR_TOP)/pict_repo.control)

# Asked on first use only (the extension's build does not need them).
PKG_CONFIG ?= pkg-config
LIBPQ_CFLAGS = $(eval LIBPQ_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null || echo -I$$($(PG_CONFIG) --includedir)))$(LIBPQ_CFLAGS)
LIBPQ_LIBS = $(eval LIBPQ_LIBS := $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null || echo -L$$($(PG_CONFIG) --libdir) -lpq))$(LIBPQ_LIBS)

# A pattern rule is never a Makefile's default goal.
print-%:
	@echo '$($*)'
