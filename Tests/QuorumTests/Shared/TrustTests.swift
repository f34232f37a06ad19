import Foundation
import XCTest

/// The review rules hold against members who write events with plain git:
/// each fault the trust issue found, with its right value, on the command
/// line and through a real bare repository with the hooks installed.
/// Refusals are asserted by their rule's code, never their wording.
final class TrustTests: SharedRepositoryTestCase {
    private func chain(_ id: String) -> String { "refs/quorum/proposals/\(slug)/suggestions/\(id)/meta" }
    private func pin(_ id: String, _ n: Int) -> String { "refs/quorum/proposals/\(slug)/suggestions/\(id)/revs/\(n)" }

    /// `quorum verify --json` in `directory`: its exit status and the codes it reports.
    private func verify(_ directory: URL, file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, codes: [String]) {
        let outcome = try quorum(["verify", "--json"], in: directory)
        let object = try XCTUnwrap(outcome.object, outcome.text + outcome.errors, file: file, line: line)
        let codes = (object["violations"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        XCTAssertEqual(object["clean"] as? Bool, codes.isEmpty, file: file, line: line)
        return (outcome.status, codes)
    }

    private func write(_ text: String) throws -> String {
        let path = root.appendingPathComponent("text-\(UUID().uuidString).md")
        try Data(text.utf8).write(to: path)
        return path.path
    }

    /// The commit-tree of career-steps with framework.md holding `text`.
    private func proposalTree(_ text: String, in directory: URL) throws -> String {
        let blob = try gitOK(["hash-object", "-w", "--stdin"], in: directory, stdin: Data(text.utf8))
        var tree = try gitOK(["mktree"], in: directory, stdin: Data("100644 blob \(blob)\tframework.md\n".utf8))
        tree = try gitOK(["mktree"], in: directory, stdin: Data("040000 tree \(tree)\t\(slug)\n".utf8))
        return try gitOK(["mktree"], in: directory, stdin: Data("040000 tree \(tree)\tProposals\n".utf8))
    }

    // MARK: 1. A round with quorum 0

    func testAMembersOwnRoundWithQuorumZeroMergesNothingAndIsRefused() throws {
        let ana = try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let doc = try write("# Pay\n\nRule one.\n")
        try quorumOK(["propose", "pay", "--file", "pay.md=\(doc)"], as: .ben, in: ben)
        let ref = "refs/quorum/proposals/pay/meta"
        let propose = try gitOK(["rev-parse", ref], in: ben)
        let json = try gitOK(["show", "\(propose):event.json"], in: ben).replacingOccurrences(of: "\"quorum\" : 2", with: "\"quorum\" : 0")
        XCTAssertTrue(json.contains("\"quorum\" : 0"), json)
        let blob = try gitOK(["hash-object", "-w", "--stdin"], in: ben, stdin: Data(json.utf8))
        let tree = try gitOK(["mktree"], in: ben, stdin: Data("100644 blob \(blob)\tevent.json\n".utf8))
        let message = try gitOK(["log", "-1", "--format=%B", propose], in: ben)
        let forged = try commitTree(tree, parents: [], message: message, as: .ben, in: ben)
        try gitOK(["update-ref", ref, forged, propose], in: ben)

        // Locally the round has the policy's quorum: Bob alone cannot merge.
        let changed = try write("# Pay\n\nRule one, changed by Ben alone.\n")
        let s = try XCTUnwrap(try quorumOK(["suggest", "pay", "-m", "alone", "--file", "pay.md=\(changed)", "--json"], as: .ben, in: ben).object?["id"] as? String)
        XCTAssertEqual(try quorumOK(["rounds", "pay", "--json"], as: .ben, in: ben).text.contains("\"quorum\" : 2"), true)
        let merge = try quorum(["merge", "--local", s], as: .ben, in: ben)
        XCTAssertEqual(merge.status, 1, merge.errors)
        XCTAssertTrue(merge.errors.contains("[merge.quorum]"), merge.errors)
        // The shared repository refuses the proposal's forged first event.
        try assertPushRefused(["\(ref):\(ref)", "refs/heads/quorum/pay/1:refs/heads/quorum/pay/1"], from: ben, code: "round.settings")
        XCTAssertEqual(try verify(ben).codes, ["round.settings"])
        // A lead may choose other settings when forking (1 to 20), never 0.
        let fork = try quorum(["fork", slug, "--name", "managers", "--audience", "working-group", "--quorum", "0"], in: ana)
        XCTAssertEqual(fork.status, 64, fork.errors)
    }

    // MARK: 2. A copied patch id; 4. A whitespace-only revise

    func testARevisionClaimingAnotherChangesPatchIdKeepsNoApprovalAndIsRefused() throws {
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let suggested = try suggestLine(5, "The bonus cap is 1200 EUR.", as: .ben, in: ben)
        let id = try XCTUnwrap(suggested["id"] as? String)
        let base = try XCTUnwrap(suggested["base"] as? String)
        for who in [Teammate.cai, .dee] { try quorumOK(["approve", id], as: who, in: ben) }
        try quorumOK(["sync"], as: .ben, in: ben)
        // Revision 2 (99000 EUR), its revise event claiming a made-up patch id.
        let revision = try commitTree(try proposalTree(framework(replacing: 5, with: "The bonus cap is 99000 EUR."), in: ben), parents: [base], message: "Raise the cap\n", as: .ben, in: ben)
        let revise = try eventCommit(
            #"{"base":"\#(base)","message":"Raise the cap","patchId":"\#(String(repeating: "ab", count: 20))","revision":"\#(revision)","type":"revise","v":1}"#,
            summary: "Revise to revision 2", parent: try gitOK(["rev-parse", chain(id)], in: ben), as: .ben, in: ben)
        try gitOK(["update-ref", chain(id), revise], in: ben)
        try gitOK(["update-ref", pin(id, 2), revision], in: ben)
        try assertPushRefused(["\(chain(id)):\(chain(id))", "\(pin(id, 2)):\(pin(id, 2))"], from: ben, code: "event.derived")
        // Whatever the record claims, the approvals were of other text.
        let merge = try quorum(["merge", "--local", id], as: .ben, in: ben)
        XCTAssertEqual(merge.status, 1, merge.errors)
        XCTAssertTrue(merge.errors.contains("[merge.quorum]") && merge.errors.contains("stale"), merge.errors)
        XCTAssertEqual(try verify(ben).codes, ["event.derived"])
    }

    func testAWhitespaceOnlyReviseMakesApprovalsStaleAndAPureRebaseKeepsThem() throws {
        let ana = try makeSharedReview()
        let s = try XCTUnwrap(try suggestLine(5, "Remote work is allowed nowhere.", as: .ben, in: ana)["id"] as? String)
        for who in [Teammate.cai, .dee] { try quorumOK(["approve", s], as: who, in: ana) }
        let spaced = try write(framework(replacing: 5, with: "Remote work is allowed now here."))
        let revised = try XCTUnwrap(try quorumOK(["revise", s, "-m", "One space", "--file", "framework.md=\(spaced)", "--json"], as: .ben, in: ana).object)
        XCTAssertEqual(emails(revised["approvalsKept"]), [])
        XCTAssertEqual(Set(emails(revised["approvalsStale"]) ?? []), [Teammate.cai.email, Teammate.dee.email])
        let merge = try quorum(["merge", s], as: .ben, in: ana)
        XCTAssertEqual(merge.status, 1, merge.errors)
        XCTAssertTrue(merge.errors.contains("[merge.quorum]"), merge.errors)
        // A trailing space or CRLF is a different change too.
        for text in ["Remote work is allowed now here. ", "Remote work is allowed now here.\r"] {
            for who in [Teammate.cai, .dee] { try quorumOK(["approve", s], as: who, in: ana) }
            let file = try write(framework(replacing: 5, with: text))
            let again = try XCTUnwrap(try quorumOK(["revise", s, "-m", "Bytes", "--file", "framework.md=\(file)", "--json"], as: .ben, in: ana).object)
            XCTAssertEqual(emails(again["approvalsKept"]), [], text)
        }
        // The same change on a moved round (a pure rebase) keeps them.
        for who in [Teammate.cai, .dee] { try quorumOK(["approve", s], as: who, in: ana) }
        let other = try XCTUnwrap(try suggestLine(150, "Far away edit.", as: .cai, in: ana)["id"] as? String)
        for who in [Teammate.ben, .dee] { try quorumOK(["approve", other], as: who, in: ana) }
        try quorumOK(["merge", other], in: ana)
        let rebased = try XCTUnwrap(try quorumOK(["rebase", s, "--json"], as: .ben, in: ana).object)
        XCTAssertEqual(Set(emails(rebased["approvalsKept"]) ?? []), [Teammate.cai.email, Teammate.dee.email])
        try quorumOK(["merge", s], in: ana)
        XCTAssertEqual(try verify(ana).status, 0)
    }

    func testTheSameLinesChangedElsewhereAreAnotherChange() throws {
        // Two sections end with the same line; approvals of a change to the
        // first do not carry to the same change made to the second.
        let ana = try makeSharedReview()
        let section = "Raises are\ndecided by\nthe team lead\nand are capped at 5%.\nThey are reviewed\nevery year.\n"
        let doc = "# Salary\n\n## Engineers\n" + section + "\n## Managers\n" + section
        let base = try write(doc)
        try quorumOK(["propose", "pay", "--file", "pay.md=\(base)"], in: ana)
        let engineers = try write(doc.replacingOccurrences(of: "## Engineers\nRaises are\ndecided by\nthe team lead\nand are capped at 5%.", with: "## Engineers\nRaises are\ndecided by\nthe team lead\nand are capped at 15%."))
        let managers = try write(doc.replacingOccurrences(of: "## Managers\nRaises are\ndecided by\nthe team lead\nand are capped at 5%.", with: "## Managers\nRaises are\ndecided by\nthe team lead\nand are capped at 15%."))
        let s = try XCTUnwrap(try quorumOK(["suggest", "pay", "-m", "Engineers 15%", "--file", "pay.md=\(engineers)", "--json"], as: .ben, in: ana).object?["id"] as? String)
        for who in [Teammate.cai, .dee] { try quorumOK(["approve", s], as: who, in: ana) }
        let moved = try XCTUnwrap(try quorumOK(["revise", s, "-m", "Managers 15%", "--file", "pay.md=\(managers)", "--json"], as: .ben, in: ana).object)
        XCTAssertEqual(emails(moved["approvalsKept"]), [])
        let merge = try quorum(["merge", "--local", s], as: .ben, in: ana)
        XCTAssertEqual(merge.status, 1, merge.errors)
        XCTAssertTrue(merge.errors.contains("[merge.quorum]"), merge.errors)
    }

    // MARK: 3. Someone else's objection

    func testOnlyTheObjectorOrALeadsRecordedOverrideLiftsAnObjection() throws {
        let ana = try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let id = try XCTUnwrap(try suggestLine(5, "The bonus cap is 5000 EUR.", as: .ben, in: ben)["id"] as? String)
        for who in [Teammate.cai, .ana] { try quorumOK(["approve", id], as: who, in: ben) }
        try quorumOK(["object", id, "-m", "Finance has not agreed"], as: .dee, in: ben)
        try quorumOK(["sync"], as: .ben, in: ben)
        let own = try quorum(["resolve", id], as: .ben, in: ben)
        XCTAssertEqual(own.status, 1)
        XCTAssertTrue(own.errors.contains("[resolve.not-objector]"), own.errors)

        let objection = try XCTUnwrap((try quorumOK(["show", id, "--json"], in: ben).object?["objections"] as? [[String: Any]])?.first?["id"] as? String)
        let forged = try eventCommit(#"{"objection":"\#(objection)","type":"resolve","v":1}"#, summary: "Resolve objection",
                                     parent: try gitOK(["rev-parse", chain(id)], in: ben), as: .ben, in: ben)
        try gitOK(["update-ref", chain(id), forged], in: ben)
        try assertPushRefused(["\(chain(id)):\(chain(id))"], from: ben, code: "resolve.not-objector")
        let merge = try quorum(["merge", "--local", id], as: .ben, in: ben)
        XCTAssertEqual(merge.status, 1, merge.errors)
        XCTAssertTrue(merge.errors.contains("[merge.objection]"), merge.errors)
        XCTAssertEqual(try verify(ben).codes, ["resolve.not-objector"])

        // A lead overrides it, with a reason everyone sees; then it merges.
        try quorumOK(["sync"], in: ana)
        let noReason = try quorum(["resolve", id, String(objection.prefix(8)), "--override"], in: ana)
        XCTAssertEqual(noReason.status, 64, noReason.errors)
        let notLead = try quorum(["resolve", id, String(objection.prefix(8)), "--override", "-m", "I say so"], as: .cai, in: ana)
        XCTAssertEqual(notLead.status, 1)
        XCTAssertTrue(notLead.errors.contains("[resolve.override-not-lead]"), notLead.errors)
        try quorumOK(["resolve", id, String(objection.prefix(8)), "--override", "-m", "Dee left; finance agreed in writing"], in: ana)
        let shown = try quorumOK(["show", id], in: ana).text
        XCTAssertTrue(shown.contains("overridden by ana@example.com: Dee left; finance agreed in writing"), shown)
        try quorumOK(["merge", id], in: ana)
        XCTAssertEqual(try verify(ana).status, 0)
        // The version's changelog says so too.
        try quorumOK(["cut", slug, "v1"], in: ana)
        let changelog = try gitOK(["tag", "-l", "--format=%(contents)", "rfc/\(slug)/v1"], in: ana)
        XCTAssertTrue(changelog.contains("objection by dee@example.com overridden by ana@example.com: Dee left; finance agreed in writing"), changelog)
    }

    // MARK: 5. Publishing after a fork

    func testHistoryMadeBeforeAForkPublishesToANewSharedRepository() throws {
        try gitOK(["init", "-q", "--bare", bare.path], in: root)
        try quorumOK(["hooks", "install", bare.path], in: root)
        let ana = clone("ana")
        try quorumOK(["init", ana.path], in: root)
        for member in [Teammate.ben, .cai, .dee] { try quorumOK(["member", "add", member.email, "--name", member.name], in: ana) }
        let sample = Self.packageRoot.appendingPathComponent("Proposals/career-steps/framework.md").path
        try quorumOK(["propose", slug, "--file", "framework.md=\(sample)"], in: ana)
        let s = try XCTUnwrap(try suggestLine(5, "Merged in round 1.", as: .ben, in: ana)["id"] as? String)
        for who in [Teammate.cai, .dee] { try quorumOK(["approve", s], as: who, in: ana) }
        try quorumOK(["merge", s], in: ana)
        let left = try XCTUnwrap(try suggestLine(60, "Left behind in round 1.", as: .cai, in: ana)["id"] as? String)
        let stranded = try XCTUnwrap(try suggestLine(90, "Carried later.", as: .dee, in: ana)["id"] as? String)
        try quorumOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--carry", "none"], in: ana)
        try quorumOK(["cut", slug, "v1"], in: ana)
        try gitOK(["remote", "add", "origin", bare.path], in: ana)
        let synced = try quorum(["sync", "--json"], in: ana)
        XCTAssertEqual(synced.status, 0, synced.errors + synced.text)
        XCTAssertEqual(try quorumRefs(bare), try quorumRefs(ana))
        // Suggestions left in closed round 1: a lead carries one, its author withdraws the other.
        let notLead = try quorum(["fork", slug, "--resume", "--carry", stranded], as: .ben, in: ana)
        XCTAssertEqual(notLead.status, 1, notLead.errors)
        XCTAssertTrue(notLead.errors.contains("[carry.not-lead]"), notLead.errors)
        try quorumOK(["fork", slug, "--resume", "--carry", stranded], in: ana)
        XCTAssertEqual(try quorumOK(["show", stranded, "--json"], in: ana).object?["round"] as? Int, 2)
        try quorumOK(["withdraw", left], as: .cai, in: ana)
        XCTAssertEqual(try quorum(["sync"], in: ana).status, 0)
        XCTAssertEqual(try quorumRefs(bare), try quorumRefs(ana))
        XCTAssertEqual(try verify(ana).status, 0)
    }

    // MARK: 6. An offline merge racing an offline revise or objection

    func testAMergeRefusedUpstreamIsUndoneHereAndTheClonesConverge() throws {
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let cai = try makeClone("cai", as: .cai)
        // Whoever reaches the shared repository first wins the race; either
        // way every clone ends with the same history and the same text.
        for (line, race, mergeFirst) in [(5, "revise", false), (60, "object", false), (90, "revise", true), (120, "object", true)] {
            let label = "\(race), merge \(mergeFirst ? "first" : "second")"
            let id = try XCTUnwrap(try suggestLine(line, "Raced \(line).", as: .ben, in: ben)["id"] as? String)
            for who in [Teammate.cai, .dee] { try quorumOK(["approve", id], as: who, in: ben) }
            try quorumOK(["sync"], as: .ben, in: ben)
            try quorumOK(["sync"], as: .cai, in: cai)
            // Cai merges offline; Ben revises (or Dee objects) in Ben's clone.
            try quorumOK(["merge", "--local", id], as: .cai, in: cai)
            if race == "revise" {
                let text = try write(framework(replacing: line, with: "Raced \(line), second thoughts."))
                try quorumOK(["revise", id, "-m", "Second thoughts", "--file", "framework.md=\(text)"], as: .ben, in: ben)
            } else {
                try quorumOK(["object", id, "-m", "Wait"], as: .dee, in: ben)
            }
            if mergeFirst {
                try quorumOK(["sync"], as: .cai, in: cai)
                try quorumOK(["sync"], as: .ben, in: ben)
                try quorumOK(["sync"], as: .cai, in: cai)
            } else {
                try quorumOK(["sync"], as: .ben, in: ben)
                let synced = try quorum(["sync", "--json"], as: .cai, in: cai)
                XCTAssertEqual(synced.status, 0, synced.errors + synced.text)
                let undone = try XCTUnwrap(synced.object?["undone"] as? [[String: Any]], synced.text)
                XCTAssertEqual(undone.count, 1, label + ": " + synced.text)
                try quorumOK(["sync"], as: .ben, in: ben)
            }
            XCTAssertEqual(try quorumRefs(cai), try quorumRefs(bare), label)
            XCTAssertEqual(try quorumRefs(ben), try quorumRefs(bare), label)
            let state = { (clone: URL) in try self.quorumOK(["show", id, "--json"], as: .cai, in: clone).object?["state"] as? String }
            let expected = mergeFirst ? "merged" : race == "revise" ? "open" : "approved"
            XCTAssertEqual(try state(cai), expected, label)
            XCTAssertEqual(try state(ben), expected, label)
            let text = try gitOK(["show", "refs/heads/quorum/\(slug)/1:Proposals/\(slug)/framework.md"], in: bare)
            XCTAssertEqual(text.contains("Raced \(line)."), mergeFirst, label)
            XCTAssertEqual(try verify(cai).status, 0, label)
        }
    }

    // MARK: verify's cache

    func testVerifyChecksOnlyWhatIsNewSinceACleanRunAndStillCatchesIt() throws {
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let id = try XCTUnwrap(try suggestLine(5, "First.", as: .ben, in: ben)["id"] as? String)
        try quorumOK(["approve", id], as: .cai, in: ben)
        let first = try XCTUnwrap(try quorumOK(["verify", "--json"], in: ben).object?["checked"] as? [String: Any])
        XCTAssertEqual(first["cachedRefs"] as? Int, 0)
        XCTAssertGreaterThan(first["events"] as? Int ?? 0, 0)
        let second = try XCTUnwrap(try quorumOK(["verify", "--json"], in: ben).object?["checked"] as? [String: Any])
        XCTAssertGreaterThan(second["cachedRefs"] as? Int ?? 0, 0)
        XCTAssertEqual(second["events"] as? Int, 0, "nothing new to check")
        // A forged event added since is caught by the incremental run, and by a fresh one.
        let forged = try eventCommit(#"{"revision":"\#(try gitOK(["rev-parse", pin(id, 1)], in: ben))","type":"approve","v":1}"#,
                                     summary: "Approve", parent: try gitOK(["rev-parse", chain(id)], in: ben), as: .ben, in: ben)
        try gitOK(["update-ref", chain(id), forged], in: ben)
        XCTAssertEqual(try verify(ben).codes, ["approve.self"])
        let fresh = try quorum(["verify", "--fresh", "--json"], in: ben)
        XCTAssertEqual(fresh.status, 1)
        XCTAssertEqual((fresh.object?["checked"] as? [String: Any])?["cachedRefs"] as? Int, 0)
    }

    // MARK: 7. A stray revision pin

    func testAStrayRevisionPinIsRefusedAndDoesNotBlockRevise() throws {
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let id = try XCTUnwrap(try suggestLine(5, "First.", as: .ben, in: ben)["id"] as? String)
        try quorumOK(["sync"], as: .ben, in: ben)
        let dee = try makeClone("dee", as: .dee)
        let head = try gitOK(["rev-parse", "refs/heads/quorum/\(slug)/1"], in: dee)
        try gitOK(["update-ref", pin(id, 2), head], in: dee)
        try assertPushRefused(["\(pin(id, 2)):\(pin(id, 2))"], from: dee, code: "pin.unnamed")
        // The same stray pin in Ben's own clone (as a revise killed after
        // pinning leaves it) does not stop his revise, which reuses it.
        try gitOK(["update-ref", pin(id, 2), head], in: ben)
        let text = try write(framework(replacing: 5, with: "Second."))
        let revised = try quorumOK(["revise", id, "-m", "Second", "--file", "framework.md=\(text)", "--json"], as: .ben, in: ben)
        XCTAssertEqual(try quorumOK(["show", id, "--json"], as: .ben, in: ben).object?["revision"] as? Int, 2)
        XCTAssertEqual(try gitOK(["rev-parse", pin(id, 2)], in: ben).trimmingCharacters(in: .whitespacesAndNewlines), revised.object?["revisionCommit"] as? String)
        XCTAssertEqual(try verify(ben).codes, [], "the pin holds the revision its event names")
    }
}
