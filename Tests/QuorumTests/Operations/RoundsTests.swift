import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Review rounds for wider audiences and official RFC versions (issue 4):
/// fork, closed rounds, carrying suggestions forward, per-round audience
/// and approvers, rounds, cut, versions, cat/diff of old text and export.
/// In-process tests go through `ReviewRepository`; end-to-end tests run
/// the built binary and check with the real git CLI.
final class RoundsTests: RoundsTestCase {
    private let early = "This framework describes how engineers grow here, step by step."
    private let late = "Influences direction beyond their own team, and is asked for advice by other teams."
    private let meta = "refs/quorum/proposals/career-steps/meta"
    private let v1Tag = "refs/tags/rfc/career-steps/v1"
    private let v2Tag = "refs/tags/rfc/career-steps/v2"

    /// Someone whose name sorts first but whose email sorts last, so that
    /// the credits' order shows it is by name.
    private let abe = Person(name: "Abe Zimmer", email: "zimmer@example.com")

    /// Today as export writes dates (UTC, yyyy-MM-dd).
    private var today: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    /// Suggests, approves (by `approvers`) and merges one line change through the binary.
    @discardableResult
    private func mergeCLI(_ number: Int, _ replacement: String, by author: Person, approvers: [Person], message: String, on text: String? = nil) throws -> String {
        let id = try suggestCLI(number, replacement, as: author, message: message, on: text)
        try approveCLI(id, by: approvers)
        try runOK(["merge", id], as: author)
        return id
    }

    /// The tag message of an official version, as git shows it.
    private func tagMessage(_ ref: String) throws -> String {
        try gitOK(["for-each-ref", "--format=%(contents)", ref])
    }

    /// The changelog lines of a tag message: between "Changes since" and "Credits:".
    private func changelog(_ message: String) -> [String] {
        let lines = message.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Changes since") }),
              let end = lines.firstIndex(of: "Credits:") else { return ["(no changelog in: \(message))"] }
        return lines[(start + 1)..<end].filter { !$0.isEmpty }
    }

    /// The credits lines of a tag message.
    private func credits(_ message: String) -> [String] {
        let lines = message.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "Credits:") else { return [] }
        return lines[(start + 1)...].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    // MARK: Fork

