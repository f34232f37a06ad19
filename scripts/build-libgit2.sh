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
# The source is never older in its fixes than the libgit2 installed from
# Debian: every CVE id named in the installed package's changelog
# (/usr/share/doc/libgit2-*/changelog.Debian.gz) must be named in the
# source's debian/changelog or debian/patches, or it is not built (nor a
# cached build used).
#
# Environment: XDG_CACHE_HOME (default ~/.cache): the cache is
# $XDG_CACHE_HOME/quorum/libgit2-<Debian source version>-<hash of the flags>/,
# and Quorum's own apt source index for it is in $XDG_CACHE_HOME/quorum/apt/.
set -euo pipefail

# The Debian source package, the suite it is taken from and the upstream
# version. Bookworm's own libgit2 1.5.1 cannot be used: the mirror here has
# no source for its security update 1.5.1+ds-1+deb12u2 (404), and deb12u1
# lacks its four fixes. Trixie's 1.9.0+ds-2+deb13u1 (trixie-security) has
# them (its debian/patches/backports/CVE-*.patch) and builds against
# bookworm's libraries (http-parser 2, mbedTLS 2.28, libssh2 1.10).
source_package=libgit2
source_suite=trixie
upstream=1.9.0

# The build's flags; the cache key hashes them with this recipe's version.
recipe=2
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
    -DUSE_HTTP_PARSER=http-parser
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
# Quorum's own changes to libgit2, applied in order after Debian's patches
# (each file says what it changes and why). The cache key hashes them.
shopt -s nullglob
patches=("$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"/libgit2-patches/*.patch)
shopt -u nullglob
# What the build needs from Debian.
build_packages=(cmake dpkg-dev patch pkg-config libmbedtls-dev libssh2-1-dev libssl-dev libhttp-parser-dev libpcre2-dev zlib1g-dev)

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/quorum"
apt_dir="$cache_root/apt"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo

say() { echo "build-libgit2: $*" >&2; }

flags_hash() {
    {
        printf '%s\n' "recipe=$recipe" "suite=$source_suite" "${cmake_flags[@]}" "${static_libs[@]}"
        for patch_file in "${patches[@]}"; do cat "$patch_file"; done
    } | sha256sum | cut -c1-12
}

# Quorum's own apt source index, in $apt_dir: only deb-src entries for
# $source_suite and $source_suite-security, so the system's apt sources and
# lists are left as they are, and no root is needed to fetch the source.
apt_opts=(
    -o "Dir::Etc::sourcelist=/dev/null" -o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
    -o "Dir::Etc::preferencesparts=/dev/null" -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root"
)

# The mirror and keyring are those of this machine's deb entries for its own
# release (<codename> and <codename>-security), in both the one-line (.list)
# and the deb822 (.sources) forms; only the suite becomes $source_suite.
write_apt_sources() {
    local codename
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || { say "cannot tell this Debian release's codename from /etc/os-release"; exit 1; }
    local lists=() sources=() file
    [ -f /etc/apt/sources.list ] && lists+=(/etc/apt/sources.list)
    for file in /etc/apt/sources.list.d/*.list; do [ -f "$file" ] && lists+=("$file"); done
    for file in /etc/apt/sources.list.d/*.sources; do [ -f "$file" ] && sources+=("$file"); done
    local one_line="" deb822=""
    if [ ${#lists[@]} -gt 0 ]; then
        one_line=$(awk -v from="$codename" -v to="$source_suite" '
            $1 == "deb" {
                i = 2; opts = ""
                if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts $i " "; i++ } opts = opts $i " "; i++ }
                if ($(i + 1) == from) suite = to; else if ($(i + 1) == from "-security") suite = to "-security"; else next
                print "deb-src " opts $i " " suite " main"
            }' "${lists[@]}" | sort -u)
    fi
    if [ ${#sources[@]} -gt 0 ]; then
        deb822=$(awk -v from="$codename" -v to="$source_suite" '
            function flush(   t, i, k, kept, out) {
                if (fields["Types"] ~ /(^|[ \t])deb([ \t]|$)/ && tolower(fields["Enabled"]) != "no") {
                    k = split(fields["Suites"], t, /[ \t]+/); kept = ""
                    for (i = 1; i <= k; i++) {
                        if (t[i] == from) kept = kept (kept == "" ? "" : " ") to
                        else if (t[i] == from "-security") kept = kept (kept == "" ? "" : " ") to "-security"
                    }
                    if (kept != "") {
                        out = "Types: deb-src\nURIs: " fields["URIs"] "\nSuites: " kept "\nComponents: main"
                        if (fields["Signed-By"] != "") out = out "\nSigned-By: " fields["Signed-By"]
                        print out "\n"
                    }
                }
                delete fields
            }
            FNR == 1 { flush() }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[A-Za-z-]+:/ { key = $0; sub(/:.*/, "", key); value = $0; sub(/^[^:]*:[ \t]*/, "", value); fields[key] = value; next }
            END { flush() }' "${sources[@]}")
    fi
    if [ -z "$one_line$deb822" ]; then
        say "found no deb entry for $codename or $codename-security in /etc/apt/sources.list or /etc/apt/sources.list.d/ to derive the $source_suite deb-src entries from"
        exit 1
    fi
    rm -rf "$apt_dir/sources.list.d"
    mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    [ -z "$one_line" ] || printf '%s\n' "$one_line" >"$apt_dir/sources.list.d/libgit2.list"
    [ -z "$deb822" ] || printf '%s\n' "$deb822" >"$apt_dir/sources.list.d/libgit2.sources"
}

