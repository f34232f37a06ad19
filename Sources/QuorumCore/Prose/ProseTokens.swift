import Foundation

/// How Quorum splits a document's bytes into the units it diffs and
/// merges prose by: lines, sentences and words.
///
/// The split is part of the review protocol, not a matter of taste: the
/// hook and `quorum verify` recompute every merge, so everyone must cut a
/// text in exactly the same places. It is therefore defined here on UTF-8
/// bytes by the fixed character lists below, independent of locale,
/// Unicode version and platform (no ICU, no Foundation text
/// segmentation), and versioned: `version` is recorded with every merge
/// that used it, and a change to any rule here is a new version.
///
/// Every split is lossless: the tokens of a text, concatenated, are its
/// bytes, whatever they are (invalid UTF-8 included), so a merge or a
/// diff built from tokens keeps CRLF endings, a byte order mark, tabs and
/// a missing final newline as they were.
///
/// Version 1:
/// - **Line**: the bytes up to and including `\n` (so a CRLF line ends in
///   `\r\n`); the last line may have no terminator.
/// - **Sentence**: within one line, the bytes up to a sentence end — one
///   or more of `.` `!` `?` `…` `。` `！` `？`, then any closing `)` `]`
///   `"` `'` `”` `’` `»` `*` `_`, then whitespace — including that
///   whitespace (and the line terminator, for a line's last sentence).
///   After a full-width end (`。` `！` `？`) no whitespace is needed.
///   A sentence never spans lines.
/// - **Word**: a line terminator (`\n` or `\r\n`); a run of whitespace
///   (space, tab, CR not before LF, form feed, vertical tab, U+00A0,
///   U+2009, U+3000); a single punctuation character (ASCII punctuation
///   and `‘ ’ “ ” « » – — … ¡ ¿ 、 。 ！ ？ ，`); or a run of any other
///   bytes.
public enum ProseTokens {
    /// The version of the rules above, recorded by merges that use them.
    public static let version = 1

    /// `text`'s lines, each with its terminator.
    public static func lines(_ text: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var tokens: [ArraySlice<UInt8>] = []
        var start = text.startIndex
        var index = start
        while index < text.endIndex {
            if text[index] == 0x0A {
                tokens.append(text[start...index])
                start = index + 1
            }
            index += 1
        }
        if start < text.endIndex { tokens.append(text[start...]) }
        return tokens
    }

    /// `text`'s sentences (see the type's documentation).
    public static func sentences(_ text: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var tokens: [ArraySlice<UInt8>] = []
        for line in lines(text) {
            var start = line.startIndex
            var index = start
            while index < line.endIndex {
                // Only these bytes begin a sentence end (`.` `!` `?`, and the
                // lead bytes of `…` `。` `！` `？`): skip the rest quickly.
                switch line[index] {
                case 0x2E, 0x21, 0x3F, 0xE2, 0xE3, 0xEF: break
                default:
                    index += 1
                    continue
                }
                guard let (end, fullWidth) = sentenceEnd(in: line, at: index) else {
                    index += 1
                    continue
                }
                // After the terminators and closers: the whitespace that
                // must follow (optional after a full-width one) belongs to
                // this sentence.
                var cursor = end
                while cursor < line.endIndex, let closer = closerLength(in: line, at: cursor) { cursor += closer }
                if !fullWidth {
                    guard cursor < line.endIndex, let first = spaceLength(in: line, at: cursor) else {
                        index = max(cursor, index + 1)
                        continue
                    }
                    cursor += first
                }
                while cursor < line.endIndex, let more = spaceLength(in: line, at: cursor) { cursor += more }
                if cursor == line.endIndex - 1 && line[cursor] == 0x0A { cursor = line.endIndex }
                if cursor == line.endIndex - 2 && line[cursor] == 0x0D && line[cursor + 1] == 0x0A { cursor = line.endIndex }
                tokens.append(line[start..<cursor])
                start = cursor
                index = cursor
            }
            if start < line.endIndex { tokens.append(line[start...]) }
        }
        return tokens
    }

    /// `text`'s words, whitespace runs, punctuation and line terminators.
    public static func words(_ text: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var tokens: [ArraySlice<UInt8>] = []
        var index = text.startIndex
        var wordStart: Int?
        func endWord() {
            if let start = wordStart { tokens.append(text[start..<index]) }
            wordStart = nil
        }
        while index < text.endIndex {
            if let terminator = terminatorLength(in: text, at: index) {
                endWord()
                tokens.append(text[index..<(index + terminator)])
                index += terminator
            } else if let space = spaceLength(in: text, at: index) {
                endWord()
                var end = index + space
                while end < text.endIndex, terminatorLength(in: text, at: end) == nil, let more = spaceLength(in: text, at: end) { end += more }
                tokens.append(text[index..<end])
                index = end
            } else if let punctuation = punctuationLength(in: text, at: index) {
                endWord()
                tokens.append(text[index..<(index + punctuation)])
                index += punctuation
            } else {
                if wordStart == nil { wordStart = index }
                index += 1
            }
        }
        endWord()
        return tokens
    }

    /// What a token of `words` is.
    public enum WordKind: Sendable, Equatable {
        case lineEnd, space, punctuation, word
    }

