import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// The prose merge in review (issue 12): suggestions that edit different
/// sentences or words of one paragraph both merge, the same words conflict
/// naming them, rebases and carries into the same paragraph keep their
/// approvals, and merge commits name the merge version they were made with.
final class ProseMergeReviewTests: RoundsTestCase {
    /// framework.md line 5: one paragraph of three sentences.
    private let first = "This framework describes how engineers grow in our organisation."
    private let second = "It is meant to support conversations between engineers and their managers, not to act as a checklist."
    private let third = "most people will sit at different steps for different characteristics at any given time."

    private func editing(_ old: String, _ new: String, of text: String? = nil) -> String {
        let line5 = line(5, of: text ?? original)
        precondition(line5.contains(old), "line 5 has no «\(old)»")
        return withLine(5, line5.replacingOccurrences(of: old, with: new), of: text)
    }

    private func meta(_ id: String) -> String { Layout.suggestionMeta(slug, ObjectID(hex: id)!) }

    private func approved(_ text: String, as person: Person, by approvers: [Person], message: String) throws -> SuggestResult {
        let s = try suggest(text, message: message, as: person)
        try approve(s.id, by: approvers)
        return s
    }

    func testEditsToDifferentSentencesOfOneParagraphBothMergeAndVerify() throws {
        let lead = try careerSteps()
        let a = try approved(editing(first, "This framework describes how engineers grow here."), as: .ben, by: [.cai, .dee], message: "First sentence")
        let b = try approved(editing(second, "It supports conversations between engineers and their managers."), as: .cai, by: [.ben, .dee], message: "Second sentence")
        _ = try lead.merge(a.id)
        let merged = try lead.merge(b.id)
        XCTAssertTrue(merged.threeWay)
        let text = String(decoding: try lead.text(slug: slug, document: "framework.md"), as: UTF8.self)
        XCTAssertEqual(line(5, of: text), "This framework describes how engineers grow here. It supports conversations between engineers and their managers. Each characteristic is split into four steps, and \(third)")
        XCTAssertEqual(text, editing(second, "It supports conversations between engineers and their managers.", of: editing(first, "This framework describes how engineers grow here.")))
        let commit = try lead.git.commit(XCTUnwrap(ObjectID(hex: merged.commit)))
        XCTAssertEqual(Trailers.parse(commit.message).first("Merge-Version"), "1")
        XCTAssertEqual(try lead.verify().violations.map(\.code), [])
    }

    func testDifferentWordsOfOneSentenceMerge() throws {
        let lead = try careerSteps()
        let a = try approved(editing("any given time", "any time"), as: .ben, by: [.cai, .dee], message: "A")
        let b = try approved(editing("any given time", "no given time"), as: .cai, by: [.ben, .dee], message: "B")
        _ = try lead.merge(a.id)
        _ = try lead.merge(b.id)
        XCTAssertTrue(line(5, of: String(decoding: try lead.text(slug: slug, document: "framework.md"), as: UTF8.self)).hasSuffix("characteristics at no time."))
    }

    func testTheSameWordsConflictNamingTheLineAndTheWordsEachSideHas() throws {
        let lead = try careerSteps()
        let a = try approved(editing("at any given time", "at the same time"), as: .ben, by: [.cai, .dee], message: "Same")
        let b = try approved(editing("at any given time", "at every moment"), as: .cai, by: [.ben, .dee], message: "Every")
        _ = try lead.merge(a.id)
        let error = try expectRefusal(.refused, mentioning: ["framework.md line 5:", "the same time", "every moment", "now conflicted"],
                                      in: lead, allowing: [meta(b.id)], try lead.merge(b.id))
        // The quotes differ: the words that differ are never cut out.
        let message = error?.message ?? ""
        XCTAssertFalse(message.contains("This framework describes"), "only the sentence holding the conflict is quoted: \(flat(message))")
    }

