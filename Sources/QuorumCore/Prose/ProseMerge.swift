import Foundation
import QuorumGit

/// Three-way merge of one document, the way Quorum merges prose.
///
/// Part of the review protocol: the hook and `quorum verify` recompute
/// every merge a round takes, with the algorithm version its merge commit
/// names (`Trailers.mergeVersion`; none means version 0). A change to the
/// rules below is a new version, and versions are never changed.
///
/// - **Version 0**, the line merge: git's three-way line merge (xdiff, as
///   `git merge-file` and libgit2's `git_merge_file`). Changes of the two
///   sides to the same or adjacent lines conflict.
/// - **Version 1**, the prose merge (with the split of `ProseTokens`
///   version 1): first git's line merge of the whole text; when it is
///   clean, its result stands byte for byte. Otherwise the text is taken
///   as regions, at line granularity, then sentence, then word:
///   1. each side's changes from the ancestor: the tokens both begin with
///      and end with are unchanged; what lies between is one change when
///      either side has no token there or each has one, and otherwise git's
///      diff (xdiff, no context) of those tokens, one token per line
///      (`ProseTokens.lineEncoded`);
///   2. changes of the two sides that overlap or touch (no unchanged token
///      between them) form one region with everything between them; a
///      region only one side changed takes that side's tokens; a region
///      both changed to the same bytes takes them;
///   3. a region both changed differently is merged again, by these rules,
///      at the next granularity: its lines as sentences, its sentences as
///      words. At word granularity it is a conflict: the same words
///      changed, or two different insertions at the same place.
///   The merge is clean when no conflict is left; the tokens between
///   regions are the ancestor's, which both sides kept.
///
/// Everything is bytes: no line ending, encoding or whitespace is changed.
public enum ProseMerge {
    /// The version this build writes.
    public static let version = 1
    /// The version a merge commit without a version trailer was made with.
    public static let lineMergeVersion = 0

    /// Whether this build can recompute merges of version `version`.
    public static func knows(_ version: Int) -> Bool { version == 0 || version == 1 }

    /// One place the sides changed the same words.
    public struct Conflict: Sendable, Equatable {
        /// The lines of `ours` (1-based) the conflicting words are on.
        public let lines: ClosedRange<Int>
        /// The text holding the conflict on each side (whole sentences; for
        /// the line merge, whole lines), and in each, the byte range of the
        /// words that differ.
        public let ancestor: [UInt8]
        public let ours: [UInt8]
        public let theirs: [UInt8]
        public let oursChanged: Range<Int>
        public let theirsChanged: Range<Int>
    }

    /// A merge's outcome: the merged text, or where it conflicts (in order).
    public enum Outcome: Sendable, Equatable {
        case clean([UInt8])
        case conflicts([Conflict])

        public var text: [UInt8]? {
            if case .clean(let text) = self { return text }
            return nil
        }
    }

    /// A version this build does not know.
    public struct UnknownVersion: Error, Sendable, Equatable {
        public let version: Int
    }

    /// Merges `ours` and `theirs`, each changed from `ancestor`, with
    /// merge algorithm `version` (see the type). Throws `UnknownVersion`
    /// for a version this build does not know, and a `GitError` when
    /// libgit2 fails (out of memory).
    public static func merge(ancestor: [UInt8], ours: [UInt8], theirs: [UInt8], version: Int = ProseMerge.version) throws -> Outcome {
        guard knows(version) else { throw UnknownVersion(version: version) }
        let whole = try TextMerge.merge(ancestor: ancestor[...], ours: ours[...], theirs: theirs[...])
        if whole.automergeable { return .clean(whole.text) }
        var merger = Merger(finest: version == 0 ? .line : .word, ours: ours)
        try merger.merge(ancestor[...], ours[...], theirs[...], at: .line)
        return merger.found.isEmpty ? .clean(merger.out) : .conflicts(merger.conflicts())
    }

    // MARK: Regions

    enum Granularity: Int, Comparable {
        case line, sentence, word

        static func < (a: Granularity, b: Granularity) -> Bool { a.rawValue < b.rawValue }

        func tokens(_ text: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
            switch self {
            case .line: return ProseTokens.lines(text)
            case .sentence: return ProseTokens.sentences(text)
            case .word: return ProseTokens.words(text)
            }
        }

