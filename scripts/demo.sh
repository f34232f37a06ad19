#!/usr/bin/env bash
# A whole review cycle on the sample proposal, in a temporary repository.
# Three people: Ana (lead), Bob and Carol, all in the working group; later
# Mia (a manager) and Eli (everyone). Each signs with a throwaway SSH key,
# made here, as git does for `gpg.format=ssh`; Ana turns signed review on.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
quorum="${QUORUM:-$here/.build/debug/quorum}"
sample="$here/Proposals/career-steps/framework.md"
work="$(mktemp -d "${TMPDIR:-/tmp}/quorum-demo.XXXXXX")"
repo="$work/career-framework"

keys="$work/keys"
mkdir -p "$keys"
for who in ana bob carol mia eli; do ssh-keygen -q -t ed25519 -N "" -C "$who@example.com" -f "$keys/$who"; done

signing() {  # signing EMAIL COMMAND... -- run with git's signing settings for that person's key
    local email="$1"; shift
    GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=gpg.format GIT_CONFIG_VALUE_0=ssh \
        GIT_CONFIG_KEY_1=user.signingKey GIT_CONFIG_VALUE_1="$keys/${email%%@*}" "$@"
}
as() {  # as NAME EMAIL -- run quorum as that person, signing with their key
    local name="$1" email="$2"; shift 2
    GIT_AUTHOR_NAME="$name" GIT_AUTHOR_EMAIL="$email" signing "$email" "$quorum" "$@" --repo "$repo" 2>&1 | sed 's/^/    /'
    return "${PIPESTATUS[0]}"
}
ana()   { as "Ana Lima"   ana@example.com   "$@"; }
bob()   { as "Bob Stone"  bob@example.com   "$@"; }
carol() { as "Carol Diaz" carol@example.com "$@"; }
mia()   { as "Mia Okafor" mia@example.com   "$@"; }
eli()   { as "Eli Novak"  eli@example.com   "$@"; }
step()  { printf '\n\033[1m== %s\033[0m\n' "$*"; }
refused() {  # run a command that must be refused (exit 1), and say so
    local status=0; "$@" || status=$?
    [ "$status" = 1 ] || { echo "expected a refusal (exit 1), got exit $status"; exit 1; }
    echo "    -> refused, exit $status, nothing changed"
}
id_of() { sed -n 's/.*"id" : "\([0-9a-f]*\)".*/\1/p' | head -1 | cut -c1-8; }

step "Ana creates a Quorum repository in $repo and becomes its lead"
mkdir -p "$repo"
GIT_AUTHOR_NAME="Ana Lima" GIT_AUTHOR_EMAIL=ana@example.com signing ana@example.com "$quorum" init "$repo" | sed 's/^/    /'

step "Ana adds Bob and Carol to the working group, with their SSH public keys"
ana member add bob@example.com --name "Bob Stone" --group working-group --ssh-key-file "$keys/bob.pub"
ana member add carol@example.com --name "Carol Diaz" --group working-group --ssh-key-file "$keys/carol.pub"
ana member list --keys

step "Ana requires signatures: from now on every event and commit must be signed by its writer"
ana policy --require-signatures

step "Ana proposes the career-steps framework (round 1: working group, 2 approvals)"
ana propose career-steps --title "Engineering Career Steps" --file framework.md="$sample"

step "Bob suggests marking the draft as under review"
sed 's/^Status: draft$/Status: draft, under review by the working group/' "$sample" > "$work/bob.md"
bob_id=$(GIT_AUTHOR_NAME="Bob Stone" GIT_AUTHOR_EMAIL=bob@example.com signing bob@example.com "$quorum" suggest career-steps --repo "$repo" --json \
    -m "Say who is reviewing the draft" --file "$work/bob.md" | id_of)
echo "    suggestion $bob_id"

step "Carol suggests a sharper first Delivery step (a paragraph far from Bob's edit)"
awk '/^## Delivery/{d=1} d && /^### Step 1/{s=1} s && /^[A-Z]/ && !done {print "Ships small, well-tested changes on a predictable cadence, and asks for help early when a task is stuck."; done=1; next} {print}' \
    "$sample" > "$work/carol.md"
