#!/usr/bin/env bash
# Installs Quorum's .deb into a fresh minimal Debian root and runs it there,
# to show that the package works on a machine that has no Swift: only what
# `debootstrap --variant=minbase --include=git,man-db` gives, the package
# itself, and nothing else. `make package-check` builds the package and runs
# this as root (chroot and mount need it).
#
#   scripts/package-check.sh [--rebuild-root] [--keep] PATH/quorum_VERSION_ARCH.deb
#
#   --rebuild-root  make the Debian root again even when a cached one exists
#   --keep          leave the root used for the checks in place (its path is printed)
#
# The root is the running system's release (VERSION_CODENAME in
# /etc/os-release) for the package's architecture, fetched from the mirror
# that this machine's own apt sources name for that release
# (/etc/apt/sources.list, /etc/apt/sources.list.d/*.list or *.sources), with
# its Signed-By keyring. It is made once and kept as a tarball in
# $XDG_CACHE_HOME/quorum (default ~/.cache/quorum), named after the suite,
# the architecture, the variant and the included packages; each run unpacks
# it into a new directory, so every check starts from an untouched root.
#
# Inside the root, with an empty HOME and no network: the package is
# installed with apt-get (which would say if it needed anything the root
# lacks), then `quorum --version`, `git quorum --version` (git finds the
# git-quorum link), `git quorum --help` (git opens `man git-quorum`),
# `man quorum-suggest`, `ldd` of the binary, and a small review cycle by
# three people (init, member add, propose, suggest, two approvals, merge,
# cat, git fsck). It ends with a report: each check and its exit status,
# the sizes and the times. Exit 1 when any check fails.
#
# Environment: XDG_CACHE_HOME (see above), TMPDIR (where the root is
# unpacked; default /tmp), QUORUM_DEBIAN_MIRROR (use this mirror instead of
# the one the apt sources name).
set -euo pipefail

say() { echo "package-check: $*" >&2; }
fail() { say "$1"; [ -z "${2:-}" ] || echo "hint: $2" >&2; exit 1; }

variant=minbase
include=(git man-db)
rebuild_root=false
keep=false
deb=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rebuild-root) rebuild_root=true ;;
        --keep) keep=true ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        -*) fail "unknown option $1" "see $0 --help" ;;
        *) [ -z "$deb" ] || fail "one package at a time (got $deb and $1)"; deb=$1 ;;
    esac
    shift
done
[ -n "$deb" ] || fail "no package given" "make package-check builds one and passes it (or: $0 .build/package/quorum_VERSION_ARCH.deb)"
[ -f "$deb" ] || fail "no such package: $deb" "make package builds it"
[ "$(id -u)" = 0 ] || fail "this needs root (debootstrap, chroot and mount)" "run it through make package-check, or with sudo"
debootstrap=$(command -v debootstrap || echo /usr/sbin/debootstrap)
[ -x "$debootstrap" ] || fail "debootstrap is not installed" "apt-get install debootstrap (make package-check installs it when missing)"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
seconds_since() { awk -v ms=$(( $(now_ms) - $1 )) 'BEGIN { printf "%.1f s", ms / 1000 }'; }
started=$(now_ms)
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
deb_name=$(basename "$deb")
deb_version=$(dpkg-deb -f "$deb" Version)
deb_arch=$(dpkg-deb -f "$deb" Architecture)
deb_depends=$(dpkg-deb -f "$deb" Depends)
deb_bytes=$(stat -c %s "$deb")
host_arch=$(dpkg --print-architecture)
[ "$deb_arch" = "$host_arch" ] || [ "$deb_arch" = all ] \
    || fail "$deb_name is for $deb_arch, this machine is $host_arch" "build the package on a $deb_arch machine, or check it there"

suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$suite" ] || fail "cannot tell this system's release from /etc/os-release (no VERSION_CODENAME)" "this check makes a root of the running Debian release; run it on Debian"

