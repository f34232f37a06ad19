# Quorum: `make demo` and `make test` are all a new user needs.
PREFIX ?= /usr/local
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build release test crash-test demo bench install uninstall clean

## deps: install libgit2-dev, pkg-config, git, ssh-keygen (openssh-client) and strace (the crash test's fault injection) with apt-get when missing
deps:
	@missing=""; \
	dpkg -s libgit2-dev >/dev/null 2>&1 || missing="$$missing libgit2-dev"; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	command -v git >/dev/null 2>&1 || missing="$$missing git"; \
	command -v ssh-keygen >/dev/null 2>&1 || missing="$$missing openssh-client"; \
	command -v strace >/dev/null 2>&1 || missing="$$missing strace"; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@pkg-config --exists libgit2 || { echo "pkg-config cannot find libgit2"; exit 1; }

## build: debug build of everything (library, quorum, quorum-bench, tests)
build: deps
	$(SWIFT) build --build-tests

## release: optimised build of the quorum binary
# The Swift runtime is linked statically: it saves ~5 ms of start-up per command.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product quorum

## test: every test (domain, integration, end-to-end with the real git CLI)
test: deps
	$(SWIFT) build --build-tests
	QUORUM_BINARY=$(CURDIR)/.build/debug/quorum $(SWIFT) test --skip-build --disable-swift-testing

## crash-test: every write command killed at every rename, link, unlink and exclusive create in turn, then run again (make test tries a sample)
crash-test: deps
	$(SWIFT) build --build-tests
	QUORUM_CRASH_EXHAUSTIVE=1 QUORUM_BINARY=$(CURDIR)/.build/debug/quorum $(SWIFT) test --skip-build --disable-swift-testing --filter CrashTests

## demo: a whole review cycle on Proposals/career-steps in a temporary repository
demo: deps
	$(SWIFT) build --product quorum
	QUORUM=$(CURDIR)/.build/debug/quorum ./scripts/demo.sh

## bench: generated workload; median whole-process times and peak memory
bench: deps
	$(SWIFT) build -c release --static-swift-stdlib --product quorum
	$(SWIFT) build -c release --static-swift-stdlib --product quorum-bench
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
