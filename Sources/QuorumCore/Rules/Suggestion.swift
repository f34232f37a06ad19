import Foundation
import QuorumGit

/// Where a suggestion stands.
public enum SuggestionState: String, Codable, Sendable, CaseIterable {
    /// Waiting for approvals.
    case open
    /// The round's quorum of independent approvals of the current revision exists.
    case approved
    /// Accepted into its round.
    case merged
    /// Its author took it back.
    case withdrawn
    /// An approver or lead turned it down.
    case rejected
    /// It no longer applies to the round's text; the author must revise it.
    case conflicted
    /// An event of its chain (or of its proposal's) cannot be read, so its
    /// state is unknown: never a fold's answer, only a listing's (see
    /// `DamagedEvent`).
    case damaged

    /// Whether nothing more can happen to it.
    public var isFinal: Bool { self == .merged || self == .withdrawn || self == .rejected }
}

/// One immutable version of a suggestion's text: a commit whose parent is
/// the round head it was written against.
public struct Revision: Sendable {
    public let number: Int
    public let commit: ObjectID
    public let base: ObjectID
    /// How it came about: suggest, revise, rebase or carry.
    public let kind: EventRecord.Kind
    public let by: Signature
}

/// A sign-off as recorded, and whether it counts now.
public struct Approval: Sendable {
    public let approver: Signature
    public let revision: ObjectID
    public let message: String?
    /// nil when it counts; otherwise why not ("stale", "author", …).
    public var notCounted: String?
    public var counts: Bool { notCounted == nil }
}

/// A concern that blocks merging until the person who raised it resolves
/// it, or a lead overrides it with a recorded reason.
public struct Objection: Sendable {
    public let id: ObjectID
    public let by: Signature
    public let reason: String
    public var resolved: Signature?
    /// Set when a lead lifted it for the objector: the lead's reason.
    public var overrideReason: String?
    public var isOpen: Bool { resolved == nil }
}

/// A proposed change to one proposal in one round, folded from its event
/// chain (`refs/quorum/proposals/<slug>/suggestions/<id>/meta`) against the
/// roster and the proposal's rounds.
///
/// Every event is judged by `Rules` against the state folded so far. One
/// refused for who wrote it or what it claims counts for nothing and is
/// kept in `violations`; one that only met a state that had moved on (an
/// approval arriving after the merge from a clone that was offline) counts
/// for nothing and is not a violation.
public struct Suggestion: Sendable {
    public let id: ObjectID
    public let slug: String
    public let metaHead: ObjectID
    public private(set) var round: Int = 1
    public private(set) var title: String = ""
    public private(set) var message: String = ""
    public private(set) var author: Signature
    public private(set) var coAuthors: [String] = []
    public private(set) var revisions: [Revision] = []
    /// Approval and revocation events, oldest first (a nil revision is a revocation).
    public private(set) var approvalEvents: [(actor: Signature, revision: ObjectID?, message: String?)] = []
    /// Approvals whose signature does not hold (the policy requires one):
    /// shown, never counted, and never standing in for the person's own.
    public private(set) var unverifiedApprovals: [(actor: Signature, revision: ObjectID, message: String?, refusal: Refusal)] = []
    /// Set when the suggestion's own first event is not signed as the
    /// policy requires, or its text is not plain (`Rules.plainText`): it
    /// is shown, but never merges.
    public private(set) var unverified: Refusal?
    public private(set) var objections: [Objection] = []
    public private(set) var comments: [Comment] = []
    public private(set) var mergedAs: ObjectID?
    public private(set) var mergedBy: Signature?
    /// Who ended it (withdraw or reject) and why.
    public private(set) var ended: (kind: EventRecord.Kind, by: Signature, reason: String?)?
    /// The round head it failed to apply to, while it is conflicted.
    public private(set) var conflictedWith: ObjectID?
    public private(set) var eventCount = 0
    /// Events the rules refused, in chain order.
    public private(set) var violations: [Violation] = []
    /// Which of `revisions` was merged (its index), once merged.
    private var mergedRevision: Int?
    /// Earlier revisions whose change is the current one's, byte for byte
    /// and in the same place (`DerivedFacts.isSameChange`): their approvals
    /// carry over.
    private var sameChange: Set<ObjectID> = []

