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
    /// Whether every event and commit must be signed by its author's SSH
    /// key, as the roster holds it (nil: no, as before signing existed).
    public var requireSignatures: Bool?

    public init(quorum: Int, defaultGroup: String, requireSignatures: Bool? = nil) {
        self.quorum = quorum
        self.defaultGroup = defaultGroup
        self.requireSignatures = requireSignatures
    }

    public static let standard = Policy(quorum: 2, defaultGroup: "working-group")
}

/// An SSH public key the roster holds for a member, and when it is valid:
/// from the committer time of the event that added it, until that of the
/// event that revoked it (as `valid-after` / `valid-before` in git's
/// allowed-signers file). Times are seconds since 1970.
public struct MemberKey: Sendable, Equatable {
    public let email: String
    public let key: SSHPublicKey
    public let validAfter: Int64
    public internal(set) var validBefore: Int64?
    /// Who added it (a lead), and who revoked it.
    public let addedBy: String
    public internal(set) var revokedBy: String?

    /// Whether a signature made at `time` may use it.
    public func isValid(at time: Int64) -> Bool {
        time >= validAfter && (validBefore.map { time < $0 } ?? true)
    }
}

/// The people who may take part, their groups and who leads; folded from
/// the roster chain (`refs/quorum/roster`). A member event that the rules
/// refuse (`Rules.mayChangeRoster`) changes nothing and is kept in
/// `violations`.
public struct Roster: Sendable {
    public private(set) var policy: Policy = .standard
    public private(set) var members: [Member] = []
    /// Where each member is in `members`, by lower-cased email: a roster
    /// of a whole organisation (tens of thousands) is looked up by email
    /// for every event and every imported row.
    private var memberIndex: [String: Int] = [:]
    /// One line per roster change: who changed whom, when.
    public private(set) var history: [(actor: Signature, member: Member)] = []
    /// Every SSH key ever added, with its validity window, in chain order.
    public private(set) var keys: [MemberKey] = []
    /// The review refs' heads that a policy event turning signatures on
    /// left valid unsigned: every event, round commit or tag reachable from
    /// one is history from before the policy (see `exempt`).
    public private(set) var grandfathered: [GrandfatheredHead] = []
    private var grandfatheredIDs: Set<ObjectID> = []
    /// The policy event that last turned signatures on.
    public private(set) var signaturesSince: ObjectID?
    /// Whether the chain's own events must be signed, after the history a
    /// policy left unsigned (`unsignedHistory` is not nil): once true, for
    /// every roster event written later, whatever later policies say.
    private(set) var signsRosterEvents = false
    /// Events the rules refused, in chain order.
    public private(set) var violations: [Violation] = []

    /// Folds the roster chain. With `admitting` (events new to a shared
    /// repository), a signature by a key revoked by now is refused too.
    init(events: [Event], admitting: Set<ObjectID> = []) {
        let unsigned = Roster.unsignedHistory(events)
        signsRosterEvents = unsigned != nil
        for (index, event) in events.enumerated() {
            fold(event, first: index == 0, checkingSignature: unsigned.map { !$0.contains(event.id) } ?? false,
                 atPush: admitting.contains(event.id))
        }
    }

    /// This roster with `later` folded on: the roster chain's events after
    /// the head this roster was folded at, each written on the one before
    /// (no merge between them), oldest first. Gives what folding the whole
    /// chain gives, or nil when it cannot tell: this roster refused an
    /// event, or a later one is a policy event (which changes how the
    /// events before it are judged); fold the whole chain then.
    func folding(_ later: [Event]) -> Roster? {
        guard violations.isEmpty else { return nil }
        for event in later {
            if case .policy = event.payload { return nil }
        }
        // Events after the head were written after every policy event of
        // the chain, so none is history a policy left unsigned.
        var roster = self
        for event in later { roster.fold(event, first: false, checkingSignature: signsRosterEvents, atPush: false) }
        return roster
    }

