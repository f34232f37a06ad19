#!/usr/bin/env bash
# A whole review cycle on the sample proposal, in a temporary repository.
# Three people: Ana (lead), Bob and Carol, all in the working group.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
quorum="${QUORUM:-$here/.build/debug/quorum}"
sample="$here/Proposals/career-steps/framework.md"
work="$(mktemp -d "${TMPDIR:-/tmp}/quorum-demo.XXXXXX")"
repo="$work/career-framework"

as() {  # as NAME EMAIL -- run quorum as that person
    local name="$1" email="$2"; shift 2
    GIT_AUTHOR_NAME="$name" GIT_AUTHOR_EMAIL="$email" "$quorum" "$@" --repo "$repo" 2>&1 | sed 's/^/    /'
    return "${PIPESTATUS[0]}"
}
ana()   { as "Ana Lima"   ana@example.com   "$@"; }
bob()   { as "Bob Stone"  bob@example.com   "$@"; }
carol() { as "Carol Diaz" carol@example.com "$@"; }
step()  { printf '\n\033[1m== %s\033[0m\n' "$*"; }
refused() {  # run a command that must be refused (exit 1), and say so
    local status=0; "$@" || status=$?
    [ "$status" = 1 ] || { echo "expected a refusal (exit 1), got exit $status"; exit 1; }
    echo "    -> refused, exit $status, nothing changed"
}
id_of() { sed -n 's/.*"id" : "\([0-9a-f]*\)".*/\1/p' | head -1 | cut -c1-8; }

step "Ana creates a Quorum repository in $repo and becomes its lead"
mkdir -p "$repo"
GIT_AUTHOR_NAME="Ana Lima" GIT_AUTHOR_EMAIL=ana@example.com "$quorum" init "$repo" | sed 's/^/    /'

step "Ana adds Bob and Carol to the working group"
ana member add bob@example.com --name "Bob Stone" --group working-group
ana member add carol@example.com --name "Carol Diaz" --group working-group
ana member list

step "Ana proposes the career-steps framework (round 1: working group, 2 approvals)"
ana propose career-steps --title "Engineering Career Steps" --file framework.md="$sample"

step "Bob suggests marking the draft as under review"
sed 's/^Status: draft$/Status: draft, under review by the working group/' "$sample" > "$work/bob.md"
bob_id=$(GIT_AUTHOR_NAME="Bob Stone" GIT_AUTHOR_EMAIL=bob@example.com "$quorum" suggest career-steps --repo "$repo" --json \
    -m "Say who is reviewing the draft" --file "$work/bob.md" | id_of)
echo "    suggestion $bob_id"

step "Carol suggests a sharper first Delivery step (a paragraph far from Bob's edit)"
awk '/^## Delivery/{d=1} d && /^### Step 1/{s=1} s && /^[A-Z]/ && !done {print "Ships small, well-tested changes on a predictable cadence, and asks for help early when a task is stuck."; done=1; next} {print}' \
    "$sample" > "$work/carol.md"
carol_id=$(GIT_AUTHOR_NAME="Carol Diaz" GIT_AUTHOR_EMAIL=carol@example.com "$quorum" suggest career-steps --repo "$repo" --json \
    -m "Make Delivery step 1 concrete" --file framework.md="$work/carol.md" | id_of)
echo "    suggestion $carol_id"
ana show "$carol_id" --diff

step "Bob tries to approve his own suggestion"
refused bob approve "$bob_id"

step "Carol approves Bob's suggestion; Bob tries to merge with one approval"
carol approve "$bob_id" -m "Good, makes the status clear"
refused bob merge "$bob_id"

step "Ana approves too: two independent approvals, so Bob merges"
ana approve "$bob_id"
bob merge "$bob_id"

step "Bob and Ana approve Carol's suggestion; it merges on top of Bob's (three-way)"
bob approve "$carol_id"
ana approve "$carol_id"
carol merge "$carol_id"

step "Where things stand"
ana status career-steps
ana log career-steps

step "git sees ordinary commits: git log --first-parent quorum/career-steps/1"
git -C "$repo" log --first-parent --format='%h %s%n%(trailers:only,unfold)' quorum/career-steps/1 | sed 's/^/    /'
if git -C "$repo" fsck --strict --no-progress >"$work/fsck.log" 2>&1; then
    echo "    git fsck --strict: clean"
else
    cat "$work/fsck.log"; exit 1
fi

step "The final text (quorum cat career-steps)"
ana cat career-steps

echo
echo "The demo repository is kept at $repo (delete it when done)."