    /// Folds `events` (the chain, oldest first). `facts` gives what only
    /// the objects can tell: whether an earlier revision is the same change
    /// as the current one (asked only for revisions an approval names),
    /// whether a conflict event's conflict is real, and
    /// whether a merge event's commit is on its round (a merge counts only
    /// then: one the shared repository refused, or a forged one, is
    /// history and counts for nothing). Events in `admitting` (new to a
    /// shared repository) are judged with the roster as it is; the others,
    /// history, with `Roster.historical`. Throws when the chain does not
    /// begin with this suggestion's suggest event.
    init(id: ObjectID, slug: String, head: ObjectID, events: [Event], proposal: Proposal, roster: Roster,
         facts: DerivedFacts, admitting: Set<ObjectID> = []) throws {
        guard let first = events.first, first.id == id,
              case .suggest(_, let number, let title, let message, _, _, _) = first.payload else {
            throw QuorumError(.failure, "suggestion \(id.short) has a malformed event chain", code: .chainShape)
        }
        self.id = id
        self.slug = slug
        self.metaHead = head
        self.author = first.actor
        round = number
        self.title = title
        self.message = message
        eventCount = events.count
        let history = roster.historical
        let exempt = roster.exempt(events)
        for (index, event) in events.enumerated() {
            let judge = admitting.contains(event.id) ? roster : history
            if let refusal = Rules.signature(of: event, roster: judge, exempt: exempt, atPush: admitting.contains(event.id)) {
                violations.append(Violation(event: event, refusal: refusal))
                if case .approve(let revision, let note) = event.payload {
                    unverifiedApprovals.append((event.actor, revision, note, refusal))
                }
                guard index == 0 else { continue }
                unverified = refusal
            } else if let refusal = Rules.plainText(of: event.payload, actor: event.actor) {
                // Text a terminal would obey: the event counts for nothing;
                // a suggest event still starts the suggestion (so that it
                // can be read), which then never merges.
                violations.append(Violation(event: event, refusal: refusal))
                guard index == 0 else { continue }
                unverified = refusal
            }
            apply(event, first: index == 0, proposal: proposal, roster: judge, facts: facts)
        }
        guard !revisions.isEmpty else { throw QuorumError(.failure, "suggestion \(id.short) has no revision", code: .chainShape) }
        let current = currentRevision
        let named = Set(approvalEvents.compactMap(\.revision)).subtracting([current.commit])
        for revision in revisions where named.contains(revision.commit) && facts.isSameChange(revision, as: current) {
            sameChange.insert(revision.commit)
        }
    }

