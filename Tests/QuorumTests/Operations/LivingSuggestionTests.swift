import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// A suggestion's life after the core loop (issue 3): revisions and stale
/// approvals, rebase, conflicts, objections, withdraw and reject, revoked
/// approvals, comment threads, pair edits, co-authors and the inbox.
/// In-process tests go through `ReviewRepository`; end-to-end tests run
/// the built binary and check with the real git CLI. Every refusal must
/// leave every ref where it was, except the suggestion's own chain when a
/// refusal is documented to record on it (a conflict).
final class LivingSuggestionTests: RoundsTestCase {
    private let early = "This framework describes how engineers grow here, step by step."
    private let late = "Influences direction beyond their own team, and is asked for advice by other teams."

    private func meta(_ id: String) -> String { Layout.suggestionMeta(slug, ObjectID(hex: id)!) }

    // MARK: Revisions and stale approvals

    func testAnApprovalOfRevisionOneDoesNotCountForRevisionTwoAndShowsAsStaleWithWhoGaveIt() throws {
        let lead = try careerSteps()
        let s = try suggestLineChange(13, "Writes clear code.", as: .ben, message: "Terse step 1")
        XCTAssertEqual(try open(as: .cai).approve(s.id, message: "Good").approvals, 1)

        // Only the author (or a co-author) revises; the same text again is no revision.
        try expectRefusal(.refused, mentioning: ["[revise.not-author]"], in: lead,
                          try open(as: .cai).revise(s.id, message: "Mine now", documents: framework(withLine(13, "Writes code."))))
        try expectRefusal(.refused, mentioning: ["same as revision 1"], in: lead,
                          try open(as: .ben).revise(s.id, message: "Again", documents: framework(withLine(13, "Writes clear code."))))

        let revisedText = withLine(13, "Writes clear, tested code.")
        let revised = try open(as: .ben).revise(s.id, message: "Terse step 1, tested\n\nTesting stays in.", documents: framework(revisedText))
        XCTAssertEqual(revised.revision, 2)
        XCTAssertEqual(revised.base, s.base, "a revision keeps the suggestion's base")
        XCTAssertEqual(revised.approvalsKept, [])
        XCTAssertEqual(revised.approvalsStale, [Person.cai.email])
        XCTAssertEqual(revised.state, .open)
        XCTAssertEqual(try lead.git.referenceTarget(meta(s.id))?.hex, revised.id)
        XCTAssertEqual(try lead.git.referenceTarget(Layout.revisionPin(slug, ObjectID(hex: s.id)!, 2))?.hex, revised.commit, "revision 2 is pinned")
        XCTAssertEqual(try lead.git.referenceTarget(roundOne)?.hex, s.base, "revising must not move the round")

        let detail = try lead.show(s.id, diff: true)
        XCTAssertEqual(detail.revision, 2)
        XCTAssertEqual(detail.title, "Terse step 1, tested")
        XCTAssertEqual(detail.revisions.map(\.kind), ["suggest", "revise"])
        XCTAssertEqual(detail.revisions.map(\.by), [Person.ben.email, Person.ben.email])
        XCTAssertTrue(detail.diff?.contains("+Writes clear, tested code.") ?? false, detail.diff ?? "no diff")
        let stale = try XCTUnwrap(detail.approvals.first)
        XCTAssertEqual(detail.approvals.count, 1)
        XCTAssertEqual(stale.email, Person.cai.email, "a stale approval still says who gave it")
        XCTAssertEqual(stale.name, Person.cai.name)
        XCTAssertEqual(stale.revision, s.revision, "and which revision it was of")
        XCTAssertEqual(stale.message, "Good")
        XCTAssertFalse(stale.counts)
        XCTAssertEqual(stale.reason, "stale: approved an older revision")

        // One counting approval of revision 2 is not a quorum; the refusal names the stale one.
        let dee = try open(as: .dee).approve(s.id, message: nil)
        XCTAssertEqual(dee.approvals, 1)
        XCTAssertEqual(dee.state, .open)
        XCTAssertEqual(try lead.list().first?.approvals, 1)
        try expectRefusal(.refused, mentioning: ["[merge.quorum]", "cai@example.com does not count (stale"],
                          in: lead, try lead.merge(s.id))

        // Cai approves revision 2: now it counts.
        let again = try open(as: .cai).approve(s.id, message: nil)
        XCTAssertEqual(again.approvals, 2)
        XCTAssertEqual(again.state, .approved)
        XCTAssertEqual(try lead.show(s.id, diff: false).approvals.map(\.counts), [true, true])
        let merged = try lead.merge(s.id)
        XCTAssertEqual(Set(merged.approvedBy), [Person.cai.email, Person.dee.email])
        XCTAssertEqual(try lead.text(slug: slug, document: "framework.md"), Data(revisedText.utf8))
        XCTAssertTrue(try lead.git.commit(ObjectID(hex: merged.commit)!).message.hasPrefix("Terse step 1, tested\n\nTesting stays in.\n"))
    }

    func testEndToEndARevisedSuggestionShowsTheStaleApprovalAndWhoGaveIt() throws {
        try startReview()
        let s = try suggestCLI(13, "Writes clear code.", as: .ben, message: "Terse step 1")
        try approveCLI(s, by: [.cai])
        let path = try textFile(withLine(13, "Writes clear, tested code."))
        let revised = try runOK(["revise", s, "-m", "Terse step 1, tested", "--file", "framework.md=\(path)", "--json"], as: .ben)
        XCTAssertEqual(try jsonID(revised), try revParse(chainRef(s)))
        XCTAssertEqual(emails(revised.json?["approvalsStale"]), [Person.cai.email])
        XCTAssertEqual(try gitOK(["rev-parse", "\(chainRef(s).dropLast(4))revs/2"]).trimmed, revised.json?["revisionCommit"] as? String)

        let text = try runOK(["show", s]).stdout
        XCTAssertTrue(text.contains("Cai Wong <cai@example.com>"), text)
        XCTAssertTrue(text.contains("does not count: stale: approved an older revision"), text)
        XCTAssertTrue(text.contains("Approvals: 0 of 2"), text)
        let approvals = try XCTUnwrap(try shown(s)["approvals"] as? [[String: Any]])
        XCTAssertEqual(approvals.compactMap { email($0["by"]) }, [Person.cai.email])
        XCTAssertEqual(approvals.compactMap { $0["counts"] as? Bool }, [false])
        try approveCLI(s, by: [.dee])
        try expectExit(1, ["merge", s], as: .ben, mentioning: ["[merge.quorum]", "cai@example.com does not count (stale"])
    }

