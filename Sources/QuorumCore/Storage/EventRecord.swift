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
        /// A lead records an SSH key as a member's, valid from this event on.
        case keyAdd = "key-add"
        /// A lead ends a member's key: nothing signed with it after counts.
        case keyRevoke = "key-revoke"
        /// A lead changes the policy (for now: whether signatures are required).
        case policy
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
    /// Whose key a key event is about, and the key (`ssh-ed25519 AAAA…`).
    public var email: String?
    public var key: String?
    public var roundInfo: RoundRecord?
    /// Written by format-1 writers before this version: the patch id of a
    /// revision's change with all whitespace ignored. A derived value, so
    /// readers never use it (the verbatim patch id is recomputed from the
    /// objects); a shared repository refuses a record whose claim is false.
    /// New records leave it out.
    public var patchId: String?
    /// People who wrote a suggestion together with its author (suggest, revise).
    public var coAuthors: [String]?
    /// The objection event a `resolve` settles.
    public var objection: String?
    /// A lead's `resolve` of someone else's objection (its reason is `message`).
    public var override: Bool?
    /// Where a comment points, and the comment it answers.
    public var anchor: CommentAnchor?
    public var reply: String?
    /// An official version's name and tag (cut).
    public var version: String?
    public var tag: String?
    /// The merge algorithm version a conflict was found with (`ProseMerge`;
    /// conflict). Absent in records written before there was a choice: the
    /// line merge, version 0.
    public var merge: Int?

    public init(type: Kind) { self.type = type }
}

/// One event as read back: its record, what it says (typed), who wrote
/// it, and its commit.
public struct Event: Sendable {
    public let id: ObjectID
    public let record: EventRecord
    public let payload: EventPayload
    public let actor: Signature
    /// The commit's parents (two for none: a reconciling merge carries no event).
    public let parents: [ObjectID]
    /// The commit's own signature (checked when first asked for: only a
    /// repository whose policy requires signatures pays for it), and its
    /// committer time (seconds since 1970): the time a key must have been
    /// valid at, as git judges it.
    public var signature: CommitSignature { checkedSignature.value }
    private let checkedSignature: LazySignature
    public let signedAt: Int64

    /// An event with its record decoded. Throws `Refusal(.eventMalformed)`
    /// when the record lacks what its kind needs.
    public init(id: ObjectID, record: EventRecord, actor: Signature, parents: [ObjectID] = [],
                signature: CommitSignature = .unsigned, signedAt: Int64? = nil, grandfathered: [GrandfatheredHead] = []) throws {
        try self.init(id: id, record: record, actor: actor, parents: parents, signedAt: signedAt ?? actor.time,
                      grandfathered: grandfathered, checked: LazySignature(signature))
    }

    /// An event whose signature `check` finds when first asked for.
    init(id: ObjectID, record: EventRecord, actor: Signature, parents: [ObjectID], signedAt: Int64,
         grandfathered: [GrandfatheredHead], checked: LazySignature) throws {
        self.id = id
        self.record = record
        self.payload = try EventPayload(record, grandfathered: grandfathered)
        self.actor = actor
        self.parents = parents
        self.checkedSignature = checked
        self.signedAt = signedAt
    }
}

/// What an event says, one case per kind, with typed ids. Decoded once from
/// the stored `EventRecord` (whose fields are all optional, so that readers
/// accept old and new records alike, Gerrit NoteDb's rule); folds and
/// checks switch over it exhaustively, so that a new kind does not compile
/// until each of them has decided what it means.
public enum EventPayload: Sendable {
    case initialize(policy: Policy?, member: Member?, key: SSHPublicKey?)
    case member(Member)
    case keyAdd(email: String, key: SSHPublicKey)
    case keyRevoke(email: String, key: SSHPublicKey)
    /// The new policy; when it turns signatures on, the heads of the review
    /// refs (event chains, round branches, version tags) as the lead saw
    /// them: what is reachable from these stays valid unsigned.
    case policy(Policy, grandfathered: [GrandfatheredHead])
    case propose(slug: String, title: String, documents: [String], commit: ObjectID, round: RoundRecord)
    /// A lead opens `round` at `commit`, the open round's head, closing it.
    case fork(round: RoundRecord, commit: ObjectID)
    case cut(version: String, tag: String, commit: ObjectID, round: Int)
    case suggest(slug: String, round: Int, title: String, message: String, revision: ObjectID, base: ObjectID, coAuthors: [String])
    case revise(revision: ObjectID, base: ObjectID, title: String?, message: String?, coAuthors: [String])
    case rebase(revision: ObjectID, base: ObjectID)
    /// Carried into `round`, rebased onto `base`; `revision` nil when its
    /// change did not apply there.
    case carry(round: Int, base: ObjectID, revision: ObjectID?)
    /// The current revision does not merge onto round head `head` with
    /// merge algorithm `mergeVersion`.
    case conflict(head: ObjectID, mergeVersion: Int)
    case approve(revision: ObjectID, message: String?)
    case revoke(message: String?)
    case object(reason: String)
    /// `override`: a lead lifts someone else's objection, for `reason`.
    case resolve(objection: ObjectID, override: Bool, reason: String?)
    case withdraw(reason: String?)
    case reject(reason: String?)
    case merge(revision: ObjectID, commit: ObjectID)
    case comment(text: String, anchor: CommentAnchor?, reply: ObjectID?)

