import Foundation
import QuorumGit

/// A person on the roster.
public struct Member: Codable, Sendable, Equatable {
    public var email: String
    public var name: String
    public var groups: [String]
    public var lead: Bool

    public init(email: String, name: String, groups: [String], lead: Bool) {
        self.email = email
        self.name = name
        self.groups = groups
        self.lead = lead
    }

    public var formatted: String { "\(name) <\(email)>" }
}

/// Repository-wide rules, written by `quorum init`.
public struct Policy: Codable, Sendable, Equatable {
    /// Approvals a suggestion needs in a new proposal's first round.
    public var quorum: Int
    /// The group that is the first round's audience and approvers.
    public var defaultGroup: String

    public static let standard = Policy(quorum: 2, defaultGroup: "working-group")
}

/// The people who may take part, their groups and who leads; folded from
/// the roster chain (`refs/quorum/roster`).
public struct Roster: Sendable {
    public private(set) var policy: Policy = .standard
    public private(set) var members: [Member] = []
    /// One line per roster change: who changed whom, when.
    public private(set) var history: [(actor: Signature, member: Member)] = []

    init(events: [Event]) {
        for event in events {
            switch event.record.type {
            case .initialize:
                if let policy = event.record.policy { self.policy = policy }
                if let member = event.record.member { apply(member, by: event.actor) }
            case .member:
                if let member = event.record.member { apply(member, by: event.actor) }
            default:
                continue
            }
        }
    }

    private mutating func apply(_ member: Member, by actor: Signature) {
        if let index = members.firstIndex(where: { $0.email.lowercased() == member.email.lowercased() }) {
            members[index] = member
        } else {
            members.append(member)
        }
        history.append((actor, member))
    }

    public func member(_ email: String) -> Member? {
        members.first { $0.email.lowercased() == email.lowercased() }
    }

    public func isLead(_ email: String) -> Bool { member(email)?.lead ?? false }

    /// Whether `email` belongs to any of `groups`.
    public func isIn(_ email: String, groups: [String]) -> Bool {
        guard let member = member(email) else { return false }
        return member.groups.contains(where: groups.contains)
    }
}
