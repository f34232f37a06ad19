# Quorum: `make demo` and `make test` are all a new user needs.
PREFIX ?= /usr/local
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Every swift build and test links the libgit2 that `make deps` built
# (scripts/build-libgit2.sh), found through the pkg-config file in its cache.
SWIFT_ENV = pc="$$($(CURDIR)/scripts/build-libgit2.sh --pkg-config-path)" && PKG_CONFIG_PATH="$$pc"
# Release builds: one static executable (the Swift runtime, Foundation,
# libgit2 and the C and C++ runtimes all linked in: no dynamic loader at
# start-up, no relocations; see the README's "Start-up"), symbols stripped.
# Every module's generic types are made with their metadata accessors, not
# by demangling their names at run time: a name demangled needs each of its
# conformances looked up, and the first lookup of each scans every
# conformance record of the binary (a fifth of a command's instructions).
RELEASE = -c release --static-swift-stdlib -Xswiftc -static-executable -Xlinker --strip-all \
	-Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors

.PHONY: deps build release test crash-test demo bench man completions install package package-check uninstall clean

## deps: install pkg-config, git, ssh-keygen (openssh-client), strace (the crash test's fault injection), openssl and python3 (the https tests), python3-jsonschema (the JSON Schema tests' validator, scripts/validate-json.py), bash-completion (the completion tests load git-quorum's completion through its loader, as a user's shell does), sshd (openssh-server, for the ssh tests; never started as a service) and cmark-gfm (libcmark-gfm-dev, libcmark-gfm-extensions-dev: the Markdown engine, linked statically) with apt-get when missing; build libgit2 from Debian's trixie source with Quorum's two patches (scripts/build-libgit2.sh, scripts/libgit2-patches: its own deb-src index and build cache in ~/.cache/quorum)
deps:
	@missing=""; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	command -v git >/dev/null 2>&1 || missing="$$missing git"; \
	command -v ssh-keygen >/dev/null 2>&1 || missing="$$missing openssh-client"; \
	command -v strace >/dev/null 2>&1 || missing="$$missing strace"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	command -v python3 >/dev/null 2>&1 || missing="$$missing python3"; \
	python3 -c 'import jsonschema' >/dev/null 2>&1 || missing="$$missing python3-jsonschema"; \
	[ -r /usr/share/bash-completion/bash_completion ] || missing="$$missing bash-completion"; \
	[ -x /usr/sbin/sshd ] || missing="$$missing openssh-server"; \
	for package in libcmark-gfm-dev libcmark-gfm-extensions-dev; do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		case "$$missing" in *openssh-server*) \
			echo "(openssh-server only for its sshd binary, which the ssh tests start on a loopback port: /etc/ssh/sshd_not_to_be_run keeps Debian from starting it as a service)"; \
			dpkg -s openssh-server >/dev/null 2>&1 || { $(SUDO) mkdir -p /etc/ssh && $(SUDO) touch /etc/ssh/sshd_not_to_be_run; };; \
		esac; \
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
	$(SWIFT_ENV) $(SWIFT) build --product generate-manual
	$(SWIFT_ENV) QUORUM_BINARY=$(CURDIR)/.build/debug/quorum $(SWIFT) test --skip-build

## crash-test: every write command killed at every rename, link, unlink and exclusive create in turn, then run again (make test tries a sample)
crash-test: deps
	$(SWIFT_ENV) $(SWIFT) build --build-tests
	$(SWIFT_ENV) $(SWIFT) build --product generate-manual
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

## man: manual pages named as git names its own (quorum.1, quorum-suggest.1 …, git-quorum.1) in .build/man, generated from the command definitions
man: deps
	$(SWIFT_ENV) $(SWIFT) build --product quorum
	$(SWIFT_ENV) $(SWIFT) build --product generate-manual
	bin="$$($(SWIFT_ENV) $(SWIFT) build --show-bin-path)" && ./scripts/man-pages.sh "$$bin/generate-manual" "$$bin/quorum" .build/man