    // MARK: Rebase

    func testAPureRebaseKeepsItsApprovals() throws {
        let lead = try careerSteps()
        let s = try suggestLineChange(5, early, as: .ben, message: "Shorter introduction")
        try approve(s.id, by: [.cai, .dee])
        let other = try suggestLineChange(158, late, as: .cai, message: "Clearer Influence step 3")
        try approve(other.id, by: [.ben, .dee])
        let moved = try lead.merge(other.id)

        try expectRefusal(.refused, mentioning: ["[rebase.not-allowed]"], in: lead, try open(as: .dee).rebase(s.id))
        let rebased = try open(as: .ben).rebase(s.id)
        XCTAssertEqual(rebased.revision, 2)
        XCTAssertEqual(rebased.base, moved.commit, "rebased onto the round's current head")
        XCTAssertEqual(Set(rebased.approvalsKept), [Person.cai.email, Person.dee.email])
        XCTAssertEqual(rebased.approvalsStale, [])
        XCTAssertEqual(rebased.state, .approved)
        let commit = try lead.git.commit(XCTUnwrap(ObjectID(hex: rebased.commit)))
        XCTAssertEqual(commit.parents.map(\.hex), [moved.commit])
        XCTAssertEqual(commit.author.email, Person.ben.email, "the rebased revision keeps its author")
        let suggestion = try lead.suggestion(slug, XCTUnwrap(ObjectID(hex: s.id)))
        XCTAssertEqual(suggestion.revisions.map(\.kind), [.suggest, .rebase])
        let patchIDs = try suggestion.revisions.map { try lead.git.verbatimPatchID(from: lead.git.commit($0.base).tree, to: lead.git.commit($0.commit).tree) }
        XCTAssertEqual(patchIDs[0], patchIDs[1], "the same change has the same verbatim patch id")

        try expectRefusal(.refused, mentioning: ["already written on the round's current head"], in: lead, try open(as: .ben).rebase(s.id))
        let merged = try open(as: .ben).merge(s.id)
        XCTAssertFalse(merged.threeWay, "a rebased suggestion sits on the round head")
        XCTAssertEqual(Trailers.parse(try lead.git.commit(XCTUnwrap(ObjectID(hex: merged.commit))).message).all("Approved-by"),
                       [Person.cai.formatted, Person.dee.formatted])
        XCTAssertEqual(try lead.text(slug: slug, document: "framework.md"), Data(withLine(158, late, of: withLine(5, early)).utf8))
    }

    func testARebaseThatChangesTheChangeDropsItsApprovals() throws {
        // Ben's suggestion edits lines 5 and 158; the round meanwhile took
        // the same edit of line 158, so after rebasing Ben's change is
        // smaller: a different change, which its approvers have not seen.
        let lead = try careerSteps()
        let s = try suggest(withLine(158, late, of: withLine(5, early)), message: "Introduction and Influence", as: .ben)
        try approve(s.id, by: [.cai, .dee])
        let same = try suggestLineChange(158, late, as: .cai, message: "Clearer Influence step 3")
        try approve(same.id, by: [.ben, .dee])
        _ = try lead.merge(same.id)

        let rebased = try lead.rebase(s.id)  // a lead may rebase someone's suggestion
        XCTAssertEqual(rebased.approvalsKept, [])
        XCTAssertEqual(Set(rebased.approvalsStale), [Person.cai.email, Person.dee.email])
        XCTAssertEqual(rebased.state, .open)
        let detail = try lead.show(s.id, diff: true)
        XCTAssertEqual(detail.approvals.map(\.reason), ["stale: approved an older revision", "stale: approved an older revision"])
        XCTAssertEqual(detail.revisions.last?.by, Person.ana.email)
        let diff = try XCTUnwrap(detail.diff)
        XCTAssertTrue(diff.contains("+" + early), diff)
        XCTAssertFalse(diff.contains("+" + late), "the rebased change no longer carries line 158: \(diff)")
        try expectRefusal(.refused, mentioning: ["[merge.quorum]"], in: lead, try lead.merge(s.id))
    }

