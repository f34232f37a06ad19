import Foundation

/// One edit of a text at word granularity: the bytes removed and the
/// bytes inserted in their place (either may be empty), with no context
/// and no position.
public struct WordEdit: Sendable, Equatable, Hashable {
    public let removed: [UInt8]
    public let inserted: [UInt8]
}

extension ProseMerge {
    /// The edits that turn `old` into `new`, word by word, in order: git's
    /// line diff first (xdiff, no context), then, within each changed run
    /// of lines, git's diff of their words (`ProseTokens.words`, one per
    /// line). Two changes are the same change, verbatim, when these are
    /// equal: the same words removed and inserted, whatever surrounds them.
    /// Throws a `GitError` when libgit2 fails.
    public static func wordEdits(from old: [UInt8], to new: [UInt8]) throws -> [WordEdit] {
        guard old != new else { return [] }
        let oldLines = Granularity.line.tokens(old[...]), newLines = Granularity.line.tokens(new[...])
        var edits: [WordEdit] = []
        for change in try changes(from: oldLines, to: newLines, lines: (old[...], new[...])) {
            let before = span(oldLines, change.ancestor, in: old[...])
            let after = span(newLines, change.side, in: new[...])
            let oldWords = Granularity.word.tokens(before), newWords = Granularity.word.tokens(after)
            for words in try changes(from: oldWords, to: newWords) {
                edits.append(WordEdit(
                    removed: Array(span(oldWords, words.ancestor, in: before)),
                    inserted: Array(span(newWords, words.side, in: after))))
            }
        }
        return edits
    }
}
