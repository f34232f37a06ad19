import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// The review loop through `ReviewRepository` on fresh repositories, each
/// person acting through their own environment. Every refusal must leave
/// every ref exactly where it was.
final class IntegrationTests: QuorumTestCase {
    private let slug = "career-steps"
    private var branch: String { Layout.roundBranch(slug, 1) }
    private var original: String { TestEnvironment.framework }

    /// The suggestion's own chain, on which a conflicting merge may record
    /// that the suggestion is conflicted (the round itself must not move).
    private func chain(_ suggestion: SuggestResult) -> Set<String> {
        [Layout.suggestionMeta(slug, ObjectID(hex: suggestion.id)!)]
    }

    private func edited(_ lineNumber: Int, _ replacement: String, of text: String? = nil) -> String {
        replacingLine(lineNumber, of: text ?? original, with: replacement)
    }

    /// A suggestion by Ben, approved by Cai and Dee: ready to merge.
    private func approvedSuggestion(_ text: String, message: String, by author: Person = .ben, approvers: [Person] = [.cai, .dee]) throws -> SuggestResult {
        let s = try suggest(text, message: message, as: author)
        for approver in approvers { _ = try open(as: approver).approve(s.id, message: nil) }
        return s
    }

    // MARK: The whole loop

    func testInitAddProposeSuggestApproveTwiceMerge() throws {
        let lead = try initialize(as: .ana)
        XCTAssertEqual(try lead.roster().members, [Member(email: Person.ana.email, name: Person.ana.name, groups: ["working-group"], lead: true)])
        XCTAssertEqual(try lead.roster().policy.quorum, 2)

        let added = try lead.addMember(email: Person.ben.email, name: Person.ben.name, groups: [], lead: nil)
        XCTAssertTrue(added.added)
        XCTAssertEqual(added.member.groups, ["working-group"])
        try lead.addMember(email: Person.cai.email, name: Person.cai.name, groups: ["working-group"], lead: nil)
        try lead.addMember(email: Person.dee.email, name: Person.dee.name, groups: [], lead: nil)
        XCTAssertEqual(try lead.roster().members.map(\.email), [Person.ana, .ben, .cai, .dee].map(\.email))

        let proposed = try lead.propose(
            slug: slug, title: "Engineering Career Steps",
            documents: [DocumentInput(name: "framework.md", text: Data(original.utf8), source: "framework.md")])
        XCTAssertEqual(proposed.branch, branch)
        XCTAssertEqual(proposed.documents, ["framework.md"])
        let base = try XCTUnwrap(try lead.git.referenceTarget(branch))
        XCTAssertEqual(base.hex, proposed.commit)
        XCTAssertEqual(try lead.git.referenceTarget(Layout.proposalMeta(slug))?.hex, proposed.id)
        XCTAssertEqual(try lead.text(slug: slug, document: "framework.md"), Data(original.utf8))

        // Ben suggests; the id is the first event commit of a new chain.
        let text = edited(3, "Status: under review by the working group")
        let s = try suggest(text, message: "Say who reviews the draft\n\nReaders should know.", as: .ben)
        let id = try XCTUnwrap(ObjectID(hex: s.id))
        XCTAssertEqual(try lead.git.referenceTarget(Layout.suggestionMeta(slug, id)), id)
        XCTAssertEqual(try lead.git.referenceTarget(Layout.revisionPin(slug, id, 1))?.hex, s.revision)
        XCTAssertEqual(s.base, base.hex)
        XCTAssertEqual(s.title, "Say who reviews the draft")
        XCTAssertEqual(s.documents, ["framework.md"])
        let revision = try lead.git.commit(XCTUnwrap(ObjectID(hex: s.revision)))
        XCTAssertEqual(revision.parents, [base])
        XCTAssertEqual(revision.author.email, Person.ben.email)
        XCTAssertEqual(try lead.git.referenceTarget(branch), base, "suggesting must not move the round")

        // Two approvals from people other than Ben.
        let first = try open(as: .cai).approve(String(s.id.prefix(8)), message: "Clear")
        XCTAssertEqual(first.approvals, 1)
        XCTAssertEqual(first.quorum, 2)
        XCTAssertEqual(first.state, .open)
        XCTAssertEqual(first.revision, s.revision)
        let second = try open(as: .dee).approve(s.id, message: nil)
        XCTAssertEqual(second.approvals, 2)
        XCTAssertEqual(second.state, .approved)
        XCTAssertEqual(try lead.list(state: .approved).map(\.id), [s.id])

        // Ben merges: the round advances to [old head, revision] with trailers.
        let merged = try open(as: .ben).merge(s.id)
        XCTAssertFalse(merged.threeWay)
        XCTAssertEqual(merged.branch, branch)
        XCTAssertEqual(Set(merged.approvedBy), [Person.cai.email, Person.dee.email])
        let head = try XCTUnwrap(try lead.git.referenceTarget(branch))
        XCTAssertEqual(head.hex, merged.commit)
        let commit = try lead.git.commit(head)
        XCTAssertEqual(commit.parents.map(\.hex), [base.hex, s.revision])
        XCTAssertEqual(commit.author.email, Person.ben.email, "the merge is authored by the suggestion's author")
        XCTAssertEqual(commit.committer.email, Person.ben.email)
        let trailers = Trailers.parse(commit.message)
        XCTAssertEqual(trailers.first("Suggestion"), s.id)
        XCTAssertEqual(trailers.first("Suggested-by"), Person.ben.formatted)
        XCTAssertEqual(trailers.all("Approved-by"), [Person.cai.formatted, Person.dee.formatted])
        XCTAssertTrue(commit.message.hasPrefix("Say who reviews the draft\n\nReaders should know.\n\n"), commit.message)
        XCTAssertEqual(try lead.text(slug: slug, document: "framework.md"), Data(text.utf8))

        // The suggestion's chain: suggest, approve, approve, merge, each with event.json.
        let suggestion = try lead.suggestion(slug, id)
        XCTAssertEqual(suggestion.eventCount, 4)
        XCTAssertEqual(suggestion.mergedAs, head)
        XCTAssertEqual(suggestion.mergedBy?.email, Person.ben.email)
        var cursor: ObjectID? = try lead.git.referenceTarget(Layout.suggestionMeta(slug, id))
        var types: [String] = []
        while let current = cursor {
            let event = try lead.git.commit(current)
            let blob = try XCTUnwrap(try lead.git.blobID(in: event.tree, at: "event.json"), "no event.json in \(current)")
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: lead.git.readBlob(blob)) as? [String: Any])
            types.insert(try XCTUnwrap(json["type"] as? String), at: 0)
            XCTAssertLessThanOrEqual(event.parents.count, 1)
            cursor = event.parents.first
        }
        XCTAssertEqual(types, ["suggest", "approve", "approve", "merge"])
        XCTAssertEqual(cursor, nil)

        // Queries agree.
        let summary = try XCTUnwrap(try lead.list().first)
        XCTAssertEqual(summary.state, .merged)
        XCTAssertEqual(summary.author, Person.ben.email)
        let status = try XCTUnwrap(try lead.status(slug: slug).first)
        XCTAssertEqual(status.counts["merged"], 1)
        XCTAssertEqual(status.counts["open"], 0)
        XCTAssertEqual(status.counts["approved"], 0)
        XCTAssertEqual(status.head, head.hex)
        let history = try lead.history(slug: slug)
        XCTAssertEqual(history.count, 2)
        XCTAssertEqual(history.first?.suggestion, s.id)
        XCTAssertEqual(history.first?.suggestedBy, Person.ben.formatted)
        XCTAssertEqual(history.first?.approvedBy, [Person.cai.formatted, Person.dee.formatted])
        XCTAssertNil(history.last?.suggestion)
        let detail = try lead.show(s.id, diff: true)
        XCTAssertEqual(detail.state, .merged)
        XCTAssertEqual(detail.mergedAs, head.hex)
        XCTAssertEqual(detail.approvals.map(\.email), [Person.cai.email, Person.dee.email])
        XCTAssertEqual(detail.approvals.first?.message, "Clear")
        XCTAssertTrue(detail.diff?.contains("+Status: under review by the working group") ?? false, detail.diff ?? "no diff")
        XCTAssertTrue(detail.diff?.contains("-Status: draft") ?? false)
    }

    func testListReflectsNewApprovalsAndRosterChanges() throws {
        let lead = try careerSteps()
        let s = try suggest(edited(3, "Status: reviewed"), message: "Reviewed", as: .ben)
        XCTAssertEqual(try lead.list().first?.approvals, 0)
        _ = try open(as: .cai).approve(s.id, message: nil)
        XCTAssertEqual(try lead.list().first?.approvals, 1, "a cached summary must not hide a new approval")
        _ = try open(as: .dee).approve(s.id, message: nil)
        XCTAssertEqual(try lead.list().first?.state, .approved)
        // Cai leaves the approvers: her approval stops counting everywhere.
        try lead.addMember(email: Person.cai.email, name: nil, groups: ["observers"], lead: nil)
        XCTAssertEqual(try lead.list().first?.approvals, 1)
        XCTAssertEqual(try lead.list().first?.state, .open)
        XCTAssertEqual(try lead.show(s.id, diff: false).state, .open)
        try expectRefusal(.refused, mentioning: ["[merge.quorum]", "needs 1 more approval"], in: lead, try open(as: .ben).merge(s.id))
    }

    // MARK: Refusals

    func testSelfApprovalIsRefused() throws {
        let lead = try careerSteps()
        let s = try suggest(edited(3, "Status: mine"), message: "Mine", as: .ben)
        try expectRefusal(.refused, mentioning: ["[approve.self]"], in: lead, try open(as: .ben).approve(s.id, message: nil))
        XCTAssertTrue(try lead.suggestion(slug, XCTUnwrap(ObjectID(hex: s.id))).approvalEvents.isEmpty)
    }

    func testApprovalByANonApproverIsRefused() throws {
        let lead = try careerSteps()
        try lead.addMember(email: Person.eve.email, name: Person.eve.name, groups: ["observers"], lead: nil)
        let s = try suggest(edited(3, "Status: x"), message: "X", as: .ben)
        try expectRefusal(.refused, mentioning: ["[approve.not-approver]"], in: lead, try open(as: .eve).approve(s.id, message: nil))
        // Someone not on the roster at all.
        try expectRefusal(.refused, mentioning: ["[approve.not-approver]"], in: lead, try open(as: .fay).approve(s.id, message: nil))
    }

    func testApprovingTwiceIsRefused() throws {
        let lead = try careerSteps()
        let s = try suggest(edited(3, "Status: x"), message: "X", as: .ben)
        _ = try open(as: .cai).approve(s.id, message: nil)
        try expectRefusal(.refused, mentioning: ["[approve.twice]"], in: lead, try open(as: .cai).approve(s.id, message: "again"))
        XCTAssertEqual(try lead.show(s.id, diff: false).approvals.count, 1)
    }

    func testMergeWithOneApprovalIsRefusedAndSaysWhoAndHowManyMore() throws {
        let lead = try careerSteps()
        let s = try suggest(edited(3, "Status: x"), message: "X", as: .ben)
        try expectRefusal(.refused, mentioning: ["[merge.quorum]", "needs 2 more approvals"], in: lead, try open(as: .ben).merge(s.id))
        _ = try open(as: .cai).approve(s.id, message: nil)
        let error = try expectRefusal(
            .refused, mentioning: ["needs 1 more approval ", "2 required", "cai@example.com"], in: lead, try open(as: .ben).merge(s.id))
        XCTAssertTrue(error?.remedy?.contains("quorum approve") ?? false, String(describing: error?.remedy))
        XCTAssertEqual(try lead.history(slug: slug).count, 1, "nothing was merged")
    }

    func testMergingAMergedSuggestionIsRefused() throws {
        let lead = try careerSteps()
        let s = try approvedSuggestion(edited(3, "Status: x"), message: "X")
        _ = try open(as: .ben).merge(s.id)
        try expectRefusal(.refused, mentioning: ["[suggestion.over]"], in: lead, try open(as: .ben).merge(s.id))
        try expectRefusal(.refused, mentioning: ["[suggestion.over]"], in: lead, try lead.merge(s.id))
        try expectRefusal(.refused, mentioning: ["[suggestion.over]"], in: lead, try lead.approve(s.id, message: nil))
    }

    func testUnknownAndMalformedIdsAreUsageErrors() throws {
        let lead = try careerSteps()
        let s = try suggest(edited(3, "Status: x"), message: "X", as: .ben)
        let unknown = s.id.hasPrefix("0000") ? "ffff" : "0000"
        try expectRefusal(.usage, mentioning: ["no suggestion with id \(unknown)"], in: lead, try open(as: .cai).approve(unknown, message: nil))
        try expectRefusal(.usage, mentioning: ["no suggestion with id"], in: lead, try lead.merge(String(repeating: "0", count: 40)))
        for bad in ["abc", "xyz1", "", "../../x", s.id + "0", "\(s.id.prefix(6))*"] {
            try expectRefusal(.usage, mentioning: ["is not a suggestion id"], in: lead, try open(as: .cai).approve(bad, message: nil))
        }
        // Upper-case hex is still the same id.
        XCTAssertEqual(try lead.resolve(s.id.uppercased()).id.hex, s.id)
        XCTAssertEqual(try lead.resolve(String(s.id.prefix(4))).id.hex, s.id)
    }

    func testAnAmbiguousIdPrefixIsRefusedAndNamesTheCandidates() throws {
        historyBreaksTheRules = true  // it plants a suggestion ref by hand
        let lead = try careerSteps()
        let s = try suggest(edited(3, "Status: x"), message: "X", as: .ben)
        let id = try XCTUnwrap(ObjectID(hex: s.id))
        // A second suggestion whose id shares the first 4 hex digits, as two
        // real ones would: its id is an object too (a blob found by trying
        // texts; finding two real suggestions would take hundreds of them).
        var twinBlob: Data?
        for n in 0..<2_000_000 {
            let data = Data("twin \(n)\n".utf8)
            if Repository.blobID(of: data)?.hex.hasPrefix(String(s.id.prefix(4))) == true { twinBlob = data; break }
        }
        let twin = try lead.git.writeBlob(try XCTUnwrap(twinBlob))
        XCTAssertNotEqual(twin, id)
        try lead.git.updateReference(Layout.suggestionMeta(slug, twin), to: id, expected: nil, message: "test: twin")

        let prefix = String(s.id.prefix(4))
        try expectRefusal(.usage, mentioning: ["ambiguous", id.short, twin.short], in: lead, try open(as: .cai).approve(prefix, message: nil))
        try expectRefusal(.usage, mentioning: ["ambiguous"], in: lead, try open(as: .ben).merge(prefix))
        assertQuorumError(.usage, try lead.show(prefix, diff: false))
        // Enough digits tell them apart.
        let common = zip(s.id, twin.hex).prefix { $0 == $1 }.count
        XCTAssertEqual(try lead.resolve(String(s.id.prefix(common + 1))).id, id)
        XCTAssertEqual(try lead.resolve(String(twin.hex.prefix(common + 1))).id, twin)
    }

    func testStatusCountsStayExactThroughTheSummaryCache() throws {
        let lead = try careerSteps()
        let first = try suggest(edited(3, "Status: first"), message: "First", as: .ben)
        let second = try suggest(edited(40, "Second edit."), message: "Second", as: .cai)
        _ = try open(as: .cai).approve(first.id, message: nil)
        _ = try open(as: .dee).approve(first.id, message: nil)
        _ = try lead.merge(first.id)

        func counts() throws -> [String: Int] { try XCTUnwrap(try lead.status().first).counts.filter { $0.value > 0 } }
        func listed() throws -> [String: Int] { Dictionary(try lead.list().map { ($0.state.rawValue, 1) }, uniquingKeysWith: +) }
        XCTAssertEqual(try counts(), ["merged": 1, "open": 1])
        XCTAssertEqual(try counts(), try listed(), "the second call reads the cache's totals")
        let cache = repo.appendingPathComponent(".git/quorum/summaries")
        let lines = try String(contentsOf: cache, encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(lines.count > 1 && lines.last!.hasPrefix("totals\t"), "the cache keeps totals, last: \(lines.suffix(2))")

        // A change to any chain makes the totals stale: they are recomputed,
        // and the one new summary is appended to the file, not written anew.
        let before = try Data(contentsOf: cache)
        _ = try open(as: .cai).withdraw(second.id, reason: nil)
        XCTAssertEqual(try counts(), ["merged": 1, "withdrawn": 1])
        let after = try Data(contentsOf: cache)
        XCTAssertTrue(after.starts(with: before), "appended")
        XCTAssertEqual(String(decoding: after.dropFirst(before.count), as: UTF8.self).split(separator: "\n").count, 2, "one summary and the totals")

        // Lines it cannot use are passed over: one written under another
        // roster and proposals (here: saying the withdrawn one is open), and
        // one cut short by a crash.
        let withdrawn = try XCTUnwrap(String(decoding: after, as: UTF8.self).split(separator: "\n").last { $0.contains("\twithdrawn\t") })
        var fields = withdrawn.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        fields[1] = String(repeating: "0", count: 32)
        fields[5] = "open"
        let handle = try FileHandle(forWritingTo: cache)
        handle.seekToEndOfFile()
        handle.write(Data((fields.joined(separator: "\t") + "\n" + fields.prefix(4).joined(separator: "\t")).utf8))
        handle.closeFile()
        XCTAssertEqual(try counts(), try listed())
        XCTAssertEqual(try listed(), ["merged": 1, "withdrawn": 1])
        // So does a suggestion the cache has never seen.
        let current = String(decoding: try lead.text(slug: slug, document: "framework.md"), as: UTF8.self)
        _ = try suggest(edited(60, "Third edit.", of: current), message: "Third", as: .dee)
        XCTAssertEqual(try counts(), ["merged": 1, "withdrawn": 1, "open": 1])
        // And without the cache at all, the same answer.
        try FileManager.default.removeItem(at: cache)
        XCTAssertEqual(try counts(), ["merged": 1, "withdrawn": 1, "open": 1])
        XCTAssertEqual(try counts(), try listed())
    }

    func testAnIdOfAnotherObjectIsNoSuggestion() throws {
        let lead = try careerSteps()
        _ = try suggest(edited(3, "Status: x"), message: "X", as: .ben)
        let roundHead = try XCTUnwrap(try lead.git.referenceTarget(branch))
        let roster = try XCTUnwrap(try lead.git.referenceTarget(Layout.roster))
        for other in [roundHead, roster] {
            for digits in [8, 40] {
                try expectRefusal(.usage, mentioning: ["no suggestion with id"], in: lead, try open(as: .cai).approve(String(other.hex.prefix(digits)), message: nil))
            }
        }
    }

    func testIllegalSlugsAreRefusedBeforeAnythingIsWritten() throws {
        let lead = try careerSteps()
        let doc = [DocumentInput(name: "a.md", text: Data("text\n".utf8), source: "a.md")]
        for bad in ["../x", "A B", "", "-x", "x/y"] {
            try expectRefusal(.usage, mentioning: ["illegal slug"], in: lead, try lead.propose(slug: bad, title: nil, documents: doc))
            try expectRefusal(.usage, mentioning: ["illegal slug"], in: lead, try lead.suggest(slug: bad, message: "m", documents: doc))
        }
        try expectRefusal(.usage, mentioning: ["illegal document path"], in: lead, try lead.propose(
            slug: "other", title: nil, documents: [DocumentInput(name: "../escape.md", text: Data("x\n".utf8), source: "x")]))
        try expectRefusal(.usage, mentioning: ["illegal document path"], in: lead, try lead.suggest(
            slug: slug, message: "m", documents: [DocumentInput(name: "/etc/passwd", text: Data("x\n".utf8), source: "x")]))
        try expectRefusal(.usage, mentioning: ["no proposal 'nope'"], in: lead, try lead.suggest(slug: "nope", message: "m", documents: doc))
    }

    func testOnlyLeadsChangeTheRoster() throws {
        let lead = try careerSteps()
        try expectRefusal(.refused, mentioning: ["[roster.not-lead]"], in: lead, try open(as: .ben).addMember(
            email: Person.fay.email, name: Person.fay.name, groups: [], lead: nil))
        try expectRefusal(.refused, mentioning: ["[roster.not-lead]"], in: lead, try open(as: .ben).addMember(
            email: Person.ben.email, name: nil, groups: [], lead: true))
        try expectRefusal(.refused, mentioning: ["[roster.not-lead]"], in: lead, try open(as: .fay).addMember(
            email: Person.fay.email, name: Person.fay.name, groups: [], lead: nil))
        try expectRefusal(.refused, mentioning: ["[roster.last-lead]"], in: lead, try lead.addMember(
            email: Person.ana.email, name: nil, groups: [], lead: false))
        try expectRefusal(.usage, mentioning: ["give their name"], in: lead, try lead.addMember(
            email: Person.fay.email, name: nil, groups: [], lead: nil))
        try expectRefusal(.usage, mentioning: ["illegal email"], in: lead, try lead.addMember(
            email: "fay at example.com", name: "Fay", groups: [], lead: nil))
        try expectRefusal(.refused, mentioning: ["nothing to change"], in: lead, try lead.addMember(
            email: Person.ben.email, name: Person.ben.name, groups: ["working-group"], lead: false))
        XCTAssertNil(try lead.roster().member(Person.fay.email))
    }

    func testOtherRefusals() throws {
        let lead = try careerSteps()
        let doc = [DocumentInput(name: "framework.md", text: Data(original.utf8), source: "framework.md")]
        try expectRefusal(.refused, mentioning: ["exists already"], in: lead, try lead.propose(slug: slug, title: nil, documents: doc))
        try expectRefusal(.refused, mentioning: ["nothing to suggest"], in: lead, try open(as: .ben).suggest(slug: slug, message: "Same", documents: doc))
        try expectRefusal(.refused, mentioning: ["[suggest.not-audience]"], in: lead, try open(as: .fay).suggest(
            slug: slug, message: "Outsider", documents: [DocumentInput(name: nil, text: Data("new\n".utf8), source: "x")]))
        try expectRefusal(.refused, mentioning: ["[propose.not-member]"], in: lead, try open(as: .fay).propose(
            slug: "fays", title: nil, documents: [DocumentInput(name: "a.md", text: Data("new\n".utf8), source: "x")]))
        try expectRefusal(.refused, in: lead, try ReviewRepository.initialize(at: repo.path, environment: Person.ben.environment))
        try expectRefusal(.usage, mentioning: ["empty"], in: lead, try open(as: .ben).suggest(
            slug: slug, message: "  \n", documents: [DocumentInput(name: nil, text: Data("new\n".utf8), source: "x")]))
        var binary = Data("a".utf8)
        binary.append(0)
        try expectRefusal(.usage, mentioning: ["binary"], in: lead, try open(as: .ben).suggest(
            slug: slug, message: "Binary", documents: [DocumentInput(name: nil, text: binary, source: "x.bin")]))
    }

    func testNotAQuorumRepository() throws {
        _ = try Repository.create(at: repo.path)
        let error = assertQuorumError(.usage, try ReviewRepository.open(at: repo.path, environment: Person.ana.environment))
        XCTAssertTrue(error?.message.contains("not a Quorum repository") ?? false, String(describing: error))
        let plain = tmp.appendingPathComponent("plain")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        let notGit = assertQuorumError(.usage, try ReviewRepository.open(at: plain.path, environment: Person.ana.environment))
        XCTAssertTrue(notGit?.message.contains("not a git repository") ?? false, String(describing: notGit))
        // A path that is not there is said so, not taken for a place to init.
        let missing = assertQuorumError(.usage, try ReviewRepository.open(at: tmp.appendingPathComponent("missing").path, environment: Person.ana.environment))
        XCTAssertTrue(missing?.message.contains("no such directory") ?? false, String(describing: missing))
        XCTAssertFalse(missing?.remedy?.contains("init") ?? true, String(describing: missing))
    }

    // MARK: Identity

    func testMissingIdentityIsAUsageErrorAndWritesNothing() throws {
        // This process's HOME is an empty directory (see TestEnvironment), so
        // the only config there is the repository's own, which has no user.*.
        XCTAssertEqual(getenv("HOME").map { String(cString: $0) }, TestEnvironment.emptyHome)
        XCTAssertFalse(FileManager.default.fileExists(atPath: TestEnvironment.emptyHome + "/.gitconfig"))

        // Nothing at all: init refuses, and leaves nothing behind: not the
        // .git it made, nor the folders on the way to a new path.
        let none = assertQuorumError(.usage, try ReviewRepository.initialize(at: repo.path, environment: [:]))
        XCTAssertTrue(none?.message.contains("who you are") ?? false, String(describing: none))
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo.appendingPathComponent(".git").path))
        let deeper = repo.appendingPathComponent("new/deeper")
        assertQuorumError(.usage, try ReviewRepository.initialize(at: deeper.path, environment: [:]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo.appendingPathComponent("new").path))
        // In a git repository that was there, init leaves it as it was.
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        XCTAssertEqual(try git(["init", "-q"]).status, 0)
        assertQuorumError(.usage, try ReviewRepository.initialize(at: repo.path, environment: [:]))
        let bare = try Repository.open(at: repo.path)
        XCTAssertNil(try bare.configString("user.name"))
        XCTAssertNil(try bare.configString("user.email"))
        XCTAssertTrue(try bare.references(matching: "refs/*").isEmpty)

        let lead = try careerSteps()
        let s = try suggest(edited(3, "Status: x"), message: "X", as: .ben)
        let anonymous = try ReviewRepository.open(at: repo.path, environment: [:])
        let doc = [DocumentInput(name: nil, text: Data("new\n".utf8), source: "x")]
        try expectRefusal(.usage, mentioning: ["who you are"], in: lead, try anonymous.approve(s.id, message: nil))
        try expectRefusal(.usage, mentioning: ["who you are"], in: lead, try anonymous.merge(s.id))
        try expectRefusal(.usage, mentioning: ["who you are"], in: lead, try anonymous.suggest(slug: slug, message: "m", documents: doc))
        try expectRefusal(.usage, mentioning: ["who you are"], in: lead, try anonymous.addMember(email: Person.fay.email, name: "Fay", groups: [], lead: nil))
        // Half an identity is no identity; blank values are not one either.
        let nameOnly = try ReviewRepository.open(at: repo.path, environment: ["GIT_AUTHOR_NAME": "Cai Wong"])
        try expectRefusal(.usage, mentioning: ["who you are"], in: lead, try nameOnly.approve(s.id, message: nil))
        let blank = try ReviewRepository.open(at: repo.path, environment: ["GIT_AUTHOR_NAME": "  ", "GIT_AUTHOR_EMAIL": "cai@example.com"])
        try expectRefusal(.usage, mentioning: ["who you are"], in: lead, try blank.approve(s.id, message: nil))
        // A malformed email in the environment is refused as such.
        let malformed = try ReviewRepository.open(at: repo.path, environment: ["GIT_AUTHOR_NAME": "Cai", "GIT_AUTHOR_EMAIL": "cai"])
        try expectRefusal(.usage, mentioning: ["illegal email"], in: lead, try malformed.approve(s.id, message: nil))
    }

    func testIdentityFallsBackToTheRepositoryConfigAndTheEnvironmentWins() throws {
        let lead = try careerSteps()
        try lead.git.setConfigString("user.name", Person.cai.name)
        try lead.git.setConfigString("user.email", Person.cai.email)
        let fromConfig = try ReviewRepository.open(at: repo.path, environment: [:])
        XCTAssertEqual(try fromConfig.identity().email, Person.cai.email)
        XCTAssertEqual(try fromConfig.identity().name, Person.cai.name)
        let fromEnvironment = try ReviewRepository.open(at: repo.path, environment: Person.dee.environment)
        XCTAssertEqual(try fromEnvironment.identity().email, Person.dee.email)

        let s = try suggest(edited(3, "Status: x"), message: "X", as: .ben)
        let result = try fromConfig.approve(s.id, message: nil)
        XCTAssertEqual(result.approvals, 1)
        XCTAssertEqual(try lead.show(s.id, diff: false).approvals.map(\.email), [Person.cai.email])
    }

    // MARK: Three-way merges

    func testSuggestionsFromTheSameBaseOnFarApartParagraphsBothMerge() throws {
        let lead = try careerSteps()
        let base = try XCTUnwrap(try lead.git.referenceTarget(branch))
        let early = "This framework describes how engineers grow here, step by step."
        let late = "Influences direction beyond their own team, and is asked for advice by other teams."
        let first = try approvedSuggestion(edited(5, early), message: "Shorter introduction")
        let second = try approvedSuggestion(edited(158, late), message: "Clearer Influence step 3", by: .cai, approvers: [.ben, .dee])
        XCTAssertEqual(first.base, base.hex)
        XCTAssertEqual(second.base, base.hex)

        let one = try lead.merge(first.id)
        XCTAssertFalse(one.threeWay)
        let two = try lead.merge(second.id)
        XCTAssertTrue(two.threeWay, "the round had moved, so this needs a three-way merge")

        let head = try XCTUnwrap(try lead.git.referenceTarget(branch))
        XCTAssertEqual(head.hex, two.commit)
        XCTAssertEqual(try lead.git.commit(head).parents.map(\.hex), [one.commit, second.revision])
        XCTAssertEqual(try lead.git.commit(XCTUnwrap(ObjectID(hex: one.commit))).parents.map(\.hex), [base.hex, first.revision])
        let final = String(decoding: try lead.text(slug: slug, document: "framework.md"), as: UTF8.self)
        XCTAssertEqual(final, edited(158, late, of: edited(5, early)), "both edits, and nothing else changed")
        XCTAssertEqual(line(5, of: final), early)
        XCTAssertEqual(line(158, of: final), late)
        XCTAssertEqual(try lead.list().map(\.state), [.merged, .merged])
        let trailers = Trailers.parse(try lead.git.commit(head).message)
        XCTAssertEqual(trailers.first("Suggestion"), second.id)
        XCTAssertEqual(trailers.first("Suggested-by"), Person.cai.formatted)
    }

    func testSuggestionsEditingTheSameLineConflictAndTheSecondIsRefused() throws {
        let lead = try careerSteps()
        let first = try approvedSuggestion(edited(13, "Writes clear code."), message: "Terse step 1")
        let second = try approvedSuggestion(edited(13, "Writes clear, well-tested code."), message: "Other step 1", by: .cai, approvers: [.ben, .dee])
        let merged = try lead.merge(first.id)
        let head = try lead.git.referenceTarget(branch)
        XCTAssertEqual(head?.hex, merged.commit)

        try expectRefusal(
            .refused, mentioning: ["conflicts", "framework.md line 13:", "Writes clear code.", "Writes clear, well-tested code."],
            in: lead, allowing: chain(second), try lead.merge(second.id))
        XCTAssertEqual(try lead.git.referenceTarget(branch), head, "a refused merge must not move the round")
        XCTAssertEqual(try lead.text(slug: slug, document: "framework.md"), Data(edited(13, "Writes clear code.").utf8))
        let detail = try lead.show(second.id, diff: false)
        XCTAssertNil(detail.mergedAs)
        XCTAssertNotEqual(detail.state, .merged)
    }

    func testAConflictIsReportedAtItsOwnLineWhenItsTextAlsoAppearsElsewhere() throws {
        // Every section has a "### Step 1" heading (lines 11, 53, 95, 137).
        // Ben names them all; Cai names only Delivery's (line 53) otherwise.
        let lead = try careerSteps()
        var renamed = original
        for number in [11, 53, 95, 137] {
            XCTAssertEqual(line(number, of: original), "### Step 1")
            renamed = replacingLine(number, of: renamed, with: "### Step 1: Foundations")
        }
        let first = try approvedSuggestion(renamed, message: "Name every first step")
        let second = try approvedSuggestion(edited(53, "### Step 1: Getting started"), message: "Name Delivery's first step", by: .cai, approvers: [.ben, .dee])
        _ = try lead.merge(first.id)
        // The conflict is at line 53; line 11 has the same text but merged cleanly.
        let error = try expectRefusal(.refused, mentioning: ["framework.md line 53:"], in: lead, allowing: chain(second), try lead.merge(second.id))
        XCTAssertFalse(error?.message.contains("line 11") ?? true, flat(error?.message))
    }

    func testAConflictWithADeletedParagraphNamesWhereItWas() throws {
        // Ben deletes Technical Craft's step 1 paragraph (line 13 and the
        // blank line after it); Cai rewrites that paragraph.
        let lead = try careerSteps()
        var lines = original.components(separatedBy: "\n")
        lines.removeSubrange(12...13)
        let first = try approvedSuggestion(lines.joined(separator: "\n"), message: "Drop step 1 text")
        let second = try approvedSuggestion(edited(13, "Writes clear code."), message: "Shorter step 1", by: .cai, approvers: [.ben, .dee])
        _ = try lead.merge(first.id)
        let error = try expectRefusal(.refused, mentioning: ["framework.md", "Writes clear code."], in: lead, allowing: chain(second), try lead.merge(second.id))
        XCTAssertFalse(error?.message.contains("the whole document") ?? true, "a one-paragraph conflict is blamed on the whole document: \(flat(error?.message))")
        let message = error?.message ?? ""
        let named = message.range(of: #"framework\.md lines? 1[234]\b"#, options: .regularExpression) != nil
        XCTAssertTrue(named, "the line where the paragraph was (12-14) is not named: \(flat(message))")
    }

    func testAConflictSpanningSeveralLinesNamesTheRange() throws {
        let lead = try careerSteps()
        let mine = edited(18, "- Fixes a bug.", of: edited(17, "- Adds a field."))
        let theirs = edited(18, "- Fixes bugs quickly.", of: edited(17, "- Adds fields."))
        let first = try approvedSuggestion(mine, message: "Shorter examples")
        let second = try approvedSuggestion(theirs, message: "Other examples", by: .cai, approvers: [.ben, .dee])
        _ = try lead.merge(first.id)
        try expectRefusal(.refused, mentioning: ["framework.md lines 17-18:"], in: lead, allowing: chain(second), try lead.merge(second.id))
    }

    /// Does what merge does with suggestion `s` up to moving the round
    /// branch, then "crashes": returns the merge commit, the branch on it.
    private func halfMerge(_ s: SuggestResult, in lead: ReviewRepository) throws -> ObjectID {
        let base = try XCTUnwrap(try lead.git.referenceTarget(branch))
        let revision = try XCTUnwrap(ObjectID(hex: s.revision))
        let written = try XCTUnwrap(lead.git.parents(of: revision).first)
        let tree = written == base
            ? try lead.git.commit(revision).tree
            : try lead.mergedTree(slug: slug, base: written, head: base, revision: revision, subject: "test")
        let signature = Signature(name: Person.ben.name, email: Person.ben.email, time: 1_700_000_000)
        let moved = try lead.git.createCommit(
            tree: tree, parents: [base, revision], author: signature, committer: signature,
            message: "X\n\nSuggestion: \(s.id)\n")
        try lead.git.updateReference(branch, to: moved, expected: base, message: "test: half a merge")
        return moved
    }

    /// Merges `s` again, as Ben, and checks that it recorded the half
    /// merge `moved` and left the round at `head`.
    private func assertFinishesHalfMerge(_ s: SuggestResult, moved: ObjectID, roundAt head: ObjectID?, in lead: ReviewRepository,
                                         file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try open(as: .ben).merge(s.id)
        XCTAssertEqual(result.commit, moved.hex, "the existing merge commit is recorded, not a second one made (nor the round's head)", file: file, line: line)
        XCTAssertEqual(try lead.git.referenceTarget(branch), head, file: file, line: line)
        XCTAssertEqual(try lead.show(s.id, diff: false).state, .merged, file: file, line: line)
    }

    func testAMergeInterruptedAfterMovingTheRoundIsFinishedNotRepeated() throws {
        let lead = try careerSteps()
        let s = try approvedSuggestion(edited(3, "Status: x"), message: "X")
        let moved = try halfMerge(s, in: lead)
        try assertFinishesHalfMerge(s, moved: moved, roundAt: moved, in: lead)
    }

    /// The same half merge with another suggestion merged over it: the
    /// earlier merge is found down the round's line and recorded, not made
    /// a second time, and the round stays where the later merge put it.
    func testAMergeInterruptedAndMergedOverIsFoundDownTheRoundsLine() throws {
        let lead = try careerSteps()
        let s = try approvedSuggestion(edited(3, "Status: x"), message: "X")
        let moved = try halfMerge(s, in: lead)
        let t = try approvedSuggestion(edited(7, "Status: y", of: edited(3, "Status: x")), message: "Y")
        let later = try open(as: .ben).merge(t.id)
        XCTAssertNotEqual(later.commit, moved.hex)

        try assertFinishesHalfMerge(s, moved: moved, roundAt: ObjectID(hex: later.commit), in: lead)
        XCTAssertEqual(try lead.show(t.id, diff: false).state, .merged)
    }

    /// A half merge made after the round-line index was written, with
    /// merges made over it since: found through the index (which lists
    /// it by then), confirmed on the round, and recorded.
    func testAMergeInterruptedLongAgoIsFoundThroughTheRoundLineIndex() throws {
        let lead = try careerSteps()
        let edits = frameworkParagraphLines.prefix(5).map { number in edited(number, "Paragraph \(number), rewritten.") }
        let suggestions = try edits.enumerated().map { try approvedSuggestion($1, message: "Rewrite \($0)") }
        let s = suggestions[2]
        for other in suggestions.prefix(2) { _ = try open(as: .ben).merge(other.id) }
        let moved = try halfMerge(s, in: lead)
        for other in suggestions.suffix(2) { _ = try open(as: .ben).merge(other.id) }
        let index = String(decoding: FileManager.default.contents(atPath: repo.appendingPathComponent(".git/quorum/round-lines/\(slug)/1").path) ?? Data(), as: UTF8.self)
        XCTAssertTrue(index.contains("\n\(moved.hex) \(s.revision)\n"), "the index does not list the half merge:\n\(index)")

        try assertFinishesHalfMerge(s, moved: moved, roundAt: try lead.git.referenceTarget(branch), in: lead)
    }

    /// An index that lost its first lines (the revision's base among
    /// them, and the half merge) is not believed for what it does not
    /// hold: the earlier merge is found on the round and recorded, not the
    /// round's head.
    func testAnIndexThatLostItsFirstLinesStillFindsTheEarlierMerge() throws {
        let lead = try careerSteps()
        let edits = frameworkParagraphLines.prefix(3).map { number in edited(number, "Paragraph \(number), rewritten.") }
        let suggestions = try edits.enumerated().map { try approvedSuggestion($1, message: "Rewrite \($0)") }
        _ = try open(as: .ben).merge(suggestions[0].id)
        let moved = try halfMerge(suggestions[1], in: lead)
        _ = try open(as: .ben).merge(suggestions[2].id)
        let head = try XCTUnwrap(try lead.git.referenceTarget(branch))
        // Only the header and a true line for the head are left.
        let path = repo.appendingPathComponent(".git/quorum/round-lines/\(slug)/1").path
        let text = String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: path)), as: UTF8.self)
        let header = try XCTUnwrap(text.split(separator: "\n").first)
        try Data((header + "\n\(head.hex) \(suggestions[2].revision)\n").utf8).write(to: URL(fileURLWithPath: path))

        try assertFinishesHalfMerge(suggestions[1], moved: moved, roundAt: head, in: lead)
        try FileManager.default.removeItem(atPath: path)  // the cut file breaks the file's promise; the teardown would say so
    }

    /// A suggestion written on a merged revision (`--base` naming it: in
    /// the round's history, not on its line) merges as any other: the
    /// look for an earlier merge of it stops at the round's start.
    func testASuggestionBasedOffTheRoundsLineMerges() throws {
        let lead = try careerSteps()
        let first = try approvedSuggestion(edited(3, "Status: x"), message: "X")
        _ = try open(as: .ben).merge(first.id)
        let offLine = try XCTUnwrap(ObjectID(hex: first.revision))
        let text = edited(7, "Status: y", of: edited(3, "Status: x"))
        let second = try open(as: .ben).suggest(
            slug: slug, message: "Y", documents: [DocumentInput(name: "framework.md", text: Data(text.utf8), source: "test")], base: offLine)
        for approver in [Person.cai, .dee] { _ = try open(as: approver).approve(second.id, message: nil) }
        let merged = try open(as: .ben).merge(second.id)
        XCTAssertTrue(merged.threeWay)
        XCTAssertEqual(try lead.git.referenceTarget(branch)?.hex, merged.commit)
        XCTAssertEqual(try lead.git.parents(of: try XCTUnwrap(ObjectID(hex: merged.commit))).last?.hex, second.revision)
        XCTAssertEqual(try lead.show(second.id, diff: false).state, .merged)
    }

    func testProposingAFileAndADirectoryOfTheSameNameIsRefused() throws {
        // 'parts' and 'parts/delivery.md' cannot both be in one git tree.
        let lead = try careerSteps()
        let before = try refSnapshot(lead)
        do {
            let result = try lead.propose(slug: "handbook", title: nil, documents: [
                DocumentInput(name: "parts", text: Data("a file\n".utf8), source: "a"),
                DocumentInput(name: "parts/delivery.md", text: Data("a document in a folder\n".utf8), source: "b"),
            ])
            let held = try lead.status(slug: "handbook").first?.documents ?? []
            XCTFail("propose accepted both; it recorded the documents \(result.documents) but the round's tree holds only \(held)")
        } catch let error as QuorumError {
            XCTAssertEqual(error.kind, .usage, error.description)
            XCTAssertEqual(try refSnapshot(lead), before)
        }
    }

    func testSuggestingADocumentInsideAnExistingDocumentsNameIsAUsageError() throws {
        let lead = try careerSteps()
        try expectRefusal(.usage, mentioning: ["framework.md"], in: lead, try open(as: .ben).suggest(
            slug: slug, message: "Nest a document", documents: [DocumentInput(name: "framework.md/extra.md", text: Data("x\n".utf8), source: "x")]))
    }

    func testMultipleDocumentsNeedNamesAndStayApart() throws {
        let lead = try initialize(as: .ana)
        try lead.addMember(email: Person.ben.email, name: Person.ben.name, groups: [], lead: nil)
        _ = try lead.propose(slug: "handbook", title: nil, documents: [
            DocumentInput(name: "parts/on-call.md", text: Data(TestEnvironment.policy.utf8), source: "policy.md"),
            DocumentInput(name: "framework.md", text: Data(original.utf8), source: "framework.md"),
        ])
        XCTAssertEqual(try lead.proposal("handbook").documents, ["framework.md", "parts/on-call.md"])
        XCTAssertEqual(try lead.proposal("handbook").title, "handbook")
        try expectRefusal(.usage, mentioning: ["has 2 documents"], in: lead, try open(as: .ben).suggest(
            slug: "handbook", message: "Which?", documents: [DocumentInput(name: nil, text: Data("x\n".utf8), source: "x.md")]))
        try expectRefusal(.usage, mentioning: ["given twice"], in: lead, try open(as: .ben).suggest(
            slug: "handbook", message: "Twice", documents: [
                DocumentInput(name: "framework.md", text: Data("x\n".utf8), source: "a"),
                DocumentInput(name: "framework.md", text: Data("y\n".utf8), source: "b"),
            ]))
        let s = try open(as: .ben).suggest(slug: "handbook", message: "Trim on-call", documents: [
            DocumentInput(name: "parts/on-call.md", text: Data("# On-call\n".utf8), source: "x")])
        XCTAssertEqual(s.documents, ["parts/on-call.md"])
        XCTAssertEqual(try lead.show(s.id, diff: false).documents, ["parts/on-call.md"])
        assertQuorumError(.usage, try lead.text(slug: "handbook", document: nil))
        XCTAssertEqual(try lead.text(slug: "handbook", document: "parts/on-call.md"), Data(TestEnvironment.policy.utf8))
        assertQuorumError(.usage, try lead.text(slug: "handbook", document: "../x.md"))
        assertQuorumError(.usage, try lead.text(slug: "handbook", document: "missing.md"))
    }
}