        var finer: Granularity? { Granularity(rawValue: rawValue + 1) }
    }

    /// One side's change from the ancestor, in tokens.
    struct Change {
        let ancestor: Range<Int>
        let side: Range<Int>
    }

    /// A stretch of the ancestor that one or both sides changed, with
    /// what each side has there.
    struct Region {
        let ancestor: Range<Int>
        let ours: Range<Int>
        let theirs: Range<Int>
        let byOurs: Bool
        let byTheirs: Bool
    }

    /// The changed ranges from one token list to another, in order (rule 1
    /// of the type's documentation): the tokens both begin with and end
    /// with are unchanged; between them, one change when either side has
    /// no token or both have one, else git's diff.
    static func changes(
        from old: [ArraySlice<UInt8>], to new: [ArraySlice<UInt8>], lines texts: (old: ArraySlice<UInt8>, new: ArraySlice<UInt8>)? = nil
    ) throws -> [Change] {
        var head = 0
        while head < old.count, head < new.count, old[head].elementsEqual(new[head]) { head += 1 }
        if head == old.count && head == new.count { return [] }
        var tail = 0
        while tail < old.count - head, tail < new.count - head, old[old.count - 1 - tail].elementsEqual(new[new.count - 1 - tail]) { tail += 1 }
        let oldMiddle = head..<(old.count - tail), newMiddle = head..<(new.count - tail)
        if oldMiddle.isEmpty || newMiddle.isEmpty || (oldMiddle.count == 1 && newMiddle.count == 1) {
            return [Change(ancestor: oldMiddle, side: newMiddle)]
        }
        let hunks = try TextMerge.lineChanges(from: lineText(old, oldMiddle, in: texts?.old), to: lineText(new, newMiddle, in: texts?.new))
        return hunks.map { hunk in
            let oldStart = head + (hunk.oldLines == 0 ? hunk.oldStart : hunk.oldStart - 1)
            let newStart = head + (hunk.newLines == 0 ? hunk.newStart : hunk.newStart - 1)
            return Change(ancestor: oldStart..<(oldStart + hunk.oldLines), side: newStart..<(newStart + hunk.newLines))
        }
    }

    /// `tokens[range]` as git's diff reads them, one per line: lines (the
    /// tokens of `text`, when given) as they are, since git splits them
    /// exactly as `ProseTokens.lines` does; other tokens `ProseTokens.lineEncoded`.
    private static func lineText(_ tokens: [ArraySlice<UInt8>], _ range: Range<Int>, in text: ArraySlice<UInt8>?) -> ArraySlice<UInt8> {
        guard let text else { return ProseTokens.lineEncoded(Array(tokens[range]))[...] }
        return span(tokens, range, in: text)
    }

    /// The two sides' changes as regions (rule 2 of the type's documentation).
    static func regions(ours: [Change], theirs: [Change]) -> [Region] {
        var regions: [Region] = []
        var o = 0, t = 0
        var oursShift = 0, theirsShift = 0  // side index minus ancestor index, before the region
        while o < ours.count || t < theirs.count {
            let oursFirst = t == theirs.count || (o < ours.count && ours[o].ancestor.lowerBound <= theirs[t].ancestor.lowerBound)
            let first = oursFirst ? ours[o] : theirs[t]
            let start = first.ancestor.lowerBound
            var end = first.ancestor.upperBound
            let (o0, t0) = (o, t)
            if oursFirst { o += 1 } else { t += 1 }
            while true {
                if o < ours.count, ours[o].ancestor.lowerBound <= end {
                    end = max(end, ours[o].ancestor.upperBound)
                    o += 1
                } else if t < theirs.count, theirs[t].ancestor.lowerBound <= end {
                    end = max(end, theirs[t].ancestor.upperBound)
                    t += 1
                } else {
                    break
                }
            }
            let oursGrowth = ours[o0..<o].reduce(0) { $0 + $1.side.count - $1.ancestor.count }
            let theirsGrowth = theirs[t0..<t].reduce(0) { $0 + $1.side.count - $1.ancestor.count }
            regions.append(Region(
                ancestor: start..<end,
                ours: (start + oursShift)..<(end + oursShift + oursGrowth),
                theirs: (start + theirsShift)..<(end + theirsShift + theirsGrowth),
                byOurs: o > o0, byTheirs: t > t0))
            oursShift += oursGrowth
            theirsShift += theirsGrowth
        }
        return regions
    }

