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
    func read(_ ref: String) throws -> (head: ObjectID, events: [Event])? {
        guard let head = try repo.referenceTarget(ref) else { return nil }
        return (head, try events(from: head))
    }

    func events(from head: ObjectID) throws -> [Event] {
        var ordered: [Event] = []
        var seen: Set<ObjectID> = []
        // A reconciling merge is no event: events after it name its parents
        // (events, or what they in turn stand for) as theirs.
        var standsFor: [ObjectID: [ObjectID]] = [:]
        // Iterative post-order walk so that parents come before children.
        var stack: [(ObjectID, Bool)] = [(head, false)]
        while let (id, expanded) = stack.popLast() {
            if expanded {
                let commit = try repo.commit(id)
                let parents = commit.parents.flatMap { standsFor[$0] ?? [$0] }
                if let event = try decode(commit, parents: parents) {
                    ordered.append(event)
                } else {
                    standsFor[id] = parents
                }
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

    /// The event a commit holds; nil for a reconciling merge. `parents`
    /// (default: the commit's) are the events it follows.
    func decode(_ commit: Commit, parents: [ObjectID]? = nil) throws -> Event? {
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
            var grandfathered: [GrandfatheredHead] = []
            if record.type == .policy, let list = try repo.blobID(in: commit.tree, at: EventLog.grandfatheredFileName) {
                grandfathered = GrandfatheredHead.parse(String(decoding: try repo.readBlob(list), as: UTF8.self))
            }
            let store = signatures, id = commit.id
            return try Event(
                id: commit.id, record: record, actor: commit.author, parents: parents ?? commit.parents,
                signedAt: commit.committer.time, grandfathered: grandfathered, checked: LazySignature {
                    do {
                        return try store.commit(id)
                    } catch {
                        return .invalid("its signature could not be read: \(error)")
                    }
                })
        } catch let error as QuorumError {
            throw error
        } catch let refusal as Refusal {
            throw QuorumError(.failure, "event \(commit.id.short) is malformed: \(refusal.message)", code: refusal.code)
        } catch {
            // A kind this quorum does not know was written by a newer one.
            struct Kind: Decodable { let type: String }
            if let kind = try? JSONDecoder().decode(Kind.self, from: data), EventRecord.Kind(rawValue: kind.type) == nil {
                throw QuorumError(
                    .failure, "event \(commit.id.short) is of a kind this quorum does not know, '\(kind.type)'",
                    remedy: "a newer quorum wrote it: upgrade this one (on a shared repository, the quorum its hooks run, then 'quorum hooks install' there again)",
                    code: .eventMalformed)
            }
            throw QuorumError(.failure, "event \(commit.id.short) is malformed: \(error)", code: .eventMalformed)
        }
    }

    /// Writes an event commit on top of `parent` (nil: a new chain) and
    /// returns its id. The ref is not moved: see `advance`.
    /// `grandfathered` goes beside a policy event (see
    /// `grandfatheredFileName`); `sign` signs the commit as its actor.
    func write(_ record: EventRecord, summary: String, trailers: [(String, String)], actor: Signature, parent: ObjectID?,
               grandfathered: [GrandfatheredHead] = [], sign: ObjectSigner? = nil) throws -> ObjectID {
        let data = try EventLog.encoder.encode(record) + Data("\n".utf8)
        let blob = try repo.writeBlob(data)
        var files: [TreeUpdate] = [.upsert(path: EventLog.fileName, blob: blob)]
        if !grandfathered.isEmpty {
            let list = GrandfatheredHead.format(grandfathered)
            files.append(.upsert(path: EventLog.grandfatheredFileName, blob: try repo.writeBlob(Data(list.utf8))))
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
