import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Folding event chains into rosters, proposals and suggestions, on
/// in-memory `Event` values: approval counting without a repository.
final class DomainTests: QuorumTestCase {

    // MARK: Building events

    private var clock: Int64 = 1_700_000_000

    /// A made-up object id: n in hex, zero-padded.
    private func oid(_ n: Int) -> ObjectID {
        ObjectID(hex: String(n, radix: 16).leftPadded(to: 40))!
    }

    private func event(_ record: EventRecord, by person: Person, id: ObjectID? = nil, email: String? = nil) -> Event {
        clock += 60
        do {
            return try Event(
                id: id ?? oid(Int(clock)), record: record,
                actor: Signature(name: person.name, email: email ?? person.email, time: clock))
        } catch {
            XCTFail("malformed test event: \(error)")
            preconditionFailure()
        }
    }

    private func member(_ person: Person, groups: [String] = ["working-group"], lead: Bool = false) -> Member {
        Member(email: person.email, name: person.name, groups: groups, lead: lead)
    }

    /// Ana leads; Ben, Cai and Dee are in the working group; Eve only observes.
    private func roster(extra: [Event] = []) -> Roster {
        var start = EventRecord(type: .initialize)
        start.policy = .standard
        start.member = member(.ana, lead: true)
        var events = [event(start, by: .ana)]
        for (person, groups) in [(Person.ben, ["working-group"]), (.cai, ["working-group"]), (.dee, ["working-group", "editors"]), (.eve, ["observers"])] {
            var record = EventRecord(type: .member)
            record.member = member(person, groups: groups)
            events.append(event(record, by: .ana))
        }
        return Roster(events: events + extra)
    }

    /// career-steps as Ana's propose event opens it: round 1 with the policy's settings.
    private func proposal(roundInfo: RoundRecord? = nil, by person: Person = .ana, roster: Roster? = nil) -> Proposal {
        var record = EventRecord(type: .propose)
        record.slug = "career-steps"
        record.commit = oid(0xc0de).hex
        record.roundInfo = roundInfo ?? RoundRecord(number: 1, name: "working-group", audience: ["working-group"], approvers: ["working-group"], quorum: 2)
        let propose = event(record, by: person)
        return Proposal(slug: "career-steps", head: propose.id, events: [propose], roster: roster ?? self.roster())
    }

    /// Round 1 of career-steps with other settings (as judged, not as folded).
    private func round(quorum: Int = 2, approvers: [String] = ["working-group"]) -> Round {
        let open = proposal().openRound!
        return Round(
            number: 1, name: open.name, audience: open.audience, approvers: approvers, quorum: quorum, pairEdits: true,
            branch: open.branch, opened: open.opened, closed: false, closedAt: nil, openedBy: open.openedBy, carrying: [])
    }

    private let suggestionID = ObjectID(hex: "5" + String(repeating: "0", count: 39))!
    private let revision = ObjectID(hex: "7" + String(repeating: "0", count: 39))!
    private let base = ObjectID(hex: "b" + String(repeating: "0", count: 39))!

    private func suggestEvent(by author: Person = .ben) -> Event {
        var record = EventRecord(type: .suggest)
        record.slug = "career-steps"
        record.round = 1
        record.title = "Say who reviews the draft"
        record.message = "Say who reviews the draft\n\nIt helps readers."
        record.revision = revision.hex
        record.base = base.hex
        record.documents = ["framework.md"]
        return event(record, by: author, id: suggestionID)
    }

    private func approveEvent(by person: Person, of approved: ObjectID? = nil, email: String? = nil, note: String? = nil) -> Event {
        var record = EventRecord(type: .approve)
        record.revision = (approved ?? revision).hex
        record.message = note
        return event(record, by: person, email: email)
    }

    /// A suggestion by `author` with these approvals after it.
    private func suggestion(by author: Person = .ben, _ later: [Event]) throws -> Suggestion {
        let events = [suggestEvent(by: author)] + later
        return try fold(events)
    }

