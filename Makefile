# The hosting panel back end: two FastCGI services under lighttpd, a drain worker and panelctl.
# `make help` lists the targets. SANITIZE=address,undefined builds instrumented binaries into
# build/sanitize/bin instead of bin/.

SHELL := /bin/bash

ifdef FUZZ
CC       := clang
BUILD    ?= build/fuzz
BIN      ?= $(BUILD)/bin
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
            -fno-sanitize-recover=all
else ifdef SANITIZE
CC       := clang
BUILD    ?= build/sanitize
BIN      ?= $(BUILD)/bin
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
else
BUILD    ?= build/release
BIN      ?= bin
OPT      := -O2 -g
endif

# Recursive (=) on purpose: pkg-config runs when a recipe needs the flags, after install-deps.
PKG_CFLAGS = $(shell pkg-config --cflags libpq jansson libxxhash libcrypto)
PKG_LIBS   = $(shell pkg-config --libs libpq jansson libxxhash libcrypto)
# The JWT authorizer alone fetches keys over HTTP (libcurl).
CURL_LIBS  = $(shell pkg-config --libs libcurl)
WARNINGS   := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
              -Wvla -Wwrite-strings -Werror
CFLAGS     = -std=c11 $(OPT) $(WARNINGS) -fstack-protector-strong $(EXTRA_CFLAGS)
CPPFLAGS   = -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -Icommon $(PKG_CFLAGS) -MMD -MP
LDFLAGS    = $(OPT)

