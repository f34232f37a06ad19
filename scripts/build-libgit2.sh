#!/usr/bin/env bash
# Builds libgit2 from Debian's source package, statically, into a cache
# outside the clone, and prints the directory holding its pkg-config file
# (quorum-libgit2.pc). `make deps` runs it; a finished build is reused.
#
# Why not Debian's libgit2: its build compiles in a CA bundle path, so
# git_libgit2_init parses all of /etc/ssl/certs/ca-certificates.crt in every
# process (about 5 ms here), and it is a shared library (symbol lookups at
# every start). This build loads no certificates at start-up (Quorum sets
# them before its first https operation) and is linked into the binary.
#
#   scripts/build-libgit2.sh                    build when missing; print the pkg-config directory
#   scripts/build-libgit2.sh --pkg-config-path  only print it (no build, no network; fails when not built)
#
# Environment: XDG_CACHE_HOME (default ~/.cache): the cache is
# $XDG_CACHE_HOME/quorum/libgit2-<Debian source version>-<hash of the flags>/.
set -euo pipefail

# The Debian source package and the upstream version taken from it
# (bookworm's; the newest Debian revision of it that apt offers is used).
source_package=libgit2
upstream=1.5.1

# The build's flags; the cache key hashes them with this recipe's version.
recipe=1
cmake_flags=(
    # Debian's optimisation and hardening flags (dpkg-buildflags), no debug info.
    -DCMAKE_BUILD_TYPE=None
    "-DCMAKE_C_FLAGS=-O2 -fstack-protector-strong -fstack-clash-protection -fcf-protection -D_FORTIFY_SOURCE=2 -Wformat -Werror=format-security"
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON
    -DBUILD_SHARED_LIBS=OFF
    -DBUILD_TESTS=OFF
    -DBUILD_CLI=OFF
    -DBUILD_EXAMPLES=OFF
    -DBUILD_FUZZERS=OFF
    -DENABLE_REPRODUCIBLE_BUILDS=ON
    -DUSE_HTTPS=mbedTLS
    # Debian compiles in /etc/ssl/certs/ca-certificates.crt, which
    # git_libgit2_init then parses in every process. Left empty, libgit2's
    # cmake would find that bundle itself; /dev/null is neither a file nor a
    # directory to mbedtls.c, so nothing is loaded at start-up.
    -DCERT_LOCATION=/dev/null
    -DUSE_SSH=ON
    -DUSE_HTTP_PARSER=system
    -DREGEX_BACKEND=pcre2
    -DUSE_BUNDLED_ZLIB=OFF
    -DUSE_NTLMCLIENT=OFF
    -DUSE_GSSAPI=OFF
)
# Debian's static archives linked into the binary with libgit2. libssh2 is
# static too, with the OpenSSL libcrypto it is built on: measured with a
# program that starts libgit2, opens a repository and reads HEAD, 3.2 M
# instructions against 5.9 M with Debian's shared libssh2 (and 61.9 M with
# Debian's libgit2). -lpthread, -lrt and -ldl come from the C library.
static_libs=(mbedtls mbedx509 mbedcrypto ssh2 crypto http_parser pcre2-8 z)
# What the build needs from Debian.
build_packages=(cmake dpkg-dev pkg-config libmbedtls-dev libssh2-1-dev libssl-dev libhttp-parser-dev libpcre2-dev zlib1g-dev)

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/quorum"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo

say() { echo "build-libgit2: $*" >&2; }

flags_hash() {
    printf '%s\n' "recipe=$recipe" "${cmake_flags[@]}" "${static_libs[@]}" | sha256sum | cut -c1-12
}