    /// Folds a chain with the default proposal and roster; every revision's
    /// change counts as the same change when `sameChange`.
    private func fold(_ events: [Event], sameChange: Bool = false) throws -> Suggestion {
        try Suggestion(
            id: suggestionID, slug: "career-steps", head: events.last?.id ?? suggestionID, events: events,
            proposal: proposal(), roster: roster(), facts: Facts(sameChange: sameChange))
    }

    /// Facts as a test states them: every merge is on its round; changes
    /// are all the same, or each its own.
    private struct Facts: DerivedFacts {
        var sameChange = false
        var merged = true
        func isSameChange(_ earlier: Revision, as current: Revision) -> Bool { sameChange || earlier.commit == current.commit }
        func isOnRound(_ commit: ObjectID, slug: String, round: Int) -> Bool { merged }
        func conflicts(_ revision: Revision, with head: ObjectID, version: Int) -> Bool { true }
    }

    private func reviseEvent(to commit: ObjectID, by person: Person = .ben) -> Event {
        var record = EventRecord(type: .revise)
        record.revision = commit.hex
        record.base = base.hex
        record.message = "Say who reviews the draft, better"
        return event(record, by: person)
    }

    // MARK: Suggestions

    func testSuggestEventFoldsIntoAnOpenSuggestion() throws {
        let s = try suggestion([])
        XCTAssertEqual(s.id, suggestionID)
        XCTAssertEqual(s.slug, "career-steps")
        XCTAssertEqual(s.title, "Say who reviews the draft")
        XCTAssertEqual(s.message, "Say who reviews the draft\n\nIt helps readers.")
        XCTAssertEqual(s.author.email, Person.ben.email)
        XCTAssertEqual(s.round, 1)
        XCTAssertEqual(s.revisions.count, 1)
        XCTAssertEqual(s.currentRevision.commit, revision)
        XCTAssertEqual(s.currentRevision.base, base)
        XCTAssertEqual(s.currentRevision.number, 1)
        XCTAssertEqual(s.eventCount, 1)
        XCTAssertNil(s.mergedAs)
        XCTAssertEqual(s.state(in: round(), roster: roster()), .open)
        XCTAssertTrue(s.approvals(in: round(), roster: roster()).isEmpty)
    }

    func testTwoIndependentApprovalsMeetTheQuorum() throws {
        let one = try suggestion([approveEvent(by: .cai)])
        XCTAssertEqual(one.approvals(in: round(), roster: roster()).filter(\.counts).count, 1)
        XCTAssertEqual(one.state(in: round(), roster: roster()), .open)

        let two = try suggestion([approveEvent(by: .cai, note: "Looks right"), approveEvent(by: .dee)])
        let approvals = two.approvals(in: round(), roster: roster())
        XCTAssertEqual(approvals.map(\.approver.email), [Person.cai.email, Person.dee.email])
        XCTAssertTrue(approvals.allSatisfy(\.counts))
        XCTAssertEqual(approvals.first?.message, "Looks right")
        XCTAssertEqual(two.state(in: round(), roster: roster()), .approved)
        XCTAssertEqual(two.state(in: round(quorum: 3), roster: roster()), .open)
    }

    func testTheAuthorsOwnApprovalIsAViolationAndCountsForNothing() throws {
        let s = try suggestion(by: .ben, [approveEvent(by: .ben), approveEvent(by: .cai)])
        let approvals = s.approvals(in: round(), roster: roster())
        XCTAssertEqual(approvals.map(\.approver.email), [Person.cai.email])
        XCTAssertEqual(s.violations.map(\.refusal.code), [.approveSelf])
        XCTAssertEqual(s.violations.first?.actor.email, Person.ben.email)
        XCTAssertEqual(s.state(in: round(), roster: roster()), .open)
    }

