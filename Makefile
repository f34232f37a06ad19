# Quorum: `make demo` and `make test` are all a new user needs.
PREFIX ?= /usr/local
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Every swift build and test links the libgit2 that `make deps` built
# (scripts/build-libgit2.sh), found through the pkg-config file in its cache.
SWIFT_ENV = pc="$$($(CURDIR)/scripts/build-libgit2.sh --pkg-config-path)" && PKG_CONFIG_PATH="$$pc"
# Release builds: the Swift runtime linked statically (it saves ~5 ms of
# start-up per command), symbols stripped.
RELEASE = -c release --static-swift-stdlib -Xlinker --strip-all

.PHONY: deps build release test crash-test demo bench install uninstall clean

## deps: install pkg-config, git, ssh-keygen (openssh-client), strace (the crash test's fault injection), openssl and python3 (the https tests) with apt-get when missing; build libgit2 from Debian's trixie source (scripts/build-libgit2.sh: its own deb-src index and build cache in ~/.cache/quorum)
deps:
	@missing=""; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	command -v git >/dev/null 2>&1 || missing="$$missing git"; \
	command -v ssh-keygen >/dev/null 2>&1 || missing="$$missing openssh-client"; \
	command -v strace >/dev/null 2>&1 || missing="$$missing strace"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	command -v python3 >/dev/null 2>&1 || missing="$$missing python3"; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@$(CURDIR)/scripts/build-libgit2.sh >/dev/null

## build: debug build of everything (library, quorum, quorum-bench, tests)
build: deps
	$(SWIFT_ENV) $(SWIFT) build --build-tests

## release: optimised, self-contained, stripped build of the quorum binary
release: deps
	$(SWIFT_ENV) $(SWIFT) build $(RELEASE) --product quorum

## test: every test (domain, integration, end-to-end with the real git CLI): XCTest, then Swift Testing (the property tests)
test: deps
	$(SWIFT_ENV) $(SWIFT) build --build-tests
	$(SWIFT_ENV) QUORUM_BINARY=$(CURDIR)/.build/debug/quorum $(SWIFT) test --skip-build

## crash-test: every write command killed at every rename, link, unlink and exclusive create in turn, then run again (make test tries a sample)
crash-test: deps
	$(SWIFT_ENV) $(SWIFT) build --build-tests
	$(SWIFT_ENV) QUORUM_CRASH_EXHAUSTIVE=1 QUORUM_BINARY=$(CURDIR)/.build/debug/quorum $(SWIFT) test --skip-build --disable-swift-testing --filter CrashTests

## demo: a whole review cycle on Proposals/career-steps in a temporary repository
demo: deps
	$(SWIFT_ENV) $(SWIFT) build --product quorum
	QUORUM=$(CURDIR)/.build/debug/quorum ./scripts/demo.sh

## bench: generated workload; median whole-process times and peak memory; start-up instruction counts (valgrind, installed when missing)
bench: deps
	@command -v valgrind >/dev/null 2>&1 || { echo "Installing: valgrind"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq valgrind; }
	$(SWIFT_ENV) $(SWIFT) build $(RELEASE) --product quorum
	$(SWIFT_ENV) $(SWIFT) build $(RELEASE) --product quorum-bench
	$(CURDIR)/.build/release/quorum-bench --quorum $(CURDIR)/.build/release/quorum

## install: quorum and a git-quorum link (so `git quorum ...` works) into $(PREFIX)/bin
install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 .build/release/quorum $(DESTDIR)$(PREFIX)/bin/quorum
	ln -sf quorum $(DESTDIR)$(PREFIX)/bin/git-quorum

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/quorum $(DESTDIR)$(PREFIX)/bin/git-quorum

clean:
	rm -rf .build