    func testARebaseThatConflictsMarksTheSuggestionConflictedAndTheAuthorResolvesItByRevising() throws {
        let lead = try careerSteps()
        let s = try suggestLineChange(13, "Writes clear, well-tested code.", as: .ben, message: "Tested step 1")
        try approve(s.id, by: [.cai, .dee])
        let first = try suggestLineChange(13, "Writes clear code.", as: .cai, message: "Terse step 1")
        try approve(first.id, by: [.ben, .dee])
        _ = try lead.merge(first.id)
        let head = try XCTUnwrap(try lead.git.referenceTarget(roundOne))

        try expectRefusal(.refused, mentioning: ["framework.md line 13:", "Writes clear code.", "Writes clear, well-tested code.", "now conflicted"],
                          in: lead, allowing: [meta(s.id)], try open(as: .ben).rebase(s.id))
        XCTAssertEqual(try lead.git.referenceTarget(roundOne), head, "a conflicting rebase must not move the round")
        XCTAssertNil(try lead.git.referenceTarget(Layout.revisionPin(slug, ObjectID(hex: s.id)!, 2)), "no revision was made")
        let suggestion = try lead.suggestion(slug, ObjectID(hex: s.id)!)
        XCTAssertEqual(suggestion.conflictedWith, head)
        XCTAssertEqual(suggestion.revisions.count, 1)
        XCTAssertEqual(suggestion.eventCount, 4, "suggest, two approvals, and the conflict")
        XCTAssertEqual(try lead.show(s.id, diff: false).state, .conflicted)
        XCTAssertEqual(try lead.show(s.id, diff: false).conflictedWith, head.hex)
        XCTAssertEqual(try lead.list(state: .conflicted).map(\.id), [s.id])

        // While conflicted it can be neither approved nor merged, and trying records nothing more.
        try expectRefusal(.refused, mentioning: ["[approve.conflicted]"], in: lead, try lead.approve(s.id, message: nil))
        try expectRefusal(.refused, mentioning: ["framework.md line 13:"], in: lead, try lead.merge(s.id))
        try expectRefusal(.refused, mentioning: ["framework.md line 13:"], in: lead, try open(as: .ben).rebase(s.id))

        // Only the author resolves it, by revising on the round's current text.
        let resolved = withLine(13, "Writes clear code, with tests first.")
        try expectRefusal(.refused, mentioning: ["only the author"], in: lead,
                          try open(as: .cai).revise(s.id, message: "Fix", documents: framework(resolved)))
        let revised = try open(as: .ben).revise(s.id, message: "Tested step 1, on the terse text", documents: framework(resolved))
        XCTAssertEqual(revised.base, head.hex, "a conflicted suggestion is revised on the round's current head")
        XCTAssertEqual(revised.state, .open)
        XCTAssertEqual(Set(revised.approvalsStale), [Person.cai.email, Person.dee.email])
        XCTAssertNil(try lead.suggestion(slug, ObjectID(hex: s.id)!).conflictedWith)
        try approve(s.id, by: [.cai, .dee])
        let merged = try lead.merge(s.id)
        XCTAssertFalse(merged.threeWay)
        XCTAssertEqual(try lead.text(slug: slug, document: "framework.md"), Data(resolved.utf8))
    }

    // MARK: Three-way merges, end to end

    func testEndToEndTwoSuggestionsOnFarApartParagraphsFromTheSameBaseBothMerge() throws {
        try startReview()
        let base = try revParse("quorum/career-steps/1")
        let a = try suggestCLI(5, early, as: .ben, message: "Shorter introduction")
        let b = try suggestCLI(158, late, as: .cai, message: "Clearer Influence step 3")
        XCTAssertEqual(try shown(a)["base"] as? String, base)
        XCTAssertEqual(try shown(b)["base"] as? String, base)
        try approveCLI(a, by: [.cai, .dee])
        try approveCLI(b, by: [.ben, .dee])
        XCTAssertEqual(try runOK(["merge", a, "--json"], as: .ben).json?["threeWay"] as? Bool, false)
        XCTAssertEqual(try runOK(["merge", b, "--json"], as: .cai).json?["threeWay"] as? Bool, true)

        let subjects = try gitOK(["log", "--first-parent", "--format=%s", "quorum/career-steps/1"]).split(separator: "\n")
        XCTAssertEqual(subjects, ["Clearer Influence step 3", "Shorter introduction", "Propose career-steps: Engineering Career Steps"])
        XCTAssertEqual(try runOK(["cat", slug]).stdoutData, Data(withLine(158, late, of: withLine(5, early)).utf8))
        XCTAssertEqual(try runOK(["list", "--json"]).jsonArray?.compactMap { $0["state"] as? String }, ["merged", "merged"])
        try assertFsckStrictClean()
    }

    func testEndToEndTheSecondOfTwoSameLineEditsIsConflictedThenRevisedApprovedAndMerged() throws {
        try startReview()
        let first = try suggestCLI(13, "Writes clear code.", as: .ben, message: "Terse step 1")
        let second = try suggestCLI(13, "Writes clear, well-tested code.", as: .cai, message: "Tested step 1")
        try approveCLI(first, by: [.cai, .dee])
        try approveCLI(second, by: [.ben, .dee])
        try runOK(["merge", first], as: .ben)
        let round = try revParse("quorum/career-steps/1")

        // Refused: exit 1, naming the document and the line; only the suggestion's own chain records it.
        try expectExit(1, ["merge", second], as: .cai, mentioning: ["conflicts", "framework.md line 13:", "Writes clear code.", "now conflicted"],
                       allowing: [chainRef(second)])
        XCTAssertEqual(try revParse("quorum/career-steps/1"), round, "the round branch is unchanged")
        XCTAssertEqual(try runOK(["cat", slug]).stdoutData, Data(withLine(13, "Writes clear code.").utf8))
        let events = try gitOK(["log", "--format=%B", chainRef(second)])
        XCTAssertTrue(events.hasPrefix("Conflict: Tested step 1\n"), events)
        XCTAssertTrue(events.contains("Event: conflict\n"), events)
        XCTAssertTrue(events.contains("Round-Head: \(round)\n"), events)
        XCTAssertEqual(try gitOK(["rev-list", "--count", chainRef(second)]).trimmed, "4")
        let detail = try shown(second)
        XCTAssertEqual(detail["state"] as? String, "conflicted")
        XCTAssertEqual(detail["conflictedWith"] as? String, round)
        XCTAssertEqual(try runOK(["list", "--state", "conflicted", "--json"]).jsonArray?.compactMap { $0["id"] as? String }, [second])
        XCTAssertTrue(try runOK(["show", second]).stdout.contains("conflicted with round head \(round.prefix(8)); the author must revise it"))

        // Merging again records nothing more; approving is refused; only the author revises.
        try expectExit(1, ["merge", second], as: .cai, mentioning: ["framework.md line 13:"])
        try expectExit(1, ["approve", second], as: .ana, mentioning: ["[approve.conflicted]"])
        let resolved = withLine(13, "Writes clear code, with tests first.")
        let path = try textFile(resolved)
        try expectExit(1, ["revise", second, "-m", "Mine", "--file", "framework.md=\(path)"], as: .ben, mentioning: ["[revise.not-author]"])

        let revised = try runOK(["revise", second, "-m", "Tested step 1, on the terse text", "--file", "framework.md=\(path)", "--json"], as: .cai)
        XCTAssertEqual(try jsonID(revised), try revParse(chainRef(second)))
        XCTAssertEqual(revised.json?["base"] as? String, round, "written on the round's current text")
        XCTAssertEqual(revised.json?["state"] as? String, "open")
        XCTAssertEqual(Set(emails(revised.json?["approvalsStale"]) ?? []), [Person.ben.email, Person.dee.email])
        try approveCLI(second, by: [.ben, .dee])
        let merged = try XCTUnwrap(try runOK(["merge", second, "--json"], as: .cai).json)
        XCTAssertEqual(merged["threeWay"] as? Bool, false)
        XCTAssertEqual(try runOK(["cat", slug]).stdoutData, Data(resolved.utf8))
        let message = try gitOK(["log", "-1", "--format=%B", "quorum/career-steps/1"])
        XCTAssertTrue(message.hasPrefix("Tested step 1, on the terse text\n"), message)
        XCTAssertTrue(message.contains("Suggestion: \(second)\n"), message)
        XCTAssertTrue(message.contains("Approved-by: Ben Okafor <ben@example.com>\nApproved-by: Dee Park <dee@example.com>\n"), message)
        XCTAssertEqual(try shown(second)["state"] as? String, "merged")
        try assertFsckStrictClean()
    }