    func testTheAuthorIsRecognisedWhateverTheCaseOfTheirEmail() throws {
        let s = try suggestion(by: .ben, [approveEvent(by: .ben, email: "BEN@Example.COM"), approveEvent(by: .cai)])
        let approvals = s.approvals(in: round(), roster: roster())
        XCTAssertEqual(approvals.filter(\.counts).map(\.approver.email), [Person.cai.email])
        XCTAssertEqual(s.violations.map(\.refusal.code), [.approveSelf])
        XCTAssertEqual(s.state(in: round(), roster: roster()), .open)
    }

    func testAnApprovalOfSomethingThatIsNoRevisionIsAViolation() throws {
        let s = try suggestion([approveEvent(by: .cai, of: oid(0xdead)), approveEvent(by: .dee)])
        XCTAssertEqual(s.violations.map(\.refusal.code), [.chainShape])
        XCTAssertEqual(s.approvals(in: round(), roster: roster()).map(\.approver.email), [Person.dee.email])
    }

    func testAnApprovalOfAnOlderRevisionIsStaleUnlessTheChangeIsTheSame() throws {
        let newer = oid(0xbeef)
        let events = [suggestEvent(), approveEvent(by: .cai), reviseEvent(to: newer), approveEvent(by: .dee, of: newer)]
        let s = try fold(events)
        XCTAssertTrue(s.violations.isEmpty, "\(s.violations.map(\.refusal))")
        let approvals = s.approvals(in: round(), roster: roster())
        let stale = try XCTUnwrap(approvals.first { $0.approver.email == Person.cai.email })
        XCTAssertFalse(stale.counts)
        XCTAssertEqual(stale.revision, revision)
        XCTAssertTrue(stale.notCounted?.hasPrefix("stale") ?? false, String(describing: stale.notCounted))
        XCTAssertEqual(approvals.filter(\.counts).count, 1)
        XCTAssertEqual(s.state(in: round(), roster: roster()), .open)
        // The same change byte for byte (a pure rebase) keeps the approval.
        XCTAssertEqual(try fold(events, sameChange: true).state(in: round(), roster: roster()), .approved)
    }

    func testAPersonsLatestApprovalIsTheOneJudged() throws {
        // Cai approved an older text, then the current one: it counts once.
        let newer = oid(0xbeef)
        let s = try fold([suggestEvent(), approveEvent(by: .cai), reviseEvent(to: newer), approveEvent(by: .cai, of: newer), approveEvent(by: .dee, of: newer)])
        let approvals = s.approvals(in: round(), roster: roster())
        XCTAssertEqual(approvals.count, 2)
        XCTAssertTrue(approvals.allSatisfy(\.counts))
        XCTAssertEqual(s.state(in: round(), roster: roster()), .approved)
    }

    func testANonApproversApprovalIsAViolation() throws {
        // Eve is on the roster but only in 'observers'; Fay is not on it at all.
        let s = try suggestion([approveEvent(by: .eve), approveEvent(by: .fay), approveEvent(by: .cai)])
        XCTAssertEqual(s.violations.map(\.refusal.code), [.approveNotApprover, .approveNotApprover])
        XCTAssertEqual(s.violations.map(\.actor.email), [Person.eve.email, Person.fay.email])
        let approvals = s.approvals(in: round(), roster: roster())
        XCTAssertEqual(approvals.map(\.approver.email), [Person.cai.email])
        XCTAssertEqual(s.state(in: round(), roster: roster()), .open)
    }

    func testApproversAreWhateverGroupsTheRoundNames() throws {
        // In a round approved by 'editors', only Dee's approval counts.
        let s = try suggestion([approveEvent(by: .cai), approveEvent(by: .dee)])
        let editors = round(quorum: 1, approvers: ["editors"])
        XCTAssertEqual(s.approvals(in: editors, roster: roster()).filter(\.counts).map(\.approver.email), [Person.dee.email])
        XCTAssertEqual(s.state(in: editors, roster: roster()), .approved)
    }