    func testAPairEditAndASuggestWithBaseWrittenOnAnOlderTextMergeIntoTheSameParagraph() throws {
        let lead = try careerSteps()
        let old = try XCTUnwrap(try lead.git.referenceTarget(roundOne))
        let a = try approved(editing(first, "This framework describes how engineers grow here."), as: .ben, by: [.cai, .dee], message: "First sentence")
        _ = try lead.merge(a.id)
        // Written on the text before that merge: --base keeps it, three-way.
        let edit = try open(as: .cai).pairEdit(slug: slug, message: "Third sentence", pair: Person.dee.email,
                                                 documents: framework(editing(third, "most people sit at different steps at once.")), base: old)
        XCTAssertTrue(edit.threeWay)
        let s = try open(as: .dee).suggest(slug: slug, message: "Second sentence", documents: framework(editing(second, "It supports conversations.")), base: old)
        try approve(s.id, by: [.ben, .cai])
        _ = try lead.merge(s.id)
        XCTAssertEqual(line(5, of: String(decoding: try lead.text(slug: slug, document: "framework.md"), as: UTF8.self)),
                       "This framework describes how engineers grow here. It supports conversations. Each characteristic is split into four steps, and most people sit at different steps at once.")
        XCTAssertEqual(try lead.verify().violations.map(\.code), [])
    }

    func testARebaseIntoTheSameParagraphKeepsItsApprovals() throws {
        let lead = try careerSteps()
        let s = try approved(editing(third, "most people sit at different steps at once."), as: .ben, by: [.cai, .dee], message: "Third sentence")
        let other = try approved(editing(first, "This framework describes how engineers grow here."), as: .cai, by: [.ben, .dee], message: "First sentence")
        _ = try lead.merge(other.id)
        let rebased = try open(as: .ben).rebase(s.id)
        XCTAssertEqual(Set(rebased.approvalsKept), [Person.cai.email, Person.dee.email], "the same words removed and inserted: the same change")
        XCTAssertEqual(rebased.state, .approved)
        let merged = try lead.merge(s.id)
        XCTAssertFalse(merged.threeWay)
        XCTAssertEqual(try lead.verify().violations.map(\.code), [])
    }

    func testARebaseThatChangesTheWordsDropsItsApprovals() throws {
        // The round took part of the same edit meanwhile: after the rebase
        // fewer words change, a change its approvers have not seen.
        let lead = try careerSteps()
        let s = try approved(editing(first, "This framework describes how engineers grow here.", of: editing(third, "most people sit at different steps at once.")),
                             as: .ben, by: [.cai, .dee], message: "Two sentences")
        let part = try approved(editing(third, "most people sit at different steps at once."), as: .cai, by: [.ben, .dee], message: "Third sentence")
        _ = try lead.merge(part.id)
        let rebased = try open(as: .ben).rebase(s.id)
        XCTAssertEqual(rebased.approvalsKept, [])
        XCTAssertEqual(Set(rebased.approvalsStale), [Person.cai.email, Person.dee.email])
    }

    func testACarryIntoTheSameParagraphKeepsItsApprovals() throws {
        let lead = try careerSteps()
        let s = try approved(editing(third, "most people sit at different steps at once."), as: .ben, by: [.cai, .dee], message: "Third sentence")
        let other = try approved(editing(first, "This framework describes how engineers grow here."), as: .cai, by: [.ben, .dee], message: "First sentence")
        _ = try lead.merge(other.id)
        let fork = try forkRoundTwo(lead)
        let carried = try XCTUnwrap(fork.carried.first { $0.id == s.id })
        XCTAssertFalse(carried.conflicted)
        XCTAssertEqual(Set(carried.approvalsKept), [Person.cai.email, Person.dee.email])
    }

    // MARK: Through the binary

    func testEndToEndSentenceEditsOfOneParagraphBothMergeAndGitAgrees() throws {
        try startReview()
        let base = try runOK(["cat", slug, "framework.md"]).stdout
        let line5 = line(5, of: base)
        let a = try suggestCLI(5, line5.replacingOccurrences(of: first, with: "This framework describes how engineers grow here."), as: .ben, message: "First", on: base)
        let b = try suggestCLI(5, line5.replacingOccurrences(of: second, with: "It supports conversations."), as: .cai, message: "Second", on: base)
        try approveCLI(a, by: [.cai, .dee])
        try approveCLI(b, by: [.ben, .dee])
        try runOK(["merge", a])
        try runOK(["merge", b])
        let merged = line(5, of: try gitOK(["show", "\(roundOne):Proposals/\(slug)/framework.md"]))
        XCTAssertTrue(merged.hasPrefix("This framework describes how engineers grow here. It supports conversations. Each characteristic"), merged)
        XCTAssertTrue(try gitOK(["log", "-1", "--format=%B", roundOne]).contains("\nMerge-Version: 1\n"))
        try assertFsckStrictClean()
    }

