import Foundation
import XCTest

/// Many clones of one shared bare repository on this machine, with
/// Quorum's hooks installed: plain `git push` cannot break the rules,
/// `quorum sync` keeps everyone's events, and merges from several clones
/// land one after the other. Everything runs the built binary and the real
/// git CLI.
final class SharedRepositoryTests: SharedRepositoryTestCase {
    private func chain(_ id: String) -> String { "refs/quorum/proposals/\(slug)/suggestions/\(id)/meta" }

    /// Pushes with plain git from `directory`, expects the hook to refuse,
    /// the refusal to mention `reason`, and the server to be unchanged.
    private func assertRefused(
        _ refspecs: [String], from directory: URL, mentions reason: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let before = try serverRefs()
        let pushed = try git(["push", "origin"] + refspecs, in: directory)
        XCTAssertNotEqual(pushed.status, 0, "the push went in: \(pushed.errors)", file: file, line: line)
        XCTAssertTrue(pushed.errors.contains("pre-receive hook declined"), pushed.errors, file: file, line: line)
        XCTAssertTrue(pushed.errors.contains(reason), "«\(reason)» not in: \(pushed.errors)", file: file, line: line)
        XCTAssertEqual(try serverRefs(), before, "the server changed", file: file, line: line)
    }

    private func mergeMessage(_ id: String, approvers: [Teammate]) -> String {
        "Edit\n\nSuggestion: \(id)\nSuggested-by: \(Teammate.ben.formatted)\n" + approvers.map { "Approved-by: \($0.formatted)\n" }.joined()
    }

    // MARK: The hooks hold against plain git push

    /// Cai suggests `text` for line `number` in a clone of his own (made
    /// the first time), Ana and Dee approve it and Ana merges it, and both
    /// sync: the shared round moves on without the clone under test.
    /// Replaces line `number` of the file at `document` in the work tree
    /// (an edit not committed, nor suggested yet).
    private func edit(_ document: URL, line number: Int, to text: String) throws {
        var lines = try String(contentsOf: document, encoding: .utf8).components(separatedBy: "\n")
        lines[number - 1] = text
        try Data(lines.joined(separator: "\n").utf8).write(to: document)
    }