COMMON_SRC     := $(wildcard common/*.c)
PROJECT_SRC    := $(wildcard fcgi/project/*.c)
# The aggregator directory holds the FastCGI app and the drain worker (drain*.c and its SQL,
# db_drain.c); drain.c is the drain's main().
AGG_ALL        := $(wildcard fcgi/aggregator/*.c)
DRAIN_SRC      := $(filter fcgi/aggregator/drain%.c fcgi/aggregator/db_drain.c,$(AGG_ALL))
AGGREGATOR_SRC := $(filter-out $(DRAIN_SRC),$(AGG_ALL))
PANELCTL_SRC   := $(wildcard panelctl/*.c)
AUTHORIZER_SRC := $(wildcard fcgi/authorizer/*.c)
# Everything the programs are built from, for the linters.
C_SRC          := $(COMMON_SRC) fcgi/main.c $(PROJECT_SRC) $(AGG_ALL) $(PANELCTL_SRC) \
                  $(AUTHORIZER_SRC)
UNIT_SRC       := $(wildcard tests/unit/test_*.c)
E2E_SRC        := $(wildcard tests/e2e/test_*.c)
E2E_LIB_SRC    := $(filter-out $(E2E_SRC),$(wildcard tests/e2e/*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

# `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @echo '  $(1) $(2)';
endif

# Each directory of code is a static library, so a program or test links only the objects it
# uses: common/ alone needs no FastCGI (only common/http.c includes fcgiapp.h), so the drain,
# panelctl and the unit tests link without libfcgi. Both FastCGI programs share fcgi/main.c;
# the service's library (its routes.c defines panel_service) makes it one or the other. The
# JWT authorizer (fcgi/authorizer/, no database) has a main() of its own; the tests' token
# minting (tests/jwt/) is a library of the tests.
COMMON_LIB     := $(BUILD)/libcommon.a
PROJECT_LIB    := $(BUILD)/libproject.a
AGGREGATOR_LIB := $(BUILD)/libaggregator.a
PANELCTL_LIB   := $(BUILD)/libpanelctl.a
AUTHORIZER_LIB := $(BUILD)/libauthorizer.a
MINT_LIB       := $(BUILD)/libmint.a
$(COMMON_LIB): $(call obj,$(COMMON_SRC))
$(PROJECT_LIB): $(call obj,$(PROJECT_SRC))
$(AGGREGATOR_LIB): $(call obj,$(filter-out %/drain.c,$(AGG_ALL)))
$(PANELCTL_LIB): $(call obj,$(filter-out %/main.c,$(PANELCTL_SRC)))
$(AUTHORIZER_LIB): $(call obj,$(filter-out %/main.c,$(AUTHORIZER_SRC)))
$(MINT_LIB): $(call obj,tests/jwt/mint.c)
$(BUILD)/%.a:
	@mkdir -p $(@D)
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@ $^

LINK = $(call say,LD,$@)mkdir -p $(@D) && $(CC) $(LDFLAGS) -o $@ $^

PROGRAMS := $(BIN)/project-fcgi $(BIN)/aggregator-fcgi $(BIN)/aggregator-drain $(BIN)/panelctl \
            $(BIN)/project-authorizer
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# The README's walk-through runs as one more suite (tests/e2e/walkthrough).
E2E_TESTS := $(patsubst tests/e2e/%.c,$(BUILD)/tests/%,$(E2E_SRC)) $(BUILD)/tests/test_e2e_readme

.PHONY: all help deps run start stop test unit e2e browser check format format-check \
        lint lint-js lint-openapi lint-compose compose-test fuzz fuzz-smoke fuzzers soak bench clean
.DEFAULT_GOAL := all

all: $(PROGRAMS)

help:
	@echo 'make              build bin/ (project-fcgi, aggregator-fcgi, aggregator-drain, panelctl,'
	@echo '                  project-authorizer)'
	@echo 'make run          install what is missing, build, start everything in the foreground'
	@echo 'make start|stop   the same in the background / stop it'
	@echo 'make deps         install the Debian packages make run needs (scripts/install-deps)'
	@echo 'make test         install what is missing, build, run every test on a throwaway stack:'
	@echo '                  unit, e2e (and the README walk-through), both again under ASan+UBSan,'
	@echo '                  fuzz-smoke, browser'
	@echo 'make unit         the cmocka unit tests'
	@echo 'make e2e          the end-to-end suites on a throwaway stack'
	@echo 'make browser      the admin page in headless Chromium (part of make test)'
	@echo 'make fuzz-smoke   each fuzzer for ten seconds (part of make test)'
	@echo 'make fuzz         the fuzzers for a longer run (FUZZ_SECONDS=300), keeping what they find'
	@echo 'make check        format-check, lint, lint-compose, lint-openapi, make test, compose-test'
	@echo 'make compose-test docker-compose.yml really run under podman (root; minutes)'
	@echo 'make format       clang-format every C file; format-check only checks'
	@echo 'make lint         lint-js, then banned functions, layering, cppcheck, clang-tidy'
	@echo 'make lint-js      ESLint on the admin page and its browser test'
	@echo 'make lint-openapi the OpenAPI documents, and their routes against the route tables'
	@echo 'make lint-compose docker-compose.yml valid with its required variables, refused without'
	@echo 'make bench        benchmarks against pgbench (QUICK=1 for a short run; BENCH_ONLY=auth: the'
	@echo '                  static token against a JWT alone; BENCH_ONLY=create: creates by pool size;'
	@echo '                  BENCH_ONLY=read: GET /projects/{id} against the minimal read, in rounds)'
	@echo 'make soak         ten minutes of mixed load, then an exact event count'
	@echo 'make clean        remove build output'
	@echo 'Variables: SANITIZE=address,undefined (build/sanitize), V=1 (full commands).'

COMPILE = $(call say,CC,$<)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(BUILD)/%.o: %.c
	$(COMPILE)

$(BIN)/project-fcgi: $(BUILD)/fcgi/main.o $(PROJECT_LIB) $(COMMON_LIB)
	$(LINK) -lfcgi $(PKG_LIBS)
$(BIN)/aggregator-fcgi: $(BUILD)/fcgi/main.o $(AGGREGATOR_LIB) $(COMMON_LIB)
	$(LINK) -lfcgi $(PKG_LIBS)
$(BIN)/aggregator-drain: $(BUILD)/fcgi/aggregator/drain.o $(AGGREGATOR_LIB) $(COMMON_LIB)
	$(LINK) $(PKG_LIBS)
$(BIN)/panelctl: $(BUILD)/panelctl/main.o $(PANELCTL_LIB) $(COMMON_LIB)
	$(LINK) $(PKG_LIBS)
$(BIN)/project-authorizer: $(BUILD)/fcgi/authorizer/main.o $(AUTHORIZER_LIB) $(COMMON_LIB)
	$(LINK) -lfcgi $(PKG_LIBS) $(CURL_LIBS)

# A unit test links the library of the code it mirrors (test_project_* the project service's,
# test_aggregator_* the aggregator's, test_panelctl_* panelctl's, test_authorizer_* the
# authorizer's with the tests' token minting) and common/. Only test_http, which tests the
# FastCGI side itself, and the authorizer's, which answer as FastCGI does, link libfcgi. A
# service's tests link its fake database
# (tests/unit/fake_*_db.c) first: it defines every db_*.c function the handlers call, so the
# library's own are never taken and the handlers run without Postgres.
# Named here, so the pattern rules below may use them as prerequisites.
UNIT_FAKES := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%.o,$(wildcard tests/unit/fake_*.c))
$(UNIT_FAKES): $(BUILD)/tests/unit/%.o: tests/unit/%.c
	$(COMPILE)
$(BUILD)/tests/test_project_%: $(BUILD)/tests/unit/test_project_%.o \
		$(BUILD)/tests/unit/fake_project_db.o $(PROJECT_LIB) $(COMMON_LIB)
	$(LINK) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_aggregator_%: $(BUILD)/tests/unit/test_aggregator_%.o \
		$(BUILD)/tests/unit/fake_aggregator_db.o $(AGGREGATOR_LIB) $(COMMON_LIB)
	$(LINK) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_panelctl_%: $(BUILD)/tests/unit/test_panelctl_%.o \
		$(BUILD)/tests/unit/fake_panelctl_db.o $(PANELCTL_LIB) $(COMMON_LIB)
	$(LINK) -lcmocka $(PKG_LIBS)
$(BUILD)/tests/test_authorizer_%: $(BUILD)/tests/unit/test_authorizer_%.o $(AUTHORIZER_LIB) \
		$(MINT_LIB) $(COMMON_LIB)
	$(LINK) -lcmocka -lfcgi $(PKG_LIBS) $(CURL_LIBS)
$(BUILD)/tests/test_http: $(BUILD)/tests/unit/test_http.o $(COMMON_LIB)
	$(LINK) -lcmocka -lfcgi $(PKG_LIBS)
$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(COMMON_LIB)
	$(LINK) -lcmocka $(PKG_LIBS)

E2E_LIB_OBJ := $(call obj,$(E2E_LIB_SRC))
$(filter-out %/test_e2e_readme,$(E2E_TESTS)): $(BUILD)/tests/%: $(BUILD)/tests/e2e/%.o \
		$(E2E_LIB_OBJ) $(COMMON_LIB)
	$(LINK) -lcmocka -lcurl -lpthread $(PKG_LIBS) $(E2E_EXTRA_LIBS)
# The JWT suite signs its own tokens.
$(BUILD)/tests/test_e2e_jwt: $(MINT_LIB)
$(BUILD)/tests/test_e2e_jwt: E2E_EXTRA_LIBS = $(CURL_LIBS)
$(BUILD)/tests/test_e2e_readme: tests/e2e/walkthrough
	@mkdir -p $(@D)
	$(call say,CP,$@)printf '#!/bin/sh\nexec tests/e2e/walkthrough README.md\n' >$@ && chmod +x $@

# Keys, JWKS and tokens from the command line (make bench, trying PROJECT_AUTH=jwt locally).
$(BUILD)/tests/jwt-mint: $(BUILD)/tests/jwt/jwt-mint.o $(MINT_LIB)
	$(LINK) $(PKG_LIBS) $(CURL_LIBS)

$(BUILD)/tests/unit/%.o $(BUILD)/tests/e2e/%.o $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/soak/%.o \
	$(BUILD)/tests/jwt/%.o $(BUILD)/bench/jwt_cost.o: \
	CPPFLAGS += -Itests/e2e -Itests/jwt -Ifcgi/project -Ifcgi/aggregator -Ifcgi/authorizer \
	            -Ipanelctl

# The soak driver (make soak): the end-to-end helpers, run by tests/e2e/run like a suite.
$(BUILD)/tests/soak_traffic: $(BUILD)/tests/soak/soak.o $(E2E_LIB_OBJ) $(COMMON_LIB)
	$(LINK) -lcmocka -lcurl -lpthread $(PKG_LIBS)

# libFuzzer targets (make fuzz, and a short run in make test): built with FUZZ=1.
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS     := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 300
# fuzz_project_* and fuzz_aggregator_* link that service's code; the others panelctl's and common/.
FUZZ_LINK = $(LINK) -fsanitize=fuzzer $(PKG_LIBS)
$(BUILD)/fuzz/fuzz_project_%: $(BUILD)/tests/fuzz/fuzz_project_%.o $(PROJECT_LIB) $(COMMON_LIB)
	$(FUZZ_LINK)
$(BUILD)/fuzz/fuzz_aggregator_%: $(BUILD)/tests/fuzz/fuzz_aggregator_%.o $(AGGREGATOR_LIB) \
		$(COMMON_LIB)
	$(FUZZ_LINK)
$(BUILD)/fuzz/fuzz_authorizer_%: $(BUILD)/tests/fuzz/fuzz_authorizer_%.o $(AUTHORIZER_LIB) \
		$(MINT_LIB) $(COMMON_LIB)
	$(FUZZ_LINK) -lfcgi $(CURL_LIBS)
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(PANELCTL_LIB) $(COMMON_LIB)
	$(FUZZ_LINK)
fuzzers: $(FUZZERS)

deps:
	scripts/install-deps run

run: deps
	$(MAKE) all
	scripts/stack run

start: deps
	$(MAKE) all
	scripts/stack start

stop:
	scripts/stack stop

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

e2e: all $(E2E_TESTS)
	PANEL_SANITIZED=$(SANITIZE) tests/e2e/run $(BIN) $(BUILD)/tests

# The admin page (lighttpd/admin/) in headless Chromium, on a throwaway stack of its own.
browser: all
	tests/browser/run $(BIN)

# Everything, in order, each step in a fresh make so the flags see what install-deps installed.
test:
	scripts/install-deps test
	$(MAKE) all unit
	$(MAKE) e2e
	$(MAKE) SANITIZE=address,undefined all unit e2e
	$(MAKE) fuzz-smoke
	tests/node/check-engines
	$(MAKE) browser

# Each fuzzer runs FUZZ_SECONDS on its corpus in tests/fuzz/corpus/, keeping what it finds.
fuzz:
	scripts/install-deps test
	$(MAKE) FUZZ=1 fuzzers
	tests/fuzz/run build/fuzz/fuzz $(FUZZ_SECONDS) keep

# The short run of make test: about ten seconds each; the corpus in the repository is not changed.
fuzz-smoke:
	$(MAKE) FUZZ=1 fuzzers
	tests/fuzz/run build/fuzz/fuzz 10

# Its own stack and build (build/bench), never bin/ or build/release. QUICK=1 runs the short
# version; a full run also writes its report into docs/BENCHMARKS.md.
# What an ETag costs, measured by make bench.
$(BUILD)/bench/etag_cost: $(BUILD)/bench/etag_cost.o $(COMMON_LIB)
	$(LINK) $(PKG_LIBS)
# The floor of the FastCGI layers: a libfcgi responder with a constant answer (bench/hello.c).
$(BUILD)/bench/hello: $(BUILD)/bench/hello.o
	$(LINK) -lfcgi
# What a JWT costs the authorizer (a verification, and a cache hit).
$(BUILD)/bench/jwt_cost: $(BUILD)/bench/jwt_cost.o $(AUTHORIZER_LIB) $(MINT_LIB) $(COMMON_LIB)
	$(LINK) -lfcgi $(PKG_LIBS) $(CURL_LIBS)

bench:
	scripts/install-deps bench
	$(MAKE) BUILD=build/bench BIN=build/bench/bin all build/bench/bench/etag_cost \
		build/bench/bench/jwt_cost build/bench/bench/hello build/bench/tests/jwt-mint
	QUICK=$(QUICK) BENCH_ONLY=$(BENCH_ONLY) bench/run build/bench/bin \
		$(if $(BENCH_ONLY),build/bench/last-$(BENCH_ONLY).md,$(if $(QUICK),build/bench/last-quick.md,build/bench/last-full.md docs/BENCHMARKS.md))

# Ten minutes (SOAK_SECONDS) of mixed traffic on a throwaway stack, then a Postgres restart.
soak:
	scripts/install-deps test
	$(MAKE) all $(BUILD)/tests/soak_traffic
	tests/e2e/run $(BIN) $(BUILD)/tests soak_traffic

check:
	scripts/install-deps check
	$(MAKE) format-check lint lint-compose lint-openapi
	$(MAKE) test
	$(MAKE) compose-test

# docker-compose.yml built and run for real under rootful podman, with its own project name,
# ports and image tag; minutes of image building, so in make check and not in make test.
compose-test:
	scripts/install-deps compose
	tests/compose/run

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

# The C linters, then the JavaScript one (lint-js).
lint: lint-js
	@! git grep -nE '\b(sprintf|strcpy|strcat|gets|atoi)\s*\(' -- '*.c' '*.h' || \
		{ echo 'banned function (use snprintf, buf_*, parse_int64)'; exit 1; }
	@! git grep -n '#include <fcgiapp\.h>' -- '*.c' '*.h' ':!common/http.c' ':!bench/hello.c' || \
		{ echo 'only common/http.c may include fcgiapp.h'; exit 1; }
	@! git grep -nE '\bPG(result|conn)\b|\bPQ[a-z]+\(|include .(libpq-fe|db_query|db_rows)\.h' -- \
		common fcgi panelctl ':(exclude,glob)**/db.c' ':(exclude,glob)**/db_*' || \
		{ echo 'libpq, results and columns belong to the db*.c files'; exit 1; }
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -Icommon -Ifcgi/project -Ifcgi/aggregator -Ipanelctl \
		--include=/usr/include/jansson.h $(C_SRC)
	clang-tidy --quiet $(C_SRC) -- -std=c11 -D_GNU_SOURCE -Icommon $(PKG_CFLAGS)

lint-js:
	scripts/lint-js

# Valid with the variables it requires, and refused without each of them (in a clean
# environment; a .env is ignored).
COMPOSE_REQUIRED := PROJECT_API_TOKEN AGGREGATOR_API_TOKEN POSTGRES_PASSWORD \
	PROJECT_DB_PASSWORD AGGREGATOR_DB_PASSWORD
COMPOSE_CONFIG = env -i PATH="$$PATH" HOME="$$HOME" $(foreach v,$(1),$(v)=lint) \
	docker-compose --env-file build/empty.env -f docker-compose.yml config -q
lint-compose:
	@mkdir -p build && : >build/empty.env
	$(call COMPOSE_CONFIG,$(COMPOSE_REQUIRED))
	@$(foreach v,$(COMPOSE_REQUIRED),! $(call COMPOSE_CONFIG,$(filter-out $(v),$(COMPOSE_REQUIRED))) \
		2>/dev/null || { echo "docker-compose.yml: accepted without $(v)"; exit 1; };)

lint-openapi:
	scripts/lint-openapi docs/project-api.yaml docs/aggregator-api.yaml
	scripts/check-openapi-routes

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
