#!/bin/sh
# Writes Quorum's manual pages into OUTDIR, generated from the command
# definitions (swift-argument-parser's generate-manual, which reads
# `quorum --experimental-dump-help`), named as git names its own:
# quorum.1, quorum-suggest.1, quorum-member-add.1 … and git-quorum.1, the
# page `git quorum --help` opens.
#
# usage: scripts/man-pages.sh GENERATE-MANUAL QUORUM-BINARY OUTDIR
set -eu
generate=$1
binary=$2
out=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$generate" "$binary" --multi-page --output-directory "$work" >/dev/null
mkdir -p "$out"
for page in "$work"/*.1; do
    name=$(basename "$page" .1)
    # 'quorum help' is ArgumentParser's own; it needs no page.
    [ "$name" = quorum.help ] && continue
    # quorum.member.add → quorum-member-add, in the file name, the page's
    # title (.Dt) and its cross-references (.Xr); a blank line (a new
    # paragraph of a command's discussion) is mdoc's .Pp.
    sed -E \
        -e '/^\.Xr quorum\.help 1/d' \
        -e ':x' -e 's/^(\.Dt [A-Z-]*)\.([A-Z])/\1-\2/' -e 'tx' \
        -e ':y' -e 's/^(\.Xr quorum[a-z-]*)\.([a-z])/\1-\2/' -e 'ty' \
        -e 's/^$/.Pp/' \
        "$page" > "$out/$(echo "$name" | tr . -).1"
done
sed -e 's/^\.Dt QUORUM 1/.Dt GIT-QUORUM 1/' "$out/quorum.1" > "$out/git-quorum.1"