    @discardableResult
    private func mergeElsewhere(line number: Int, _ text: String, lead ana: URL) throws -> String {
        let cai = FileManager.default.fileExists(atPath: clone("cai").path) ? clone("cai") : try makeClone("cai", as: .cai)
        let id = try XCTUnwrap(try suggestLine(number, text, as: .cai, in: cai)["id"] as? String)
        try quorumOK(["sync"], as: .cai, in: cai)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["approve", id], as: .ana, in: ana)
        try quorumOK(["approve", id], as: .dee, in: ana)
        try quorumOK(["merge", id], in: ana)
        try quorumOK(["sync"], in: ana)
        return id
    }

    /// `sync` moves a checked-out round branch like any other: a clean
    /// index and work tree follow it (as `git pull --ff-only`); with edits
    /// in them, HEAD is detached where they started, nothing overwritten.
    func testSyncBringsACheckedOutRoundsWorkTreeAlongOrDetachesItsEdits() throws {
        let ana = try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        try gitOK(["checkout", "-q", "quorum/\(slug)/1"], in: ben)
        let document = ben.appendingPathComponent("Proposals/\(slug)/framework.md")

        // Merged elsewhere; Ben's clean checkout follows.
        try mergeElsewhere(line: 5, "Merged elsewhere.", lead: ana)
        let synced = try quorumOK(["sync"], as: .ben, in: ben)
        XCTAssertTrue(synced.text.contains("index and work tree updated"), synced.text)
        XCTAssertEqual(try gitOK(["status", "--porcelain"], in: ben), "")
        XCTAssertTrue(try String(contentsOf: document, encoding: .utf8).contains("Merged elsewhere."))

        // Ben edits; meanwhile another merge. His edits stay, HEAD detaches.
        try edit(document, line: 100, to: "Ben's edit in progress.")
        try mergeElsewhere(line: 7, "Merged while Ben edits.", lead: ana)
        let dirty = try quorumOK(["sync"], as: .ben, in: ben)
        XCTAssertTrue(dirty.text.contains("HEAD is now detached"), dirty.text)
        XCTAssertTrue(try String(contentsOf: document, encoding: .utf8).contains("Ben's edit in progress."))
        XCTAssertEqual(try gitOK(["status", "--porcelain"], in: ben).trimmingCharacters(in: .whitespacesAndNewlines), "M Proposals/\(slug)/framework.md")
        // His suggestion holds his edit only, and keeps the merge made meanwhile.
        let mine = try XCTUnwrap(try quorumOK(["suggest", slug, "-m", "Ben's edit", "--json"], as: .ben, in: ben).object?["id"] as? String)
        let diff = try quorumOK(["show", mine, "--diff"], as: .ben, in: ben).text
        XCTAssertTrue(diff.contains("Ben's edit in progress.") && !diff.contains("Merged while Ben edits."), diff)
    }

    /// `git clone` of the shared repository checks out the open round of
    /// the proposal pushed to last, without git's warning that HEAD names
    /// nothing; a HEAD its owners pointed at their own branch stays.
    func testACloneChecksOutTheRoundPushedToLast() throws {
        let ana = try makeSharedReview()
        XCTAssertEqual(try gitOK(["symbolic-ref", "HEAD"], in: bare).trimmingCharacters(in: .whitespacesAndNewlines), "refs/heads/quorum/\(slug)/1")
        let cloned = try git(["clone", bare.path, clone("reader").path], in: root)
        XCTAssertEqual(cloned.status, 0)
        XCTAssertFalse(cloned.errors.contains("warning"), cloned.errors)
        XCTAssertTrue(FileManager.default.fileExists(atPath: clone("reader").appendingPathComponent("Proposals/\(slug)/framework.md").path))

        // A second proposal, pushed with plain git: the hook moves HEAD to it.
        let text = try XCTUnwrap(FileManager.default.contents(atPath: Self.packageRoot.appendingPathComponent("Proposals/career-steps/framework.md").path))
        let file = root.appendingPathComponent("policy.md")
        try text.write(to: file)
        try quorumOK(["propose", "on-call", "--file", "policy.md=\(file.path)"], in: ana)
        try gitOK(["push", "-q", "origin", "refs/heads/quorum/on-call/1", "refs/quorum/proposals/on-call/meta"], in: ana)
        XCTAssertEqual(try gitOK(["symbolic-ref", "HEAD"], in: bare).trimmingCharacters(in: .whitespacesAndNewlines), "refs/heads/quorum/on-call/1")

        // The owners' own branch is theirs.
        try gitOK(["push", "-q", "origin", "refs/heads/quorum/on-call/1:refs/heads/main"], in: ana)
        try gitOK(["symbolic-ref", "HEAD", "refs/heads/main"], in: bare)
        try suggestLine(3, "Status: after main", as: .ben, in: try makeClone("ben", as: .ben))
        XCTAssertEqual(try gitOK(["symbolic-ref", "HEAD"], in: bare).trimmingCharacters(in: .whitespacesAndNewlines), "refs/heads/main")
    }

    /// After `sync` (and so after a `merge` through the shared
    /// repository) a clone's remote-tracking branches of the rounds are
    /// where the shared ones are, as after `git fetch`: `git status` in a
    /// checked-out round says it is up to date, not ahead by the merges.
    func testSyncMovesTheRemoteTrackingBranchesOfRoundsAsGitFetchDoes() throws {
        let ana = try makeSharedReview()
        try gitOK(["clone", "-q", bare.path, clone("reader").path], in: root)
        let reader = clone("reader")
        try quorumOK(["sync"], as: .ben, in: reader)
        let round = "quorum/\(slug)/1"
        func status() throws -> String {
            try gitOK(["status", "-sb"], in: reader).components(separatedBy: "\n")[0]
        }
        XCTAssertEqual(try status(), "## \(round)...origin/\(round)")

        try mergeElsewhere(line: 5, "Merged elsewhere.", lead: ana)
        try quorumOK(["sync"], as: .ben, in: reader)
        XCTAssertEqual(try status(), "## \(round)...origin/\(round)")
        let shared = try gitOK(["rev-parse", "refs/heads/\(round)"], in: bare)
        XCTAssertEqual(try gitOK(["rev-parse", "refs/remotes/origin/\(round)"], in: reader), shared)
        XCTAssertEqual(try gitOK(["rev-parse", "refs/remotes/origin/\(round)"], in: ana), shared)

        // A round forked since appears as git fetch would show it, and a
        // checkout of it tracks the shared one, as git's own would.
        try quorumOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--carry", "none"], in: ana)
        try quorumOK(["sync"], in: ana)
        // The round checked out here is closed now: sync says which is open.
        let synced = try quorum(["sync"], as: .ben, in: reader)
        XCTAssertEqual(synced.status, 0, synced.errors)
        XCTAssertTrue(synced.errors.contains("round 1 of '\(slug)', checked out here (\(round)), is closed; round 2 is open: 'git checkout quorum/\(slug)/2'"), synced.errors)
        XCTAssertEqual(try gitOK(["rev-parse", "refs/remotes/origin/quorum/\(slug)/2"], in: reader), try gitOK(["rev-parse", "refs/heads/quorum/\(slug)/2"], in: bare))
        try gitOK(["checkout", "-q", "quorum/\(slug)/2"], in: reader)
        XCTAssertEqual(try gitOK(["status", "-sb"], in: reader).components(separatedBy: "\n")[0], "## quorum/\(slug)/2...origin/quorum/\(slug)/2")
        XCTAssertTrue(try gitOK(["pull", "--ff-only"], in: reader).contains("up to date"))
    }

    /// A merge through the shared repository refused after its first sync
    /// moved the checked-out round (here: merged already, elsewhere) brings
    /// the index and work tree along all the same, and says so; they used
    /// to stay behind, so that `git status` showed the others' merge
    /// staged in reverse.
    func testARefusedMergeThroughTheSharedRepositoryStillBringsTheCheckedOutRoundAlong() throws {
        let ana = try makeSharedReview()
        try gitOK(["clone", "-q", bare.path, clone("reader").path], in: root)
        let reader = clone("reader")
        try quorumOK(["sync"], as: .ben, in: reader)
        let id = try mergeElsewhere(line: 5, "Merged elsewhere.", lead: ana)
        let refused = try quorum(["merge", id], as: .ben, in: reader)
        XCTAssertEqual(refused.status, 1, refused.errors)
        XCTAssertTrue(refused.errors.contains("index and work tree updated"), refused.errors)
        XCTAssertEqual(try gitOK(["status", "--porcelain"], in: reader), "")
        XCTAssertEqual(try gitOK(["rev-parse", "HEAD"], in: reader), try gitOK(["rev-parse", "refs/heads/quorum/\(slug)/1"], in: bare))
        XCTAssertTrue(try String(contentsOf: reader.appendingPathComponent("Proposals/\(slug)/framework.md"), encoding: .utf8).contains("Merged elsewhere."))
    }

    /// `git commit` on a checked-out round, from habit: sync refuses to
    /// share it and says how to keep it as a suggestion; doing so works.
    func testACommitMadeOnARoundWithGitIsRefusedBySyncWhichSaysHowToKeepItAsASuggestion() throws {
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let shared = try gitOK(["rev-parse", "HEAD"], in: ben).trimmingCharacters(in: .whitespacesAndNewlines)
        try Data(framework(replacing: 5, with: "Ben's committed line.").utf8).write(to: ben.appendingPathComponent("Proposals/\(slug)/framework.md"))
        try gitOK(["commit", "-q", "-am", "Ben's habit"], in: ben, as: .ben)
        // An edit not committed yet as well: the advice is the same, and
        // the suggestion takes both.
        try edit(ben.appendingPathComponent("Proposals/\(slug)/framework.md"), line: 100, to: "Ben's uncommitted line.")
        let refused = try quorum(["sync"], as: .ben, in: ben)
        XCTAssertEqual(refused.status, 1, refused.errors)
        XCTAssertTrue(refused.errors.contains("[round.commit]") && refused.errors.contains("'git reset --soft \(shared.prefix(8))'"), refused.errors)
        XCTAssertFalse(refused.errors.contains("git branch -f"), "the round is checked out here: \(refused.errors)")

        try gitOK(["reset", "-q", "--soft", String(shared.prefix(8))], in: ben)
        let id = try XCTUnwrap(try quorumOK(["suggest", slug, "-m", "Ben's line", "--json"], as: .ben, in: ben).object?["id"] as? String)
        let diff = try quorumOK(["show", id, "--diff"], as: .ben, in: ben).text
        XCTAssertTrue(diff.contains("committed") && diff.contains("uncommitted"), diff)
        try quorumOK(["sync"], as: .ben, in: ben)
        XCTAssertEqual(try gitOK(["status", "--porcelain"], in: ben), "")
        try assertFsckClean(bare)
    }

    /// A sync or merge killed while it moved the checked-out round leaves
    /// git's HEAD.lock or index.lock; running it again removes a stale one
    /// (as it does a ref's) instead of failing on it every time.
    func testStaleHeadAndIndexLocksLeftByAKilledSyncAreClearedByTheNextOne() throws {
        let ana = try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let document = ben.appendingPathComponent("Proposals/\(slug)/framework.md")
        func leave(_ lock: String) throws -> String {
            let path = ben.appendingPathComponent(".git/\(lock)").path
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: path)
            return path
        }
        // A clean work tree follows the round: the checkout takes index.lock.
        try mergeElsewhere(line: 5, "Merged while index.lock was left.", lead: ana)
        let index = try leave("index.lock")
        let synced = try quorum(["sync"], as: .ben, in: ben)
        XCTAssertEqual(synced.status, 0, synced.errors)
        XCTAssertFalse(FileManager.default.fileExists(atPath: index))
        XCTAssertEqual(try gitOK(["status", "--porcelain"], in: ben), "")
        XCTAssertTrue(try String(contentsOf: document, encoding: .utf8).contains("Merged while index.lock was left."))

        // With an edit in the work tree HEAD is detached: that takes HEAD.lock.
        try edit(document, line: 100, to: "Ben's edit in progress.")
        try mergeElsewhere(line: 7, "Merged while HEAD.lock was left.", lead: ana)
        let head = try leave("HEAD.lock")
        let detached = try quorum(["sync"], as: .ben, in: ben)
        XCTAssertEqual(detached.status, 0, detached.errors)
        XCTAssertFalse(FileManager.default.fileExists(atPath: head))
        XCTAssertTrue(detached.text.contains("HEAD is now detached"), detached.text)
        XCTAssertTrue(try String(contentsOf: document, encoding: .utf8).contains("Ben's edit in progress."))
    }

    func testForgedRoundCommitsPushedWithPlainGitAreRefusedAndTheServerIsUnchanged() throws {
        try makeSharedReview()
        let work = try makeClone("ben", as: .ben)
        let suggested = try suggestLine(5, "Ben's first edit.", as: .ben, in: work)
        let id = try XCTUnwrap(suggested["id"] as? String)
        let revision1 = try XCTUnwrap(suggested["revisionCommit"] as? String)
        try quorumOK(["approve", id], as: .cai, in: work)
        try quorumOK(["sync"], as: .ben, in: work)
        let head = try gitOK(["rev-parse", roundBranch], in: bare)
        let tree1 = try gitOK(["rev-parse", "\(revision1)^{tree}"], in: work)

        // One approval only (and a trailer claiming a second).
        let one = try commitTree(tree1, parents: [head, revision1], message: mergeMessage(id, approvers: [.cai, .dee]), as: .ben, in: work)
        try assertRefused(["\(one):\(roundBranch)"], from: work, mentions: "[merge.quorum]")

        // The author's own approval, forged onto the chain in the same push.
        let chainHead = try gitOK(["rev-parse", chain(id)], in: work)
        let selfApproval = try eventCommit(
            #"{"revision":"\#(revision1)","type":"approve","v":1}"#, summary: "Approve: Edit line 5",
            parent: chainHead, as: .ben, in: work)
        let own = try commitTree(tree1, parents: [head, revision1], message: mergeMessage(id, approvers: [.ben, .cai]), as: .ben, in: work)
        try assertRefused(["\(own):\(roundBranch)", "\(selfApproval):\(chain(id))"], from: work, mentions: "[approve.self]")

        // Two approvals, then Ben changes the text: they approved another revision.
        try quorumOK(["approve", id], as: .dee, in: work)
        let newText = root.appendingPathComponent("revised.md")
        try Data(framework(replacing: 5, with: "Ben's second thoughts.").utf8).write(to: newText)
        let revised = try XCTUnwrap(try quorumOK(["revise", id, "-m", "Second thoughts", "--file", "framework.md=\(newText.path)", "--json"], as: .ben, in: work).object)
        let revision2 = try XCTUnwrap(revised["revisionCommit"] as? String)
        try quorumOK(["sync"], as: .ben, in: work)
        let tree2 = try gitOK(["rev-parse", "\(revision2)^{tree}"], in: work)
        let stale = try commitTree(tree2, parents: [head, revision2], message: mergeMessage(id, approvers: [.cai, .dee]), as: .ben, in: work)
        try assertRefused(["\(stale):\(roundBranch)"], from: work, mentions: "stale: approved an older revision")
        // …nor does the approved old revision merge any more.
        let old = try commitTree(tree1, parents: [head, revision1], message: mergeMessage(id, approvers: [.cai, .dee]), as: .ben, in: work)
        try assertRefused(["\(old):\(roundBranch)"], from: work, mentions: "not the current revision")

        // A direct commit.
        let direct = try commitTree(tree2, parents: [head], message: "Tidy the wording\n", as: .ben, in: work)
        try assertRefused(["\(direct):\(roundBranch)"], from: work, mentions: "is a direct commit")

        // Enough approvals of exactly this revision, but other text slipped in.
        let other = try suggestLine(51, "Ben's delivery edit.", as: .ben, in: work)
        let otherID = try XCTUnwrap(other["id"] as? String)
        let otherRevision = try XCTUnwrap(other["revisionCommit"] as? String)
        try quorumOK(["approve", otherID], as: .cai, in: work)
        try quorumOK(["approve", otherID], as: .dee, in: work)
        try quorumOK(["sync"], as: .ben, in: work)
        let tampered = try commitTree(tree2, parents: [head, otherRevision], message: mergeMessage(otherID, approvers: [.cai, .dee]), as: .ben, in: work)
        try assertRefused(["\(tampered):\(roundBranch)"], from: work, mentions: "is not the approved change")

        // History only grows; nothing is deleted.
        let roster = try gitOK(["rev-parse", "refs/quorum/roster"], in: bare)
        try assertRefused(["+\(roster)~1:refs/quorum/roster"], from: work, mentions: "would rewind or rewrite history")
        try assertRefused([":\(roundBranch)"], from: work, mentions: "deleting it is not allowed")
        try assertRefused(["\(head):refs/quorum/elsewhere"], from: work, mentions: "not a reference Quorum writes")

        // Malformed events are refused too.
        let serverChain = try gitOK(["rev-parse", chain(id)], in: bare)
        let malformed = try eventCommit(#"{"type":"approve","v":7}"#, summary: "Approve", parent: serverChain, as: .cai, in: work)
        try assertRefused(["\(malformed):\(chain(id))"], from: work, mentions: "malformed event")
        try assertFsckClean(bare)
    }

    func testALegitimateQuorumMergeFromACloneIsAccepted() throws {
        try makeSharedReview()
        let work = try makeClone("cai", as: .cai)
        let id = try XCTUnwrap(try suggestLine(5, "Ben's first edit.", as: .ben, in: work)["id"] as? String)
        try quorumOK(["approve", id], as: .cai, in: work)
        try quorumOK(["approve", id], as: .dee, in: work)
        let head = try gitOK(["rev-parse", roundBranch], in: bare)

        let merged = try quorumOK(["merge", String(id.prefix(8))], as: .cai, in: work)
        XCTAssertTrue(merged.text.contains("Pushed to origin"), merged.text)
        let newHead = try gitOK(["rev-parse", roundBranch], in: bare)
        XCTAssertEqual(try gitOK(["rev-parse", roundBranch], in: work), newHead)
        let parents = try gitOK(["rev-list", "--parents", "-n", "1", newHead], in: bare).split(separator: " ").map(String.init)
        XCTAssertEqual(parents.count, 3)
        XCTAssertEqual(parents[1], head)
        let message = try gitOK(["log", "-1", "--format=%B", newHead], in: bare)
        XCTAssertTrue(message.contains("Suggestion: \(id)"), message)
        XCTAssertTrue(message.contains("Approved-by: \(Teammate.cai.formatted)") && message.contains("Approved-by: \(Teammate.dee.formatted)"), message)
        // The merge event went up too.
        XCTAssertEqual(try gitOK(["rev-parse", chain(id)], in: bare), try gitOK(["rev-parse", chain(id)], in: work))
        XCTAssertTrue(try gitOK(["log", "-1", "--format=%B", chain(id)], in: bare).contains("Event: merge"))

        // A merge made by quorum and pushed with plain git is accepted as well.
        let other = try makeClone("dee", as: .dee)
        let second = try XCTUnwrap(try suggestLine(51, "Ben's delivery edit.", as: .ben, in: other)["id"] as? String)
        try quorumOK(["approve", second], as: .cai, in: other)
        try quorumOK(["approve", second], as: .dee, in: other)
        try quorumOK(["sync"], as: .dee, in: other)
        try quorumOK(["merge", second, "--local"], as: .dee, in: other)
        let pushed = try git(["push", "origin", roundBranch, chain(second)], in: other)
        XCTAssertEqual(pushed.status, 0, pushed.errors)
        XCTAssertEqual(try gitOK(["rev-parse", roundBranch], in: bare), try gitOK(["rev-parse", roundBranch], in: other))
        XCTAssertEqual(try gitOK(["rev-list", "--count", "--first-parent", roundBranch], in: bare), "3")
        try assertFsckClean(bare)
    }

    // MARK: Sync keeps everyone's events

    func testApprovalsAndCommentsMadeOfflineInTwoClonesBothSurvive() throws {
        let ana = try makeSharedReview()
        let id = try XCTUnwrap(try suggestLine(5, "Ben's first edit.", as: .ben, in: ana)["id"] as? String)
        try quorumOK(["sync"], in: ana)
        let cai = try makeClone("cai", as: .cai)
        let dee = try makeClone("dee", as: .dee)

        // Offline: each approves and comments, on the suggestion and on the proposal.
        try quorumOK(["approve", id, "-m", "Clear"], as: .cai, in: cai)
        try quorumOK(["comment", id, "-m", "Cai was here"], as: .cai, in: cai)
        try quorumOK(["comment", slug, "-m", "Cai on the whole draft"], as: .cai, in: cai)
        try quorumOK(["approve", id], as: .dee, in: dee)
        try quorumOK(["comment", slug, "-m", "Dee on the whole draft"], as: .dee, in: dee)
        // A copy of Dee's clone, to show that reconciling is deterministic.
        try gitOK(["clone", "-q", "--mirror", dee.path, clone("dee-copy").path], in: root)
        try gitOK(["config", "--bool", "core.bare", "true"], in: clone("dee-copy"))
        try gitOK(["remote", "set-url", "origin", bare.path], in: clone("dee-copy"))

        try quorumOK(["sync"], as: .cai, in: cai)
        let deeSync = try quorumOK(["sync", "--json"], as: .dee, in: dee)
        let reconciled = try XCTUnwrap(deeSync.object?["reconciled"] as? [String], deeSync.text)
        XCTAssertEqual(Set(reconciled), [chain(id), "refs/quorum/proposals/\(slug)/comments"])
        try quorumOK(["sync"], as: .cai, in: cai)

        // Both approvals and all comments are on the server and in both clones.
        let server = try quorumRefs(bare)
        XCTAssertEqual(try quorumRefs(cai), server)
        XCTAssertEqual(try quorumRefs(dee), server)
        for directory in [cai, dee] {
            let shown = try XCTUnwrap(try quorumOK(["show", id, "--json"], as: .ana, in: directory).object)
            let approvals = try XCTUnwrap(shown["approvals"] as? [[String: Any]])
            XCTAssertEqual(Set(approvals.compactMap { email($0["by"]) }), [Teammate.cai.email, Teammate.dee.email])
            XCTAssertEqual(shown["state"] as? String, "approved")
        }
        let log = try gitOK(["log", "--format=%an|%s", chain(id)], in: bare)
        XCTAssertTrue(log.contains("Cai Wong|Approve") && log.contains("Dee Park|Approve") && log.contains("Cai Wong|Comment"), log)
        let comments = try gitOK(["log", "--format=%s", "refs/quorum/proposals/\(slug)/comments"], in: bare)
        XCTAssertTrue(comments.contains("Cai on the whole draft") && comments.contains("Dee on the whole draft"), comments)
        // The join is a merge of both heads that carries no event of its own.
        let join = server[chain(id)] ?? ""
        XCTAssertEqual(try gitOK(["rev-list", "--parents", "-n", "1", join], in: bare).split(separator: " ").count, 3)
        XCTAssertEqual(try gitOK(["ls-tree", join], in: bare), "")

        // Dee's copy reconciles the same two heads into the very same commit.
        let copied = try quorumOK(["sync", "--json"], as: .dee, in: clone("dee-copy"))
        XCTAssertEqual(copied.object?["sent"] as? [String], [], copied.text)
        XCTAssertEqual(try quorumRefs(clone("dee-copy")), server)
        for directory in [bare, cai, dee] { try assertFsckClean(directory) }
    }

    /// Both suggestions approved by Cai and Dee, then merged apart with
    /// --local, `first` in Cai's clone and `second` in Dee's; Cai syncs
    /// first, so Dee's sync makes her merge again on the shared round.
    private func mergedApartAndSynced(_ first: String, _ second: String, from ana: URL) throws -> (cai: URL, dee: URL) {
        for id in [first, second] {
            try quorumOK(["approve", id], as: .cai, in: ana)
            try quorumOK(["approve", id], as: .dee, in: ana)
        }
        try quorumOK(["sync"], in: ana)
        let cai = try makeClone("cai", as: .cai)
        let dee = try makeClone("dee", as: .dee)
        try quorumOK(["merge", first, "--local"], as: .cai, in: cai)
        try quorumOK(["merge", second, "--local"], as: .dee, in: dee)
        try quorumOK(["sync"], as: .cai, in: cai)
        let synced = try quorumOK(["sync", "--json"], as: .dee, in: dee)
        XCTAssertEqual(synced.object?["replayed"] as? [String], [roundBranch], synced.text)
        return (cai, dee)
    }

    func testLocalMergesMadeApartAreMadeAgainOnTheSharedRound() throws {
        let ana = try makeSharedReview()
        let first = try XCTUnwrap(try suggestLine(5, "Ben's first edit.", as: .ben, in: ana)["id"] as? String)
        let second = try XCTUnwrap(try suggestLine(51, "Ben's delivery edit.", as: .ben, in: ana)["id"] as? String)
        let (cai, dee) = try mergedApartAndSynced(first, second, from: ana)
        try quorumOK(["sync"], as: .cai, in: cai)

        // One line of merges on the server, with both changes.
        let merges = try gitOK(["rev-list", "--first-parent", "--merges", roundBranch], in: bare).split(separator: "\n")
        XCTAssertEqual(merges.count, 2)
        XCTAssertEqual(try gitOK(["rev-list", "--first-parent", "--no-merges", roundBranch], in: bare).split(separator: "\n").count, 1)
        let text = try quorumOK(["cat", slug], in: cai).text
        XCTAssertTrue(text.contains("Ben's first edit.") && text.contains("Ben's delivery edit."))
        // Each suggestion says it is merged as the commit the shared round holds.
        for id in [first, second] {
            let shown = try XCTUnwrap(try quorumOK(["show", id, "--json"], in: dee).object)
            let mergedAs = try XCTUnwrap(shown["mergedAs"] as? String)
            XCTAssertTrue(merges.contains { mergedAs == String($0) }, "\(id) merged as \(mergedAs), not on the round")
        }
        XCTAssertEqual(try quorumRefs(cai), try quorumRefs(bare))
        XCTAssertEqual(try quorumRefs(dee), try quorumRefs(bare))
        for directory in [bare, cai, dee] { try assertFsckClean(directory) }
    }

    func testLocalMergesIntoOneParagraphMadeApartAreMadeAgainByTheProseMerge() throws {
        // Two sentences of one paragraph (line 5), merged in two clones apart:
        // sync makes the second again on the shared round with the prose
        // merge, and the hook, recomputing it, takes it.
        let ana = try makeSharedReview()
        let line5 = Self.framework.components(separatedBy: "\n")[4]
        let first = try XCTUnwrap(try suggestLine(5, line5.replacingOccurrences(of: "grow in our organisation.", with: "grow here."), as: .ben, in: ana)["id"] as? String)
        let second = try XCTUnwrap(try suggestLine(5, line5.replacingOccurrences(of: "at any given time.", with: "at once."), as: .ben, in: ana)["id"] as? String)
        let (cai, dee) = try mergedApartAndSynced(first, second, from: ana)
        let text = try quorumOK(["cat", slug], in: dee).text
        XCTAssertTrue(text.contains("grow here. It is meant") && text.contains("characteristics at once."), text)
        XCTAssertTrue(try gitOK(["log", "-1", "--format=%B", roundBranch], in: bare).contains("Merge-Version: 1"))
        let verified = try quorum(["verify"], as: .dee, in: dee)
        XCTAssertEqual(verified.status, 0, verified.text + verified.errors)
        for directory in [bare, dee] { try assertFsckClean(directory) }
    }

    // MARK: Merges through the shared repository

    func testTwoClonesMergingDifferentSuggestionsAtOnceBothLand() throws {
        let ana = try makeSharedReview()
        var ids: [String] = []
        for (index, line) in [5, 51, 93, 139].enumerated() {
            ids.append(try XCTUnwrap(try suggestLine(line, "Ben's edit \(index).", as: .ben, in: ana)["id"] as? String))
        }
        for id in ids {
            try quorumOK(["approve", id], as: .cai, in: ana)
            try quorumOK(["approve", id], as: .dee, in: ana)
        }
        try quorumOK(["sync"], in: ana)
        let cai = try makeClone("cai", as: .cai)
        let dee = try makeClone("dee", as: .dee)
        let start = try gitOK(["rev-parse", roundBranch], in: bare)

        // Two pairs of merges, each pair started at the same moment.
        for pair in [(ids[0], ids[1]), (ids[2], ids[3])] {
            let one = try startQuorum(["merge", pair.0, "--json"], as: .cai, in: cai)
            let two = try startQuorum(["merge", pair.1, "--json"], as: .dee, in: dee)
            for (outcome, id) in [(try one.finish(), pair.0), (try two.finish(), pair.1)] {
                XCTAssertEqual(outcome.status, 0, "merge \(id): \(outcome.errors)")
            }
        }
        for directory in [cai, dee, cai] { try quorumOK(["sync"], as: .cai, in: directory) }

        // The round is a straight line of four merges, one per suggestion.
        let line = try gitOK(["rev-list", "--first-parent", "\(start)..\(roundBranch)"], in: bare).split(separator: "\n").map(String.init)
        XCTAssertEqual(line.count, 4)
        var merged: Set<String> = []
        for commit in line {
            let parents = try gitOK(["rev-list", "--parents", "-n", "1", commit], in: bare).split(separator: " ")
            XCTAssertEqual(parents.count, 3, "\(commit) is not a merge")
            let message = try gitOK(["log", "-1", "--format=%B", commit], in: bare)
            let suggestion = message.split(separator: "\n").first { $0.hasPrefix("Suggestion: ") }.map { String($0.dropFirst(12)) }
            merged.insert(try XCTUnwrap(suggestion))
        }
        XCTAssertEqual(merged, Set(ids))
        let text = try quorumOK(["cat", slug], in: dee).text
        for index in 0..<4 { XCTAssertTrue(text.contains("Ben's edit \(index)."), "edit \(index) was lost") }
        for id in ids {
            let shown = try XCTUnwrap(try quorumOK(["show", id, "--json"], in: cai).object)
            XCTAssertEqual(shown["state"] as? String, "merged")
            XCTAssertTrue(line.contains(shown["mergedAs"] as? String ?? "-"), "\(id)")
        }
        XCTAssertEqual(try quorumRefs(cai), try quorumRefs(bare))
        XCTAssertEqual(try quorumRefs(dee), try quorumRefs(bare))
        for directory in [bare, cai, dee] { try assertFsckClean(directory) }
    }

    func testEightProcessesInFourClonesLoseNoEvent() throws {
        let workers: [Teammate] = [.ben, .cai, .dee, .eve, .fay, .gus, .hal, .ivy]
        let ana = try makeSharedReview(members: workers)
        // A pool of suggestions by Ana: each worker approves four and merges two.
        let lines = (0..<43).map { 3 + 4 * $0 }
        var pool: [String] = []
        for index in 0..<16 {
            pool.append(try XCTUnwrap(try suggestLine(lines[index], "Pool edit \(index).", as: .ana, in: ana)["id"] as? String))
        }
        try quorumOK(["sync"], in: ana)
        let clones = try (0..<4).map { try makeClone("clone-\($0)", as: .ana) }
        // The workers' own suggestions edit the proposed text: say so with
        // --base, so that merges synced in meanwhile are kept, not undone.
        let proposed = try gitOK(["rev-parse", roundBranch], in: ana).trimmingCharacters(in: .whitespacesAndNewlines)

        // Each worker's 25 commands, planned up front; each loop records
        // every command's exit status and JSON output.
        var processes: [(RunningTool, URL)] = []
        let go = root.appendingPathComponent("go")
        let binary = ProcessInfo.processInfo.environment["QUORUM_BINARY"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.packageRoot.appendingPathComponent(".build/debug/quorum").path
        for (w, who) in workers.enumerated() {
            var commands: [[String]] = []
            let approving = pool.indices.filter { $0 % 8 == w || ($0 + 3) % 8 == w }
            let merging = pool.indices.filter { ($0 + 5) % 8 == w }
            for index in approving { commands.append(["approve", pool[index]]) }
            for k in 0..<2 {
                let text = root.appendingPathComponent("worker-\(w)-\(k).md")
                try Data(framework(replacing: lines[16 + 2 * w + k], with: "\(who.name)'s edit \(k).").utf8).write(to: text)
                commands.append(["suggest", slug, "-m", "\(who.name) \(k)", "--file", "framework.md=\(text.path)", "--base", proposed])
            }
            for k in 0..<5 { commands.append(["comment", pool[(w + k) % 16], "-m", "\(who.name) says \(k)"]) }
            for k in 0..<5 { commands.append(["comment", slug, "-m", "\(who.name) on the draft \(k)"]) }
            commands.insert(["sync"], at: 3)
            commands.insert(["sync"], at: 8)
            commands.insert(["sync"], at: 13)
            commands.append(["sync"])
            for index in merging { commands.append(["merge", pool[index]]) }
            commands.append(["comment", slug, "-m", "\(who.name) is done"])
            commands.append(["sync"])
            commands.append(["sync"])
            XCTAssertEqual(commands.count, 25, "worker \(w)")

            let results = root.appendingPathComponent("results-\(w)")
            var script = "while [ ! -e '\(go.path)' ]; do sleep 0.01; done\n"
            for command in commands {
                let quoted = ([binary] + command + ["--json"]).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
                script += "out=$(\(quoted) 2>>'\(results.path).err'); rc=$?\n"
                script += "printf '%s\\t%s\\t%s\\n' \"$rc\" '\(command[0])' \"$(printf '%s' \"$out\" | tr -d '\\n')\" >> '\(results.path)'\n"
            }
            let loop = try start("/bin/sh", ["-c", script], as: who, in: clones[w % 4])
            processes.append((loop, results))
        }
        let started = Date()
        try Data().write(to: go)
        var printed: [(command: String, status: Int32, json: [String: Any])] = []
        var stderr = ""
        for (loop, results) in processes {
            XCTAssertEqual(try loop.finish().status, 0)
            let text = (try? String(contentsOf: results, encoding: .utf8)) ?? ""
            stderr += (try? String(contentsOf: URL(fileURLWithPath: results.path + ".err"), encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3, let status = Int32(fields[0]) else { XCTFail("bad result line \(line)"); continue }
                let json = (try? JSONSerialization.jsonObject(with: Data(fields[2].utf8))) as? [String: Any] ?? [:]
                printed.append((String(fields[1]), status, json))
            }
        }
        print("8 loops of 25 quorum commands in 4 clones took \(String(format: "%.1f", Date().timeIntervalSince(started)))s")
        XCTAssertEqual(printed.count, 200)

        // Every command succeeded, except merges refused for want of approvals.
        for result in printed where result.status != 0 {
            XCTAssertTrue(result.command == "merge" && result.status == 1, "\(result.command) exited \(result.status)")
        }
        XCTAssertFalse(stderr.contains("quorum: could not") || stderr.contains("git error"), stderr)

        // Bring every clone up to date, twice round, and they agree with the server.
        for _ in 0..<2 {
            for clone in clones { try quorumOK(["sync"], in: clone) }
        }
        let server = try quorumRefs(bare)
        for clone in clones { XCTAssertEqual(try quorumRefs(clone), server, clone.lastPathComponent) }

        // Every event a command reported is on the server.
        let all = Set(try gitOK(["rev-list", "--all"], in: bare).split(separator: "\n").map(String.init))
        var reported = 0
        for result in printed where result.status == 0 && result.command != "sync" {
            guard let id = result.json["id"] as? String else { XCTFail("\(result.command) printed no id: \(result.json)"); continue }
            XCTAssertTrue(all.contains(id), "\(result.command) event \(id) is not on the server")
            reported += 1
            if result.command == "merge", let commit = result.json["commit"] as? String {
                XCTAssertTrue(all.contains(commit))
            }
        }
        XCTAssertGreaterThanOrEqual(reported, 8 * 17)

        // The round is a straight line of merges, one per merged suggestion.
        let base = try gitOK(["rev-list", "--max-parents=0", roundBranch], in: bare)
        let line = try gitOK(["rev-list", "--first-parent", "\(base)..\(roundBranch)"], in: bare).split(separator: "\n").map(String.init)
        var merged: [String] = []
        for commit in line {
            let message = try gitOK(["log", "-1", "--format=%P%n%B", commit], in: bare)
            XCTAssertEqual(message.split(separator: "\n").first?.split(separator: " ").count, 2, "\(commit) is not a merge")
            if let trailer = message.split(separator: "\n").first(where: { $0.hasPrefix("Suggestion: ") }) { merged.append(String(trailer.dropFirst(12))) }
        }
        XCTAssertEqual(merged.count, Set(merged).count, "a suggestion was merged twice")
        let succeeded = Set(printed.filter { $0.command == "merge" && $0.status == 0 }.compactMap { $0.json["suggestion"] as? String })
        XCTAssertEqual(Set(merged), succeeded)
        let joins = try gitOK(["rev-list", "--count", "--merges", "--exclude=refs/heads/*", "--all"], in: bare)
        print("\(succeeded.count) of 16 merges landed (the rest lacked approvals yet); \(joins) event-log joins on the server")
        let text = try quorumOK(["cat", slug], in: clones[0]).text
        for index in pool.indices where succeeded.contains(pool[index]) {
            XCTAssertTrue(text.contains("Pool edit \(index)."), "pool edit \(index) was lost")
        }
        for directory in [bare] + clones { try assertFsckClean(directory) }
    }

    // MARK: Rounds and versions

    func testClosedRoundsAndVersionTagsHoldAgainstPlainPushes() throws {
        let ana = try makeSharedReview()
        try quorumOK(["member", "add", Teammate.eve.email, "--name", Teammate.eve.name, "--group", "managers"], in: ana)
        let id = try XCTUnwrap(try suggestLine(5, "Ben's first edit.", as: .ben, in: ana)["id"] as? String)
        try quorumOK(["approve", id], as: .cai, in: ana)
        try quorumOK(["approve", id], as: .dee, in: ana)
        try quorumOK(["merge", id], in: ana)
        try quorumOK(["cut", slug, "v1"], in: ana)
        let work = try makeClone("ben", as: .ben)
        // Ben suggests in round 1 while Ana, elsewhere, closes it.
        let late = try XCTUnwrap(try suggestLine(51, "Ben's late edit.", as: .ben, in: work)["id"] as? String)
        // A suggestion Ana's clone has not shared yet goes into round 2 with the fork.
        let carried = try XCTUnwrap(try suggestLine(93, "Cai's collaboration edit.", as: .cai, in: ana)["id"] as? String)
        try quorumOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers"], in: ana)
        try quorumOK(["sync"], in: ana)
        XCTAssertEqual(try quorumRefs(bare), try quorumRefs(ana))
        XCTAssertEqual(try quorumOK(["show", carried, "--json"], in: ana).object?["round"] as? Int, 2)
        // Ben's sync brings the fork in, and shares his suggestion as history:
        // it was legal where it was made. It stays in closed round 1, where
        // nothing can merge it; a lead can carry it, Ben can withdraw it.
        let synced = try quorum(["sync", "--json"], as: .ben, in: work)
        XCTAssertEqual(synced.status, 0, synced.errors)
        XCTAssertEqual(try gitOK(["rev-parse", "refs/quorum/proposals/\(slug)/meta"], in: work), try gitOK(["rev-parse", "refs/quorum/proposals/\(slug)/meta"], in: bare))
        XCTAssertEqual(try gitOK(["rev-parse", chain(late)], in: bare), try gitOK(["rev-parse", chain(late)], in: work))
        XCTAssertEqual(try quorumOK(["show", late, "--json"], in: work).object?["round"] as? Int, 1)
        let approving = try quorum(["approve", late], as: .cai, in: work)
        XCTAssertEqual(approving.status, 1, approving.errors)
        XCTAssertTrue(approving.errors.contains("[round.closed]"), approving.errors)

        // Round 1 is closed: even a merge that would have been fine is refused.
        let head1 = try gitOK(["rev-parse", roundBranch], in: work)
        let tree = try gitOK(["rev-parse", "\(head1)^{tree}"], in: work)
        let pairEdit = try commitTree(tree, parents: [head1], message: "Pair work\n\nCo-authored-by: \(Teammate.cai.formatted)\nPair-edit: round 1\n", as: .ben, in: work)
        try assertRefused(["\(pairEdit):\(roundBranch)"], from: work, mentions: "round 1 of 'career-steps' is closed")

        // Version tags never move and are never deleted.
        let tagged = try gitOK(["rev-parse", "refs/tags/rfc/\(slug)/v1^{commit}"], in: work)
        XCTAssertEqual(tagged, head1)
        try gitOK(["tag", "-f", "-a", "-m", "moved", "rfc/\(slug)/v1", "\(head1)^"], in: work)
        try assertRefused(["+refs/tags/rfc/\(slug)/v1:refs/tags/rfc/\(slug)/v1"], from: work, mentions: "version tags never move")
        try assertRefused([":refs/tags/rfc/\(slug)/v1"], from: work, mentions: "deleting it is not allowed")
        // Only a lead cuts a version (as far as a self-declared tagger goes).
        try gitOK(["tag", "-a", "-m", "mine", "rfc/\(slug)/v2", head1], in: work, as: .ben)
        try assertRefused(["refs/tags/rfc/\(slug)/v2"], from: work, mentions: "not a lead")
        try assertFsckClean(bare)
    }

    // MARK: Hooks: install, check, notify

    func testHooksInstallCheckAndTheShippedScripts() throws {
        try gitOK(["init", "-q", "--bare", bare.path], in: root)
        let missing = try quorum(["hooks", "check", bare.path], in: root)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.text.contains("missing"), missing.text)
        try quorumOK(["hooks", "install", bare.path], in: root)
        let checked = try quorumOK(["hooks", "check", bare.path, "--json"], in: root)
        let statuses = try XCTUnwrap((try JSONSerialization.jsonObject(with: checked.output)) as? [[String: Any]])
        XCTAssertEqual(statuses.compactMap { $0["state"] as? String }, ["current", "current"])

        // The installed scripts are the shipped ones, running this quorum.
        for name in ["pre-receive", "post-receive"] {
            let shipped = try String(contentsOf: Self.packageRoot.appendingPathComponent("hooks/\(name)"), encoding: .utf8)
            let installed = try String(contentsOf: bare.appendingPathComponent("hooks/\(name)"), encoding: .utf8)
            let exec = try XCTUnwrap(installed.split(separator: "\n").last { $0.hasPrefix("exec ") })
            XCTAssertTrue(exec.hasSuffix("quorum' hook \(name)"), String(exec))
            XCTAssertEqual(installed.replacingOccurrences(of: String(exec), with: "exec quorum hook \(name)"), shipped)
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.packageRoot.appendingPathComponent("hooks/\(name)").path))
        }

        // An edited hook is reported; someone else's hook is left alone.
        let pre = bare.appendingPathComponent("hooks/pre-receive")
        try Data((try String(contentsOf: pre, encoding: .utf8) + "echo edited\n").utf8).write(to: pre)
        let edited = try quorum(["hooks", "check", bare.path], in: root)
        XCTAssertEqual(edited.status, 1)
        XCTAssertTrue(edited.text.contains("outdated"), edited.text)
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: pre)
        let refused = try quorum(["hooks", "install", bare.path], in: root)
        XCTAssertEqual(refused.status, 1, refused.errors)
        XCTAssertTrue(refused.errors.contains("not Quorum's hook"), refused.errors)
        XCTAssertEqual(try String(contentsOf: pre, encoding: .utf8), "#!/bin/sh\nexit 0\n")
        try quorumOK(["hooks", "install", "--force", bare.path], in: root)
        try quorumOK(["hooks", "check", bare.path], in: root)

        // A hook that cannot be written (a directory in its place): said
        // as the system says it, exit 70, and the other hook left as it was.
        let post = bare.appendingPathComponent("hooks/post-receive")
        let before = try Data(contentsOf: post)
        try FileManager.default.removeItem(at: pre)
        try FileManager.default.createDirectory(at: pre.appendingPathComponent("x"), withIntermediateDirectories: true)
        let blocked = try quorum(["hooks", "install", "--force", bare.path], in: root)
        XCTAssertEqual(blocked.status, 70, blocked.errors)
        XCTAssertTrue(blocked.errors.contains("could not write \(pre.path): Is a directory"), blocked.errors)
        XCTAssertEqual(try Data(contentsOf: post), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: bare.appendingPathComponent("hooks").path).filter { $0.hasSuffix(".tmp") }, [])
        try FileManager.default.removeItem(at: pre)
        try quorumOK(["hooks", "install", bare.path], in: root)

        // Not a bare repository: bad usage.
        try gitOK(["init", "-q", clone("work").path], in: root)
        XCTAssertEqual(try quorum(["hooks", "install", clone("work").path], in: root).status, 64)
        XCTAssertEqual(try quorum(["hooks", "check", root.appendingPathComponent("nowhere").path], in: root).status, 64)
    }

    func testPostReceiveSendsEachNewEventAsAJSONLineToTheConfiguredCommand() throws {
        let ana = try makeSharedReview()
        let work = try makeClone("ben", as: .ben)
        // Nothing configured: pushes go in, nothing is sent anywhere.
        try suggestLine(5, "Ben's first edit.", as: .ben, in: work)
        try quorumOK(["sync"], as: .ben, in: work)

        let sent = root.appendingPathComponent("notifications")
        try gitOK(["config", "quorum.notify", "cat >> '\(sent.path)'"], in: bare)
        // quorum sync to a repository on this machine sends them itself…
        let id = try XCTUnwrap(try suggestLine(51, "Ben's delivery edit.", as: .ben, in: work)["id"] as? String)
        try quorumOK(["approve", id], as: .cai, in: work)
        try quorumOK(["sync"], as: .ben, in: work)
        // …and git's post-receive hook sends those of a plain push.
        try quorumOK(["comment", slug, "-m", "Looks good"], as: .dee, in: ana)
        let pushed = try git(["push", "origin", "refs/quorum/proposals/\(slug)/comments"], in: ana)
        XCTAssertEqual(pushed.status, 0, pushed.errors)

        let lines = try String(contentsOf: sent, encoding: .utf8).split(separator: "\n")
        let events = try lines.map { try XCTUnwrap((try JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]) }
        XCTAssertEqual(events.compactMap { $0["type"] as? String }, ["suggest", "approve", "comment"])
        XCTAssertEqual(events[0]["suggestion"] as? String, id)
        XCTAssertEqual(email(events[0]["actor"]), Teammate.ben.email)
        XCTAssertEqual(email(events[1]["actor"]), Teammate.cai.email)
        XCTAssertEqual(events[2]["ref"] as? String, "refs/quorum/proposals/\(slug)/comments")
        XCTAssertEqual((events[2]["record"] as? [String: Any])?["message"] as? String, "Looks good")
        XCTAssertEqual(events[2]["slug"] as? String, slug)
    }

    // MARK: Network transport

    /// quorum's own pushes over a network transport (git://, served by git
    /// daemon) go through the real receive-pack and its hooks.
    func testSyncAndMergeOverTheGitProtocolGoThroughTheHooks() throws {
        let ana = try makeSharedReview()
        try gitOK(["config", "daemon.receivepack", "true"], in: bare)
        let sent = root.appendingPathComponent("notifications")
        try gitOK(["config", "quorum.notify", "cat >> '\(sent.path)'"], in: bare)
        let port = Int.random(in: 20_000..<40_000)
        let daemon = try start(
            "/usr/bin/git",
            ["daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", "--listen=127.0.0.1", "--port=\(port)", "--base-path=\(root.path)", root.path],
            as: nil, in: root)
        defer { daemon.process.terminate() }
        let url = "git://127.0.0.1:\(port)/shared.git"
        var ready = false
        for _ in 0..<100 where !ready {
            ready = try git(["ls-remote", url], in: root).status == 0
            if !ready { usleep(30_000) }
        }
        try XCTSkipUnless(ready, "git daemon did not start")

        let work = clone("eve")
        try gitOK(["init", "-q", work.path], in: root)
        try gitOK(["remote", "add", "origin", url], in: work)
        try quorumOK(["sync"], as: .ben, in: work)
        XCTAssertEqual(try quorumRefs(work), try quorumRefs(bare))
        let id = try XCTUnwrap(try suggestLine(5, "Ben's first edit.", as: .ben, in: work)["id"] as? String)
        try quorumOK(["approve", id], as: .cai, in: work)
        try quorumOK(["sync"], as: .ben, in: work)
        // Ana approves in her own clone (a local path) at the same time.
        try quorumOK(["sync"], in: ana)
        try quorumOK(["approve", id], as: .dee, in: ana)
        try quorumOK(["sync"], in: ana)
        let merged = try quorumOK(["merge", id], as: .cai, in: work)
        XCTAssertTrue(merged.text.contains("Pushed to origin"), merged.text)
        XCTAssertEqual(try quorumRefs(work), try quorumRefs(bare))
        XCTAssertTrue(try gitOK(["log", "-1", "--format=%B", roundBranch], in: bare).contains("Suggestion: \(id)"))
        // The hooks ran for quorum's own pushes: post-receive sent the events.
        let types = try String(contentsOf: sent, encoding: .utf8).split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["type"] as? String
        }
        XCTAssertTrue(types.contains("suggest") && types.contains("merge"), "\(types)")
        try assertFsckClean(bare)
    }
}