    func testForkIsForLeadsOnlyAndOpensTheNextRoundAtTheOldHead() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, []), (.eve, ["managers"])])
        let s = try suggestCLI(5, early, as: .ben)
        let head = try revParse("quorum/career-steps/1")
        try expectExit(1, ["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers"], as: .ben,
                       mentioning: ["only leads may fork", "ben@example.com is not a lead"])
        try expectExit(64, ["fork", slug, "--name", "managers", "--audience", "working-group", "--carry", "deadbeef"], mentioning: ["deadbeef"])
        try expectExit(64, ["fork", slug, "--name", "Managers!", "--audience", "working-group"], mentioning: ["illegal round name"])
        XCTAssertEqual(try git(["rev-parse", "--verify", "-q", "refs/heads/quorum/career-steps/2"]).status, 1, "no round 2 branch")

        let forked = try runOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers", "--carry", "none", "--json"])
        XCTAssertEqual(try jsonID(forked), try revParse(meta), "fork --json: the id is the fork event")
        let json = try XCTUnwrap(forked.json)
        XCTAssertEqual(json["closedRound"] as? Int, 1)
        XCTAssertEqual(json["leftBehind"] as? [String], [s])
        let round = try XCTUnwrap(json["newRound"] as? [String: Any])
        XCTAssertEqual(round["number"] as? Int, 2)
        XCTAssertEqual(round["audience"] as? [String], ["managers", "working-group"])
        XCTAssertEqual(round["approvers"] as? [String], ["working-group"], "approvers default to the previous round's")
        XCTAssertEqual(round["quorum"] as? Int, 2)
        XCTAssertEqual(try revParse("quorum/career-steps/2"), head, "round 2 starts at round 1's head")
        let event = try gitOK(["log", "-1", "--format=%B", meta])
        XCTAssertTrue(event.contains("Event: fork\n"), event)
        XCTAssertTrue(event.contains("Closes-Round: 1\n"), event)
        let status = try XCTUnwrap(try runOK(["status", slug, "--json"]).json)
        XCTAssertEqual((status["openRound"] as? [String: Any])?["number"] as? Int, 2, "status shows the open round")
        XCTAssertEqual(status["head"] as? String, head)
        XCTAssertTrue(try runOK(["status", slug]).stdout.contains("Round 2 managers: audience managers, working-group; approvers working-group; quorum 2"))
        try assertFsckStrictClean()
    }

    func testAClosedRoundRefusesEveryWriteNamingTheOpenRound() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, []), (.eve, ["managers"])])
        let s = try suggestCLI(5, early, as: .ben, message: "Shorter introduction")
        try approveCLI(s, by: [.cai, .dee])
        let t = try suggestCLI(13, "Writes clear code.", as: .cai, message: "Terse step 1")
        try runOK(["object", t, "-m", "Too terse"], as: .dee)
        try runOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers", "--carry", "none"])

        let closed = ["round 1 of 'career-steps' is closed", "the open round is round 2 (managers)"]
        let text = try textFile(withLine(5, "Another introduction."))
        let writes: [([String], Person)] = [
            (["approve", t], .ana),
            (["approve", "--revoke", s], .cai),
            (["merge", s], .ben),
            (["revise", s, "-m", "Again", "--file", "framework.md=\(text)"], .ben),
            (["rebase", s], .ben),
            (["object", s, "-m", "Late objection"], .ana),
            (["resolve", t], .dee),
        ]
        for (args, person) in writes {
            try expectExit(1, args, as: person, mentioning: closed + ["[round.closed]"])
        }
        XCTAssertEqual(try shown(s)["round"] as? Int, 1)
        XCTAssertEqual(try shown(s)["state"] as? String, "approved", "left behind as it was")
        // Its author can still take it back: a suggestion left in a closed round is not stuck.
        try runOK(["withdraw", s], as: .ben)
        XCTAssertEqual(try shown(s)["state"] as? String, "withdrawn")
        // And a lead (or an approver) can reject one, to clear it away.
        try runOK(["reject", t, "-m", "Left behind"], as: .ana)
        XCTAssertEqual(try shown(t)["state"] as? String, "rejected")

        // New suggestions go to the open round; merging there leaves round 1's branch alone.
        let round1 = try revParse("quorum/career-steps/1")
        let u = try suggestCLI(158, late, as: .eve, message: "Clearer Influence step 3")
        XCTAssertEqual(try shown(u)["round"] as? Int, 2)
        try approveCLI(u, by: [.cai, .dee])
        try runOK(["merge", u], as: .eve)
        XCTAssertEqual(try revParse("quorum/career-steps/1"), round1)
        XCTAssertNotEqual(try revParse("quorum/career-steps/2"), round1)
    }

    // MARK: Carrying suggestions forward

    func testAForkInterruptedWhileCarryingIsFinishedWithResume() throws {
        let lead = try careerSteps()
        let first = try suggestLineChange(5, "A shorter introduction.", as: .ben, message: "First")
        let second = try suggestLineChange(40, "Second edit.", as: .cai, message: "Second")
        let third = try suggestLineChange(80, "Third edit.", as: .dee, message: "Third")
        try approve(second.id, by: [.ben])
        // The fork dies after carrying one of the three.
        assertQuorumError(.failure, try lead.fork(
            slug: slug, name: "managers", audience: ["working-group", "managers"], approvers: nil, quorum: nil,
            carry: .all, strict: false, stopAfterCarrying: 1))
        let report = try XCTUnwrap(try lead.rounds(slug: slug).last)
        XCTAssertEqual(report.round.number, 2)
        let all: Set<String> = [first.id, second.id, third.id]
        let pending = Set(report.notYetCarried)
        XCTAssertEqual(pending.count, 2)
        XCTAssertTrue(pending.isSubset(of: all))
        let printed = try runOK(["rounds", slug]).stdout
        XCTAssertTrue(printed.contains("2 suggestion(s) still to carry") && printed.contains("quorum fork \(slug) --resume"), printed)

        try expectRefusal(.refused, mentioning: ["[carry.not-lead]"], in: lead, try open(as: .ben).resumeFork(slug: slug))
        let mixed = try run(["fork", slug, "--resume", "--name", "again"])
        XCTAssertEqual(mixed.status, 64, mixed.stderr)

        let json = try XCTUnwrap(try runOK(["fork", slug, "--resume", "--json"]).json)
        let carried = (json["carried"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        XCTAssertEqual(Set(carried), pending)
        XCTAssertEqual(try lead.list(slug: slug).map(\.round), [2, 2, 2], "all three are in round 2 now")
        XCTAssertEqual(try lead.rounds(slug: slug).last?.notYetCarried, [])
        XCTAssertEqual(try lead.show(second.id, diff: false).approvals.map(\.counts), [true], "a pure rebase keeps its approval")
        XCTAssertEqual(try lead.show(first.id, diff: false).round, 2)

        let again = try run(["fork", slug, "--resume"])
        XCTAssertEqual(again.status, 1, again.stderr)
        XCTAssertTrue(again.stderr.contains("nothing to finish"), again.stderr)
        try assertFsckStrictClean()
    }

    func testCarryAllKeepsTheApprovalsOfAnUnchangedSuggestionAndListsItInTheNewRound() throws {
        let lead = try careerSteps()
        let s = try suggestLineChange(5, early, as: .ben, message: "Shorter introduction")
        try approve(s.id, by: [.cai])
        let head = try XCTUnwrap(try lead.git.referenceTarget(roundOne))
        XCTAssertEqual(s.base, head.hex)

        let forked = try forkRoundTwo(lead, carry: .all)
        XCTAssertEqual(forked.carried.map(\.id), [s.id])
        XCTAssertEqual(forked.carried.first?.approvalsKept, [Person.cai.email])
        XCTAssertEqual(forked.carried.first?.conflicted, false)
        XCTAssertEqual(forked.leftBehind, [])
        let carried = try lead.suggestion(slug, XCTUnwrap(ObjectID(hex: s.id)))
        XCTAssertEqual(carried.round, 2)
        XCTAssertEqual(carried.currentRevision.commit.hex, s.revision, "the same change on the same text needs no new revision")
        XCTAssertEqual(try lead.list(slug: slug).map(\.round), [2])
        XCTAssertEqual(try lead.rounds(slug: slug).map(\.open), [0, 1])
        let detail = try lead.show(s.id, diff: false)
        XCTAssertEqual(detail.round, 2)
        XCTAssertEqual(detail.approvals.map(\.counts), [true])

        // It goes on in round 2: one more approval, and it merges there.
        let approved = try open(as: .dee).approve(s.id, message: nil)
        XCTAssertEqual(approved.approvals, 2)
        XCTAssertEqual(approved.state, .approved)
        let merged = try lead.merge(s.id)
        XCTAssertEqual(merged.branch, roundTwo)
        XCTAssertEqual(try lead.git.referenceTarget(roundOne), head, "the closed round does not move")
        XCTAssertEqual(try lead.rounds(slug: slug).map(\.merged), [0, 1])
    }

    func testCarryAllRebasesAMovedSuggestionKeepingApprovalsOnlyForTheSameChangeAndMarksAConflictingOneConflicted() throws {
        let lead = try careerSteps()
        let same = try suggestLineChange(158, late, as: .cai, message: "Clearer Influence step 3")
        try approve(same.id, by: [.ben, .dee])
        let clash = try suggestLineChange(13, "Writes clear, well-tested code.", as: .dee, message: "Tested step 1")
        try approve(clash.id, by: [.ben])
        let merged = try suggestLineChange(13, "Writes clear code.", as: .ben, message: "Terse step 1")
        try approve(merged.id, by: [.cai, .dee])
        let moved = try lead.merge(merged.id)

        let forked = try forkRoundTwo(lead, carry: .all)
        XCTAssertEqual(Set(forked.carried.map(\.id)), [same.id, clash.id])
        let carriedSame = try XCTUnwrap(forked.carried.first { $0.id == same.id })
        XCTAssertEqual(Set(carriedSame.approvalsKept), [Person.ben.email, Person.dee.email], "a pure rebase keeps the approvals")
        XCTAssertFalse(carriedSame.conflicted)
        let carriedClash = try XCTUnwrap(forked.carried.first { $0.id == clash.id })
        XCTAssertTrue(carriedClash.conflicted)

        let rebased = try lead.suggestion(slug, XCTUnwrap(ObjectID(hex: same.id)))
        XCTAssertEqual(rebased.round, 2)
        XCTAssertEqual(rebased.revisions.count, 2)
        XCTAssertEqual(rebased.currentRevision.base.hex, moved.commit, "rebased onto round 2's first head")
        XCTAssertEqual(try lead.git.referenceTarget(Layout.revisionPin(slug, rebased.id, 2)), rebased.currentRevision.commit, "the carried revision is pinned")
        XCTAssertEqual(try lead.show(same.id, diff: false).state, .approved)
        XCTAssertEqual(try lead.show(clash.id, diff: false).state, .conflicted)
        XCTAssertEqual(try lead.show(clash.id, diff: false).round, 2)

        let done = try lead.merge(same.id)
        XCTAssertFalse(done.threeWay)
        XCTAssertEqual(done.branch, roundTwo)
        XCTAssertEqual(try lead.text(slug: slug, document: "framework.md"), Data(withLine(158, late, of: withLine(13, "Writes clear code.")).utf8))
    }

    func testCarryNoneLeavesTheOpenSuggestionsInTheClosedRound() throws {
        let lead = try careerSteps()
        let s = try suggestLineChange(5, early, as: .ben)
        try approve(s.id, by: [.cai, .dee])
        let t = try suggestLineChange(158, late, as: .cai)
        let forked = try forkRoundTwo(lead, carry: .none)
        XCTAssertEqual(forked.carried.map(\.id), [])
        XCTAssertEqual(Set(forked.leftBehind), [s.id, t.id])
        XCTAssertEqual(try lead.list(slug: slug).map(\.round), [1, 1])
        XCTAssertEqual(try lead.rounds(slug: slug).map(\.open), [2, 0])
        XCTAssertEqual(try lead.show(s.id, diff: false).state, .approved)
        try expectRefusal(.refused, mentioning: ["[round.closed]", "the open round is round 2 (managers)"], in: lead, try lead.merge(s.id))
        try expectRefusal(.refused, mentioning: ["[round.closed]"], in: lead, try open(as: .dee).approve(t.id, message: nil))
    }

    func testCarryIdCarriesJustThatOne() throws {
        try startReview()
        let s = try suggestCLI(5, early, as: .ben)
        let t = try suggestCLI(158, late, as: .cai)
        let u = try suggestCLI(13, "Writes clear code.", as: .dee)
        try approveCLI(u, by: [.ben, .cai])
        try runOK(["merge", u], as: .dee)
        try expectExit(64, ["fork", slug, "--name", "second", "--audience", "working-group", "--carry", String(u.prefix(8))],
                       mentioning: ["not an open suggestion of round 1"])
        try expectExit(64, ["fork", slug, "--name", "second", "--audience", "working-group", "--carry", "all", String(t.prefix(8))])

        let forked = try XCTUnwrap(try runOK(["fork", slug, "--name", "second", "--audience", "working-group", "--carry", String(t.prefix(8)), "--json"]).json)
        XCTAssertEqual((forked["carried"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, [t])
        XCTAssertEqual(forked["leftBehind"] as? [String], [s])
        let rounds = Dictionary(uniqueKeysWithValues: try XCTUnwrap(try runOK(["list", "--json"]).jsonArray).map { ($0["id"] as? String ?? "", $0["round"] as? Int ?? 0) })
        XCTAssertEqual(rounds, [s: 1, t: 2, u: 1])
        XCTAssertTrue(try gitOK(["log", "-1", "--format=%B", chainRef(t)]).contains("Event: carry\n"))
        XCTAssertEqual(try gitOK(["rev-list", "--count", chainRef(s)]).trimmed, "1", "a suggestion left behind gets no event")
    }

    // MARK: Approvers and audience per round

    func testAnApprovalInTheNewRoundNeedsMembershipOfItsApproversGroups() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, ["working-group", "managers"]), (.eve, ["managers"])])
        XCTAssertEqual(try runOK(["member", "list", "--json"]).json.flatMap { ($0["members"] as? [[String: Any]])?.first { $0["email"] as? String == Person.dee.email }?["groups"] as? [String] },
                       ["managers", "working-group"], "member add places Dee in both groups")
        let s = try suggestCLI(5, early, as: .ben, message: "Shorter introduction")
        try approveCLI(s, by: [.cai])
        let forked = try XCTUnwrap(try runOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers",
                                              "--approvers", "managers", "--json"]).json)
        XCTAssertEqual((forked["newRound"] as? [String: Any])?["approvers"] as? [String], ["managers"])
        let carried = try XCTUnwrap((forked["carried"] as? [[String: Any]])?.first)
        XCTAssertEqual(emails(carried["approvalsKept"]), [], "Cai is not an approver of round 2")
        let approval = try XCTUnwrap((try shown(s)["approvals"] as? [[String: Any]])?.first)
        XCTAssertEqual(email(approval["by"]), Person.cai.email)
        XCTAssertEqual(approval["counts"] as? Bool, false)
        XCTAssertEqual(approval["reason"] as? String, "not an approver of round 2")

        // A working-group member (even a lead) may not approve in round 2; managers may.
        try expectExit(1, ["approve", s], as: .ana, mentioning: ["[approve.not-approver]", "(approvers: managers)"])
        try expectExit(1, ["approve", s], as: .cai, mentioning: ["[approve.not-approver]"])
        XCTAssertEqual(try runOK(["approve", s, "--json"], as: .eve).json?["approvals"] as? Int, 1)
        let second = try XCTUnwrap(try runOK(["approve", s, "--json"], as: .dee).json)
        XCTAssertEqual(second["approvals"] as? Int, 2)
        XCTAssertEqual(second["state"] as? String, "approved")
        try runOK(["merge", s], as: .ben)
        XCTAssertEqual(try gitOK(["log", "-1", "--format=%(trailers:key=Approved-by,valueonly)", "quorum/career-steps/2"]).trimmed,
                       "\(Person.dee.formatted)\n\(Person.eve.formatted)")
    }

    func testTheAudienceOfEachRoundMaySuggestAndCommentThere() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, []), (.eve, ["managers"]), (.fay, ["everyone"])])
        let path = try textFile(withLine(5, early))
        try expectExit(1, ["suggest", slug, "-m", "Shorter introduction", "--file", "framework.md=\(path)"], as: .eve,
                       mentioning: ["eve@example.com is not in the audience of round 1 (working-group)"])
        try expectExit(1, ["comment", slug, "-m", "Hello"], as: .eve, mentioning: ["[comment.not-audience]"])

        try runOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers"])
        let suggested = try runOK(["suggest", slug, "-m", "Shorter introduction", "--file", "framework.md=\(path)", "--json"], as: .eve)
        let s = try jsonID(suggested)
        XCTAssertEqual(suggested.json?["round"] as? Int, 2)
        try runOK(["comment", slug, "-m", "Managers read this as a promotion guide", "--section", "Delivery"], as: .eve)
        try runOK(["comment", s, "-m", "Shorter is better for managers"], as: .eve)
        let t = try suggestCLI(158, late, as: .ben)
        try expectExit(1, ["approve", t], as: .eve, mentioning: ["[approve.not-approver]"])
        try expectExit(1, ["suggest", slug, "-m", "Everyone", "--file", "framework.md=\(path)"], as: .fay, mentioning: ["[suggest.not-audience]"])

        try runOK(["fork", slug, "--name", "everyone", "--audience", "working-group", "--audience", "managers", "--audience", "everyone"])
        try runOK(["comment", slug, "-m", "Thanks for asking everyone"], as: .fay)
        let comments = try XCTUnwrap(try runOK(["show", slug, "--json"]).json?["comments"] as? [[String: Any]])
        XCTAssertEqual(comments.compactMap { email($0["author"]) }, [Person.eve.email, Person.fay.email])
    }

    func testLeavingOutAnEarlierAudienceWarnsAndWithStrictIsRefused() throws {
        try startReview(members: [(.ben, []), (.eve, ["managers"]), (.fay, ["everyone"])])
        try expectExit(1, ["fork", slug, "--name", "managers", "--audience", "managers", "--strict"],
                       mentioning: ["leaves out working-group", "earlier round"])

        let warned = try run(["fork", slug, "--name", "managers", "--audience", "managers"])
        XCTAssertEqual(warned.status, 0, warned.stderr)
        XCTAssertTrue(warned.stderr.contains("warning: the new audience leaves out working-group"), warned.stderr)
        XCTAssertEqual(try runOK(["rounds", slug, "--json"]).jsonArray?.count, 2)

        // Round 1's audience is still an earlier audience in round 3.
        try expectExit(1, ["fork", slug, "--name", "everyone", "--audience", "managers", "--audience", "everyone", "--strict"],
                       mentioning: ["leaves out working-group"])
        let wide = try run(["fork", slug, "--name", "everyone", "--audience", "working-group", "--audience", "managers", "--audience", "everyone", "--strict"])
        XCTAssertEqual(wide.status, 0, wide.stderr)
        XCTAssertFalse(wide.stderr.contains("leaves out"), wide.stderr)
    }

    // MARK: rounds

    func testRoundsJSONCountsSuggestedMergedAndOpenPerRound() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, []), (.eve, ["managers"])])
        try mergeCLI(5, early, by: .ben, approvers: [.cai, .dee], message: "Shorter introduction")
        let withdrawn = try suggestCLI(13, "Writes clear code.", as: .cai)
        try runOK(["withdraw", withdrawn], as: .cai)
        _ = try suggestCLI(168, "Shapes the strategy.", as: .dee)
        try runOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers", "--quorum", "1", "--carry", "none"])
        // Round 2's quorum is 1: one approval merges.
        let one = try suggestCLI(158, late, as: .eve, message: "Clearer Influence step 3", on: withLine(5, early))
        try approveCLI(one, by: [.ben])
        try runOK(["merge", one], as: .eve)
        _ = try suggestCLI(3, "Status: in review", as: .ben, on: withLine(158, late, of: withLine(5, early)))

        let rounds = try XCTUnwrap(try runOK(["rounds", slug, "--json"]).jsonArray)
        XCTAssertEqual(rounds.count, 2)
        XCTAssertEqual(rounds.compactMap { $0["suggested"] as? Int }, [3, 2])
        XCTAssertEqual(rounds.compactMap { $0["merged"] as? Int }, [1, 1])
        XCTAssertEqual(rounds.compactMap { $0["open"] as? Int }, [1, 1])
        XCTAssertEqual(rounds.compactMap { $0["head"] as? String }, [try revParse("quorum/career-steps/1"), try revParse("quorum/career-steps/2")])
        let first = rounds[0]
        let second = rounds[1]
        XCTAssertEqual(first["closed"] as? Bool, true)
        XCTAssertNotNil(seconds(first["closedAt"]), "a closed round has its closing date")
        XCTAssertEqual(second["closed"] as? Bool, false)
        XCTAssertTrue(second["closedAt"] is NSNull)
        XCTAssertEqual(first["quorum"] as? Int, 2)
        XCTAssertEqual(second["quorum"] as? Int, 1)
        XCTAssertEqual(second["name"] as? String, "managers")
        XCTAssertEqual(second["audience"] as? [String], ["managers", "working-group"])
        XCTAssertEqual(seconds(second["openedAt"]) ?? 0, Date().timeIntervalSince1970, accuracy: 600)
        let text = try runOK(["rounds", slug]).stdout
        XCTAssertTrue(text.contains("3 suggested, 1 merged, 1 open"), text)
        XCTAssertTrue(text.contains("2 managers         open"), text)
    }

    // MARK: Cut

    func testCutMakesAnAnnotatedImmutableTagOnTheOpenRoundsHead() throws {
        try startReview()
        try mergeCLI(5, early, by: .ben, approvers: [.cai, .dee], message: "Shorter introduction")
        let head = try revParse("quorum/career-steps/1")
        try expectExit(1, ["cut", slug, "v1"], as: .ben, mentioning: ["[cut.not-lead]"])
        try expectExit(64, ["cut", slug, "r2"], mentioning: ["illegal version name"])
        try expectExit(64, ["cut", slug, "V 1"], mentioning: ["illegal version name"])

        let cut = try runOK(["cut", slug, "v1", "-m", "First official version", "--json"])
        let tagObject = try jsonID(cut)
        XCTAssertEqual(tagObject, try revParse(v1Tag), "cut --json: the id is the tag object")
        XCTAssertEqual(try gitOK(["cat-file", "-t", v1Tag]).trimmed, "tag", "an annotated tag, not a lightweight one")
        XCTAssertEqual(try revParse("\(v1Tag)^{commit}"), head)
        XCTAssertEqual(cut.json?["commit"] as? String, head)
        XCTAssertEqual(try gitOK(["for-each-ref", "--format=%(taggername) %(taggeremail)", v1Tag]).trimmed, "Ana Lima <ana@example.com>")
        let message = try tagMessage(v1Tag)
        XCTAssertTrue(message.hasPrefix("Engineering Career Steps v1\n"), message)
        XCTAssertTrue(message.contains("First official version"), message)
        let event = try gitOK(["log", "-1", "--format=%B", meta])
        XCTAssertTrue(event.contains("Event: cut\n") && event.contains("Version: v1\n"), event)

        // Immutable: a second cut of v1, even after the round moved, is refused and the tag stays.
        try mergeCLI(158, late, by: .cai, approvers: [.ben, .dee], message: "Clearer Influence step 3", on: withLine(5, early))
        try expectExit(1, ["cut", slug, "v1"], mentioning: ["[cut.exists]"])
        try expectExit(1, ["cut", slug, "v1", "--force"], mentioning: ["[cut.exists]"])
        XCTAssertEqual(try revParse(v1Tag), tagObject)
        XCTAssertEqual(try revParse("\(v1Tag)^{commit}"), head)
        try assertFsckStrictClean()
    }

    func testCutIsRefusedWhileApprovedSuggestionsAreUnmergedUnlessForced() throws {
        try startReview()
        try mergeCLI(5, early, by: .ben, approvers: [.cai, .dee], message: "Shorter introduction")
        let pending = try suggestCLI(158, late, as: .cai, message: "Clearer Influence step 3", on: withLine(5, early))
        try approveCLI(pending, by: [.ben])
        try runOK(["cut", slug, "v1"])  // open, not approved: no obstacle
        try approveCLI(pending, by: [.dee])
        try expectExit(1, ["cut", slug, "v2"], mentioning: ["[cut.pending]", String(pending.prefix(8))])
        XCTAssertEqual(try git(["rev-parse", "--verify", "-q", v2Tag]).status, 1)

        let forced = try runOK(["cut", slug, "v2", "--force", "--json"])
        XCTAssertEqual(try jsonID(forced), try revParse(v2Tag))
        XCTAssertEqual(changelog(try tagMessage(v2Tag)), ["  (none)"], "the unmerged suggestion is not in the changelog")
    }

    func testTheChangelogNamesExactlyTheMergedSuggestionsSinceThePreviousVersionAndTheCreditsEveryoneAlphabetically() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, []), (abe, ["managers"]), (.eve, ["managers"]), (.fay, ["managers"])])
        let a = try mergeCLI(5, early, by: .ben, approvers: [.cai, .dee], message: "Shorter introduction")
        var text = withLine(5, early)
        let b = try mergeCLI(158, late, by: .cai, approvers: [.ben, .ana], message: "Clearer Influence step 3", on: text)
        text = withLine(158, late, of: text)
        let withdrawn = try suggestCLI(13, "Writes clear code.", as: .dee, message: "Terse step 1", on: text)
        try runOK(["withdraw", withdrawn], as: .dee)
        try runOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers"])
        try runOK(["comment", slug, "-m", "Reads well to a manager"], as: abe)

        let v1 = try XCTUnwrap(try runOK(["cut", slug, "v1", "--json"]).json)
        let message = try tagMessage(v1Tag)
        XCTAssertTrue(message.contains("Changes since the proposal was opened:\n"), message)
        XCTAssertEqual(changelog(message), [
            "- Shorter introduction (suggestion \(a.prefix(8)))",
            "  by Ben Okafor <ben@example.com>; approved by Cai Wong <cai@example.com>, Dee Park <dee@example.com>",
            "- Clearer Influence step 3 (suggestion \(b.prefix(8)))",
            "  by Cai Wong <cai@example.com>; approved by Ana Lima <ana@example.com>, Ben Okafor <ben@example.com>",
        ])
        XCTAssertFalse(message.contains("Terse step 1"), "a withdrawn suggestion is no change")
        XCTAssertEqual(credits(message), [
            "Abe Zimmer <zimmer@example.com>", "Ana Lima <ana@example.com>", "Ben Okafor <ben@example.com>",
            "Cai Wong <cai@example.com>", "Dee Park <dee@example.com>",
        ], "everyone who suggested, approved or commented, by name; not Eve or Fay, who did nothing")
        let entries = try XCTUnwrap(v1["changelog"] as? [[String: Any]])
        XCTAssertEqual(entries.compactMap { $0["suggestion"] as? String }, [a, b])
        // Approvers as people, {"name", "email"}.
        XCTAssertEqual(entries.compactMap { ($0["approvedBy"] as? [[String: Any]])?.map { "\($0["name"] as? String ?? "") <\(email($0) ?? "")>" } }, [
            [Person.cai.formatted, Person.dee.formatted], [Person.ana.formatted, Person.ben.formatted],
        ])

        // One more merge in round 2, then v2: its changelog has only that one.
        let c = try mergeCLI(168, "Shapes the strategy of the whole organisation.", by: .eve, approvers: [.ben, .cai],
                             message: "Influence step 4", on: text)
        try runOK(["cut", slug, "v2"])
        let second = try tagMessage(v2Tag)
        XCTAssertTrue(second.contains("Changes since version v1:\n"), second)
        XCTAssertEqual(changelog(second), [
            "- Influence step 4 (suggestion \(c.prefix(8)))",
            "  by Eve Brandt <eve@example.com>; approved by Ben Okafor <ben@example.com>, Cai Wong <cai@example.com>",
        ])
        XCTAssertEqual(credits(second), [
            "Abe Zimmer <zimmer@example.com>", "Ana Lima <ana@example.com>", "Ben Okafor <ben@example.com>",
            "Cai Wong <cai@example.com>", "Dee Park <dee@example.com>", "Eve Brandt <eve@example.com>",
        ])
        XCTAssertEqual(try revParse("\(v2Tag)^{commit}"), try revParse("quorum/career-steps/2"))
    }

    func testAPairEditIsInTheChangelogWithBothOfItsAuthorsAndBothAreCredited() throws {
        try startReview()
        let text = withLine(3, "Status: under review by the working group")
        try runOK(["edit", slug, "-m", "Say who reviews the draft", "--pair", Person.cai.email, "--file", "framework.md=\(try textFile(text))"], as: .ben)
        try runOK(["cut", slug, "v1"])
        let message = try tagMessage(v1Tag)
        XCTAssertEqual(changelog(message), [
            "- Say who reviews the draft",
            "  by Ben Okafor <ben@example.com> with Cai Wong <cai@example.com> (pair edit)",
        ])
        XCTAssertEqual(credits(message), ["Ana Lima <ana@example.com>", "Ben Okafor <ben@example.com>", "Cai Wong <cai@example.com>"],
                       "the two people who wrote v1's only change are not credited")
    }

    // MARK: Old text

    func testVersionsCatAndDiffReadTheTextOfOldRoundsAndVersionsByteForByte() throws {
        try startReview()
        let r1Text = withLine(5, "This framework describes how engineers grow — naïvely put ✓")
        try mergeCLI(5, "This framework describes how engineers grow — naïvely put ✓", by: .ben, approvers: [.cai, .dee], message: "Introduction")
        try runOK(["fork", slug, "--name", "second", "--audience", "working-group"])
        let v1Text = withLine(158, late, of: r1Text)
        try mergeCLI(158, late, by: .cai, approvers: [.ben, .dee], message: "Clearer Influence step 3", on: r1Text)
        try runOK(["cut", slug, "v1"])
        let nowText = withLine(13, "Writes clear code.", of: v1Text)
        try mergeCLI(13, "Writes clear code.", by: .dee, approvers: [.ben, .cai], message: "Terse step 1", on: v1Text)

        let versions = try XCTUnwrap(try runOK(["versions", slug, "--json"]).jsonArray)
        XCTAssertEqual(versions.compactMap { $0["version"] as? String }, ["v1"])
        XCTAssertEqual(versions.first?["round"] as? Int, 2)
        XCTAssertEqual(versions.first?["commit"] as? String, try revParse("\(v1Tag)^{commit}"))
        XCTAssertEqual(versions.first?["tag"] as? String, v1Tag)
        XCTAssertTrue(try runOK(["versions", slug]).stdout.hasPrefix("v1 "))

        XCTAssertEqual(try runOK(["cat", slug, "--version", "v1"]).stdoutData, Data(v1Text.utf8))
        XCTAssertEqual(try runOK(["cat", slug, "framework.md", "--round", "1"]).stdoutData, Data(r1Text.utf8))
        XCTAssertEqual(try runOK(["cat", slug, "--round", "2"]).stdoutData, Data(nowText.utf8))
        XCTAssertEqual(try runOK(["cat", slug]).stdoutData, Data(nowText.utf8))
        XCTAssertEqual(try git(["show", "\(v1Tag):Proposals/career-steps/framework.md"]).stdoutData, Data(v1Text.utf8))
        try expectExit(64, ["cat", slug, "--version", "v9"], mentioning: ["no version 'v9'", "versions: v1"])
        try expectExit(64, ["cat", slug, "--round", "7"], mentioning: ["no round 7"])

        // The line diff (the default shows words; DiffOutputTests).
        let r1v1 = try runOK(["diff", slug, "r1", "v1", "--line-diff"]).stdout
        XCTAssertTrue(r1v1.contains("-" + line(158, of: original) + "\n"), r1v1)
        XCTAssertTrue(r1v1.contains("+" + late + "\n"), r1v1)
        XCTAssertFalse(r1v1.contains("+Writes clear code."), "r1 to v1 does not include later changes: \(r1v1)")
        XCTAssertFalse(r1v1.contains("naïvely"), "nor earlier ones: \(r1v1)")
        let v1r2 = try runOK(["diff", slug, "v1", "r2", "--line-diff"]).stdout
        XCTAssertTrue(v1r2.contains("+Writes clear code.\n"), v1r2)
        XCTAssertFalse(v1r2.contains(late), v1r2)
        XCTAssertEqual(try runOK(["diff", slug, "v1", "v1"]).stdout, "No differences between version v1 and version v1 of \(slug).\n")
        XCTAssertEqual(try runOK(["diff", slug, "v1", "v1", "--line-diff"]).stdout, "No differences between version v1 and version v1 of \(slug).\n")
    }

    // MARK: Export

    func testExportMarkdownHasTheHeaderTheTextTheChangelogAndTheCredits() throws {
        try startReview()
        try mergeCLI(5, early, by: .ben, approvers: [.cai, .dee], message: "Shorter introduction")
        try runOK(["cut", slug, "v1", "-m", "First official version"])
        let output = tmp.appendingPathComponent("career-steps-v1.md").path
        let written = try runOK(["export", slug, "--version", "v1", "--format", "md", "-o", output])
        XCTAssertTrue(written.stdout.contains("Wrote Version v1 of career-steps as md"), written.stdout)
        let md = try String(contentsOfFile: output, encoding: .utf8)
        XCTAssertEqual(try runOK(["export", slug, "--version", "v1", "--format", "md"]).stdout, md, "stdout and -o write the same")

        XCTAssertTrue(md.hasPrefix("> **Engineering Career Steps** — proposal `career-steps`  \n> Version v1 · \(today) · Official version (cut from round 1, working-group)\n\n"),
                      String(md.prefix(300)))
        XCTAssertTrue(md.contains(String(withLine(5, early).drop(while: { $0 != "\n" }))), "the whole text of v1, after its title")
        XCTAssertEqual(md.components(separatedBy: "Engineering Career Steps").count, 2, "the title once: the document's own '# Engineering Career Steps' is the header's")
        XCTAssertTrue(md.contains("## Release notes\n\nFirst official version\n"), "the cut -m notes: \(md.prefix(400))")
        let changelog = try XCTUnwrap(md.range(of: "\n## Changelog\n"))
        let creditsAt = try XCTUnwrap(md.range(of: "\n## Credits\n"))
        XCTAssertLessThan(changelog.lowerBound, creditsAt.lowerBound)
        let changes = String(md[changelog.upperBound..<creditsAt.lowerBound])
        XCTAssertEqual(changes.trimmed, "- \(today) — **Shorter introduction** — by Ben Okafor; approved by Cai Wong, Dee Park", "dated, names only")
        XCTAssertEqual(String(md[creditsAt.upperBound...]).trimmed, [
            "- **Proposed:** Ana Lima", "- **Suggested:** Ben Okafor", "- **Approved:** Cai Wong, Dee Park",
        ].joined(separator: "\n"), "credits by role")
        XCTAssertFalse(md.contains("@example.com"), "no email without --emails")
        let withEmails = try runOK(["export", slug, "--version", "v1", "--format", "md", "--emails"]).stdout
        XCTAssertTrue(withEmails.contains("— by Ben Okafor (ben@example.com); approved by Cai Wong (cai@example.com), Dee Park (dee@example.com)\n"), withEmails)
        XCTAssertTrue(withEmails.contains("- **Approved:** Cai Wong (cai@example.com), Dee Park (dee@example.com)\n"), withEmails)

        // The open round exports as a draft.
        let draft = try runOK(["export", slug, "--format", "md"]).stdout
        XCTAssertTrue(draft.contains("> Round 1 (working-group) · \(today) · Draft under review by working-group\n"), String(draft.prefix(300)))
        try expectExit(64, ["export", slug, "--version", "v7", "--format", "md"], mentioning: ["no version 'v7'"])
        try expectExit(64, ["export", slug, "--format", "pdf"])
    }

    /// Exports v1 of a proposal whose title needs escaping; returns the HTML file's path.
    private func exportHTML() throws -> String {
        try startReview(title: "Career Steps & <Paths> \"2026\"")
        try mergeCLI(5, early, by: .ben, approvers: [.cai, .dee], message: "Shorter introduction")
        try runOK(["cut", slug, "v1"])
        let output = tmp.appendingPathComponent("career-steps-v1.html").path
        try runOK(["export", slug, "--version", "v1", "--format", "html", "-o", output])
        return output
    }

    func testExportHTMLIsACompleteSelfContainedPage() throws {
        let html = try String(contentsOfFile: try exportHTML(), encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"), String(html.prefix(200)))
        XCTAssertTrue(html.trimmed.hasSuffix("</body>\n</html>"), String(html.suffix(200)))
        XCTAssertTrue(html.contains("<title>Career Steps &amp; &lt;Paths&gt; &quot;2026&quot; — Version v1</title>"), html)
        XCTAssertTrue(html.contains("<h1>Career Steps &amp; &lt;Paths&gt; &quot;2026&quot;</h1>"), "the header's title is escaped too")
        XCTAssertFalse(html.contains("<Paths>"), "an unescaped title")
        XCTAssertEqual(html.components(separatedBy: "<style>").count, 2, "one inline style")
        XCTAssertTrue(html.contains("</style>\n</head>"))

        // Self-contained: nothing loaded from elsewhere.
        for pattern in [#"(?i)\b(src|href)\s*=\s*["']?\s*(https?:|//|file:)"#, #"(?i)\bsrc\s*="#, #"(?i)<link\b"#, #"(?i)<script\b"#, #"(?i)@import"#, #"(?i)url\("#] {
            XCTAssertNil(html.range(of: pattern, options: .regularExpression), "external reference matching \(pattern)")
        }
        for match in html.matches(of: /(?i)href\s*=\s*"([^"]*)"/) {
            XCTAssertTrue(match.1.hasPrefix("#"), "a link out of the page: \(match.0)")
        }

        // The header, the text, the changelog and the credits.
        XCTAssertTrue(html.contains("<dt>Version</dt><dd>v1</dd>"), html)
        XCTAssertTrue(html.contains("<dt>Date</dt><dd>\(today)</dd>"), html)
        XCTAssertTrue(html.contains("<dt>Status</dt><dd>Official version"), html)
        XCTAssertTrue(html.contains("<h2>Technical Craft</h2>"), "the Markdown is rendered")
        XCTAssertTrue(html.contains(early), "the text of v1")
        XCTAssertTrue(html.contains("<section class=\"review\" id=\"changelog\">"))
        XCTAssertTrue(html.contains("<strong>Shorter introduction</strong>"), html)
        XCTAssertTrue(html.contains("<li><time>\(today)</time> <strong>Shorter introduction</strong> — by Ben Okafor; approved by Cai Wong, Dee Park</li>"), html)
        XCTAssertTrue(html.contains("<dt>Approved</dt><dd>Cai Wong, Dee Park</dd>"), html)
        XCTAssertFalse(html.contains("@example.com"), "no email without --emails")
    }

    func testExportHTMLLoadsNothingFromElsewhereEvenWhenTheTextPointsElsewhere() throws {
        try runOK(["init", repo.path])
        let text = """
            # Handbook

            Our logo: ![logo](https://example.com/logo.png)

            <img src="http://example.com/pixel.gif">

            <script src="https://example.com/tracker.js"></script>

            See [the site](https://example.com) for more.

            """
        try runOK(["propose", "handbook", "--file", "handbook.md=\(try textFile(text))"])
        let html = try runOK(["export", "handbook", "--format", "html"]).stdout
        XCTAssertTrue(html.contains("Our logo"), html)
        XCTAssertNil(html.range(of: #"(?i)\bsrc\s*=\s*["']?\s*(https?:|//)"#, options: .regularExpression),
                     "the exported page loads an image or script from another server: \(flat(html.components(separatedBy: "<main>").last))")
        XCTAssertNil(html.range(of: #"(?i)<script\b"#, options: .regularExpression), "the document's text runs as a script in the exported page")
    }

    func testExportedHTMLRendersInHeadlessChromium() throws {
        let chromium = TestEnvironment.path.split(separator: ":").map { "\($0)/chromium" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium else { throw XCTSkip("chromium is not on PATH") }
        let page = try exportHTML()
        let png = tmp.appendingPathComponent("v1.png").path
        let profile = tmp.appendingPathComponent("chromium-profile").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--screenshot=\(png)", "--window-size=1000,1400",
            "--user-data-dir=\(profile)", "--no-first-run", "--disable-extensions", URL(fileURLWithPath: page).absoluteString,
        ]
        var env = environment(for: nil)
        env["HOME"] = home.path
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            process.terminate()
            XCTFail("chromium did not finish within 60 seconds")
            return
        }
        let data = try XCTUnwrap(FileManager.default.contents(atPath: png), "no screenshot written (chromium exit \(process.terminationStatus))")
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
        func be32(_ at: Int) -> Int { data[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual(be32(16), 1000, "width")
        XCTAssertEqual(be32(20), 1400, "height")
        XCTAssertGreaterThan(data.count, 40_000, "a page with text renders to more than a blank screenshot")
        if let keep = ProcessInfo.processInfo.environment["QUORUM_KEEP_SCREENSHOT"], !keep.isEmpty {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: png, toPath: keep)
        }
    }
}