    /// Folds one event of the chain: `first` (the chain's first event),
    /// whether its signature must hold (it is not history a policy left
    /// unsigned), and whether it is new to a shared repository.
    private mutating func fold(_ event: Event, first: Bool, checkingSignature: Bool, atPush: Bool) {
        let actor = event.actor.email
        func refuse(_ refusal: Refusal?) -> Bool {
            guard let refusal else { return false }
            violations.append(Violation(event: event, refusal: refusal))
            return true
        }
        if !first, checkingSignature, refuse(Rules.signatureHolds(
            event.signature, by: actor, at: event.signedAt, roster: self, atPush: atPush, what: "event \(event.id.short)")) {
            return
        }
        // Text a terminal would obey: the event counts for nothing
        // (the first one still starts the roster, so that it can be read).
        if refuse(Rules.plainText(of: event.payload, actor: event.actor)), !first { return }
        switch event.payload {
        case .initialize(let policy, let member, let key) where first:
            if let policy { self.policy = policy }
            if let member {
                apply(member, by: event.actor)
                if let key { keys.append(MemberKey(email: member.email, key: key, validAfter: event.signedAt, addedBy: actor)) }
            }
        case .member(let member):
            if refuse(Rules.mayChangeRoster(actor, to: member, roster: self)) { return }
            apply(member, by: event.actor)
        case .keyAdd(let email, let key):
            if refuse(Rules.mayAddKey(actor, key, to: email, roster: self)) { return }
            keys.append(MemberKey(email: member(email)?.email ?? email, key: key, validAfter: event.signedAt, addedBy: actor))
        case .keyRevoke(let email, let key):
            if refuse(Rules.mayRevokeKey(actor, key, of: email, roster: self)) { return }
            for i in keys.indices where keys[i].key == key && keys[i].validBefore == nil {
                keys[i].validBefore = event.signedAt
                keys[i].revokedBy = actor
            }
        case .policy(let policy, let heads):
            if refuse(Rules.mayChangePolicy(actor, to: policy, roster: self)) { return }
            if policy.requireSignatures == true, self.policy.requireSignatures != true {
                grandfathered += heads
                grandfatheredIDs.formUnion(heads.map(\.commit))
                signaturesSince = event.id
            }
            self.policy = policy
        case .initialize, .propose, .fork, .cut, .suggest, .revise, .rebase, .carry, .conflict, .approve, .revoke,
             .object, .resolve, .withdraw, .reject, .merge, .comment:
            _ = refuse(Refusal(.chainShape, "the roster chain is one init event followed by member, key and policy events; \(event.id.short) is '\(event.record.type.rawValue)'"))
        }
    }

    /// A roster as a fold left it (`RosterSnapshot`): the members are what
    /// replaying `history` gives, so they cannot disagree with it.
    init(policy: Policy, history: [(actor: Signature, member: Member)], keys: [MemberKey],
         grandfathered: [GrandfatheredHead], signaturesSince: ObjectID?, signsRosterEvents: Bool) {
        self.policy = policy
        self.signsRosterEvents = signsRosterEvents
        for (actor, member) in history { apply(member, by: actor) }
        self.keys = keys
        self.grandfathered = grandfathered
        self.grandfatheredIDs = Set(grandfathered.map(\.commit))
        self.signaturesSince = signaturesSince
    }

    /// The roster events that may stay unsigned once a policy event has
    /// turned signatures on: the history that event was written on (its
    /// ancestors by the commits' parents; with several, the history common
    /// to all). Every other roster event must be signed, the policy event
    /// itself included, wherever chain order puts it: chain order between
    /// joined histories follows commit times, which a forger sets, so an
    /// unsigned event on a side branch dated before the policy is still
    /// after it. Nil while no policy event has turned signatures on. A
    /// chain whose first event requires signatures already leaves nothing
    /// unsigned after it (empty).
    static func unsignedHistory(_ events: [Event]) -> Set<ObjectID>? {
        if case .initialize(let policy?, _, _) = events.first?.payload, policy.requireSignatures == true { return [] }
        let turningOn = events.filter { event in
            if case .policy(let policy, _) = event.payload { return policy.requireSignatures == true }
            return false
        }
        guard !turningOn.isEmpty else { return nil }
        let parents = Dictionary(events.map { ($0.id, $0.parents) }, uniquingKeysWith: { first, _ in first })
        func ancestors(of id: ObjectID) -> Set<ObjectID> {
            var found: Set<ObjectID> = []
            var stack = parents[id] ?? []
            while let next = stack.popLast() {
                guard found.insert(next).inserted else { continue }
                stack += parents[next] ?? []
            }
            return found
        }
        return turningOn.dropFirst().reduce(ancestors(of: turningOn[0].id)) { $0.intersection(ancestors(of: $1.id)) }
    }