    private mutating func apply(_ event: Event, first: Bool, proposal: Proposal, roster: Roster, facts: DerivedFacts) {
        let actor = event.actor.email
        func refuse(_ refusal: Refusal?) -> Bool {
            guard let refusal else { return false }
            if refusal.scope == .permission { violations.append(Violation(event: event, refusal: refusal)) }
            return true
        }
        guard let round = proposal.round(round) else {
            _ = refuse(Refusal(.chainShape, "suggestion \(id.short) is in round \(self.round), which '\(slug)' does not have"))
            return
        }
        switch event.payload {
        case .suggest(let named, _, _, _, let revision, let base, let pairs) where first:
            if named != slug { _ = refuse(Refusal(.chainShape, "suggestion \(id.short) names proposal '\(named)', not '\(slug)'")) }
            _ = refuse(Rules.maySuggest(actor, in: round, roster: roster))
            addRevision(revision, base: base, kind: .suggest, by: event.actor)
            addCoAuthors(pairs)
        case .revise(let revision, let base, let title, let message, let pairs):
            if refuse(Rules.mayRevise(actor, self)) || refuse(Rules.isLive(self)) { return }
            addRevision(revision, base: base, kind: .revise, by: event.actor)
            if let message {
                self.message = message
                self.title = title ?? self.title
            }
            addCoAuthors(pairs)
            if actor.lowercased() != author.email.lowercased() { addCoAuthors([actor]) }
        case .rebase(let revision, let base):
            if refuse(Rules.mayRebase(actor, self, roster: roster)) || refuse(Rules.isLive(self)) { return }
            addRevision(revision, base: base, kind: .rebase, by: event.actor)
        case .carry(let number, let base, let revision):
            if refuse(Rules.mayCarry(actor, roster: roster)) || refuse(Rules.isLive(self)) { return }
            guard number > self.round, proposal.round(number) != nil else {
                _ = refuse(Refusal(.chainShape, "event \(event.id.short) carries suggestion \(id.short) from round \(self.round) into round \(number), which is not a later round of '\(slug)'"))
                return
            }
            self.round = number
            if let revision {
                addRevision(revision, base: base, kind: .carry, by: event.actor)
            } else {
                conflictedWith = base  // its change did not apply to the new round
            }
        case .conflict(let head, let version):
            if refuse(Rules.mayRecordConflict(actor, in: round, roster: roster)) || refuse(Rules.isLive(self)) { return }
            if !ProseMerge.knows(version) {
                _ = refuse(Refusal(.mergeVersion, "event \(event.id.short) says suggestion \(id.short) conflicts by merge version \(version), which this quorum does not know; the hook or quorum must be upgraded"))
                return
            }
            // Whether it conflicts is a fact of the objects, not of the record.
            guard let current = revisions.last, facts.conflicts(current, with: head, version: version) else {
                _ = refuse(Refusal(.eventDerived, "event \(event.id.short) says suggestion \(id.short) conflicts with \(head.short), but its current revision applies there cleanly"))
                return
            }
            conflictedWith = head
        case .approve(let revision, let note):
            // Only who may approve is judged here: an approval of a revision
            // that is no longer current is kept, and `approvals` judges it.
            if refuse(Rules.mayApprove(actor, of: self, in: round, roster: roster)) || refuse(Rules.isLive(self)) { return }
            guard revisions.contains(where: { $0.commit == revision }) else {
                _ = refuse(Refusal(.chainShape, "event \(event.id.short) approves \(revision.short), which is not a revision of suggestion \(id.short)"))
                return
            }
            approvalEvents.append((event.actor, revision, note))
        case .revoke(let note):
            if refuse(Rules.mayRecordRevoke(actor, self)) || refuse(Rules.isLive(self)) { return }
            approvalEvents.append((event.actor, nil, note))
        case .object(let reason):
            if refuse(Rules.mayObject(actor, in: round, roster: roster)) { return }
            objections.append(Objection(id: event.id, by: event.actor, reason: reason, resolved: nil))
        case .resolve(let target, let isOverride, let reason):
            let index = objections.firstIndex { $0.id == target }
            if refuse(Rules.mayResolve(actor, index.map { objections[$0] }, override: isOverride, reason: reason, roster: roster)) { return }
            if let index, objections[index].isOpen {
                objections[index].resolved = event.actor
                if isOverride { objections[index].overrideReason = reason }
            }
        case .comment:
            if refuse(Rules.mayComment(actor, in: round, roster: roster)) { return }
            comments.append(Comment(event: event))
        case .withdraw(let reason):
            if refuse(Rules.mayWithdraw(actor, self)) || refuse(Rules.isLive(self)) { return }
            ended = (.withdraw, event.actor, reason)
        case .reject(let reason):
            if refuse(Rules.mayReject(actor, in: round, roster: roster)) || refuse(Rules.isLive(self)) { return }
            ended = (.reject, event.actor, reason)
        case .merge(let revision, let commit):
            // A merge made again on a moved shared round records its new
            // commit with a second merge event.
            if refuse(Rules.mayRecordMerge(actor, in: round, roster: roster)) || (ended != nil && refuse(Rules.isLive(self))) { return }
            guard facts.isOnRound(commit, slug: slug, round: self.round) else { return }
            mergedAs = commit
            mergedBy = event.actor
            // A revision written elsewhere while it was being merged, and
            // ordered before the merge, is not what went in.
            mergedRevision = revisions.firstIndex { $0.commit == revision }
        case .suggest, .initialize, .member, .keyAdd, .keyRevoke, .policy, .propose, .fork, .cut:
            _ = refuse(Refusal(.chainShape, "event \(event.id.short) ('\(event.record.type.rawValue)') does not belong on a suggestion's chain"))
        }
    }

