import Foundation
import QuorumGit

/// How a round was opened: stored in the proposal chain's events.
public struct RoundRecord: Codable, Sendable, Equatable {
    public var number: Int
    public var name: String
    public var audience: [String]
    public var approvers: [String]
    public var quorum: Int
    /// Whether pair edits may go straight into the round (nil: only in round 1).
    public var pairEdits: Bool?
    /// The suggestions (full ids) the fork that opened the round set out to
    /// carry into it, so that an interrupted fork can be finished.
    public var carry: [String]?

    public init(number: Int, name: String, audience: [String], approvers: [String], quorum: Int, pairEdits: Bool? = nil, carry: [String]? = nil) {
        self.number = number
        self.name = name
        self.audience = audience
        self.approvers = approvers
        self.quorum = quorum
        self.pairEdits = pairEdits
        self.carry = carry
    }
}

/// A numbered review stage of a proposal, with its draft line.
public struct Round: Sendable, Codable {
    public let number: Int
    public let name: String
    public let audience: [String]
    public let approvers: [String]
    public let quorum: Int
    /// Whether two people at one keyboard may commit straight to the round.
    public let pairEdits: Bool
    public let branch: String
    public let opened: Date
    public var closed: Bool
    public var closedAt: Date?
    public let openedBy: String
    /// The suggestions the fork that opened this round set out to carry into it.
    public let carrying: [String]
}

/// An official version as recorded by `cut`.
public struct VersionRecord: Sendable, Codable {
    public let version: String
    public let tag: String
    public let commit: String
    public let round: Int
    public let date: Date
    public let by: String
}

/// A document under review: `Proposals/<slug>/`, folded from its chain
/// (`refs/quorum/proposals/<slug>/meta`) against the roster. A fork or cut
/// the rules refuse changes nothing; a first round whose settings are not
/// the policy's opens with the policy's. Either is kept in `violations`.
public struct Proposal: Sendable {
    public let slug: String
    public private(set) var title: String = ""
    public private(set) var author: Signature?
    public private(set) var documents: [String] = []
    public private(set) var rounds: [Round] = []
    public private(set) var versions: [VersionRecord] = []
    /// Where each round began: round 1 at its propose event's commit, the
    /// others at the commit their fork event names (round k's end).
    public private(set) var starts: [Int: ObjectID] = [:]
    /// Events the rules refused, in chain order.
    public private(set) var violations: [Violation] = []
    public let metaHead: ObjectID

    /// Events in `admitting` (new to a shared repository) are judged with
    /// the roster as it is; the others, history, with `Roster.historical`.
    init(slug: String, head: ObjectID, events: [Event], roster current: Roster, admitting: Set<ObjectID> = []) {
        self.slug = slug
        self.metaHead = head
        let history = current.historical
        let exempt = current.exempt(events)
        for (index, event) in events.enumerated() {
            let roster = admitting.contains(event.id) ? current : history
            let actor = event.actor.email
            func refuse(_ refusal: Refusal) { violations.append(Violation(event: event, refusal: refusal)) }
            // A fork or cut whose signature does not hold, or whose text
            // is not plain, counts for nothing; the propose event still
            // opens the proposal (so that it can be read), and is reported.
            if let refusal = Rules.signature(of: event, roster: roster, exempt: exempt, atPush: admitting.contains(event.id))
                ?? Rules.plainText(of: event.payload, actor: event.actor) {
                refuse(refusal)
                if index > 0 { continue }
            }
            switch event.payload {
            case .propose(let named, let title, let documents, let commit, let info) where index == 0:
                if named != slug { refuse(Refusal(.chainShape, "the chain of '\(slug)' begins with the propose event of '\(named)'")) }
                if let refusal = Rules.mayPropose(actor, roster: roster) { refuse(refusal) }
                self.title = title
                author = event.actor
                self.documents = documents
                starts[1] = commit
                if let refusal = Rules.roundSettings(info, proposing: true, roster: roster) {
                    refuse(refusal)
                    open(Rules.firstRound(roster: roster), at: event.actor)
                } else {
                    open(info, at: event.actor)
                }
            case .fork(let info, let commit) where index > 0:
                if let refusal = Rules.mayFork(actor, opening: info, proposal: self, roster: roster) {
                    refuse(refusal)
                    continue
                }
                starts[info.number] = commit
                open(info, at: event.actor)
            case .cut(let version, let tag, let commit, let round) where index > 0:
                if let refusal = Rules.mayCut(actor, roster: roster) {
                    refuse(refusal)
                    continue
                }
                versions.append(VersionRecord(
                    version: version, tag: tag, commit: commit.hex, round: round,
                    date: Date(timeIntervalSince1970: TimeInterval(event.actor.time)), by: event.actor.email))
            case .propose, .fork, .cut, .initialize, .member, .keyAdd, .keyRevoke, .policy, .suggest, .revise, .rebase, .carry, .conflict, .approve,
                 .revoke, .object, .resolve, .withdraw, .reject, .merge, .comment:
                refuse(Refusal(.chainShape, "a proposal's chain is its propose event followed by fork and cut events; \(event.id.short) is '\(event.record.type.rawValue)'"))
            }
        }
    }

    private mutating func open(_ info: RoundRecord, at actor: Signature) {
        let now = Date(timeIntervalSince1970: TimeInterval(actor.time))
        for index in rounds.indices where !rounds[index].closed {
            rounds[index].closed = true
            rounds[index].closedAt = now
        }
        rounds.append(Round(
            number: info.number, name: info.name, audience: info.audience, approvers: info.approvers,
            quorum: info.quorum, pairEdits: info.pairEdits ?? (info.number == 1), branch: Layout.roundBranch(slug, info.number),
            opened: now, closed: false, closedAt: nil, openedBy: actor.email, carrying: info.carry ?? []))
    }

    /// The round that accepts suggestions now.
    public var openRound: Round? { rounds.last { !$0.closed } }

    public func round(_ number: Int) -> Round? { rounds.first { $0.number == number } }

    /// The commit round `number + 1` was forked at: where round `number`
    /// ended (nil while it is open).
    public func end(ofRound number: Int) -> ObjectID? { starts[number + 1] }

    /// Where a document lives in a round's tree.
    public func path(of document: String) -> String { Layout.documentPath(slug, document) }
}