# Fetches only Quorum's index (one at a time: concurrent runs share it).
refresh_index() {
    mkdir -p "$cache_root"
    (
        flock 9
        write_apt_sources
        say "updating the $source_suite source index in $apt_dir:"; cat "$apt_dir"/sources.list.d/* >&2
        apt-get "${apt_opts[@]}" update -qq >&2
    ) 9>"$cache_root/apt.lock"
}
index_is_fresh() { [ -n "$(find "$apt_dir/lists" -maxdepth 1 -name '*_Sources*' -mtime -7 2>/dev/null | head -1)" ]; }

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

# Every Debian revision of $upstream in Quorum's index, newest first.
source_versions() {
    apt-cache "${apt_opts[@]}" showsrc --only-source "$source_package" 2>/dev/null \
        | sed -n 's/^Version: //p' | grep -F "$upstream+" | sort -uVr || true
}

# The libgit2 installed from Debian (libgit2-1.5 on bookworm), and the CVE
# ids its changelog names: the fixes a build here must carry too.
installed_packages=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' 'libgit2-[0-9]*' 2>/dev/null | awk '$1 == "ii" { print $2 " " $3 }' || true)
installed_fixes=$(
    echo "$installed_packages" | while read -r package _; do
        [ -n "$package" ] || continue
        doc="/usr/share/doc/$package/changelog.Debian.gz"
        if [ -f "$doc" ]; then zcat "$doc"; else echo "build-libgit2: warning: no $doc to check $package's fixes against" >&2; fi
    done | grep -o 'CVE-[0-9]\{4\}-[0-9]\{4,\}' | sort -u || true
)
installed_name=$(echo "$installed_packages" | head -1)
# The installed fixes that $1 (a file listing CVE ids) lacks.
missing_fixes() { comm -23 <(printf '%s\n' "$installed_fixes" | sed '/^$/d') <(sort -u "$1"); }

built() {
    local cache="$cache_root/libgit2-$1-$(flags_hash)"
    [ -f "$cache/lib/pkgconfig/quorum-libgit2.pc" ] && [ -f "$cache/FIXES" ] && [ -z "$(missing_fixes "$cache/FIXES")" ]
}
unfetchable() { grep -qxF "$1" "$cache_root/unfetchable" 2>/dev/null; }
# Built revisions (with every installed fix), newest first; no network.
built_versions() {
    local dir version hash
    hash=$(flags_hash)
    for dir in "$cache_root/libgit2-$upstream"+*"-$hash"; do
        version=${dir#"$cache_root/libgit2-"}; version=${version%"-$hash"}
        built "$version" && echo "$version"
    done | sort -uVr
}

if [ "${1:-}" = --pkg-config-path ]; then
    for version in $(built_versions); do
        echo "$cache_root/libgit2-$version-$(flags_hash)/lib/pkgconfig"
        exit 0
    done
    say "libgit2 is not built yet (or its build lacks a fix of the installed ${installed_name:-libgit2}): run make deps (or scripts/build-libgit2.sh)"
    exit 1
fi
command -v apt-get >/dev/null || { say "apt-get is needed to fetch Debian's $source_package source"; exit 1; }
mkdir -p "$cache_root"
index_is_fresh || refresh_index || say "warning: could not update the $source_suite source index"
versions=$(source_versions)
if [ -z "$versions" ]; then
    # No index (offline): a finished build that carries the installed fixes will do.
    for version in $(built_versions); do echo "$cache_root/libgit2-$version-$(flags_hash)/lib/pkgconfig"; exit 0; done
    say "apt offers no $source_package $upstream source in $source_suite (see $apt_dir/sources.list.d)"
    exit 1
fi
# The newest revision, or an older one only when the newest's source cannot
# be fetched (404, remembered in $cache_root/unfetchable) and the older one
# still carries every fix of the installed libgit2.
for version in $versions; do
    cache="$cache_root/libgit2-$version-$(flags_hash)"
    if built "$version"; then
        echo "$cache/lib/pkgconfig"
        exit 0
    fi
    if unfetchable "$version"; then
        say "note: this machine's mirror has no source for $source_package $version (see $cache_root/unfetchable); an older revision is built only if it carries every fix of ${installed_name:-the installed libgit2}"
        continue
    fi
    install_build_packages
    # Leftovers of builds that were killed (a finished build is renamed away).
    find "$cache_root" -maxdepth 1 -name '.build-libgit2-*' -mmin +120 -exec rm -rf {} + 2>/dev/null || true
    work=$(mktemp -d "$cache_root/.build-libgit2-XXXXXX")
    trap 'rm -rf "$work"' EXIT
    say "building $source_package $version ($source_suite) from Debian's source into $cache (once; a minute or two)"
    if ! (cd "$work" && apt-get "${apt_opts[@]}" source -qq "$source_package=$version" >"$work/fetch.log" 2>&1); then
        cat "$work/fetch.log" >&2
        if grep -q '404' "$work/fetch.log"; then
            echo "$version" >>"$cache_root/unfetchable"
            say "warning: this machine's mirror has no source for $source_package $version"
        fi
        rm -rf "$work"
        continue
    fi
    src=$(find "$work" -maxdepth 1 -type d -name "$source_package-*" | head -1)
    [ -n "$src" ] || { say "apt-get source unpacked nothing"; exit 1; }
    # Debian's patches (the CVE backports among them) must all be applied.
    if [ -f "$src/debian/patches/series" ] \
        && ! diff <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$src/debian/patches/series") "$src/.pc/applied-patches" >/dev/null 2>&1; then
        say "apt-get source did not apply all of $source_package $version's debian/patches"; exit 1
    fi
    # The fixes this source names; every installed one must be among them.
    grep -rhoE 'CVE-[0-9]{4}-[0-9]{4,}' "$src/debian/changelog" "$src/debian/patches" | sort -u >"$work/fixes"
    lacking=$(missing_fixes "$work/fixes")
    if [ -n "$lacking" ]; then
        say "refusing to build $source_package $version: it lacks fixes that the installed ${installed_name:-libgit2} has:" $lacking
        rm -rf "$work"
        continue
    fi
    for patch_file in "${patches[@]}"; do
        patch -d "$src" -p1 --forward --fuzz=0 --quiet <"$patch_file" \
            || { say "could not apply $(basename "$patch_file") to $source_package $version: see scripts/libgit2-patches"; exit 1; }
    done
    (
        cd "$work"
        cmake -S "$src" -B build -DCMAKE_INSTALL_PREFIX="$work/out" -DCMAKE_INSTALL_LIBDIR=lib "${cmake_flags[@]}" >"$work/cmake.log" 2>&1 \
            || { cat "$work/cmake.log" >&2; exit 1; }
        # The features libgit2 found must be the ones asked for.
        grep -q 'HTTPS, using mbedTLS' "$work/cmake.log" && grep -q 'SSH, using libssh2' "$work/cmake.log" \
            && grep -q 'http-parser, using http-parser (system)' "$work/cmake.log" \
            || { cat "$work/cmake.log" >&2; say "cmake did not enable mbedTLS, libssh2 and the system http-parser"; exit 1; }
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
Description: libgit2 $version (Debian $source_suite source), static, mbedTLS with no CA bundle loaded at start-up
Version: $upstream
Libs: -L\${libdir} -lgit2$(printf -- ' -l%s' "${static_libs[@]}") -lpthread -lrt -ldl
Cflags: -I\${includedir}
PC
    cp "$work/fixes" "$work/out/FIXES"
    printf '%s\n' "source=$source_package $version ($source_suite)" "${cmake_flags[@]}" "static: ${static_libs[*]}" \
        "patches: ${patches[*]##*/}" >"$work/out/BUILD-FLAGS"
    # Into place in one rename; when a concurrent build finished first, its copy stays.
    mv -T "$work/out" "$cache" 2>/dev/null || built "$version"
    say "built: $cache"
    echo "$cache/lib/pkgconfig"
    exit 0
done
say "no revision of $source_package $upstream in $source_suite could be fetched and built with every fix of ${installed_name:-the installed libgit2}"
exit 1