## completions: bash, zsh and fish completion scripts in .build/completions, and git-quorum.bash (bash: `git quorum <TAB>` as `quorum <TAB>`)
completions: deps
	$(SWIFT_ENV) $(SWIFT) build --product quorum
	mkdir -p .build/completions
	bin="$$($(SWIFT_ENV) $(SWIFT) build --show-bin-path)" && \
	"$$bin/quorum" --generate-completion-script bash > .build/completions/quorum.bash && \
	"$$bin/quorum" --generate-completion-script zsh > .build/completions/_quorum && \
	"$$bin/quorum" --generate-completion-script fish > .build/completions/quorum.fish
	cp scripts/git-quorum-completion.bash .build/completions/git-quorum.bash

MANDIR ?= $(PREFIX)/share/man/man1
## install: quorum and a git-quorum link (so `git quorum ...` works) into $(PREFIX)/bin, the manual pages (so `man quorum-suggest` and `git quorum --help` work), bash, zsh and fish completions, and the server hooks' scripts in $(PREFIX)/share/quorum/hooks
install: release man completions install-files

install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR) $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 .build/release/quorum $(DESTDIR)$(PREFIX)/bin/quorum
	ln -sf quorum $(DESTDIR)$(PREFIX)/bin/git-quorum
	install -m 644 .build/man/*.1 $(DESTDIR)$(MANDIR)/
	install -m 644 .build/completions/quorum.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/quorum
	install -m 644 .build/completions/git-quorum.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/git-quorum
	install -m 644 .build/completions/_quorum $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_quorum
	install -m 644 .build/completions/quorum.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/quorum.fish
	install -d $(DESTDIR)$(PREFIX)/share/quorum/hooks
	install -m 755 hooks/pre-receive hooks/post-receive $(DESTDIR)$(PREFIX)/share/quorum/hooks/

VERSION = $(shell sed -n 's/^ *static let version = "\(.*\)"$$/\1/p' Sources/quorum/Quorum.swift)
ARCH = $(shell dpkg --print-architecture 2>/dev/null || uname -m)
## package: a Debian package and a tarball of what install installs (binary, git-quorum link, manual pages, completions) in .build/package
package: release man completions
	rm -rf .build/package && mkdir -p .build/package
	$(MAKE) --no-print-directory install-files DESTDIR=$(CURDIR)/.build/package/root PREFIX=/usr
	mkdir -p .build/package/root/DEBIAN
	printf 'Package: quorum\nVersion: %s\nArchitecture: %s\nMaintainer: Quorum <quorum@example.org>\nSection: vcs\nPriority: optional\nDepends: git\nDescription: RFC-style review of documents stored in git\n Suggestions, approvals, rounds and official versions of a document, kept in\n git and checked by server-side hooks.\n' "$(VERSION)" "$(ARCH)" > .build/package/root/DEBIAN/control
	dpkg-deb --root-owner-group --build .build/package/root .build/package/quorum_$(VERSION)_$(ARCH).deb
	rm -rf .build/package/root/DEBIAN
	tar -C .build/package/root -czf .build/package/quorum-$(VERSION)-linux-$(ARCH).tar.gz .
	rm -rf .build/package/root
	@ls -l .build/package

## package-check: installs the .deb into a fresh minimal Debian root (debootstrap, installed when missing: this machine's release and apt mirror, with git and man-db only; made once and cached in ~/.cache/quorum) and runs quorum --version, git quorum --help, man quorum-suggest, ldd and a review cycle there, without Swift (scripts/package-check.sh; as root)
package-check: package
	@[ -x /usr/sbin/debootstrap ] || command -v debootstrap >/dev/null 2>&1 || { echo "Installing: debootstrap"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq debootstrap; }
	$(SUDO) env XDG_CACHE_HOME="$${XDG_CACHE_HOME:-$$HOME/.cache}" ./scripts/package-check.sh .build/package/quorum_$(VERSION)_$(ARCH).deb

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/quorum $(DESTDIR)$(PREFIX)/bin/git-quorum
	rm -f $(DESTDIR)$(MANDIR)/quorum.1 $(DESTDIR)$(MANDIR)/quorum-*.1 $(DESTDIR)$(MANDIR)/git-quorum.1
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/quorum $(DESTDIR)$(PREFIX)/share/bash-completion/completions/git-quorum \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_quorum \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/quorum.fish
	rm -rf $(DESTDIR)$(PREFIX)/share/quorum

clean:
	rm -rf .build
