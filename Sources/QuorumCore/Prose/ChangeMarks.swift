import Foundation

/// What changed between two texts of a document, marked in the newer
/// one's Markdown so that its rendering shows the inserted words in
/// `<ins>` and the removed ones in `<del>` (`quorum export --changes`).
///
/// The changes are `WordDiff`'s. They are written into the Markdown as
/// four private-use characters that no text of the document holds, which
/// cmark-gfm renders as text like any other, and only then, in the HTML,
/// turned into tags (`html(_:)`): so the document's own raw HTML stays
/// omitted, and a mark can never open a tag of its own.
///
/// - Inserted words are the document's own Markdown, marked line by line
///   after each line's block syntax (`## `, `- `, `1. `, `> `), which stays
///   outside the marks so that headings and lists stay what they are.
/// - Removed words are shown as they were written, as plain text (their
///   Markdown escaped), on one line: where whole lines went away, as a
///   paragraph of their own.
public struct ChangeMarks: Sendable {
    /// The newer text with its changes marked, for `MarkdownDocument`.
    public let markdown: String
    /// Whether the texts differ at all.
    public let changed: Bool
    private let marks: [Character]

    /// Marks `new` with what changed since `old` (both as a reader sees
    /// them: `DocumentLines.readerText`). Throws `GitError` only when
    /// libgit2 cannot allocate.
    public init(from old: String, to new: String) throws {
        // Four private-use characters neither text holds.
        var base: UInt32 = 0xE000
        while base < 0xF8F0, [old, new].contains(where: { $0.unicodeScalars.contains { $0.value >= base && $0.value < base + 4 } }) { base += 4 }
        let marks = (0..<4).map { Character(Unicode.Scalar(base + $0)!) }
        self.marks = marks
        let diff = try WordDiff(from: Array(old.utf8), to: Array(new.utf8), context: Int(Int32.max))
        guard let hunk = diff.hunks.first else {
            markdown = new
            changed = false
            return
        }
        changed = true
        var out = ""
        for operation in hunk.operations {
            switch operation.kind {
            case .equal: out += operation.text
            case .insert: Self.appendInserted(operation.text, to: &out, open: marks[0], close: marks[1])
            case .delete: Self.appendDeleted(operation.text, to: &out, open: marks[2], close: marks[3])
            }
        }
        markdown = out
    }

    /// The HTML that cmark-gfm rendered from `markdown`, with the marks
    /// made `<ins>`/`</ins>` and `<del>`/`</del>` in text, and dropped
    /// wherever they landed inside a tag (say, in a link's address).
    public func html(_ rendered: String) -> String {
        var out = ""
        out.reserveCapacity(rendered.utf8.count + 256)
        var inTag = false
        for character in rendered {
            if character == "<" { inTag = true }
            if character == ">" { inTag = false }
            if let index = marks.firstIndex(of: character) {
                if !inTag { out += ["<ins>", "</ins>", "<del>", "</del>"][index] }
                continue
            }
            out.append(character)
        }
        return out
    }

    /// Inserted text, marked line by line after each line's block syntax.
    private static func appendInserted(_ text: String, to out: inout String, open: Character, close: Character) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if index > 0 { out += "\n" }
            var content = Substring(line)
            if out.isEmpty || out.hasSuffix("\n") {
                let syntax = blockSyntax(content)
                out += content.prefix(syntax)
                content = content.dropFirst(syntax)
            }
            let trailing = content.reversed().prefix { $0 == " " || $0 == "\t" || $0 == "\r" }.count
            let body = content.dropLast(trailing)
            if body.contains(where: { !$0.isWhitespace }) {
                out.append(open)
                out += body
                out.append(close)
            } else {
                out += body
            }
            out += content.suffix(trailing)
        }
    }

    /// Removed text, its Markdown escaped. Within a line, in place. Whole
    /// lines: each as the block it was (a list item stays one, its text
    /// marked); across a blank line (whole paragraphs), as a paragraph of
    /// its own, so that it joins neither neighbour.
    private static func appendDeleted(_ text: String, to out: inout String, open: Character, close: Character) {
        guard text.contains(where: { !$0.isWhitespace }) else { return }
        func marked(_ words: Substring) -> String {
            var escaped = String(open)
            for character in words {
                if character.isASCII, character.isPunctuation || character.isSymbol { escaped += "\\" }
                escaped.append(character)
            }
            escaped.append(close)
            return escaped
        }
        let atLineStart = out.isEmpty || out.hasSuffix("\n")
        guard atLineStart, text.hasSuffix("\n") else {
            out += marked(Substring(text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")))
            return
        }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        if lines.contains(where: { $0.allSatisfy(\.isWhitespace) }) {
            if !out.isEmpty && !out.hasSuffix("\n\n") { out += "\n" }
            let words = lines.map { $0.trimming(.spaces) }.filter { !$0.isEmpty }.joined(separator: " ")
            out += marked(Substring(words)) + "\n\n"
            return
        }
        for line in lines {
            let syntax = blockSyntax(line)
            out += line.prefix(syntax) + marked(line.dropFirst(syntax).drop(while: { $0 == " " })) + "\n"
        }
    }

    /// How many characters at the start of a line are Markdown block
    /// syntax to keep outside a mark: indentation, then `#`s and a space,
    /// a list marker and a space, or `>`s.
    private static func blockSyntax(_ line: Substring) -> Int {
        var index = line.startIndex
        while index < line.endIndex, line[index] == " " || line[index] == "\t" { index = line.index(after: index) }
        var rest = line[index...]
        if rest.hasPrefix("#") {
            let hashes = rest.prefix { $0 == "#" }
            let after = rest.dropFirst(hashes.count)
            if hashes.count <= 6, after.first == " " { return line.distance(from: line.startIndex, to: after.index(after: after.startIndex)) }
        }
        while rest.first == ">" {
            rest = rest.dropFirst()
            if rest.first == " " { rest = rest.dropFirst() }
        }
        if let first = rest.first, "-*+".contains(first), rest.dropFirst().first == " " {
            return line.distance(from: line.startIndex, to: rest.index(rest.startIndex, offsetBy: 2))
        }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 9 {
            let after = rest.dropFirst(digits.count)
            if let marker = after.first, marker == "." || marker == ")", after.dropFirst().first == " " {
                return line.distance(from: line.startIndex, to: after.index(after.startIndex, offsetBy: 2))
            }
        }
        return line.distance(from: line.startIndex, to: rest.startIndex)
    }
}