    func testEndToEndAConflictMidLineQuotesTheWordsThatDiffer() throws {
        try startReview()
        let base = try runOK(["cat", slug, "framework.md"]).stdout
        let line5 = line(5, of: base)
        let a = try suggestCLI(5, line5.replacingOccurrences(of: "at any given time", with: "at the same time"), as: .ben, message: "Same", on: base)
        let b = try suggestCLI(5, line5.replacingOccurrences(of: "at any given time", with: "at every moment"), as: .cai, message: "Every", on: base)
        try approveCLI(a, by: [.cai, .dee])
        try approveCLI(b, by: [.ben, .dee])
        try runOK(["merge", a])
        let refused = try expectExit(1, ["merge", b], mentioning: ["framework.md line 5:", "the same time", "every moment"], allowing: [chainRef(b)])
        let quotes = refused.stderr.components(separatedBy: "«").dropFirst().map { $0.components(separatedBy: "»")[0] }
        XCTAssertEqual(quotes.count, 2, refused.stderr)
        XCTAssertNotEqual(quotes.first, quotes.last, "the two sides are quoted differently: \(refused.stderr)")
    }

    // MARK: The merge version, recomputed

    /// Makes on round 1 the merge commit of suggestion `s` that `message`
    /// describes, with `tree`, as a quorum that stopped before recording it
    /// would; `merge` then finds it and records its event.
    private func plant(_ s: SuggestResult, tree: (ObjectID, ObjectID, ObjectID) throws -> ObjectID, message: (String) -> String, lead: ReviewRepository) throws {
        let suggestion = try lead.suggestion(slug, XCTUnwrap(ObjectID(hex: s.id)))
        let head = try XCTUnwrap(try lead.git.referenceTarget(roundOne))
        let revision = suggestion.currentRevision
        let roster = try lead.roster()
        let round = try XCTUnwrap(try lead.proposal(slug).round(1))
        let approvals = suggestion.approvals(in: round, roster: roster).filter(\.counts)
        let text = message(lead.mergeMessage(suggestion, approvals: approvals, roster: roster))
        let commit = try lead.git.createCommit(
            tree: try tree(revision.base, head, revision.commit), parents: [head, revision.commit], author: suggestion.author,
            committer: Signature(name: Person.ana.name, email: Person.ana.email, time: 1_700_000_000), message: text)
        try lead.git.updateReference(roundOne, to: commit, expected: head, message: "test: merge as an older quorum")
        _ = try lead.merge(s.id)
        XCTAssertEqual(try lead.git.referenceTarget(roundOne), commit, "merge recorded the planted commit")
    }

    private func withoutVersion(_ message: String) -> String {
        message.components(separatedBy: "\n").filter { !$0.hasPrefix("Merge-Version:") }.joined(separator: "\n")
    }

    func testAMergeWithoutAVersionIsTheLineMergeAndOldHistoryVerifies() throws {
        let lead = try careerSteps()
        let a = try approved(editing(first, "This framework describes how engineers grow here."), as: .ben, by: [.cai, .dee], message: "First sentence")
        let b = try approved(withLine(13, "Writes clear code."), as: .cai, by: [.ben, .dee], message: "Step 1")
        _ = try lead.merge(a.id)
        try plant(b, tree: { try lead.mergedTree(slug: self.slug, base: $0, head: $1, revision: $2, subject: "b", version: 0) }, message: withoutVersion, lead: lead)
        XCTAssertEqual(try lead.verify().violations.map(\.code), [], "a line merge without a trailer, as older quorums wrote")
    }