    func testLeavingTheApproverGroupWithdrawsTheApproval() throws {
        var moved = EventRecord(type: .member)
        moved.member = member(.cai, groups: ["observers"])
        let later = roster(extra: [event(moved, by: .ana)])
        let s = try suggestion([approveEvent(by: .cai), approveEvent(by: .dee)])
        XCTAssertEqual(s.state(in: round(), roster: roster()), .approved)
        XCTAssertEqual(s.state(in: round(), roster: later), .open)
    }

    func testAPersonCountsOnce() throws {
        let s = try suggestion([
            approveEvent(by: .cai), approveEvent(by: .cai), approveEvent(by: .cai, email: "CAI@example.com"),
        ])
        let approvals = s.approvals(in: round(), roster: roster())
        XCTAssertEqual(approvals.count, 1)
        XCTAssertEqual(approvals.filter(\.counts).count, 1)
        XCTAssertEqual(s.approvalEvents.count, 3)
        XCTAssertEqual(s.state(in: round(), roster: roster()), .open)
        XCTAssertEqual(s.state(in: round(quorum: 1), roster: roster()), .approved)
    }

    func testAMergeEventMakesItMerged() throws {
        var merge = EventRecord(type: .merge)
        merge.revision = revision.hex
        merge.commit = oid(0xfeed).hex
        let s = try suggestion([approveEvent(by: .cai), approveEvent(by: .dee), event(merge, by: .ben)])
        XCTAssertEqual(s.mergedAs, oid(0xfeed))
        XCTAssertEqual(s.mergedBy?.email, Person.ben.email)
        XCTAssertEqual(s.eventCount, 4)
        XCTAssertEqual(s.state(in: round(), roster: roster()), .merged)
        // Merged stays merged even if the approvals no longer add up.
        XCTAssertEqual(s.state(in: round(quorum: 5), roster: roster()), .merged)
        // A merge event whose commit is not on the round (refused upstream,
        // or made up) is history: it counts for nothing, and is no violation.
        let events = [suggestEvent(), approveEvent(by: .cai), approveEvent(by: .dee), event(merge, by: .ben)]
        let unmerged = try Suggestion(
            id: suggestionID, slug: "career-steps", head: events[3].id, events: events,
            proposal: proposal(), roster: roster(), facts: Facts(merged: false))
        XCTAssertNil(unmerged.mergedAs)
        XCTAssertTrue(unmerged.violations.isEmpty)
        XCTAssertEqual(unmerged.state(in: round(), roster: roster()), .approved)
    }

    func testAChainThatDoesNotStartWithItsSuggestEventIsRefused() throws {
        let approval = approveEvent(by: .cai)
        assertQuorumError(.failure, try fold([approval]))
        assertQuorumError(.failure, try fold([]))
        // The id must be the first event's commit.
        let first = suggestEvent()
        assertQuorumError(.failure, try Suggestion(
            id: oid(1), slug: "career-steps", head: first.id, events: [first], proposal: proposal(), roster: roster(), facts: Facts()))
        // A suggest event without its revision is malformed.
        var record = first.record
        record.revision = nil
        XCTAssertThrowsError(try Event(id: suggestionID, record: record, actor: first.actor)) { error in
            XCTAssertEqual((error as? Refusal)?.code, .eventMalformed)
        }
    }

    // MARK: Rosters

