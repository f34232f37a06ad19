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

    /// Whether nothing more can happen to it.
    public var isFinal: Bool { self == .merged || self == .withdrawn || self == .rejected }
}

/// One immutable version of a suggestion's text: a commit whose parent is
/// the round head it was written against.
public struct Revision: Sendable {
    public let number: Int
    public let commit: ObjectID
    public let base: ObjectID
    /// The change's patch id; a rebase that keeps it keeps the approvals.
    public let patchID: ObjectID?
    /// How it came about: suggest, revise or rebase.
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

/// A concern that blocks merging until the person who raised it resolves it.
public struct Objection: Sendable {
    public let id: ObjectID
    public let by: Signature
    public let reason: String
    public var resolved: Signature?
    public var isOpen: Bool { resolved == nil }
}

/// A proposed change to one proposal in one round, folded from its event
/// chain (`refs/quorum/proposals/<slug>/suggestions/<id>/meta`).
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
    public private(set) var objections: [Objection] = []
    public private(set) var comments: [Comment] = []
    public private(set) var mergedAs: ObjectID?
    public private(set) var mergedBy: Signature?
    /// Who ended it (withdraw or reject) and why.
    public private(set) var ended: (kind: EventRecord.Kind, by: Signature, reason: String?)?
    /// The round head it failed to apply to, while it is conflicted.
    public private(set) var conflictedWith: ObjectID?
    public private(set) var eventCount = 0
    /// Revision commit → patch id, for judging approvals of earlier revisions.
    private var patchIDs: [ObjectID: ObjectID] = [:]

    init(id: ObjectID, slug: String, head: ObjectID, events: [Event]) throws {
        guard let first = events.first, first.record.type == .suggest, first.id == id else {
            throw QuorumError(.failure, "suggestion \(id.short) has a malformed event chain")
        }
        self.id = id
        self.slug = slug
        self.metaHead = head
        self.author = first.actor
        round = first.record.round ?? 1
        title = first.record.title ?? ""
        message = first.record.message ?? title
        eventCount = events.count
        for event in events {
            let record = event.record
            switch record.type {
            case .suggest, .revise, .rebase, .carry:
                if record.type == .carry, let next = record.round { round = next }
                if record.type == .carry, record.revision == nil {
                    // Carried, but its change did not apply to the new round.
                    conflictedWith = record.base.flatMap(ObjectID.init(hex:))
                    continue
                }
                guard let commit = record.revision.flatMap(ObjectID.init(hex:)),
                      let base = record.base.flatMap(ObjectID.init(hex:)) else {
                    throw QuorumError(.failure, "suggestion \(id.short): event \(event.id.short) lacks its revision")
                }
                let patch = record.patchId.flatMap(ObjectID.init(hex:))
                revisions.append(Revision(number: revisions.count + 1, commit: commit, base: base, patchID: patch, kind: record.type, by: event.actor))
                if let patch { patchIDs[commit] = patch }
                if record.type == .revise, let text = record.message {
                    message = text
                    title = record.title ?? title
                }
                for email in record.coAuthors ?? [] where !coAuthors.contains(email) { coAuthors.append(email) }
                if record.type == .revise, event.actor.email.lowercased() != author.email.lowercased(),
                   !coAuthors.contains(where: { $0.lowercased() == event.actor.email.lowercased() }) {
                    coAuthors.append(event.actor.email)
                }
                conflictedWith = nil
            case .conflict:
                conflictedWith = record.commit.flatMap(ObjectID.init(hex:))
            case .approve:
                if let rev = record.revision.flatMap(ObjectID.init(hex:)) {
                    approvalEvents.append((event.actor, rev, record.message))
                }
            case .revoke:
                approvalEvents.append((event.actor, nil, record.message))
            case .object:
                objections.append(Objection(id: event.id, by: event.actor, reason: record.message ?? "", resolved: nil))
            case .resolve:
                if let target = record.objection, let index = objections.firstIndex(where: { $0.id.hex == target }) {
                    objections[index].resolved = event.actor
                }
            case .comment:
                comments.append(Comment(event: event))
            case .withdraw, .reject:
                if ended == nil { ended = (record.type, event.actor, record.message) }
            case .merge:
                mergedAs = record.commit.flatMap(ObjectID.init(hex:))
                mergedBy = event.actor
            default:
                continue
            }
        }
        guard !revisions.isEmpty else { throw QuorumError(.failure, "suggestion \(id.short) has no revision") }
    }

    public var currentRevision: Revision { revisions[revisions.count - 1] }

    /// Emails (lower-cased) of the people who wrote it; they cannot approve it.
    public var authors: Set<String> {
        Set([author.email.lowercased()] + coAuthors.map { $0.lowercased() })
    }

    public var openObjections: [Objection] { objections.filter(\.isOpen) }

    /// Whether an approval of `revision` is an approval of the current
    /// text: the same revision, or one whose change has the same patch id
    /// (a pure rebase).
    func approves(current revision: ObjectID) -> Bool {
        let now = currentRevision
        if revision == now.commit { return true }
        guard let mine = now.patchID, let theirs = patchIDs[revision] else { return false }
        return mine == theirs
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
        return order.compactMap { key -> Approval? in
            guard var approval = latest[key] else { return nil }
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
        return counting >= (round?.quorum ?? Policy.standard.quorum) ? .approved : .open
    }
}
