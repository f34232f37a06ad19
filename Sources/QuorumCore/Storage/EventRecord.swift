import Foundation
import QuorumGit

/// The stored form of one review event: the JSON file `event.json` in the
/// tree of one commit on an event chain. `v` is the format version; fields
/// a type does not use stay absent.
public struct EventRecord: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public enum Kind: String, Codable, Sendable, CaseIterable {
        // roster chain
        case initialize = "init"
        case member
        // proposal chain
        case propose
        /// A lead opens the next round at the open round's head and closes it.
        case fork
        /// A lead cuts an official version (an annotated tag on a round head).
        case cut
        // suggestion chain
        case suggest
        case revise
        case rebase
        /// A fork carried the suggestion into the new round (rebased onto it).
        case carry
        case conflict
        case approve
        case revoke
        case object
        case resolve
        case withdraw
        case reject
        case merge
        // suggestion chain and proposal comment chain
        case comment
    }

    public var v: Int = EventRecord.currentVersion
    public var type: Kind
    public var slug: String?
    public var round: Int?
    public var title: String?
    public var message: String?
    /// Revision commit (suggest, approve, merge).
    public var revision: String?
    /// The round head a revision was written against (suggest).
    public var base: String?
    /// The commit made on a round branch (propose, merge).
    public var commit: String?
    public var documents: [String]?
    public var member: Member?
    public var policy: Policy?
    public var roundInfo: RoundRecord?
    /// Patch id of a revision's change (suggest, revise, rebase).
    public var patchId: String?
    /// People who wrote a suggestion together with its author (suggest, revise).
    public var coAuthors: [String]?
    /// The objection event a `resolve` settles.
    public var objection: String?
    /// Where a comment points, and the comment it answers.
    public var anchor: CommentAnchor?
    public var reply: String?
    /// An official version's name and tag (cut).
    public var version: String?
    public var tag: String?

    public init(type: Kind) { self.type = type }
}

/// One event as read back: its record, who wrote it, and its commit.
public struct Event: Sendable {
    public let id: ObjectID
    public let record: EventRecord
    public let actor: Signature
}