    /// The bytes of `tokens[range]`, a slice of the text they came from
    /// (`text`): empty at the right place when the range is.
    static func span(_ tokens: [ArraySlice<UInt8>], _ range: Range<Int>, in text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let start = range.lowerBound < tokens.count ? tokens[range.lowerBound].startIndex : text.endIndex
        let end = range.isEmpty ? start : tokens[range.upperBound - 1].endIndex
        return text[start..<end]
    }

    /// Carries out one merge: the merged bytes so far, and the conflicts.
    struct Merger {
        let finest: Granularity
        let ours: [UInt8]
        var out: [UInt8] = []
        /// Conflicts as found: the context slices (indices into the three
        /// texts) and the changed byte ranges (absolute, in ours and theirs).
        var found: [(ancestor: ArraySlice<UInt8>, ours: ArraySlice<UInt8>, theirs: ArraySlice<UInt8>, oursChanged: Range<Int>, theirsChanged: Range<Int>)] = []

        init(finest: Granularity, ours: [UInt8]) {
            self.finest = finest
            self.ours = ours
            out.reserveCapacity(ours.count + 64)
        }

        mutating func merge(_ ancestor: ArraySlice<UInt8>, _ mine: ArraySlice<UInt8>, _ theirs: ArraySlice<UInt8>, at level: Granularity) throws {
            let a = level.tokens(ancestor), o = level.tokens(mine), t = level.tokens(theirs)
            let regions = ProseMerge.regions(
                ours: try changes(from: a, to: o, lines: level == .line ? (ancestor, mine) : nil),
                theirs: try changes(from: a, to: t, lines: level == .line ? (ancestor, theirs) : nil))
            var kept = 0
            var oursChanged: Range<Int>?
            var theirsChanged: Range<Int>?
            for region in regions {
                out.append(contentsOf: span(a, kept..<region.ancestor.lowerBound, in: ancestor))
                kept = region.ancestor.upperBound
                let oursBytes = span(o, region.ours, in: mine)
                let theirsBytes = span(t, region.theirs, in: theirs)
                if !region.byTheirs {
                    out.append(contentsOf: oursBytes)
                } else if !region.byOurs || oursBytes.elementsEqual(theirsBytes) {
                    out.append(contentsOf: theirsBytes)
                } else if let finer = level.finer, level < finest {
                    try merge(span(a, region.ancestor, in: ancestor), oursBytes, theirsBytes, at: finer)
                } else if level == .line {
                    // The line merge's conflict: the lines themselves are its context.
                    found.append((span(a, region.ancestor, in: ancestor), oursBytes, theirsBytes, oursBytes.indices, theirsBytes.indices))
                } else {
                    let (oRange, tRange) = (oursBytes.indices, theirsBytes.indices)
                    oursChanged = oursChanged.map { $0.lowerBound..<oRange.upperBound } ?? oRange
                    theirsChanged = theirsChanged.map { $0.lowerBound..<tRange.upperBound } ?? tRange
                }
            }
            out.append(contentsOf: span(a, kept..<a.count, in: ancestor))
            if let oursChanged, let theirsChanged {
                found.append((ancestor, mine, theirs, oursChanged, theirsChanged))
            }
        }

        /// The conflicts found, with the lines of ours they are on.
        func conflicts() -> [Conflict] {
            found.map { item in
                let first = line(at: item.oursChanged.lowerBound)
                let last = item.oursChanged.isEmpty ? first : line(at: item.oursChanged.upperBound - 1)
                return Conflict(
                    lines: first...max(first, last), ancestor: Array(item.ancestor), ours: Array(item.ours), theirs: Array(item.theirs),
                    oursChanged: (item.oursChanged.lowerBound - item.ours.startIndex)..<(item.oursChanged.upperBound - item.ours.startIndex),
                    theirsChanged: (item.theirsChanged.lowerBound - item.theirs.startIndex)..<(item.theirsChanged.upperBound - item.theirs.startIndex))
            }
        }

        /// The 1-based line of `ours` holding byte `offset`.
        private func line(at offset: Int) -> Int {
            ours[..<min(offset, ours.count)].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        }
    }
}