    // MARK: Objections

    func testObjectionsBlockMergingUntilTheirAuthorsResolveThem() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, []), (.eve, ["observers"])])
        let s = try suggestCLI(5, early, as: .ben, message: "Shorter introduction")
        try approveCLI(s, by: [.cai, .dee])
        let objected = try runOK(["object", s, "-m", "Too short: keep the sentence about checklists", "--json"], as: .ana)
        let anas = try jsonID(objected)
        XCTAssertEqual(anas, try revParse(chainRef(s)))
        XCTAssertEqual(objected.json?["event"] as? String, "object")
        XCTAssertEqual(objected.json?["openObjections"] as? Int, 1)
        let dees = try jsonID(try runOK(["object", s, "-m", "Say who the steps are for", "--json"], as: .dee))
        try expectExit(1, ["object", s, "-m", "No"], as: .eve, mentioning: ["[object.not-audience]"])

        // Blocked whatever the approvals, naming who objected and why.
        try expectExit(1, ["merge", s], as: .ben, mentioning: ["[merge.objection]", "ana@example.com", "dee@example.com"])
        XCTAssertEqual(try shown(s)["state"] as? String, "approved", "the approvals still count; the objections block the merge")

        // status and show list the open objections.
        let status = try runOK(["status", slug]).stdout
        XCTAssertTrue(status.contains("[objection: ana@example.com, dee@example.com]"), status)
        let show = try runOK(["show", s]).stdout
        XCTAssertTrue(show.contains("\(anas.prefix(8)) by ana@example.com (open, blocks merging): Too short"), show)
        let objections = try XCTUnwrap(try shown(s)["objections"] as? [[String: Any]])
        XCTAssertEqual(objections.compactMap { $0["id"] as? String }, [anas, dees])
        XCTAssertEqual(objections.compactMap { $0["open"] as? Bool }, [true, true])

        // Only the person who objected may resolve it.
        try expectExit(1, ["resolve", s, String(anas.prefix(8))], as: .cai, mentioning: ["[resolve.not-objector]"])
        try expectExit(1, ["resolve", s, String(anas.prefix(8))], as: .dee, mentioning: ["[resolve.not-objector]"])
        let refs = try refMap()
        let nobody = try run(["resolve", s], as: .ben)
        XCTAssertTrue([1, 64].contains(nobody.status), "the author has no objection to resolve: \(nobody.status) \(nobody.stderr)")
        XCTAssertTrue(nobody.stderr.contains("no open objection"), nobody.stderr)
        XCTAssertEqual(try refMap(), refs, "refs changed after a refused resolve")

        let resolved = try runOK(["resolve", s, "--json"], as: .ana)
        XCTAssertEqual(try jsonID(resolved), try revParse(chainRef(s)))
        XCTAssertEqual(resolved.json?["openObjections"] as? Int, 1)
        try expectExit(1, ["merge", s], as: .ben, mentioning: ["[merge.objection]", "dee@example.com"])
        try runOK(["resolve", s, String(dees.prefix(6))], as: .dee)
        let after = try XCTUnwrap(try shown(s)["objections"] as? [[String: Any]])
        XCTAssertEqual(after.compactMap { $0["open"] as? Bool }, [false, false])
        XCTAssertEqual(after.compactMap { email($0["resolvedBy"]) }, [Person.ana.email, Person.dee.email])
        XCTAssertFalse(try runOK(["status", slug]).stdout.contains("[objection"))
        try runOK(["merge", s], as: .ben)
        let events = try gitOK(["log", "--format=%B", chainRef(s)])
        XCTAssertTrue(events.contains("Event: resolve\nSuggestion: \(s)\nObjection: \(anas)\n"), events)
    }

    // MARK: Withdraw, reject, revoke

    func testWithdrawIsForTheAuthorRejectForApproversAndLeadsAndNeitherCanMerge() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, []), (.eve, ["managers"]), (.fay, ["managers"])])
        try runOK(["member", "add", Person.fay.email, "--lead"])
        let withdrawn = try suggestCLI(5, early, as: .ben, message: "Shorter introduction")
        try approveCLI(withdrawn, by: [.cai, .dee])
        try expectExit(1, ["withdraw", withdrawn], as: .cai, mentioning: ["[withdraw.not-author]"])
        try expectExit(1, ["withdraw", withdrawn], as: .ana, mentioning: ["[withdraw.not-author]"])
        let result = try runOK(["withdraw", withdrawn, "-m", "Changed my mind", "--json"], as: .ben)
        XCTAssertEqual(try jsonID(result), try revParse(chainRef(withdrawn)))
        XCTAssertEqual(result.json?["state"] as? String, "withdrawn")
        try expectExit(1, ["merge", withdrawn], as: .ben, mentioning: ["[suggestion.over]", "withdrawn by ben@example.com"])
        try expectExit(1, ["approve", withdrawn], as: .ana, mentioning: ["[suggestion.over]"])
        try expectExit(1, ["withdraw", withdrawn], as: .ben, mentioning: ["[suggestion.over]"])

        // Round 2: managers may suggest and comment, the working group still approves.
        try runOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers"])
        let rejected = try suggestCLI(13, "Writes clear code.", as: .cai, message: "Terse step 1")
        let alsoRejected = try suggestCLI(158, late, as: .eve, message: "Clearer Influence step 3")
        try approveCLI(rejected, by: [.ben, .dee])
        try expectExit(1, ["reject", rejected, "-m", "No"], as: .eve, mentioning: ["[reject.not-approver]"])
        let rejection = try runOK(["reject", rejected, "-m", "Out of scope", "--json"], as: .dee)
        XCTAssertEqual(try jsonID(rejection), try revParse(chainRef(rejected)))
        XCTAssertEqual(rejection.json?["state"] as? String, "rejected")
        try runOK(["reject", alsoRejected, "-m", "Not now"], as: .fay)  // a lead outside the approvers
        try expectExit(1, ["merge", rejected], as: .cai, mentioning: ["[suggestion.over]", "rejected by dee@example.com"])
        try expectExit(1, ["approve", alsoRejected], as: .ben, mentioning: ["[suggestion.over]"])
        try expectExit(1, ["reject", rejected, "-m", "Again"], as: .ana, mentioning: ["[suggestion.over]"])

        // Both stay in the history, in list --state and show.
        XCTAssertEqual(try runOK(["list", "--state", "withdrawn", "--json"]).jsonArray?.compactMap { $0["id"] as? String }, [withdrawn])
        XCTAssertEqual(Set(try runOK(["list", "--state", "rejected", "--json"]).jsonArray?.compactMap { $0["id"] as? String } ?? []), [rejected, alsoRejected])
        XCTAssertTrue(try runOK(["list", "--state", "withdrawn"]).stdout.contains("\(withdrawn.prefix(8))"))
        let w = try shown(withdrawn)
        XCTAssertEqual(w["state"] as? String, "withdrawn")
        XCTAssertEqual(email(w["endedBy"]), Person.ben.email)
        XCTAssertEqual(w["endReason"] as? String, "Changed my mind")
        let r = try shown(rejected)
        XCTAssertEqual(r["state"] as? String, "rejected")
        XCTAssertEqual(email(r["endedBy"]), Person.dee.email)
        XCTAssertEqual(r["endReason"] as? String, "Out of scope")
        XCTAssertTrue(try runOK(["show", withdrawn]).stdout.contains("State:     withdrawn by ben@example.com: Changed my mind"))
        XCTAssertTrue(try runOK(["show", rejected]).stdout.contains("State:     rejected by dee@example.com: Out of scope"))
        XCTAssertEqual(email(try shown(alsoRejected)["endedBy"]), Person.fay.email)
        XCTAssertEqual(try revParse("quorum/career-steps/2"), try revParse("quorum/career-steps/1"), "nothing merged")
        try assertFsckStrictClean()
    }

    func testRevokingAnApprovalLowersTheCountAndRevokingNoApprovalIsRefused() throws {
        try startReview()
        let s = try suggestCLI(5, early, as: .ben, message: "Shorter introduction")
        try approveCLI(s, by: [.cai, .dee])
        XCTAssertEqual(try shown(s)["state"] as? String, "approved")
        try expectExit(1, ["approve", "--revoke", s], as: .ana, mentioning: ["[revoke.nothing]"])

        let revoked = try runOK(["approve", "--revoke", s, "-m", "I misread it", "--json"], as: .dee)
        XCTAssertEqual(try jsonID(revoked), try revParse(chainRef(s)))
        XCTAssertEqual(revoked.json?["state"] as? String, "open")
        XCTAssertEqual(revoked.json?["event"] as? String, "revoke")
        let approvals = try XCTUnwrap(try shown(s)["approvals"] as? [[String: Any]])
        XCTAssertEqual(approvals.compactMap { email($0["by"]) }, [Person.cai.email])
        XCTAssertEqual(try runOK(["list", "--json"]).jsonArray?.first?["approvals"] as? Int, 1)
        try expectExit(1, ["merge", s], as: .ben, mentioning: ["[merge.quorum]", "has: cai@example.com"])
        try expectExit(1, ["approve", "--revoke", s], as: .dee, mentioning: ["[revoke.nothing]"])
        XCTAssertTrue(try gitOK(["log", "-1", "--format=%B", chainRef(s)]).contains("Event: revoke\n"))
    }

    func testARevokedApprovalCanBeGivenAgain() throws {
        let lead = try careerSteps()
        let s = try suggestLineChange(5, early, as: .ben)
        _ = try open(as: .cai).approve(s.id, message: nil)
        _ = try open(as: .cai).revoke(s.id, message: "Let me read it again")
        XCTAssertEqual(try lead.show(s.id, diff: false).approvals.count, 0)
        // Having read it again, Cai approves the same revision once more.
        do {
            let again = try open(as: .cai).approve(s.id, message: "Read it again: fine")
            XCTAssertEqual(again.approvals, 1)
        } catch {
            return XCTFail("approving again after revoking is refused: \(error)")
        }
        _ = try open(as: .dee).approve(s.id, message: nil)
        XCTAssertEqual(try lead.show(s.id, diff: false).state, .approved)
    }

    // MARK: Comments

    func testEndToEndCommentThreadsAndAnchorsOnAProposal() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, []), (.eve, ["observers"])])
        let commentsRef = "refs/quorum/proposals/career-steps/comments"
        let top = try runOK(["comment", slug, "-m", "Is this ready for the managers?", "--json"], as: .ana)
        let topID = try jsonID(top)
        XCTAssertEqual(topID, try revParse(commentsRef))
        XCTAssertEqual(top.json?["target"] as? String, slug)
        let onLine = try jsonID(try runOK(["comment", slug, "-m", "Step 1 reads well", "--lines", "13", "--json"], as: .cai))
        let onSection = try runOK(["comment", slug, "-m", "Delivery needs an example about estimates", "--section", "Delivery", "--json"], as: .dee)
        let sectionID = try jsonID(onSection)
        XCTAssertEqual((onSection.json?["anchor"] as? [String: Any])?["section"] as? String, "Delivery")
        let reply = try runOK(["comment", slug, "-m", "Not yet", "--reply", String(topID.prefix(8)), "--json"], as: .ben)
        let replyID = try jsonID(reply)
        XCTAssertEqual(reply.json?["replyTo"] as? String, topID)
        let replyToReply = try jsonID(try runOK(["comment", slug, "-m", "Agreed, after round 1", "--reply", replyID, "--json"], as: .ana))
        let doomed = try jsonID(try runOK(["comment", slug, "-m", "This example is vague", "--doc", "framework.md", "--lines", "59-60", "--json"], as: .ben))

        try expectExit(1, ["comment", slug, "-m", "Hello"], as: .eve, mentioning: ["[comment.not-audience]"])
        try expectExit(64, ["comment", slug, "-m", "Past the end", "--lines", "170-180"], mentioning: ["outside framework.md"])
        try expectExit(64, ["comment", slug, "-m", "Where?", "--section", "Salaries"], mentioning: ["no section 'Salaries'"])
        try expectExit(64, ["comment", slug, "-m", "To whom?", "--reply", "ffffffff"], mentioning: ["no comment ffffffff"])
        try expectExit(64, ["comment", slug, "-m", "Both", "--lines", "3", "--section", "Delivery"])

        func comments() throws -> [[String: Any]] {
            try XCTUnwrap(try runOK(["show", slug, "--json"]).json?["comments"] as? [[String: Any]])
        }
        var threads = try comments()
        XCTAssertEqual(threads.compactMap { $0["id"] as? String }, [topID, replyID, replyToReply, onLine, sectionID, doomed], "thread order")
        XCTAssertEqual(threads.compactMap { $0["depth"] as? Int }, [0, 1, 2, 0, 0, 0])
        XCTAssertEqual(threads[2]["replyTo"] as? String, replyID)
        XCTAssertEqual(threads[3]["firstLine"] as? Int, 13)
        XCTAssertEqual(threads[3]["lastLine"] as? Int, 13)
        XCTAssertEqual(threads[4]["firstLine"] as? Int, 49)
        XCTAssertEqual(threads[4]["lastLine"] as? Int, 89)
        XCTAssertEqual(threads.compactMap { $0["outdated"] as? Bool }, [false, false, false, false, false, false])

        // A merged suggestion inserts two lines above them all and rewrites line 60.
        let changed = withLine(5, line(5, of: original) + "\n\nIt grows with the people who use it.", of: withLine(60, "- Raises a blocker at once."))
        let path = try textFile(changed)
        let s = try jsonID(try runOK(["suggest", slug, "-m", "Longer introduction, shorter example", "--file", "framework.md=\(path)", "--json"], as: .ben))
        try approveCLI(s, by: [.cai, .dee])
        try runOK(["merge", s], as: .ben)

        threads = try comments()
        XCTAssertEqual(threads.compactMap { $0["id"] as? String }, [topID, replyID, replyToReply, onLine, sectionID, doomed])
        XCTAssertEqual(threads[3]["firstLine"] as? Int, 15, "the line comment follows its line down")
        XCTAssertEqual(threads[3]["outdated"] as? Bool, false)
        XCTAssertEqual(threads[4]["firstLine"] as? Int, 51, "the section is found where it is now")
        XCTAssertEqual(threads[4]["lastLine"] as? Int, 91)
        XCTAssertEqual(threads[5]["outdated"] as? Bool, true, "its lines changed")
        let text = try runOK(["show", slug]).stdout
        XCTAssertTrue(text.contains("on framework.md line 15:"), text)
        XCTAssertTrue(text.contains("(outdated: the text there changed)"), text)
        XCTAssertTrue(text.contains("\n            \(replyToReply.prefix(8)) Ana Lima <ana@example.com>"), "a reply to a reply is indented two levels: \(text)")
    }

    func testEndToEndCommentsOnASuggestionFollowItsRevisions() throws {
        try startReview()
        let s = try suggestCLI(168, "Shapes the strategy of the whole organisation.", as: .ben, message: "Influence step 4")
        let question = try runOK(["comment", s, "-m", "Whole organisation, or engineering?", "--lines", "168", "--json"], as: .cai)
        let questionID = try jsonID(question)
        XCTAssertEqual(questionID, try revParse(chainRef(s)), "a suggestion's comments live on its own chain")
        XCTAssertEqual(question.json?["target"] as? String, s)
        let answer = try jsonID(try runOK(["comment", s, "-m", "The whole organisation.", "--reply", questionID, "--json"], as: .ben))
        let general = try jsonID(try runOK(["comment", s, "-m", "Fine by me", "--json"], as: .dee))

        // A revision that adds two lines near the top keeps the anchor on its line.
        let path = try textFile(withLine(5, early + "\n\nSecond paragraph.", of: withLine(168, "Shapes the strategy of the whole organisation.")))
        try runOK(["revise", s, "-m", "Influence step 4, and a longer introduction", "--file", "framework.md=\(path)"], as: .ben)
        let comments = try XCTUnwrap(try shown(s)["comments"] as? [[String: Any]])
        XCTAssertEqual(comments.compactMap { $0["id"] as? String }, [questionID, answer, general])
        XCTAssertEqual(comments.compactMap { $0["depth"] as? Int }, [0, 1, 0])
        XCTAssertEqual(comments.first?["firstLine"] as? Int, 170)
        XCTAssertEqual(comments.first?["outdated"] as? Bool, false)
        XCTAssertEqual(email(comments.first?["author"]), Person.cai.email)
    }

    // MARK: Pair edits and co-authors

    func testEndToEndPairEditsGoStraightIntoRoundOneWithCoAuthoredByAndAreRefusedAfterAFork() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, []), (.eve, ["managers"])])
        let before = try revParse("quorum/career-steps/1")
        let text = withLine(3, "Status: under review by the working group")
        let path = try textFile(text)
        let edit = try runOK(["edit", slug, "-m", "Say who reviews the draft", "--pair", Person.cai.email, "--file", "framework.md=\(path)", "--json"], as: .ben)
        let commit = try jsonID(edit)
        XCTAssertEqual(commit, try revParse("quorum/career-steps/1"), "the edit is the round's new head")
        XCTAssertEqual(email(edit.json?["coAuthor"]), Person.cai.email)
        XCTAssertEqual(try gitOK(["show", "-s", "--format=%P", commit]).trimmed, before)
        let message = try gitOK(["log", "-1", "--format=%B", "quorum/career-steps/1"])
        XCTAssertTrue(message.hasPrefix("Say who reviews the draft\n"), message)
        XCTAssertTrue(message.contains("Co-authored-by: Cai Wong <cai@example.com>\n"), message)
        XCTAssertEqual(try gitOK(["log", "-1", "--format=%(trailers:key=Co-authored-by,valueonly)", "quorum/career-steps/1"]).trimmed, Person.cai.formatted)
        XCTAssertEqual(try gitOK(["log", "-1", "--format=%an <%ae>", "quorum/career-steps/1"]).trimmed, Person.ben.formatted)
        XCTAssertEqual(try runOK(["cat", slug]).stdoutData, Data(text.utf8))

        let other = try textFile(withLine(5, early))
        try expectExit(64, ["edit", slug, "-m", "m", "--pair", Person.fay.email, "--file", "framework.md=\(other)"], as: .ben, mentioning: ["not on the roster"])
        try expectExit(64, ["edit", slug, "-m", "m", "--pair", Person.ben.email, "--file", "framework.md=\(other)"], as: .ben, mentioning: ["pair with yourself"])
        try expectExit(1, ["edit", slug, "-m", "m", "--pair", Person.eve.email, "--file", "framework.md=\(other)"], as: .ben, mentioning: ["[pair-edit.not-audience]"])

        // Round 2 does not allow pair edits by default, and says why.
        try runOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers"])
        try expectExit(1, ["edit", slug, "-m", "m", "--pair", Person.cai.email, "--file", "framework.md=\(other)"], as: .ben,
                       mentioning: ["round 2 (managers)", "does not allow pair edits", "by default only the first round does", "quorum suggest"])
        // A round forked with --pair-edits does.
        try runOK(["fork", slug, "--name", "pairs", "--audience", "working-group", "--audience", "managers", "--pair-edits"])
        try runOK(["edit", slug, "-m", "Shorter introduction", "--pair", Person.eve.email, "--file", "framework.md=\(try textFile(withLine(5, early, of: text)))"], as: .ben)
        XCTAssertTrue(try gitOK(["log", "-1", "--format=%B", "quorum/career-steps/3"]).contains("Co-authored-by: Eve Brandt <eve@example.com>\n"))
        try assertFsckStrictClean()
    }

    func testEndToEndSuggestPairMakesACoAuthorWhoCannotApprove() throws {
        try startReview()
        let s = try suggestCLI(5, early, as: .ben, message: "Shorter introduction", extra: ["--pair", Person.cai.email])
        let detail = try shown(s)
        XCTAssertEqual(emails(detail["coAuthors"]), [Person.cai.email])
        let revision = try XCTUnwrap(detail["revisionCommit"] as? String)
        XCTAssertTrue(try gitOK(["log", "-1", "--format=%B", revision]).contains("Co-authored-by: Cai Wong <cai@example.com>\n"))

        try expectExit(1, ["approve", s], as: .cai, mentioning: ["[approve.self]", "as a co-author"])
        try expectExit(1, ["approve", s], as: .ben, mentioning: ["[approve.self]"])
        try expectExit(64, ["suggest", slug, "-m", "x", "--pair", Person.fay.email, "--file", "framework.md=\(try textFile(withLine(3, "x")))"], as: .ben,
                       mentioning: ["not on the roster"])
        // A co-author may revise it, and stays unable to approve it.
        let revisedText = try textFile(withLine(5, early + " Each step has examples."))
        try runOK(["revise", s, "-m", "Shorter introduction, with examples", "--file", "framework.md=\(revisedText)"], as: .cai)
        XCTAssertEqual(email((try shown(s)["revisions"] as? [[String: Any]])?.last?["by"]), Person.cai.email)
        try expectExit(1, ["approve", s], as: .cai, mentioning: ["[approve.self]", "as a co-author"])
        try approveCLI(s, by: [.dee, .ana])
        try runOK(["merge", s], as: .cai)
        let approvedBy = try gitOK(["log", "-1", "--format=%(trailers:key=Approved-by,valueonly)", "quorum/career-steps/1"]).trimmed
        XCTAssertEqual(approvedBy, "\(Person.ana.formatted)\n\(Person.dee.formatted)")
    }

    // MARK: Inbox

    func testEndToEndInboxShowsWhatWaitsForEachPersonOldestFirst() throws {
        try startReview(members: [(.ben, []), (.cai, []), (.dee, []), (.eve, ["observers"])])
        let a = try suggestCLI(5, early, as: .ben, message: "Shorter introduction")
        Thread.sleep(forTimeInterval: 1.05)  // times are in seconds: make A older than the rest
        let b = try suggestCLI(13, "Writes clear, well-tested code.", as: .ben, message: "Tested step 1")
        let c = try suggestCLI(13, "Writes clear code.", as: .cai, message: "Terse step 1")
        let d = try suggestCLI(158, late, as: .ben, message: "Clearer Influence step 3")
        let created = Dictionary(uniqueKeysWithValues: try XCTUnwrap(try runOK(["list", "--json"]).jsonArray).map {
            ($0["id"] as? String ?? "", Int(seconds($0["createdAt"]) ?? 0))
        })
        /// Exactly `expected`, `first` first, and never a newer one before an older one.
        func assertOldestFirst(_ ids: [String], _ expected: Set<String>, first: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(ids.count, expected.count, "\(ids)", file: file, line: line)
            XCTAssertEqual(Set(ids), expected, file: file, line: line)
            XCTAssertEqual(ids.first, first, "the oldest comes first", file: file, line: line)
            let times = ids.map { created[$0] ?? 0 }
            XCTAssertEqual(times, times.sorted(), "not oldest first", file: file, line: line)
        }

        func inbox(_ person: Person) throws -> [(reason: String, id: String)] {
            let result = try runOK(["inbox", "--json"], as: person)
            let json = try XCTUnwrap(result.json, result.stdout)
            XCTAssertEqual(email(json["person"]), person.email)
            // Names come from the roster, read while the JSON is written.
            XCTAssertEqual((json["person"] as? [String: Any])?["name"] as? String, person.name)
            return try XCTUnwrap(json["items"] as? [[String: Any]]).map {
                ($0["reason"] as? String ?? "", ($0["suggestion"] as? [String: Any])?["id"] as? String ?? "")
            }
        }
        // An approver sees everything waiting for them, oldest first, not their own.
        let dee = try inbox(.dee)
        assertOldestFirst(dee.map(\.id), [a, b, c, d], first: a)
        XCTAssertEqual(Set(dee.map(\.reason)), ["approve"])
        assertOldestFirst(try inbox(.cai).map(\.id), [a, b, d], first: a)  // not her own suggestion

        try approveCLI(a, by: [.cai, .dee])          // A: approved
        try approveCLI(b, by: [.cai, .dee])
        try approveCLI(c, by: [.ben, .dee])
        try runOK(["merge", c], as: .cai)
        _ = try run(["merge", b], as: .ben)            // B: conflicted
        try runOK(["object", d, "-m", "Which teams?"], as: .ana)  // D: objected

        let ben = try inbox(.ben)
        assertOldestFirst(ben.map(\.id), [a, b, d], first: a)
        let reasons = Dictionary(uniqueKeysWithValues: ben.map { ($0.id, $0.reason) })
        XCTAssertEqual(reasons[a], "merge")
        XCTAssertEqual(reasons[b], "revise")
        XCTAssertEqual(reasons[d], "objected")
        let text = try runOK(["inbox"], as: .ben).stdout
        XCTAssertTrue(text.contains("\(b.prefix(8))  revise"), text)
        XCTAssertTrue(text.contains("objection by ana@example.com"), text)

        let ana = try inbox(.ana)
        XCTAssertTrue(ana.contains { $0.reason == "resolve" && $0.id == d }, "the objector must resolve her objection: \(ana)")
        XCTAssertFalse(ana.contains { $0.id == b }, "a conflicted suggestion waits for its author, not for approvers")
        XCTAssertFalse(ana.contains { $0.id == a }, "an approved suggestion needs no more approvals")
        XCTAssertEqual(try inbox(.dee).map(\.id), [d], "Dee approved the rest")
        XCTAssertEqual(try inbox(.eve).count, 0)
        XCTAssertTrue(try runOK(["inbox"], as: .eve).stdout.contains("Nothing waits for eve@example.com"))
    }

    // MARK: JSON

    func testEndToEndJSONOfEachNewWritingCommandIncludesTheIdOfWhatItRecorded() throws {
        try startReview()
        let s = try suggestCLI(5, early, as: .ben)
        let t = try suggestCLI(158, late, as: .cai)
        try approveCLI(s, by: [.cai, .dee])
        try approveCLI(t, by: [.ben, .dee])
        try runOK(["merge", t], as: .cai)
        let chain = chainRef(s)
        let commands: [(args: [String], person: Person, ref: String)] = [
            (["rebase", s], .ben, chain),
            (["revise", s, "-m", "Revised", "--file", "framework.md=\(try textFile(withLine(158, late, of: withLine(5, "Shorter."))))"], .ben, chain),
            (["approve", "--revoke", s], .dee, chain),
            (["object", s, "-m", "Too short"], .cai, chain),
            (["resolve", s], .cai, chain),
            (["comment", s, "-m", "Fine", "--lines", "5"], .dee, chain),
            (["comment", slug, "-m", "Overall fine", "--section", "Delivery"], .dee, "refs/quorum/proposals/career-steps/comments"),
            (["withdraw", s, "-m", "Later"], .ben, chain),
            (["edit", slug, "-m", "Status", "--pair", Person.dee.email, "--file", "framework.md=\(try textFile(withLine(3, "Status: review", of: withLine(158, late))))"],
             .cai, "refs/heads/quorum/career-steps/1"),
        ]
        for (args, person, ref) in commands {
            let result = try runOK(args + ["--json"], as: person)
            XCTAssertEqual(try jsonID(result), try revParse(ref), "quorum \(args[0]) --json: the id is the commit it recorded")
        }
        let u = try suggestCLI(13, "Writes clear code.", as: .ben)
        let rejected = try runOK(["reject", u, "-m", "No", "--json"], as: .cai)
        XCTAssertEqual(try jsonID(rejected), try revParse(chainRef(u)))
    }
}