carol_id=$(GIT_AUTHOR_NAME="Carol Diaz" GIT_AUTHOR_EMAIL=carol@example.com signing carol@example.com "$quorum" suggest career-steps --repo "$repo" --json \
    -m "Make Delivery step 1 concrete" --file framework.md="$work/carol.md" | id_of)
echo "    suggestion $carol_id"
ana show "$carol_id" --diff

step "Bob tries to approve his own suggestion"
refused bob approve "$bob_id"

step "Carol approves Bob's suggestion; Bob tries to merge with one approval"
carol approve "$bob_id" -m "Good, makes the status clear"
refused bob merge "$bob_id"

step "Bob forges Ana's approval with plain git, signed with his own key (he does not have hers): it does not count"
chain=$(git -C "$repo" for-each-ref --format='%(refname)' "refs/quorum/proposals/career-steps/suggestions/$bob_id*/meta")
revision=$(git -C "$repo" rev-parse "${chain%/meta}/revs/1")
blob=$(printf '{"revision":"%s","type":"approve","v":1}\n' "$revision" | git -C "$repo" hash-object -w --stdin)
tree=$(printf '100644 blob %s\tevent.json\n' "$blob" | git -C "$repo" mktree)
forged=$(GIT_AUTHOR_NAME="Ana Lima" GIT_AUTHOR_EMAIL=ana@example.com GIT_COMMITTER_NAME="Ana Lima" GIT_COMMITTER_EMAIL=ana@example.com \
    git -C "$repo" -c gpg.format=ssh -c user.signingKey="$keys/bob" commit-tree -S "$tree" -p "$(git -C "$repo" rev-parse "$chain")" -m "Approve")
git -C "$repo" update-ref "$chain" "$forged"
ana show "$bob_id" | grep -A3 'Approvals:'
refused bob merge "$bob_id"

step "Ana approves herself: two independent, signed approvals, so Bob merges"
ana approve "$bob_id"
bob merge "$bob_id"

step "Bob and Ana approve Carol's suggestion; it merges on top of Bob's (three-way)"
bob approve "$carol_id"
ana approve "$carol_id"
carol merge "$carol_id"

step "Bob edited a copy he took before both merges: as is, it would undo them, so it is refused"
sed 's/^## Technical Craft$/## Technical Craft and Quality/' "$sample" > "$work/bob-old.md"
refused bob suggest career-steps -m "Name quality in the craft heading" --file "$work/bob-old.md"

step "With --base naming the commit he copied, his edit merges three-way and keeps theirs"
proposed=$(git -C "$repo" rev-list --first-parent quorum/career-steps/1 | tail -1 | cut -c1-8)
craft_id=$(GIT_AUTHOR_NAME="Bob Stone" GIT_AUTHOR_EMAIL=bob@example.com signing bob@example.com "$quorum" suggest career-steps --repo "$repo" --json \
    -m "Name quality in the craft heading" --file "$work/bob-old.md" --base "$proposed" | id_of)
echo "    suggestion $craft_id, written on $proposed"
carol approve "$craft_id"
ana approve "$craft_id"
bob merge "$craft_id"

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

step "Carol suggests one more idea in round 1, but nobody approves it in time"
GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@example.com "$quorum" cat career-steps --repo "$repo" \
    | sed 's/^## Influence$/## Influence and Leadership/' > "$work/late.md"
late_id=$(GIT_AUTHOR_NAME="Carol Diaz" GIT_AUTHOR_EMAIL=carol@example.com signing carol@example.com "$quorum" suggest career-steps --repo "$repo" --json \
    -m "Rename Influence" --file "$work/late.md" | id_of)
echo "    suggestion $late_id"

step "Ana forks round 2 for the managers (the working group still approves); open suggestions stay behind"
ana member add mia@example.com --name "Mia Okafor" --group managers --ssh-key-file "$keys/mia.pub"
ana fork career-steps --name managers --audience working-group --audience managers --carry none
ana rounds career-steps

