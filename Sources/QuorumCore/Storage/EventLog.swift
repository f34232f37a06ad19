import Foundation
import QuorumGit

/// Append-only event chains on refs, one commit per event
/// (Gerrit NoteDb style). Every append is compare-and-swap.
struct EventLog {
    static let fileName = "event.json"
    /// Beside a policy event that turns signatures on: the event chains'
    /// heads it leaves valid unsigned, one id per line.
    static let grandfatheredFileName = "grandfathered"
    let repo: Repository
    /// Each commit's signature, checked once (see `SignatureStore`).
    let signatures: SignatureStore

    init(repo: Repository) {
        self.repo = repo
        self.signatures = SignatureStore(git: repo)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()

    /// Reads every event of the chain at `ref`, oldest first; nil when the
    /// ref does not exist. Merge commits (from sync) are walked parents-first.
    /// Throws a `QuorumError` naming the ref and the commit when an event
    /// cannot be read (see `reading` for the tolerant form).
    func read(_ ref: String) throws -> (head: ObjectID, events: [Event])? {
        guard let head = try repo.referenceTarget(ref) else { return nil }
        return (head, try events(from: head, ref: ref))
    }

    /// Every event of the chain ending at `head`, oldest first; throws a
    /// `QuorumError` (`event.malformed`) for the first that cannot be read.
    func events(from head: ObjectID, ref: String? = nil) throws -> [Event] {
        switch try reading(from: head, ref: ref) {
        case .success(let events): return events
        case .failure(let damage): throw QuorumError(damage)
        }
    }

    /// The chain ending at `head` as a tolerant reader takes it: its events,
    /// oldest first, or the first event that cannot be read, named with
    /// `ref` and its commit. Throws only when the repository cannot be read.
    func reading(from head: ObjectID, ref: String?) throws -> Result<[Event], DamagedEvent> {
        var ordered: [Event] = []
        var seen: Set<ObjectID> = []
        // A reconciling merge is no event: events after it name its parents
        // (events, or what they in turn stand for) as theirs.
        var standsFor: [ObjectID: [ObjectID]] = [:]
        // Iterative post-order walk so that parents come before children:
        // a commit is pushed first unread, then again (read) after its parents.
        var stack: [(id: ObjectID, read: Commit?)] = [(head, nil)]
        while let (id, read) = stack.popLast() {
            if let commit = read {
                let parents = commit.parents.flatMap { standsFor[$0] ?? [$0] }
                switch try decoded(commit, parents: parents) {
                case .event(let event): ordered.append(event)
                case .reconcilingMerge: standsFor[id] = parents
                case .damaged(let reason, let remedy):
                    return .failure(DamagedEvent(ref: ref, commit: id.hex, reason: reason, remedy: remedy))
                }
                continue
            }
            guard seen.insert(id).inserted else { continue }
            // A ref or parent naming something that is not a commit here (a
            // blob, a missing object) is damage too, not a failure of the
            // whole repository.
            let commit: Commit
            do {
                commit = try repo.commit(id)
            } catch let error as GitError {
                let kind = try repo.objectKind(id)
                guard kind != .commit else { throw error }
                let what = kind.map { "is a \($0), not a commit" } ?? "is missing from this repository"
                return .failure(DamagedEvent(ref: ref, commit: id.hex, reason: what, remedy: DamagedEvent.notQuorums))
            }
            stack.append((id, commit))
            for parent in commit.parents.reversed() where !seen.contains(parent) {
                stack.append((parent, nil))
            }
        }
        return .success(ordered)
    }

    /// The events of the chain after `base` up to `head`, oldest first,
    /// when each was written on the one before (no merge between them):
    /// what a reader that knows the chain up to `base` has still to read.
    /// Nil when `base` is not on that line (a merge or the chain's start
    /// comes first). Throws as `events(from:)` for an event that cannot be read.
    func events(from head: ObjectID, after base: ObjectID, ref: String? = nil) throws -> [Event]? {
        var commits: [Commit] = []
        var id = head
        while id != base {
            // What is not a commit is damage, which the whole chain's walk names.
            guard let commit = try? repo.commit(id), commit.parents.count == 1 else { return nil }
            commits.append(commit)
            id = commit.parents[0]
        }
        var events: [Event] = []
        events.reserveCapacity(commits.count)
        for commit in commits.reversed() {
            guard let event = try decode(commit, ref: ref) else { return nil }
            events.append(event)
        }
        return events
    }

    /// The event a commit holds; nil for a reconciling merge. `parents`
    /// (default: the commit's) are the events it follows. Throws a
    /// `QuorumError` (`event.malformed`) when it cannot be read, naming
    /// `ref` when given.
    func decode(_ commit: Commit, parents: [ObjectID]? = nil, ref: String? = nil) throws -> Event? {
        switch try decoded(commit, parents: parents) {
        case .event(let event): return event
        case .reconcilingMerge: return nil
        case .damaged(let reason, let remedy):
            throw QuorumError(DamagedEvent(ref: ref, commit: commit.id.hex, reason: reason, remedy: remedy))
        }
    }

    /// What one commit of a chain holds.
    enum Decoded {
        case event(Event)
        /// A merge from `sync` joining two histories: no event of its own.
        case reconcilingMerge
        /// An event that cannot be read: why (a phrase that follows "event
        /// <id> "), and what to do.
        case damaged(reason: String, remedy: String)
    }

    /// Decodes one commit. Throws only when the repository cannot be read:
    /// whatever is wrong with the record itself is `.damaged`.
    func decoded(_ commit: Commit, parents: [ObjectID]? = nil) throws -> Decoded {
        guard let blob = try repo.blobID(in: commit.tree, at: EventLog.fileName) else {
            if commit.parents.count > 1 { return .reconcilingMerge }
            return .damaged(reason: "has no \(EventLog.fileName)", remedy: DamagedEvent.notQuorums)
        }
        let data = try repo.readBlob(blob)
        let record: EventRecord
        do {
            record = try JSONDecoder().decode(EventRecord.self, from: data)
        } catch {
            // A kind this quorum does not know was written by a newer one.
            struct Kind: Decodable { let type: String }
            if let kind = try? JSONDecoder().decode(Kind.self, from: data), EventRecord.Kind(rawValue: kind.type) == nil {
                return .damaged(reason: "is of a kind this quorum does not know, '\(kind.type)'", remedy: DamagedEvent.newerQuorum)
            }
            return .damaged(reason: "is malformed: " + DamagedEvent.describe(error), remedy: DamagedEvent.notQuorums)
        }
        guard record.v == EventRecord.currentVersion else {
            return .damaged(
                reason: "has format version \(record.v); this quorum reads version \(EventRecord.currentVersion)",
                remedy: record.v > EventRecord.currentVersion ? DamagedEvent.newerQuorum : DamagedEvent.notQuorums)
        }
        var grandfathered: [GrandfatheredHead] = []
        if record.type == .policy, let list = try repo.blobID(in: commit.tree, at: EventLog.grandfatheredFileName) {
            grandfathered = GrandfatheredHead.parse(String(decoding: try repo.readBlob(list), as: UTF8.self))
        }
        let store = signatures, id = commit.id
        do {
            return .event(try Event(
                id: commit.id, record: record, actor: commit.author, parents: parents ?? commit.parents,
                signedAt: commit.committer.time, grandfathered: grandfathered, checked: LazySignature {
                    do {
                        return try store.commit(id)
                    } catch {
                        return .invalid("its signature could not be read: \(error)")
                    }
                }))
        } catch let refusal as Refusal {
            return .damaged(reason: "is malformed: \(refusal.message)", remedy: DamagedEvent.notQuorums)
        }
    }

    /// Writes an event commit on top of `parent` (nil: a new chain) and
    /// returns its id. The ref is not moved: see `advance`.
    /// `grandfathered` goes beside a policy event (see
    /// `grandfatheredFileName`); `sign` signs the commit as its actor.
    func write(_ record: EventRecord, summary: String, trailers: [(String, String)], actor: Signature, parent: ObjectID?,
               grandfathered: [GrandfatheredHead] = [], sign: ObjectSigner? = nil) throws -> ObjectID {
        let data = try EventLog.encoder.encode(record) + Data(utf8: "\n")
        let blob = try repo.writeBlob(data)
        var files: [TreeUpdate] = [.upsert(path: EventLog.fileName, blob: blob)]
        if !grandfathered.isEmpty {
            let list = GrandfatheredHead.format(grandfathered)
            files.append(.upsert(path: EventLog.grandfatheredFileName, blob: try repo.writeBlob(Data(utf8: list))))
        }
        let tree = try repo.updateTree(nil, files)
        var message = summary + "\n\n"
        if let body = record.message, !body.isEmpty, record.type != .suggest { message += body + "\n\n" }
        message += "\(Trailers.event): \(record.type.rawValue)\n"
        for (key, value) in trailers { message += "\(key): \(value)\n" }
        message += "\(Trailers.format): \(record.v)\n"
        return try repo.createCommit(tree: tree, parents: parent.map { [$0] } ?? [], author: actor, committer: actor, message: message, sign: sign)
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
