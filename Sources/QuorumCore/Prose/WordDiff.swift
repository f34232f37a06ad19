import Foundation
import QuorumGit

/// The change between two texts as people read prose: line hunks as
/// `git diff` finds them, and within the changed lines, the words (and
/// whitespace and punctuation) removed and inserted, as
/// `git diff --word-diff` shows them (`at [-any given-]{+the same+} time`).
///
/// Pure, and lossless on bytes: in each hunk, the `equal` and `delete`
/// operations concatenated are exactly the hunk's old lines, and the
/// `equal` and `insert` operations its new lines (CRLF, tabs, a byte order
/// mark, a missing final newline and invalid UTF-8 included). Words are
/// `ProseTokens.words`, the split the prose merge uses, so a diff and a
/// merge agree on what a word is. Both levels are diffed by libgit2's
/// xdiff: lines with git's default options, words written one per line
/// (`ProseTokens.lineEncoded`).
public struct WordDiff: Sendable, Equatable {
    /// What an operation does to the old text.
    public enum Kind: String, Sendable, Codable {
        /// Unchanged bytes (whole context lines, and unchanged words within changed lines).
        case equal
        /// Bytes of the old text that the new one does not have.
        case delete
        /// Bytes the new text has in their place.
        case insert
    }

    /// One run of bytes, kept exactly (never split inside a UTF-8 character).
    public struct Operation: Sendable, Equatable {
        public let kind: Kind
        public let bytes: [UInt8]

        public init(_ kind: Kind, _ bytes: [UInt8]) {
            self.kind = kind
            self.bytes = bytes
        }

        /// The bytes as text (invalid UTF-8 shown as U+FFFD).
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// A hunk: git's line ranges (1-based starts and counts, a count of 0
    /// starting after line `start`) and the operations that turn the old
    /// lines into the new ones, in order. Two operations in a row never
    /// have the same kind, and a `delete` comes before the `insert` that
    /// replaces it.
    public struct Hunk: Sendable, Equatable {
        public let oldStart: Int
        public let oldLines: Int
        public let newStart: Int
        public let newLines: Int
        /// What git prints after the hunk's `@@`: the nearest line above it
        /// that starts with a letter, `$` or `_` (a heading, often), or "".
        public let heading: String
        public let operations: [Operation]

        public init(oldStart: Int, oldLines: Int, newStart: Int, newLines: Int, heading: String = "", operations: [Operation]) {
            self.oldStart = oldStart
            self.oldLines = oldLines
            self.newStart = newStart
            self.newLines = newLines
            self.heading = heading
            self.operations = operations
        }

        /// The hunk's old lines (`equal` and `delete` operations).
        public var oldBytes: [UInt8] { operations.filter { $0.kind != .insert }.flatMap(\.bytes) }
        /// The hunk's new lines (`equal` and `insert` operations).
        public var newBytes: [UInt8] { operations.filter { $0.kind != .delete }.flatMap(\.bytes) }
    }

    /// The hunks, in order; empty when the texts are equal.
    public let hunks: [Hunk]

    /// The word diff of `old` to `new`, with `context` unchanged lines
    /// around each change (git's default: 3).
    /// Throws `GitError` only when libgit2 cannot allocate.
    public init(from old: [UInt8], to new: [UInt8], context: Int = 3) throws {
        let oldLines = ProseTokens.lines(old[...])
        let newLines = ProseTokens.lines(new[...])
        let lineHunks = try old.withUnsafeBytes { o in try new.withUnsafeBytes { n in try TextDiff.hunks(from: o, to: n, context: context) } }
        var hunks: [Hunk] = []
        hunks.reserveCapacity(lineHunks.count)
        for hunk in lineHunks {
            var operations = Operations()
            // The removed and the added lines since the last context line:
            // one block, diffed word by word, as git's word diff does.
            var removed: Range<Int>?
            var added: Range<Int>?
            func flush() throws {
                let before = removed.map { WordDiff.lineBytes(old, oldLines, $0) } ?? []
                let after = added.map { WordDiff.lineBytes(new, newLines, $0) } ?? []
                if before.isEmpty || after.isEmpty {
                    operations.append(.delete, before)
                    operations.append(.insert, after)
                } else {
                    try WordDiff.words(before, after, into: &operations)
                }
                removed = nil
                added = nil
            }
            for line in hunk.lines {
                switch line.origin {
                case .context:
                    if removed != nil || added != nil { try flush() }
                    if let number = line.oldNumber, number >= 1, number <= oldLines.count { operations.append(.equal, oldLines[number - 1]) }
                case .removed:
                    if added != nil { try flush() }
                    if let number = line.oldNumber { removed = WordDiff.extend(removed, number - 1) }
                case .added:
                    if let number = line.newNumber { added = WordDiff.extend(added, number - 1) }
                }
            }
            if removed != nil || added != nil { try flush() }
            hunks.append(Hunk(
                oldStart: hunk.oldStart, oldLines: hunk.oldLines, newStart: hunk.newStart, newLines: hunk.newLines,
                heading: hunk.heading, operations: operations.list))
        }
        self.hunks = hunks
    }