# apt here may have no deb-src entries. Derive them from the deb entries of
# this release's own suites (<codename>, -updates, -security), in both the
# one-line (.list) and the deb822 (.sources) forms, and fetch only their indexes.
add_deb_src() {
    local codename
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || { say "cannot tell this Debian release's codename from /etc/os-release"; exit 1; }
    local suites="$codename $codename-updates $codename-security"
    local lists=() sources=() file
    [ -f /etc/apt/sources.list ] && lists+=(/etc/apt/sources.list)
    for file in /etc/apt/sources.list.d/*.list; do [ -f "$file" ] && lists+=("$file"); done
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] && [ "$(basename "$file")" != quorum-deb-src.sources ] && sources+=("$file")
    done
    local one_line="" deb822=""
    if [ ${#lists[@]} -gt 0 ]; then
        one_line=$(awk -v suites="$suites" '
            BEGIN { n = split(suites, s, " "); for (i = 1; i <= n; i++) ok[s[i]] = 1 }
            $1 == "deb" {
                i = 2; opts = ""
                if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts $i " "; i++ } opts = opts $i " "; i++ }
                if (!ok[$(i + 1)]) next
                line = "deb-src " opts $i
                for (j = i + 1; j <= NF && $j !~ /^#/; j++) line = line " " $j
                print line
            }' "${lists[@]}" | sort -u)
    fi
    if [ ${#sources[@]} -gt 0 ]; then
        deb822=$(awk -v suites="$suites" '
            BEGIN { n = split(suites, s, " "); for (i = 1; i <= n; i++) ok[s[i]] = 1 }
            function flush(   t, i, k, kept, out) {
                if (fields["Types"] ~ /(^|[ \t])deb([ \t]|$)/ && tolower(fields["Enabled"]) != "no") {
                    k = split(fields["Suites"], t, /[ \t]+/); kept = ""
                    for (i = 1; i <= k; i++) if (ok[t[i]]) kept = kept (kept == "" ? "" : " ") t[i]
                    if (kept != "") {
                        out = "Types: deb-src\nURIs: " fields["URIs"] "\nSuites: " kept "\nComponents: " fields["Components"]
                        if (fields["Signed-By"] != "") out = out "\nSigned-By: " fields["Signed-By"]
                        print out "\n"
                    }
                }
                delete fields
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[A-Za-z-]+:/ { key = $0; sub(/:.*/, "", key); value = $0; sub(/^[^:]*:[ \t]*/, "", value); fields[key] = value; next }
            END { flush() }' "${sources[@]}")
    fi
    if [ -z "$one_line$deb822" ]; then
        say "found no deb entry for $suites in /etc/apt/sources.list or /etc/apt/sources.list.d/ to derive a deb-src entry from"
        exit 1
    fi
    local update_from=()
    if [ -n "$one_line" ]; then
        say "adding /etc/apt/sources.list.d/quorum-deb-src.list:"; echo "$one_line" >&2
        printf '# Added by Quorum'"'"'s make deps (scripts/build-libgit2.sh): the source of libgit2.\n%s\n' "$one_line" \
            | $sudo tee /etc/apt/sources.list.d/quorum-deb-src.list >/dev/null
        update_from+=(/etc/apt/sources.list.d/quorum-deb-src.list)
    fi
    if [ -n "$deb822" ]; then
        say "adding /etc/apt/sources.list.d/quorum-deb-src.sources:"; echo "$deb822" >&2
        printf '# Added by Quorum'"'"'s make deps (scripts/build-libgit2.sh): the source of libgit2.\n%s\n' "$deb822" \
            | $sudo tee /etc/apt/sources.list.d/quorum-deb-src.sources >/dev/null
        update_from+=(/etc/apt/sources.list.d/quorum-deb-src.sources)
    fi
    # Only the new entries' indexes are fetched; the rest of apt's lists stay as they are.
    local parts
    parts=$(mktemp -d)
    for file in "${update_from[@]}"; do ln -s "$file" "$parts/"; done
    $sudo apt-get update -qq -o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$parts" -o APT::Get::List-Cleanup=0 >&2
    rm -rf "$parts"
}

install_build_packages() {
    local missing=() package
    for package in "${build_packages[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >&2
    fi
}

# Every Debian revision of $upstream in apt's source indexes, newest first.
source_versions() {
    apt-cache showsrc --only-source "$source_package" 2>/dev/null \
        | sed -n 's/^Version: //p' | grep -F "$upstream+" | sort -uVr || true
}

built() { [ -f "$cache_root/libgit2-$1-$(flags_hash)/lib/pkgconfig/quorum-libgit2.pc" ]; }
unfetchable() { grep -qxF "$1" "$cache_root/unfetchable" 2>/dev/null; }

# The newest revision that is built already or can still be fetched. A
# revision whose source the mirror does not have (404) is remembered in
# $cache_root/unfetchable and passed over, with a note every time.
versions=$(source_versions)
if [ "${1:-}" = --pkg-config-path ]; then
    for version in $versions; do
        built "$version" && { echo "$cache_root/libgit2-$version-$(flags_hash)/lib/pkgconfig"; exit 0; }
    done
    say "libgit2 is not built yet: run make deps (or scripts/build-libgit2.sh)"
    exit 1