    /// The kind of `token`, one of `words`' tokens.
    public static func kind(of token: ArraySlice<UInt8>) -> WordKind {
        guard let first = token.first else { return .word }
        let index = token.startIndex
        if first == 0x0A || (first == 0x0D && token.count == 2 && token[index + 1] == 0x0A) { return .lineEnd }
        if spaceLength(in: token, at: index) != nil { return .space }
        if let length = punctuationLength(in: token, at: index), length == token.count { return .punctuation }
        return .word
    }

    // MARK: Tokens as lines, for git's diff and merge

    /// Tokens written one per line, so that git's line diff and three-way
    /// merge (xdiff, through libgit2) work on them: each line is `:` then
    /// the token with `\` written `\\`, LF `\n` and CR `\r`. Merge
    /// markers (lines starting `<`, `|`, `=` or `>`) can then never be
    /// mistaken for a token.
    public static func lineEncoded(_ tokens: [ArraySlice<UInt8>]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(tokens.reduce(0) { $0 + $1.count + 2 })
        for token in tokens {
            out.append(0x3A)
            for byte in token {
                switch byte {
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                default: out.append(byte)
                }
            }
            out.append(0x0A)
        }
        return out
    }

    /// The token a line of `lineEncoded` stands for (`line` without its
    /// LF); nil when it is not such a line.
    public static func lineDecoded(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        guard line.first == 0x3A else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        var escaped = false
        for byte in line.dropFirst() {
            if escaped {
                switch byte {
                case 0x5C: out.append(0x5C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                default: return nil
                }
                escaped = false
            } else if byte == 0x5C {
                escaped = true
            } else {
                out.append(byte)
            }
        }
        return escaped ? nil : out
    }

    // MARK: Character classes, as UTF-8 byte sequences

    private static let asciiPunctuation = Set(Array("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".utf8))
    private static let unicodePunctuation: [[UInt8]] = ["‘", "’", "“", "”", "«", "»", "–", "—", "…", "¡", "¿", "、", "。", "！", "？", "，"].map { Array($0.utf8) }
    private static let unicodeSpaces: [[UInt8]] = ["\u{00A0}", "\u{2009}", "\u{3000}"].map { Array($0.utf8) }
    private static let sentenceEnds: [[UInt8]] = [".", "!", "?", "…", "。", "！", "？"].map { Array($0.utf8) }
    private static let fullWidthSentenceEnds: [[UInt8]] = ["。", "！", "？"].map { Array($0.utf8) }
    private static let closers: [[UInt8]] = [")", "]", "\"", "'", "”", "’", "»", "*", "_"].map { Array($0.utf8) }

    private static func match(_ candidates: [[UInt8]], in text: ArraySlice<UInt8>, at index: Int) -> Int? {
        let first = text[index]
        for candidate in candidates where candidate[0] == first && text.endIndex - index >= candidate.count {
            if text[index..<(index + candidate.count)].elementsEqual(candidate) { return candidate.count }
        }
        return nil
    }

    /// `asciiPunctuation` as a bit mask (bit n: byte n), for the per-byte test.
    private static let asciiPunctuationMask: (low: UInt64, high: UInt64) = asciiPunctuation.reduce((0, 0)) { mask, byte in
        byte < 64 ? (mask.0 | 1 << UInt64(byte), mask.1) : (mask.0, mask.1 | 1 << UInt64(byte - 64))
    }

    /// The length of a line terminator at `index` (`\n` or `\r\n`).
    private static func terminatorLength(in text: ArraySlice<UInt8>, at index: Int) -> Int? {
        if text[index] == 0x0A { return 1 }
        if text[index] == 0x0D && index + 1 < text.endIndex && text[index + 1] == 0x0A { return 2 }
        return nil
    }

    /// The length of one whitespace character at `index` (a line
    /// terminator is not one).
    private static func spaceLength(in text: ArraySlice<UInt8>, at index: Int) -> Int? {
        switch text[index] {
        case 0x20, 0x09, 0x0B, 0x0C: return 1
        case 0x0D: return terminatorLength(in: text, at: index) == nil ? 1 : nil
        case 0x0A: return nil
        default: return text[index] < 0x80 ? nil : match(unicodeSpaces, in: text, at: index)
        }
    }

    private static func punctuationLength(in text: ArraySlice<UInt8>, at index: Int) -> Int? {
        let byte = text[index]
        if byte < 0x80 {
            let bit = byte < 64 ? asciiPunctuationMask.low >> UInt64(byte) : asciiPunctuationMask.high >> UInt64(byte - 64)
            return bit & 1 == 1 ? 1 : nil
        }
        return match(unicodePunctuation, in: text, at: index)
    }

    /// Where a run of sentence-ending characters starting at `index` ends,
    /// and whether its last one is full-width (`。` `！` `？`, which need no
    /// space after them).
    private static func sentenceEnd(in text: ArraySlice<UInt8>, at index: Int) -> (end: Int, fullWidth: Bool)? {
        guard var last = match(sentenceEnds, in: text, at: index) else { return nil }
        var end = index + last
        while end < text.endIndex, let more = match(sentenceEnds, in: text, at: end) {
            end += more
            last = more
        }
        let fullWidth = last == 3 && match(fullWidthSentenceEnds, in: text, at: end - 3) != nil
        return (end, fullWidth)
    }

    private static func closerLength(in text: ArraySlice<UInt8>, at index: Int) -> Int? {
        match(closers, in: text, at: index)
    }
}