    /// The revision commit an event adds to its suggestion, with the base it
    /// names (suggest, revise, rebase, and a carry that applied); nil for
    /// every other event.
    public var revision: (commit: ObjectID, base: ObjectID)? {
        switch self {
        case .suggest(_, _, _, _, let commit, let base, _), .revise(let commit, let base, _, _, _), .rebase(let commit, let base):
            return (commit, base)
        case .carry(_, let base, let commit):
            return commit.map { ($0, base) }
        case .initialize, .member, .keyAdd, .keyRevoke, .policy, .propose, .fork, .cut, .conflict, .approve, .revoke, .object, .resolve,
             .withdraw, .reject, .merge, .comment:
            return nil
        }
    }

    /// What a record says; throws `Refusal(.eventMalformed)` naming the
    /// first field a kind needs and the record lacks.
    init(_ r: EventRecord, grandfathered: [GrandfatheredHead] = []) throws {
        func need<T>(_ value: T?, _ field: String) throws -> T {
            guard let value else { throw Refusal(.eventMalformed, "a '\(r.type.rawValue)' event needs '\(field)'") }
            return value
        }
        func id(_ hex: String?, _ field: String) throws -> ObjectID {
            guard let parsed = ObjectID(hex: try need(hex, field)) else {
                throw Refusal(.eventMalformed, "'\(field)' of a '\(r.type.rawValue)' event is not an object id")
            }
            return parsed
        }
        func key() throws -> SSHPublicKey {
            do {
                return try SSHPublicKey(line: try need(r.key, "key"))
            } catch let error as SSHSignature.Error {
                throw Refusal(.eventMalformed, "'key' of a '\(r.type.rawValue)' event is not an SSH public key Quorum takes: \(error)")
            }
        }
        switch r.type {
        case .initialize: self = .initialize(policy: r.policy, member: r.member, key: r.key == nil ? nil : try key())
        case .member: self = .member(try need(r.member, "member"))
        case .keyAdd: self = .keyAdd(email: try need(r.email, "email"), key: try key())
        case .keyRevoke: self = .keyRevoke(email: try need(r.email, "email"), key: try key())
        case .policy: self = .policy(try need(r.policy, "policy"), grandfathered: grandfathered)
        case .propose:
            self = .propose(slug: try need(r.slug, "slug"), title: r.title ?? r.slug ?? "", documents: r.documents ?? [],
                            commit: try id(r.commit, "commit"), round: try need(r.roundInfo, "roundInfo"))
        case .fork: self = .fork(round: try need(r.roundInfo, "roundInfo"), commit: try id(r.commit, "commit"))
        case .cut:
            self = .cut(version: try need(r.version, "version"), tag: try need(r.tag, "tag"), commit: try id(r.commit, "commit"), round: r.round ?? 0)
        case .suggest:
            let title = r.title ?? ""
            self = .suggest(slug: try need(r.slug, "slug"), round: r.round ?? 1, title: title, message: r.message ?? title,
                            revision: try id(r.revision, "revision"), base: try id(r.base, "base"), coAuthors: r.coAuthors ?? [])
        case .revise:
            self = .revise(revision: try id(r.revision, "revision"), base: try id(r.base, "base"), title: r.title, message: r.message, coAuthors: r.coAuthors ?? [])
        case .rebase: self = .rebase(revision: try id(r.revision, "revision"), base: try id(r.base, "base"))
        case .carry:
            self = .carry(round: try need(r.round, "round"), base: try id(r.base, "base"), revision: try r.revision.map { try id($0, "revision") })
        case .conflict: self = .conflict(head: try id(r.commit, "commit"), mergeVersion: r.merge ?? ProseMerge.lineMergeVersion)
        case .approve: self = .approve(revision: try id(r.revision, "revision"), message: r.message)
        case .revoke: self = .revoke(message: r.message)
        case .object: self = .object(reason: r.message ?? "")
        case .resolve: self = .resolve(objection: try id(r.objection, "objection"), override: r.override ?? false, reason: r.message)
        case .withdraw: self = .withdraw(reason: r.message)
        case .reject: self = .reject(reason: r.message)
        case .merge: self = .merge(revision: try id(r.revision, "revision"), commit: try id(r.commit, "commit"))
        case .comment:
            self = .comment(text: r.message ?? "", anchor: r.anchor, reply: try r.reply.map { try id($0, "reply") })
        }
    }
}

/// A review ref's head when signatures were turned on: it, and all before
/// it, stay valid unsigned. Stored beside the policy event as lines
/// `<commit hex> <ref name>` (file `grandfathered`).
public struct GrandfatheredHead: Sendable, Hashable {
    public let ref: String
    public let commit: ObjectID

    static func parse(_ text: String) -> [GrandfatheredHead] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 1)
            guard fields.count == 2, let id = ObjectID(hex: String(fields[0])) else { return nil }
            return GrandfatheredHead(ref: String(fields[1]), commit: id)
        }
    }

    static func format(_ heads: [GrandfatheredHead]) -> String {
        heads.map { "\($0.commit.hex) \($0.ref)\n" }.sorted().joined()
    }
}