    private static func extend(_ range: Range<Int>?, _ index: Int) -> Range<Int> {
        guard let range else { return index..<(index + 1) }
        return range.lowerBound..<max(range.upperBound, index + 1)
    }

    /// Lines `range` (0-based) of `text`, whose lines are `lines`.
    private static func lineBytes(_ text: [UInt8], _ lines: [ArraySlice<UInt8>], _ range: Range<Int>) -> ArraySlice<UInt8> {
        let clamped = range.clamped(to: 0..<lines.count)
        guard let first = clamped.first, let last = clamped.last else { return [] }
        return text[lines[first].startIndex..<lines[last].endIndex]
    }

    /// The word operations turning `before` into `after` (both non-empty).
    ///
    /// An unchanged run of only spaces and punctuation, within one line,
    /// between two changes is shown as part of both (removed and inserted
    /// again), so that "any given" replaced by "the same" reads as one
    /// change, `[-any given-]{+the same+}`, as in git, and not as two
    /// around a space that stayed.
    private static func words(_ before: ArraySlice<UInt8>, _ after: ArraySlice<UInt8>, into operations: inout Operations) throws {
        let a = ProseTokens.words(before)
        let b = ProseTokens.words(after)
        let encodedA = ProseTokens.lineEncoded(a)
        let encodedB = ProseTokens.lineEncoded(b)
        let found = try encodedA.withUnsafeBytes { x in try encodedB.withUnsafeBytes { y in try TextDiff.changes(from: x, to: y) } }
        // Each change as 0-based token ranges in a and b.
        var changes: [(a: Range<Int>, b: Range<Int>)] = []
        changes.reserveCapacity(found.count)
        for change in found {
            let aStart = change.oldLines == 0 ? change.oldStart : change.oldStart - 1
            let bStart = change.newLines == 0 ? change.newStart : change.newStart - 1
            let next = (a: aStart..<(aStart + change.oldLines), b: bStart..<(bStart + change.newLines))
            if let last = changes.last, a[last.a.upperBound..<next.a.lowerBound].allSatisfy({ token in
                let kind = ProseTokens.kind(of: token)
                return kind == .space || kind == .punctuation
            }) {
                changes[changes.count - 1] = (last.a.lowerBound..<next.a.upperBound, last.b.lowerBound..<next.b.upperBound)
            } else {
                changes.append(next)
            }
        }
        var i = 0
        for change in changes {
            if i < change.a.lowerBound { operations.append(.equal, joined(before, a[i..<change.a.lowerBound])) }
            operations.append(.delete, joined(before, a[change.a]))
            operations.append(.insert, joined(after, b[change.b]))
            i = change.a.upperBound
        }
        if i < a.count { operations.append(.equal, joined(before, a[i...])) }
    }

    /// Consecutive tokens of `text`, as the bytes of it they cover.
    private static func joined(_ text: ArraySlice<UInt8>, _ tokens: ArraySlice<ArraySlice<UInt8>>) -> ArraySlice<UInt8> {
        guard let first = tokens.first, let last = tokens.last else { return [] }
        return text[first.startIndex..<last.endIndex]
    }

    /// Operations being collected: empty runs dropped, runs of one kind joined.
    private struct Operations {
        var list: [Operation] = []

        mutating func append(_ kind: Kind, _ bytes: ArraySlice<UInt8>) {
            guard !bytes.isEmpty else { return }
            if let last = list.last, last.kind == kind {
                list[list.count - 1] = Operation(kind, last.bytes + bytes)
            } else if kind == .delete, let last = list.last, last.kind == .insert {
                // A delete after an insert with nothing between: the delete first.
                list.insert(Operation(kind, Array(bytes)), at: list.count - 1)
                if list.count >= 3, list[list.count - 3].kind == .delete {
                    let merged = Operation(.delete, list[list.count - 3].bytes + list[list.count - 2].bytes)
                    list.remove(at: list.count - 2)
                    list[list.count - 2] = merged
                }
            } else {
                list.append(Operation(kind, Array(bytes)))
            }
        }
    }
}