fi
if [ -z "$versions" ]; then
    command -v apt-get >/dev/null || { say "apt-get is needed to fetch Debian's $source_package source"; exit 1; }
    add_deb_src
    versions=$(source_versions)
    [ -n "$versions" ] || { say "apt offers no $source_package $upstream source even with deb-src entries"; exit 1; }
fi
mkdir -p "$cache_root"
for version in $versions; do
    cache="$cache_root/libgit2-$version-$(flags_hash)"
    if built "$version"; then
        echo "$cache/lib/pkgconfig"
        exit 0
    fi
    if unfetchable "$version"; then
        say "note: this machine's mirror has no source for $source_package $version (see $cache_root/unfetchable); using an older revision"
        continue
    fi
    install_build_packages
    # Leftovers of builds that were killed (a finished build is renamed away).
    find "$cache_root" -maxdepth 1 -name '.build-libgit2-*' -mmin +120 -exec rm -rf {} + 2>/dev/null || true
    work=$(mktemp -d "$cache_root/.build-libgit2-XXXXXX")
    trap 'rm -rf "$work"' EXIT
    say "building $source_package $version from Debian's source into $cache (once; a minute or two)"
    if ! (cd "$work" && apt-get source -qq "$source_package=$version" >"$work/fetch.log" 2>&1); then
        cat "$work/fetch.log" >&2
        if grep -q '404' "$work/fetch.log"; then
            echo "$version" >>"$cache_root/unfetchable"
            say "warning: this machine's mirror has no source for $source_package $version; trying an older revision"
        fi
        rm -rf "$work"
        continue
    fi
    (
        cd "$work"
        src=$(find . -maxdepth 1 -type d -name "$source_package-*" | head -1)
        [ -n "$src" ] || { say "apt-get source unpacked nothing"; exit 1; }
        cmake -S "$src" -B build -DCMAKE_INSTALL_PREFIX="$work/out" -DCMAKE_INSTALL_LIBDIR=lib "${cmake_flags[@]}" >"$work/cmake.log" 2>&1 \
            || { cat "$work/cmake.log" >&2; exit 1; }
        # The features libgit2 found must be the ones asked for.
        grep -q 'HTTPS, using mbedTLS' "$work/cmake.log" && grep -q 'SSH, SSH transport' "$work/cmake.log" \
            || { cat "$work/cmake.log" >&2; say "cmake did not enable mbedTLS and SSH"; exit 1; }
        grep -q 'CERT_LOCATION, using certificates from /dev/null' "$work/cmake.log" \
            || { cat "$work/cmake.log" >&2; say "a certificate bundle would be loaded at start-up"; exit 1; }
        cmake --build build -j "$(nproc)" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
        cmake --install build >/dev/null
    )
    # Debian's static archives beside libgit2.a: `-L<cache>/lib -lmbedtls`
    # then finds the archive first, so none of them is linked dynamically.
    multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
    for lib in "${static_libs[@]}"; do
        archive="/usr/lib/$multiarch/lib$lib.a"
        [ -f "$archive" ] || { say "missing $archive"; exit 1; }
        cp "$archive" "$work/out/lib/"
    done
    rm -rf "$work/out/lib/pkgconfig"
    mkdir -p "$work/out/lib/pkgconfig"
    cat >"$work/out/lib/pkgconfig/quorum-libgit2.pc" <<PC
# libgit2 $version built by Quorum's scripts/build-libgit2.sh: static, with its dependencies.
prefix=$cache
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: quorum-libgit2
Description: libgit2 $version (Debian source), static, mbedTLS with no CA bundle loaded at start-up
Version: $upstream
Libs: -L\${libdir} -lgit2$(printf -- ' -l%s' "${static_libs[@]}") -lpthread -lrt -ldl
Cflags: -I\${includedir}
PC
    printf '%s\n' "source=$source_package $version" "${cmake_flags[@]}" "static: ${static_libs[*]}" >"$work/out/BUILD-FLAGS"
    # Into place in one rename; when a concurrent build finished first, its copy stays.
    mv -T "$work/out" "$cache" 2>/dev/null || built "$version"
    say "built: $cache"
    echo "$cache/lib/pkgconfig"
    exit 0
done
say "no revision of $source_package $upstream could be fetched and built"
exit 1