    func testRosterFoldsMembersAndPolicy() {
        let r = roster()
        XCTAssertEqual(r.policy, .standard)
        XCTAssertEqual(r.policy.quorum, 2)
        XCTAssertEqual(r.members.map(\.email), ["ana@example.com", "ben@example.com", "cai@example.com", "dee@example.com", "eve@example.com"])
        XCTAssertTrue(r.isLead(Person.ana.email))
        XCTAssertFalse(r.isLead(Person.ben.email))
        XCTAssertFalse(r.isLead(Person.fay.email))
        XCTAssertTrue(r.isIn(Person.dee.email, groups: ["editors"]))
        XCTAssertFalse(r.isIn(Person.eve.email, groups: ["working-group"]))
        XCTAssertFalse(r.isIn(Person.fay.email, groups: ["working-group"]))
        XCTAssertEqual(r.history.count, 5)
        XCTAssertEqual(r.history.last?.actor.email, Person.ana.email)
    }

    func testRosterLooksPeopleUpWhateverTheCase() {
        let r = roster()
        XCTAssertEqual(r.member("BEN@EXAMPLE.COM")?.name, Person.ben.name)
        XCTAssertTrue(r.isLead("Ana@Example.com"))
        XCTAssertTrue(r.isIn("CAI@example.com", groups: ["working-group"]))
    }

    func testAMemberEventForSomeoneKnownReplacesThem() {
        var update = EventRecord(type: .member)
        update.member = Member(email: "BEN@example.com", name: "Ben O.", groups: ["editors"], lead: true)
        let r = roster(extra: [event(update, by: .ana)])
        XCTAssertEqual(r.members.count, 5, "an update must not add a second Ben")
        XCTAssertEqual(r.member(Person.ben.email)?.name, "Ben O.")
        XCTAssertTrue(r.isLead(Person.ben.email))
        XCTAssertFalse(r.isIn(Person.ben.email, groups: ["working-group"]))
        XCTAssertEqual(r.history.count, 6)
    }

    func testEventsOfOtherChainsAreIgnoredByTheRoster() {
        let r = roster(extra: [suggestEvent(), approveEvent(by: .cai)])
        XCTAssertEqual(r.members.count, 5)
        XCTAssertEqual(r.violations.map(\.refusal.code), [.chainShape, .chainShape])
    }

    // MARK: Proposals and records

    func testProposeEventOpensRoundOne() {
        var record = EventRecord(type: .propose)
        record.slug = "career-steps"
        record.title = "Engineering Career Steps"
        record.documents = ["framework.md"]
        record.roundInfo = RoundRecord(number: 1, name: "working-group", audience: ["working-group"], approvers: ["working-group"], quorum: 2)
        record.commit = oid(0xc0de).hex
        let propose = event(record, by: .ana)
        let proposal = Proposal(slug: "career-steps", head: propose.id, events: [propose], roster: roster())
        XCTAssertTrue(proposal.violations.isEmpty)
        XCTAssertEqual(proposal.title, "Engineering Career Steps")
        XCTAssertEqual(proposal.author?.email, Person.ana.email)
        XCTAssertEqual(proposal.documents, ["framework.md"])
        XCTAssertEqual(proposal.rounds.count, 1)
        let open = proposal.openRound
        XCTAssertEqual(open?.number, 1)
        XCTAssertEqual(open?.quorum, 2)
        XCTAssertEqual(open?.approvers, ["working-group"])
        XCTAssertEqual(open?.branch, "refs/heads/quorum/career-steps/1")
        XCTAssertEqual(open?.closed, false)
        XCTAssertNil(proposal.round(2))
        XCTAssertEqual(proposal.path(of: "framework.md"), "Proposals/career-steps/framework.md")
    }

    func testEventRecordsRoundTripThroughJSON() throws {
        var record = EventRecord(type: .approve)
        record.revision = revision.hex
        record.message = "Looks right"
        let data = try JSONEncoder().encode(record)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(object["type"] as? String, "approve")
        XCTAssertEqual(object["v"] as? Int, 1)
        XCTAssertNil(object["slug"], "unused fields stay absent")
        XCTAssertEqual(try JSONDecoder().decode(EventRecord.self, from: data), record)
        XCTAssertEqual(EventRecord.Kind(rawValue: "init"), .initialize)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
