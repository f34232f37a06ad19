import Foundation
import QuorumGit

/// Where a suggestion stands.
public enum SuggestionState: String, Codable, Sendable, CaseIterable {
    case open, approved, merged
}

/// One immutable version of a suggestion's text: a commit whose parent is
/// the round head it was written against.
public struct Revision: Sendable {
    public let number: Int
    public let commit: ObjectID
    public let base: ObjectID
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
    public private(set) var revisions: [Revision] = []
    /// Every approval event, oldest first.
    public private(set) var approvalEvents: [(actor: Signature, revision: ObjectID, message: String?)] = []
    public private(set) var mergedAs: ObjectID?
    public private(set) var mergedBy: Signature?
    public private(set) var eventCount = 0

    init(id: ObjectID, slug: String, head: ObjectID, events: [Event]) throws {
        guard let first = events.first, first.record.type == .suggest, first.id == id,
              let revisionHex = first.record.revision, let revision = ObjectID(hex: revisionHex),
              let baseHex = first.record.base, let base = ObjectID(hex: baseHex)
        else {
            throw QuorumError(.failure, "suggestion \(id.short) has a malformed event chain")
        }
        self.id = id
        self.slug = slug
        self.metaHead = head
        self.author = first.actor
        round = first.record.round ?? 1
        title = first.record.title ?? ""
        message = first.record.message ?? title
        revisions = [Revision(number: 1, commit: revision, base: base)]
        eventCount = events.count
        for event in events.dropFirst() {
            switch event.record.type {
            case .approve:
                if let hex = event.record.revision, let rev = ObjectID(hex: hex) {
                    approvalEvents.append((event.actor, rev, event.record.message))
                }
            case .merge:
                mergedAs = event.record.commit.flatMap(ObjectID.init(hex:))
                mergedBy = event.actor
            default:
                continue
            }
        }
    }

    public var currentRevision: Revision { revisions[revisions.count - 1] }

    /// Emails of the people who wrote this suggestion; they cannot approve it.
    public var authors: Set<String> { [author.email.lowercased()] }

    /// Each person's latest approval, judged against the round's rules.
    public func approvals(in round: Round?, roster: Roster) -> [Approval] {
        var latest: [String: Approval] = [:]
        var order: [String] = []
        for event in approvalEvents {
            let key = event.actor.email.lowercased()
            if latest[key] == nil { order.append(key) }
            latest[key] = Approval(approver: event.actor, revision: event.revision, message: event.message, notCounted: nil)
        }
        return order.compactMap { key -> Approval? in
            guard var approval = latest[key] else { return nil }
            if authors.contains(key) {
                approval.notCounted = "author"
            } else if approval.revision != currentRevision.commit {
                approval.notCounted = "stale: approved an older revision"
            } else if let round, !roster.isIn(key, groups: round.approvers) {
                approval.notCounted = "not an approver of round \(round.number)"
            }
            return approval
        }
    }

    public func state(in round: Round?, roster: Roster) -> SuggestionState {
        if mergedAs != nil { return .merged }
        let counting = approvals(in: round, roster: roster).filter(\.counts).count
        return counting >= (round?.quorum ?? Policy.standard.quorum) ? .approved : .open
    }
}