# The first enabled deb entry of this machine's apt sources whose suites
# include $suite: its first URI, and its Signed-By keyring when that is a
# file. Printed as "URI KEYRING" (KEYRING may be empty).
mirror_from_sources() {
    local lists=() sources=() file found="" etc=/etc/apt
    [ -f $etc/sources.list ] && lists+=($etc/sources.list)
    for file in $etc/sources.list.d/*.list; do [ -f "$file" ] && lists+=("$file"); done
    for file in $etc/sources.list.d/*.sources; do [ -f "$file" ] && sources+=("$file"); done
    if [ ${#lists[@]} -gt 0 ]; then
        # deb [opt=value ...] URI SUITE COMPONENT...
        found=$(awk -v suite="$suite" '
            $1 == "deb" {
                i = 2; keyring = ""
                if ($2 ~ /^\[/) {
                    for (; i <= NF; i++) {
                        option = $i; gsub(/[][]/, "", option)
                        if (option ~ /^signed-by=\//) { keyring = option; sub(/^signed-by=/, "", keyring) }
                        if ($i ~ /\]$/) { i++; break }
                    }
                }
                if ($(i + 1) == suite) { print $i " " keyring; exit }
            }' "${lists[@]}")
    fi
    if [ -z "$found" ] && [ ${#sources[@]} -gt 0 ]; then
        # deb822 stanzas, separated by blank lines; comment lines skipped.
        found=$(awk -v suite="$suite" '
            function flush(   n, s, u, i, keyring) {
                if (!done && fields["types"] ~ /(^|[ \t])deb([ \t]|$)/ && tolower(fields["enabled"]) != "no") {
                    n = split(fields["suites"], s, /[ \t]+/)
                    for (i = 1; i <= n; i++) if (s[i] == suite) {
                        split(fields["uris"], u, /[ \t]+/)
                        keyring = fields["signed-by"] ~ /^\// ? fields["signed-by"] : ""
                        print u[1] " " keyring; done = 1; exit
                    }
                }
                delete fields
            }
            FNR == 1 { flush() }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[A-Za-z-]+:/ { key = tolower($0); sub(/:.*/, "", key); value = $0; sub(/^[^:]*:[ \t]*/, "", value); fields[key] = value; next }
            END { flush() }' "${sources[@]}")
    fi
    echo "$found"
}

if [ -n "${QUORUM_DEBIAN_MIRROR:-}" ]; then
    mirror=$QUORUM_DEBIAN_MIRROR keyring=""
    mirror_origin="QUORUM_DEBIAN_MIRROR"
else
    read -r mirror keyring <<<"$(mirror_from_sources)" || true
    [ -n "${mirror:-}" ] || fail "found no deb entry for $suite in /etc/apt/sources.list or /etc/apt/sources.list.d/ to take a mirror from" \
        "set QUORUM_DEBIAN_MIRROR to a Debian mirror's URL"
    mirror_origin="this machine's apt sources"
fi
case "$mirror" in
    http://*|https://*|file:/*) ;;
    *) fail "the mirror $mirror (from $mirror_origin) is not one debootstrap can fetch from (http, https or file)" \
        "set QUORUM_DEBIAN_MIRROR to a Debian mirror's URL" ;;
esac

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/quorum"
include_list=$(IFS=,; echo "${include[*]}")
tarball="$cache_root/debootstrap-$suite-$deb_arch-$variant-$(echo "$include_list" | tr , +).tar.gz"

work=$(mktemp -d "${TMPDIR:-/tmp}/quorum-package-check.XXXXXX")
root="$work/root"
logs="$work/logs"
mkdir -p "$logs"

