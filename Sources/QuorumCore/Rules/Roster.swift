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
/// the roster chain (`refs/quorum/roster`). A member event that the rules
/// refuse (`Rules.mayChangeRoster`) changes nothing and is kept in
/// `violations`.
public struct Roster: Sendable {
    public private(set) var policy: Policy = .standard
    public private(set) var members: [Member] = []
    /// One line per roster change: who changed whom, when.
    public private(set) var history: [(actor: Signature, member: Member)] = []
    /// Events the rules refused, in chain order.
    public private(set) var violations: [Violation] = []

    init(events: [Event]) {
        for (index, event) in events.enumerated() {
            switch event.payload {
            case .initialize(let policy, let member) where index == 0:
                if let policy { self.policy = policy }
                if let member { apply(member, by: event.actor) }
            case .member(let member):
                if let refusal = Rules.mayChangeRoster(event.actor.email, to: member, roster: self) {
                    violations.append(Violation(event: event, refusal: refusal))
                    continue
                }
                apply(member, by: event.actor)
            case .initialize, .propose, .fork, .cut, .suggest, .revise, .rebase, .carry, .conflict, .approve, .revoke,
                 .object, .resolve, .withdraw, .reject, .merge, .comment:
                violations.append(Violation(event: event, refusal: Refusal(.chainShape, "the roster chain is one init event followed by member events; \(event.id.short) is '\(event.record.type.rawValue)'")))
            }
        }
    }

    /// The roster with each member in every group they were ever in (and
    /// a lead only if a lead now). Folds judge history with it: an event a
    /// member wrote while in a group stays legal after they leave it (their
    /// approvals then stop counting, which is judged with the roster as it
    /// is), while someone who was never in the group never could have.
    /// Without clocks, "ever" is the one bound that holds for every order.
    public var historical: Roster {
        var view = self
        view.members = members.map { member in
            var groups = Set(member.groups)
            for (_, change) in history where change.email.lowercased() == member.email.lowercased() { groups.formUnion(change.groups) }
            return Member(email: member.email, name: member.name, groups: groups.sorted(), lead: member.lead)
        }
        return view
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
