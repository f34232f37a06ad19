import Foundation
import QuorumGit

/// A round's line as far as it is known: the first-parent chain of its
/// branch from the round's start to a head, each commit with the parents
/// it merged. Kept at `<git dir>/quorum/round-lines/<slug>/<round>`, so
/// that `merge` asks a file whether the line merged a revision already
/// (an earlier, interrupted merge of it) instead of reading every commit
/// merged since the revision was written: a loose commit read is ~25 µs
/// here, 3 ms for a suggestion that waited through 120 merges.
///
/// A local cache as every other (see `LocalFile`): derived data only,
/// safe to delete, appended to as the round grows. Format, one commit per
/// line, oldest first, fields separated by one space:
///
///     quorum-round-line 1 <start commit hex, or - for the root>
///     <commit hex>[ <merged parent hex>…]
///
/// Each line states a fact about immutable objects (a commit and the
/// parents after its first); what the file adds is that its commits are
/// the line from the start up to its last line's commit (the mark), every
/// one of them, in order. A reader walks from the round's head back to
/// the mark and appends what it walked; a walk that reaches the start
/// without meeting the mark (the branch was moved back or rewritten), or
/// a file of another format or start, or one whose last line was cut
/// short (a disk that filled), is replaced by the line walked. Readers
/// take turns (an `flock` on the file's directory, for the whole read,
/// walk and write): two that raced could otherwise leave a gap, one
/// writing the file anew from an older head while the other appended to
/// it from a newer mark.
struct RoundLineIndex {
    static let header = "quorum-round-line 1"
    let git: Repository

    private func directory(_ slug: String) -> String {
        git.gitDirectory + "quorum/round-lines/\(slug)"
    }

    /// The line of round `round` of proposal `slug` whose branch is at
    /// `head`, from `start` (the round's first commit; nil: the root),
    /// brought up to `head` and stored. Reads a commit for each one on the
    /// line since the stored mark (every commit back to `start` the first
    /// time, or when the branch no longer holds the mark). Throws a
    /// `GitError` when a commit cannot be read; failing to write the file
    /// (a read-only repository) is not an error.
    func line(slug: String, round: Int, head: ObjectID, start: ObjectID?) throws -> RoundLine {
        let directory = directory(slug)
        let path = directory + "/\(round)"
        return try LocalFile.whileLocking(directory) {
            let first = Array((Self.header + " " + (start?.hex ?? "-") + "\n").utf8)
            var stored = FileManager.default.contents(atPath: path).map { [UInt8]($0) }
            if let bytes = stored, !bytes.starts(with: first) || bytes.last != 0x0A { stored = nil }
            let mark = stored.flatMap { RoundLine(bytes: $0).last }
            // Newest first, as walked.
            var walked: [[UInt8]] = []
            var reachedMark = false
            var cursor: ObjectID? = head
            while let id = cursor {
                if id == mark { reachedMark = true; break }
                let parents = try git.parents(of: id)
                walked.append(Array(([id] + parents.dropFirst()).map(\.hex).joined(separator: " ").utf8) + [0x0A])
                if id == start { break }
                cursor = parents.first
            }
            let added = Array(walked.reversed().joined())
            if reachedMark, let stored {
                if !added.isEmpty {
                    // A file another member of a group-shared clone made
                    // may be theirs alone: then it is written anew, as ours.
                    do { try LocalFile.append(path, Data(added)) } catch { try? LocalFile.replace(path, with: Data(stored + added)) }
                }
                return RoundLine(bytes: stored + added)
            }
            let bytes = first + added
            try? LocalFile.replace(path, with: Data(bytes))
            return RoundLine(bytes: bytes)
        }
    }
}

/// The text of a `RoundLineIndex` file, asked by byte search (a commit id
/// is found in the file as its hex, not parsed out of every line).
struct RoundLine {
    let bytes: [UInt8]

    /// The commit of the last whole line (the mark), nil when there is none.
    var last: ObjectID? {
        guard let end = bytes.lastIndex(of: 0x0A) else { return nil }
        return lineStartingBefore(end).flatMap(commit(at:))
    }

    /// Whether `commit` is on the line.
    func contains(_ commit: ObjectID) -> Bool {
        find(Array(("\n" + commit.hex).utf8)) != nil
    }

    /// Whether a commit on the line merged `parent` (has it among the
    /// parents after its first).
    func hasMerged(_ parent: ObjectID) -> Bool {
        find(Array((" " + parent.hex).utf8)) != nil
    }

    /// Where `pattern` occurs after the header's last field, followed by
    /// the end of a field (a space or a line break); nil when it does not.
    private func find(_ pattern: [UInt8]) -> Int? {
        guard let headerEnd = bytes.firstIndex(of: 0x0A) else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            var from = headerEnd
            while let at = buffer.firstIndex(of: pattern, from: from) {
                let end = at + pattern.count
                if end < buffer.count, buffer[end] == 0x20 || buffer[end] == 0x0A { return at }
                from = at + 1
            }
            return nil
        }
    }

    /// Where the line holding the byte at `index` starts (after the line
    /// break before it), nil when that is the header line.
    private func lineStartingBefore(_ index: Int) -> Int? {
        var at = index
        while at > 0 {
            at -= 1
            if bytes[at] == 0x0A { return at + 1 }
        }
        return nil
    }

    /// The commit id a line starting at `start` begins with, nil when it
    /// does not begin with one (a line cut short).
    private func commit(at start: Int) -> ObjectID? {
        guard start + 40 < bytes.count, bytes[start + 40] == 0x20 || bytes[start + 40] == 0x0A else { return nil }
        return bytes[start..<start + 40].withUnsafeBufferPointer { ObjectID(hexBytes: $0) }
    }
}