step "Round 1 is closed: approving the suggestion left behind there is refused"
refused bob approve "$late_id"

step "Mia, a manager, suggests a change in round 2; Bob and Carol approve; Mia merges"
awk '/^Status:/{print "Status: draft, under review by the working group and managers"; next} {print}' \
    <(GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@example.com "$quorum" cat career-steps --repo "$repo") > "$work/mia.md"
mia_id=$(GIT_AUTHOR_NAME="Mia Okafor" GIT_AUTHOR_EMAIL=mia@example.com signing mia@example.com "$quorum" suggest career-steps --repo "$repo" --json \
    -m "Managers review the draft too" --file "$work/mia.md" | id_of)
echo "    suggestion $mia_id"
refused mia approve "$mia_id"
bob approve "$mia_id"
carol approve "$mia_id"
mia merge "$mia_id"

step "Ana forks round 3 for everyone; Eli suggests; the working group approves; it merges"
ana member add eli@example.com --name "Eli Novak" --group everyone --ssh-key-file "$keys/eli.pub"
ana fork career-steps --name everyone --audience working-group --audience managers --audience everyone
GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@example.com "$quorum" cat career-steps --repo "$repo" \
    | sed 's/^Examples:$/Examples (illustrations, not a checklist):/' > "$work/eli.md"
eli_id=$(GIT_AUTHOR_NAME="Eli Novak" GIT_AUTHOR_EMAIL=eli@example.com signing eli@example.com "$quorum" suggest career-steps --repo "$repo" --json \
    -m "Say that examples are illustrations" --file "$work/eli.md" | id_of)
echo "    suggestion $eli_id"
eli comment "$eli_id" -m "I read these as a checklist at first." --section "Delivery"
ana approve "$eli_id"
carol approve "$eli_id"
eli merge "$eli_id"
ana rounds career-steps

step "Ana cuts the official version v1; the tag message is the changelog and credits"
ana cut career-steps v1 -m "First official version of the career steps framework."
ana versions career-steps
git -C "$repo" cat-file -t rfc/career-steps/v1 | sed 's/^/    tag object type: /'

step "Ana exports v1 as a self-contained HTML page"
ana export career-steps --version v1 --format html -o "$work/career-steps-v1.html"
if command -v chromium >/dev/null 2>&1; then
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1400 \
        --screenshot="$work/career-steps-v1.png" "file://$work/career-steps-v1.html" >/dev/null 2>&1 \
        && echo "    screenshot: $work/career-steps-v1.png"
fi

step "The final text of v1 (quorum cat career-steps --version v1)"
ana cat career-steps --version v1

step "Anyone can check the whole history against the rules, offline (quorum verify): it names Bob's forgery"
refused ana verify

step "git checks every signature itself, with the allowed-signers file Quorum writes from the roster"
ana allowed-signers -o "$work/allowed_signers"
git -C "$repo" -c gpg.ssh.allowedSignersFile="$work/allowed_signers" log --all --format='%H %G? %GS %ce' > "$work/signatures"
total=$(wc -l < "$work/signatures")
good=$(awk '$2 == "G"' "$work/signatures" | wc -l)
echo "    git: $good of $total commits carry a good signature (tags: $(git -C "$repo" -c gpg.ssh.allowedSignersFile="$work/allowed_signers" verify-tag rfc/career-steps/v1 2>&1 | grep -c 'Good "git" signature') of 1)"
awk '$2 == "G" && $3 != $4 {print "    signed by " $3 " but says it is by " $4 ": " substr($1, 1, 8) " (git and quorum verify agree: Bob'"'"'s forgery)"}' "$work/signatures"
[ "$good" = "$total" ] || { echo "    expected every commit signed"; exit 1; }

step "git log --show-signature quorum/career-steps/3"
git -C "$repo" -c gpg.ssh.allowedSignersFile="$work/allowed_signers" log --show-signature --first-parent \
    --format='%h %s (committed by %cn)' quorum/career-steps/3 2>&1 | grep -v '^$' | sed 's/^/    /'


echo
echo "The demo repository is kept at $repo (delete it when done)."