    /// Whether every event and commit must be signed (`quorum policy --require-signatures`).
    public var requiresSignatures: Bool { policy.requireSignatures == true }

    /// Whether `email` holds `key` now (added, not revoked), and, given
    /// `since`, held it from that time on.
    public func holds(_ key: SSHPublicKey, for email: String, since time: Int64? = nil) -> Bool {
        keys(of: email).contains { held in
            held.key == key && held.validBefore == nil && (time.map { held.validAfter <= $0 } ?? true)
        }
    }

    /// The keys `email` holds or held, oldest first.
    public func keys(of email: String) -> [MemberKey] {
        keys.filter { $0.email.lowercased() == email.lowercased() }
    }

    /// Whether a round commit or tag on `ref` predates the signature policy:
    /// the ref's head then was it, or came after it (`isAncestor(a, b)`:
    /// whether a is in b's history).
    func predatesSignatures(_ commit: ObjectID, on ref: String, isAncestor: (ObjectID, ObjectID) -> Bool) -> Bool {
        grandfathered.contains { $0.ref == ref && ($0.commit == commit || isAncestor(commit, $0.commit)) }
    }

    /// The events of one chain (parents before children) that predate the
    /// signature policy: those reachable from a head the policy event left
    /// valid unsigned. Empty when there are none.
    func exempt(_ events: [Event]) -> Set<ObjectID> {
        guard requiresSignatures, !grandfathered.isEmpty else { return [] }
        var marked = Set(events.lazy.map(\.id).filter(grandfatheredIDs.contains))
        guard !marked.isEmpty else { return [] }
        for event in events.reversed() where marked.contains(event.id) { marked.formUnion(event.parents) }
        return marked
    }

    /// The roster with each member in every group they were ever in (and
    /// a lead only if a lead now). Folds judge history with it: an event a
    /// member wrote while in a group stays legal after they leave it (their
    /// approvals then stop counting, which is judged with the roster as it
    /// is), while someone who was never in the group never could have.
    /// Without clocks, "ever" is the one bound that holds for every order.
    public var historical: Roster {
        var view = self
        var everIn: [String: Set<String>] = [:]
        for (_, change) in history { everIn[change.email.lowercased(), default: []].formUnion(change.groups) }
        view.members = members.map { member in
            let groups = Set(member.groups).union(everIn[member.email.lowercased()] ?? [])
            return Member(email: member.email, name: member.name, groups: groups.sorted(), lead: member.lead)
        }
        return view
    }

    /// This roster with `member` added or updated, as a member event would.
    func with(_ member: Member, by actor: Signature) -> Roster {
        var copy = self
        copy.apply(member, by: actor)
        return copy
    }

    /// Adds or updates `member`, as a member event does (`with` gives a
    /// changed copy; an import applies its rows to one roster in place).
    mutating func apply(_ member: Member, by actor: Signature) {
        let key = member.email.lowercased()
        if let index = memberIndex[key] {
            members[index] = member
        } else {
            memberIndex[key] = members.count
            members.append(member)
        }
        history.append((actor, member))
    }

    public func member(_ email: String) -> Member? {
        memberIndex[email.lowercased()].map { members[$0] }
    }

    public func isLead(_ email: String) -> Bool { member(email)?.lead ?? false }

    /// Whether `email` belongs to any of `groups`.
    public func isIn(_ email: String, groups: [String]) -> Bool {
        guard let member = member(email) else { return false }
        return member.groups.contains(where: groups.contains)
    }
}