# Everything mounted under $work; the work directory is removed only when
# none is left, so a failed unmount can never lead rm into /proc or /dev.
partial=""
mounts_under_work() { awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r; }
cleanup() {
    local mount
    [ -z "$partial" ] || rm -f "$partial"
    for mount in $(mounts_under_work); do umount "$mount" 2>/dev/null || umount -l "$mount" || true; done
    if [ -n "$(mounts_under_work)" ]; then
        say "still mounted under $work, so it is left in place:"; mounts_under_work >&2
    elif $keep; then
        say "the root is kept in $root"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT
trap 'say terminated; exit 143' TERM
trap 'say hung up; exit 129' HUP

# --- The pristine root: from the cache, or made once with debootstrap ---
phase_started=$(now_ms)
root_origin="cached $(basename "$tarball")"
root_action="unpacked from the cache"
if $rebuild_root || [ ! -f "$tarball" ]; then
    mkdir -p "$cache_root"
    say "making a $variant $suite $deb_arch root with $include_list from $mirror ($mirror_origin), once; later runs use $tarball"
    fresh="$work/debootstrap"
    bootstrap_args=(--variant="$variant" --include="$include_list" --arch="$deb_arch")
    [ -z "${keyring:-}" ] || bootstrap_args+=(--keyring="$keyring")
    if ! "$debootstrap" "${bootstrap_args[@]}" "$suite" "$fresh" "$mirror" >"$logs/debootstrap.log" 2>&1; then
        tail -30 "$logs/debootstrap.log" >&2
        [ ! -f "$fresh/debootstrap/debootstrap.log" ] || tail -30 "$fresh/debootstrap/debootstrap.log" >&2
        if [ "$mirror_origin" = QUORUM_DEBIAN_MIRROR ]; then
            fail "debootstrap of $suite from $mirror (QUORUM_DEBIAN_MIRROR) failed (above)" "check the URL, or unset QUORUM_DEBIAN_MIRROR to use the mirror of this machine's apt sources"
        fi
        fail "debootstrap of $suite from $mirror failed (above)" "apt-get update here uses the same mirror: if it fails too, the network or the sources are at fault; else set QUORUM_DEBIAN_MIRROR"
    fi
    # A root as small as a minimal install: no downloaded packages and no
    # package lists. With no lists, apt-get in the root cannot fetch
    # anything, so the install below succeeds only if the root already has
    # every dependency of the package.
    find "$fresh/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -delete
    find "$fresh/var/cache/apt" -maxdepth 1 -name '*.bin' -delete
    find "$fresh/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete
    # Into the cache in one rename, so a run that is interrupted leaves no half tarball.
    partial="$tarball.partial.$$"
    tar -C "$fresh" --numeric-owner -czf "$partial" .
    mv -f "$partial" "$tarball"
    partial=""
    rm -rf "$fresh"
    # Run through sudo: the cache belongs to the person who ran it.
    [ -z "${SUDO_UID:-}" ] || chown "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$cache_root" "$tarball"
    root_origin="made now with debootstrap from $mirror, cached as $(basename "$tarball")"
    root_action="debootstrap, cached, unpacked"
fi
mkdir "$root"
tar -C "$root" --numeric-owner -xzf "$tarball"
root_time=$(seconds_since "$phase_started")
root_age_days=$(( ($(date +%s) - $(stat -c %Y "$tarball")) / 86400 ))
root_bytes=$(du -sbx "$root" | cut -f1)
[ -c "$root/dev/null" ] || fail "the root has no /dev/null device" "debootstrap makes it when run as root on a system that allows mknod; run this with --rebuild-root on such a system"

mount -t proc proc "$root/proc"

# in_root LOG COMMAND [VAR=VALUE...]: runs a shell command in the root as
# someone with an empty HOME would: a clean environment (and these
# variables), no terminal, pagers that print; and no network (a network
# namespace of its own: nothing can be fetched). Its output into LOG. (The
# redirections are the command's own, not the function's: a signal's trap
# then writes to the script's own output, not into LOG.)
home=/home/check
mkdir -p "$root$home" "$root/tmp"
in_root() {
    local log=$1 command=$2
    shift 2
    unshare --net chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$home" \
        LANG=C.UTF-8 TERM=dumb MANPAGER=cat PAGER=cat MANWIDTH=80 DEBIAN_FRONTEND=noninteractive \
        "$@" /bin/sh -c 'cd /tmp && eval "$1"' sh "$command" </dev/null >"$log" 2>&1
}

# check NAME 'SHELL COMMAND' [EXTENDED REGEX THE OUTPUT MUST MATCH] [VAR=VALUE...]
# Runs it in the root; a check passes when it exits 0 and, when a pattern
# is given, its output (stdout and stderr) matches it.
checks=0 failed=0 report=()
check() {
    local name=$1 pattern=${3:-} status=0 started_ns elapsed verdict=ok log note=""
    checks=$((checks + 1))
    log="$logs/$(printf '%02d' "$checks").log"
    started_ns=$(date +%s%N)
    in_root "$log" "$2" "${@:4}" || status=$?
    elapsed=$(( ($(date +%s%N) - started_ns) / 1000000 ))
    if [ "$status" != 0 ]; then
        verdict=FAIL
    elif [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$log"; then
        verdict=FAIL note="its output lacks /$pattern/"
    fi
    if [ "$verdict" = FAIL ]; then
        failed=$((failed + 1))
        say "FAILED: $name ($2): exit $status${note:+, $note}; its output:"
        sed 's/^/    /' "$log" >&2
    fi
    report+=("$(printf '%-4s %-44s exit %-3s %6d ms' "$verdict" "$name" "$status" "$elapsed")${note:+ $note}")
    LAST_LOG=$log
}
# expect NAME COMMAND...: a check made here, on what a check in the root printed.
expect() {
    local name=$1 verdict=ok
    shift
    checks=$((checks + 1))
    "$@" || { verdict=FAIL; failed=$((failed + 1)); say "FAILED: $name (its output is in the report below)"; }
    report+=("$(printf '%-4s %s' "$verdict" "$name")")
}

# --- Install the package: apt-get resolves its dependencies from what the root has ---
phase_started=$(now_ms)
cp "$deb" "$root/tmp/$deb_name"
# in_root_packages FILE: the packages installed in the root, into FILE.
in_root_packages() { chroot "$root" dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" { print $2 }' | sort >"$1"; }
in_root_packages "$logs/packages-before"
check "apt-get install ./$deb_name" "apt-get install -y --no-install-recommends ./$deb_name"
in_root_packages "$logs/packages-after"
added=$(comm -13 "$logs/packages-before" "$logs/packages-after" | paste -sd ' ')
check "installed: dpkg -s quorum" "dpkg -s quorum | grep -x 'Version: $deb_version'"
install_time=$(seconds_since "$phase_started")

# --- Run it ---
phase_started=$(now_ms)
check "no Swift in the root" "! command -v swift && ! find / -xdev -name 'libswift*' | grep ."
check "quorum --version" "quorum --version"
version_output=$(cat "$LAST_LOG")
expect "quorum --version is the package's $deb_version" [ "$version_output" = "$deb_version" ]
check "git quorum --version (the git-quorum link)" "git quorum --version"
expect "git quorum --version is $deb_version too" [ "$(cat "$LAST_LOG")" = "$deb_version" ]
# git runs `man git-quorum`; its page's NAME section shows it is the manual.
check "git quorum --help (man git-quorum)" "git quorum --help" '^GIT-QUORUM\(1\)'
help_log=$LAST_LOG
expect "git quorum --help has a NAME section" grep -q '^NAME' "$help_log"
check "man quorum-suggest" "man quorum-suggest" '^QUORUM-SUGGEST\(1\)'
# What it links (a static executable: "not a dynamic executable", and ldd
# exits 1); no library it needs may be missing from the root.
check "ldd /usr/bin/quorum (no library missing)" "ldd /usr/bin/quorum; ! ldd /usr/bin/quorum 2>&1 | grep -q 'not found'"
ldd_output=$(sed 's/ (0x[0-9a-f]*)//' "$LAST_LOG")

# A review cycle by three people: Ana (lead), Bob and Carol (working group).
ana=(GIT_AUTHOR_NAME="Ana Lima" GIT_AUTHOR_EMAIL=ana@example.com)
bob=(GIT_AUTHOR_NAME="Bob Stone" GIT_AUTHOR_EMAIL=bob@example.com)
carol=(GIT_AUTHOR_NAME="Carol Diaz" GIT_AUTHOR_EMAIL=carol@example.com)
printf '# Steps\n\nStatus: draft\n\nShips small changes.\n' >"$root/tmp/draft.md"
printf '# Steps\n\nStatus: draft\n\nShips small, well-tested changes.\n' >"$root/tmp/edited.md"
check "quorum init (as Ana)" "quorum init review" "" "${ana[@]}"
check "quorum member add bob (as Ana)" "quorum member add bob@example.com --name 'Bob Stone' --repo review" "" "${ana[@]}"
check "quorum member add carol (as Ana)" "quorum member add carol@example.com --name 'Carol Diaz' --repo review" "" "${ana[@]}"
check "quorum propose (as Ana)" "quorum propose steps --title Steps --file steps.md=draft.md --repo review" "" "${ana[@]}"
check "quorum suggest (as Bob)" "quorum suggest steps -m 'Say how small' --file steps.md=edited.md --repo review --json" '"id"' "${bob[@]}"
id=$(sed -n 's/.*"id" *: *"\([0-9a-f]*\)".*/\1/p' "$LAST_LOG" | head -1 | cut -c1-8)
check "quorum approve (as Ana)" "quorum approve ${id:-none} --repo review" "" "${ana[@]}"
check "quorum approve (as Carol)" "quorum approve ${id:-none} --repo review" "" "${carol[@]}"
check "quorum merge (as Bob)" "quorum merge ${id:-none} --repo review" "" "${bob[@]}"
check "quorum cat: the merged text" "quorum cat steps --repo review | cmp - edited.md" "" "${bob[@]}"
check "git fsck --strict of the review repository" "git -C review fsck --strict --no-progress"
run_time=$(seconds_since "$phase_started")

root_after_bytes=$(du -sbx "$root" | cut -f1)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

echo
echo "== package-check: $deb_name in a fresh $variant $suite $deb_arch root"
echo "package:   $deb_name, $(mib "$deb_bytes") ($deb_bytes bytes); Depends: ${deb_depends:-nothing}"
echo "root:      debootstrap --variant=$variant --include=$include_list $suite ($root_origin; $root_age_days days old)"
echo "           $(mib "$root_bytes") before the install, $(mib "$root_after_bytes") after"
echo "installed: ${added:-nothing} (apt-get, with no network and no package lists in the root: nothing could be downloaded)"
echo "checks (each in the root, HOME=$home empty, no terminal, no network):"
printf '  %s\n' "${report[@]}"
echo "quorum --version: $version_output"
echo "git quorum --help, its first lines:"
sed -n '1,6p' "$help_log" | sed 's/^/  | /'
echo "ldd /usr/bin/quorum:"
echo "$ldd_output" | sed 's/^[[:space:]]*/  | /'
echo "time:      root $root_time (${root_action}), install $install_time, checks $run_time; total $(seconds_since "$started")"
if [ "$failed" -gt 0 ]; then
    echo "FAILED: $failed of $checks checks (their output is above)"
    exit 1
fi
echo "all $checks checks passed"
