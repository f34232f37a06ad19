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

/// Append-only event chains on refs, one commit per event
/// (Gerrit NoteDb style). Every append is compare-and-swap.
struct EventLog {
    static let fileName = "event.json"
    let repo: Repository

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()

    /// Reads every event of the chain at `ref`, oldest first; nil when the
    /// ref does not exist. Merge commits (from sync) are walked parents-first.
    func read(_ ref: String) throws -> (head: ObjectID, events: [Event])? {
        guard let head = try repo.referenceTarget(ref) else { return nil }
        return (head, try events(from: head))
    }

    func events(from head: ObjectID) throws -> [Event] {
        var ordered: [Event] = []
        var seen: Set<ObjectID> = []
        // Iterative post-order walk so that parents come before children.
        var stack: [(ObjectID, Bool)] = [(head, false)]
        while let (id, expanded) = stack.popLast() {
            if expanded {
                let commit = try repo.commit(id)
                if let event = try decode(commit) { ordered.append(event) }
                continue
            }
            guard seen.insert(id).inserted else { continue }
            let commit = try repo.commit(id)
            stack.append((id, true))
            for parent in commit.parents.reversed() where !seen.contains(parent) {
                stack.append((parent, false))
            }
        }
        return ordered
    }

    func decode(_ commit: Commit) throws -> Event? {
        guard let blob = try repo.blobID(in: commit.tree, at: EventLog.fileName) else {
            if commit.parents.count > 1 { return nil }  // a reconciling merge carries no event
            throw QuorumError(.failure, "event \(commit.id.short) has no \(EventLog.fileName)", remedy: "the review data was written by something other than Quorum")
        }
        let data = try repo.readBlob(blob)
        do {
            let record = try JSONDecoder().decode(EventRecord.self, from: data)
            guard record.v == EventRecord.currentVersion else {
                throw QuorumError(.failure, "event \(commit.id.short) has format version \(record.v); this quorum reads version \(EventRecord.currentVersion)", remedy: "upgrade quorum")
            }
            return Event(id: commit.id, record: record, actor: commit.author)
        } catch let error as QuorumError {
            throw error
        } catch {
            throw QuorumError(.failure, "event \(commit.id.short) is malformed: \(error)")
        }
    }

    /// Writes an event commit on top of `parent` (nil: a new chain) and
    /// returns its id. The ref is not moved: see `advance`.
    func write(_ record: EventRecord, summary: String, trailers: [(String, String)], actor: Signature, parent: ObjectID?) throws -> ObjectID {
        let data = try EventLog.encoder.encode(record) + Data("\n".utf8)
        let blob = try repo.writeBlob(data)
        let tree = try repo.updateTree(nil, [.upsert(path: EventLog.fileName, blob: blob)])
        var message = summary + "\n\n"
        if let body = record.message, !body.isEmpty, record.type != .suggest { message += body + "\n\n" }
        message += "Event: \(record.type.rawValue)\n"
        for (key, value) in trailers { message += "\(key): \(value)\n" }
        message += "Quorum-Format: \(record.v)\n"
        return try repo.createCommit(tree: tree, parents: parent.map { [$0] } ?? [], author: actor, committer: actor, message: message)
    }
}

/// Runs `body` again while it loses a compare-and-swap race (someone else
/// moved the ref or held its lock), re-reading state each time, with a
/// short growing pause. Gives up after about ten seconds of contention.
func retryingLostRaces<T>(_ body: () throws -> T) throws -> T {
    var attempt = 0
    while true {
        do {
            return try body()
        } catch let error as GitError where error.isLostRace && attempt < 400 {
            attempt += 1
            usleep(UInt32(min(attempt, 20) * 1_000 + Int.random(in: 0..<1_000)))
        } catch let error as GitError {
            throw QuorumError.storage("update the repository", error)
        }
    }
}