    private mutating func addRevision(_ commit: ObjectID, base: ObjectID, kind: EventRecord.Kind, by actor: Signature) {
        revisions.append(Revision(number: revisions.count + 1, commit: commit, base: base, kind: kind, by: actor))
        conflictedWith = nil
    }

    private mutating func addCoAuthors(_ emails: [String]) {
        for email in emails where !coAuthors.contains(where: { $0.lowercased() == email.lowercased() }) { coAuthors.append(email) }
    }

    /// The revision that counts: the one merged, once merged; else the latest.
    public var currentRevision: Revision { revisions[mergedRevision ?? (revisions.count - 1)] }

    /// Emails (lower-cased) of the people who wrote it; they cannot approve it.
    public var authors: Set<String> {
        Set([author.email.lowercased()] + coAuthors.map { $0.lowercased() })
    }

    public var openObjections: [Objection] { objections.filter(\.isOpen) }

    /// Whether an approval of `revision` is an approval of the current
    /// text: the same revision, or the same change carried onto another
    /// base (a pure rebase).
    func approves(current revision: ObjectID) -> Bool {
        revision == currentRevision.commit || sameChange.contains(revision)
    }

    /// The revision `email`'s latest approval names, unless revoked since.
    public func standingApproval(by email: String) -> ObjectID? {
        let key = email.lowercased()
        return approvalEvents.last { $0.actor.email.lowercased() == key }?.revision
    }

    /// Each person's latest approval (revoked ones left out), judged
    /// against the round's rules.
    public func approvals(in round: Round?, roster: Roster) -> [Approval] {
        var latest: [String: Approval] = [:]
        var order: [String] = []
        for event in approvalEvents {
            let key = event.actor.email.lowercased()
            guard let revision = event.revision else {
                latest[key] = nil
                order.removeAll { $0 == key }
                continue
            }
            if latest[key] == nil { order.append(key) }
            latest[key] = Approval(approver: event.actor, revision: revision, message: event.message, notCounted: nil)
        }
        for forged in unverifiedApprovals where latest[forged.actor.email.lowercased()] == nil {
            let key = forged.actor.email.lowercased()
            if !order.contains(key) { order.append(key) }
            latest[key] = Approval(approver: forged.actor, revision: forged.revision, message: forged.message, notCounted: "signature does not verify")
        }
        return order.compactMap { key -> Approval? in
            guard var approval = latest[key] else { return nil }
            if approval.notCounted != nil { return approval }
            if key == author.email.lowercased() {
                approval.notCounted = "author"
            } else if authors.contains(key) {
                approval.notCounted = "co-author"
            } else if !approves(current: approval.revision) {
                approval.notCounted = "stale: approved an older revision"
            } else if let round, !roster.isIn(key, groups: round.approvers) {
                approval.notCounted = "not an approver of round \(round.number)"
            }
            return approval
        }
    }

    public func state(in round: Round?, roster: Roster) -> SuggestionState {
        state(in: round, counting: approvals(in: round, roster: roster).filter(\.counts).count)
    }

    /// The state, given how many approvals count (for callers that have
    /// judged the approvals already).
    func state(in round: Round?, counting: Int) -> SuggestionState {
        if mergedAs != nil { return .merged }
        if let ended { return ended.kind == .withdraw ? .withdrawn : .rejected }
        if conflictedWith != nil { return .conflicted }
        if unverified != nil { return .open }  // it never merges, so it is never approved
        return counting >= (round?.quorum ?? Policy.standard.quorum) ? .approved : .open
    }
}
