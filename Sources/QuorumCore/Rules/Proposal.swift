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
/// (`refs/quorum/proposals/<slug>/meta`).
public struct Proposal: Sendable {
    public let slug: String
    public private(set) var title: String = ""
    public private(set) var author: Signature?
    public private(set) var documents: [String] = []
    public private(set) var rounds: [Round] = []
    public private(set) var versions: [VersionRecord] = []
    public let metaHead: ObjectID

    init(slug: String, head: ObjectID, events: [Event]) {
        self.slug = slug
        self.metaHead = head
        for event in events {
            let record = event.record
            switch record.type {
            case .propose:
                title = record.title ?? slug
                author = event.actor
                documents = record.documents ?? []
                if let info = record.roundInfo { open(info, at: event.actor) }
            case .fork:
                if let info = record.roundInfo, info.number == (rounds.last?.number ?? 0) + 1 { open(info, at: event.actor) }
            case .cut:
                if let version = record.version, let tag = record.tag, let commit = record.commit {
                    versions.append(VersionRecord(
                        version: version, tag: tag, commit: commit, round: record.round ?? 0,
                        date: Date(timeIntervalSince1970: TimeInterval(event.actor.time)), by: event.actor.email))
                }
            default:
                continue
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

    /// Where a document lives in a round's tree.
    public func path(of document: String) -> String { Layout.documentPath(slug, document) }
}
