import Foundation
import QuorumGit

// Full text given with --file replaces a document wholesale. When it was
// edited from an older copy (`quorum cat` before others merged), writing it
// against the round's head would quietly undo what was merged since. These
// helpers name the commit a text was written on (`--base REV`) and refuse,
// by default, text that looks older than the round's head.

extension ReviewRepository {
    /// The commit `spec` names (`--base`): a commit id or unique prefix, a
    /// round branch (`quorum/SLUG/N`), a version tag (`rfc/SLUG/v1`), or
    /// anything else `git rev-parse` takes. A usage error when it names
    /// nothing, or several objects.
    public func commit(named spec: String, option: String = "--base") throws -> ObjectID {
        let trimmed = spec.trimming(.spaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("-") else {
            throw QuorumError.usage("\(option) needs a commit: an id, a round branch (quorum/SLUG/N) or a version tag (rfc/SLUG/VERSION)", remedy: "e.g. \(option) quorum/SLUG/1")
        }
        do {
            guard let id = try git.resolveCommit(trimmed) else {
                throw QuorumError.usage(
                    "\(option) \(trimmed) names no commit in this repository",
                    remedy: "give a commit id, a round branch (quorum/SLUG/N) or a version tag (rfc/SLUG/VERSION)")
            }
            return id
        } catch let error as GitError where error.isAmbiguous {
            throw QuorumError.usage("\(option) \(trimmed) matches several objects", remedy: "give more characters of the id")
        }
    }

    /// How many commits of the round's history `refuseUndoingMergedChanges` compares.
    static let staleTextDepth = 32

    /// Refuses text that looks edited from an older copy of the round: the
    /// commit on the round's first-parent history (the newest `staleTextDepth`) whose
    /// documents differ least from the given text, when that is not `head`
    /// and differs strictly less than `head` does (and `head` by more than
    /// one line's change). Writing such text on
    /// `head` would undo the changes merged since; the refusal names them
    /// and the `--base` that keeps them (a three-way merge) or undoes them
    /// on purpose.
    func refuseUndoingMergedChanges(_ updates: [DocumentUpdate], slug: String, round: Round, head: ObjectID) throws {
        // Each new text, against its document's history (under the name it
        // had, when it is renamed); deletions carry no text.
        let given = try updates.compactMap { update -> (String, Lines)? in
            guard let blob = update.blob else { return nil }
            return (update.renamedFrom ?? update.name, Lines(try git.readBlob(blob)))
        }
        if given.isEmpty { return }
        // By the given documents' blobs in a commit (their ids joined).
        var distances: [String: Int] = [:]
        var best: (commit: ObjectID, distance: Int)?
        var headDistance = 0
        var cursor: ObjectID? = head
        var chain: [(commit: Commit, docs: [String: ObjectID])] = []
        while let id = cursor, chain.count < Self.staleTextDepth {
            let commit = try git.commit(id)
            let docs = try documents(in: commit.tree, slug: slug)
            if docs.isEmpty { break }  // before the proposal existed
            let blobs = given.map { docs[$0.0] }
            let key = blobs.map { $0?.hex ?? "-" }.joined(separator: " ")
            let distance: Int
            if let known = distances[key] {
                distance = known
            } else {
                distance = try zip(given, blobs).reduce(0) { sum, pair in
                    sum + pair.0.1.distance(to: Lines(try pair.1.map { try git.readBlob($0) } ?? Data()))
                }
                distances[key] = distance
            }
            if id == head {
                headDistance = distance
                // One changed line (or one added or removed) cannot be told
                // from a deliberate edit back to an older wording: take it as meant.
                if distance <= 2 { return }
            }
            if best == nil || distance < best!.distance { best = (id, distance) }
            chain.append((commit, docs))
            cursor = commit.parents.first
        }
        guard let best, best.commit != head, best.distance < headDistance else { return }
        // The changes merged since `best` that touched the given documents.
        var undone: [String] = []
        let bestIndex = chain.firstIndex { $0.commit.id == best.commit } ?? chain.count - 1
        for index in 0..<bestIndex {
            let (commit, after) = chain[index]
            let before = chain[index + 1].docs
            guard given.contains(where: { before[$0.0] != after[$0.0] }) else { continue }
            let subject = commit.message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? commit.id.short
            let trailers = Trailers.parse(commit.message)
            let from = trailers.first(Trailers.suggestion).map { "suggestion \(String($0.prefix(8)))" } ?? "commit \(commit.id.short)"
            let by = trailers.first(Trailers.suggestedBy).map { " by \($0)" } ?? " by \(commit.author.email)"
            undone.append("\(subject) (\(from)\(by))")
        }
        let names = given.map { $0.0 }.joined(separator: ", ")
        let them = undone.count == 1 ? "it" : "them"
        throw QuorumError.refused(
            "the text given for \(names) looks edited from an older copy of '\(slug)' (\(best.commit.short)); "
                + "written on the round's current text it would undo \(undone.count == 1 ? "this change" : "these \(undone.count) changes") merged since:\n  "
                + undone.joined(separator: "\n  "),
            remedy: "to keep \(them), run the command again with --base \(best.commit.short) (your edits are merged with \(them), three-way); "
                + "to undo \(them) on purpose, run it again with --base \(Layout.branchName(round.branch))")
    }
}

/// A text as a multiset of its lines (by a 64-bit hash of each), for a
/// cheap measure of how far apart two texts are: moved lines cost nothing,
/// a changed line costs two. Lines are the ones a reader sees
/// (`DocumentLines`): LF, CRLF and a lone CR end one, a byte order mark is
/// not text, so a text whose line endings alone changed is not taken for
/// an older copy.
struct Lines {
    /// How many times each line occurs, by its hash (as an Int's bits).
    let counts: [Int: Int]

    init(_ data: Data) {
        var counts: [Int: Int] = [:]
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            let offset = 0xcbf2_9ce4_8422_2325 as UInt64  // FNV-1a
            var hash = offset
            var index = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 10 || byte == 13 {
                    counts[Int(bitPattern: UInt(hash)), default: 0] += 1
                    hash = offset
                    if byte == 13, index + 1 < bytes.count, bytes[index + 1] == 10 { index += 1 }
                } else {
                    hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
                }
                index += 1
            }
            counts[Int(bitPattern: UInt(hash)), default: 0] += 1
        }
        self.counts = counts
    }

    /// How many lines one text has that the other lacks, both ways.
    func distance(to other: Lines) -> Int {
        var total = 0
        for (line, count) in counts { total += abs(count - (other.counts[line] ?? 0)) }
        for (line, count) in other.counts where counts[line] == nil { total += count }
        return total
    }
}