    func testAProseMergeClaimingTheLineMergeIsRefused() throws {
        let lead = try careerSteps()
        let a = try approved(editing(first, "This framework describes how engineers grow here."), as: .ben, by: [.cai, .dee], message: "First sentence")
        let b = try approved(editing(second, "It supports conversations between engineers and their managers."), as: .cai, by: [.ben, .dee], message: "Second sentence")
        _ = try lead.merge(a.id)
        try plant(b, tree: { try lead.mergedTree(slug: self.slug, base: $0, head: $1, revision: $2, subject: "b", version: 1) }, message: withoutVersion, lead: lead)
        historyBreaksTheRules = true
        XCTAssertTrue(try lead.verify().violations.map(\.code).contains("merge.tree"), "recomputed with the line merge, it conflicts")
    }

    func testAMergeVersionThisQuorumDoesNotKnowIsRefusedSayingToUpgrade() throws {
        let lead = try careerSteps()
        let a = try approved(withLine(13, "Writes clear code."), as: .ben, by: [.cai, .dee], message: "Step 1")
        try plant(a, tree: { _, _, revision in try lead.git.commit(revision).tree }, message: {
            $0.replacingOccurrences(of: "Merge-Version: 1", with: "Merge-Version: 9")
        }, lead: lead)
        historyBreaksTheRules = true
        let violations = try lead.verify().violations
        XCTAssertEqual(violations.map(\.code), ["merge.version"])
        XCTAssertTrue(violations.first?.reason.contains("merge version 9") ?? false, violations.first?.reason ?? "")
        XCTAssertTrue(violations.first?.reason.contains("upgraded") ?? false, violations.first?.reason ?? "")
    }

    /// Records a conflict of suggestion `s` with the round head, naming merge version `version` (nil: none, as older quorums wrote).
    private func recordConflict(_ s: SuggestResult, version: Int?, lead: ReviewRepository) throws {
        let suggestion = try lead.suggestion(slug, XCTUnwrap(ObjectID(hex: s.id)))
        var record = EventRecord(type: .conflict)
        record.commit = try XCTUnwrap(try lead.git.referenceTarget(roundOne)).hex
        record.revision = suggestion.currentRevision.commit.hex
        record.merge = version
        _ = try lead.append(record, to: meta(s.id), summary: "Conflict: \(suggestion.title)", trailers: [], actor: try lead.identity(), parent: suggestion.metaHead)
    }

    func testAConflictEventIsJudgedByTheMergeVersionItNames() throws {
        let lead = try careerSteps()
        let a = try approved(editing(first, "This framework describes how engineers grow here."), as: .ben, by: [.cai, .dee], message: "First sentence")
        let b = try approved(editing(third, "most people sit at different steps at once."), as: .cai, by: [.ben, .dee], message: "Third sentence")
        let c = try approved(editing(second, "It supports conversations."), as: .dee, by: [.ben, .cai], message: "Second sentence")
        _ = try lead.merge(a.id)
        // Recorded by an older quorum (no version: the line merge, which conflicts here): it stands.
        try recordConflict(b, version: nil, lead: lead)
        XCTAssertEqual(try lead.show(b.id, diff: false).state, .conflicted)
        XCTAssertEqual(try lead.verify().violations.map(\.code), [])
        // Claimed for the prose merge, which merges it: false, and refused.
        try recordConflict(c, version: 1, lead: lead)
        historyBreaksTheRules = true
        XCTAssertEqual(try lead.show(c.id, diff: false).state, .approved)
        XCTAssertEqual(try lead.verify().violations.map(\.code), ["event.derived"])
    }

    func testARefusedMergeChangesNothingButTheSuggestionsChain() throws {
        let lead = try careerSteps()
        let a = try approved(editing("any given time", "any particular time"), as: .ben, by: [.cai, .dee], message: "A")
        let b = try approved(editing("any given time", "any specific time"), as: .cai, by: [.ben, .dee], message: "B")
        _ = try lead.merge(a.id)
        let before = try lead.text(slug: slug, document: "framework.md")
        try expectRefusal(.refused, mentioning: ["framework.md line 5:", "any particular time", "any specific time"], in: lead, allowing: [meta(b.id)], try lead.merge(b.id))
        XCTAssertEqual(try lead.text(slug: slug, document: "framework.md"), before)
    }
}
