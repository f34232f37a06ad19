import Foundation

/// A document's text split into lines as a reader sees them, whatever wrote
/// the file: LF (Unix), CRLF (Windows) and a lone CR (old Mac) each end a
/// line, mixed in one file or not; a UTF-8 byte order mark is not text; a
/// last line without a newline is still a line. These are CommonMark's line
/// endings, so the line numbers here are the ones cmark-gfm's source
/// positions give (`MarkdownDocument`), and the ones `comment --lines`,
/// `--section`, anchors and conflict messages use.
///
/// Nothing here changes the stored bytes: each line keeps its own ending,
/// and `bytes` gives back the original text exactly. `readerText` is the
/// normalised view (no BOM, every line ended by LF) for diffing and export.
public struct DocumentLines: Sendable, Equatable {
    /// What ends one line.
    public enum Ending: String, Sendable {
        case lf = "\n"
        case crlf = "\r\n"
        case cr = "\r"
        /// The last line of a text that does not end with a newline.
        case none = ""
    }

    /// One line: its text without the ending, and where its bytes are.
    public struct Line: Sendable, Equatable {
        /// The line's text, without its ending.
        public let text: String
        public let ending: Ending
        /// Byte offset of the line's first byte in the stored text (the
        /// byte order mark, when there is one, comes before line 1).
        public let offset: Int
    }

    /// Whether the stored text starts with the UTF-8 byte order mark (EF BB BF).
    public let hasByteOrderMark: Bool
    /// The lines, first to last; empty for an empty text.
    public let lines: [Line]

    /// Splits stored bytes (UTF-8; invalid sequences read as U+FFFD).
    public init(_ data: Data) {
        let bytes = [UInt8](data)
        let bom = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        hasByteOrderMark = bom
        var lines: [Line] = []
        var start = bom ? 3 : 0
        var index = start
        func add(_ end: Int, _ ending: Ending) {
            lines.append(Line(text: String(decoding: bytes[start..<end], as: UTF8.self), ending: ending, offset: start))
        }
        while index < bytes.count {
            switch bytes[index] {
            case 0x0A:
                add(index, .lf)
                index += 1
                start = index
            case 0x0D:
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A {
                    add(index, .crlf)
                    index += 2
                } else {
                    add(index, .cr)
                    index += 1
                }
                start = index
            default:
                index += 1
            }
        }
        if start < bytes.count { add(bytes.count, .none) }
        self.lines = lines
    }

    /// Splits a text already decoded.
    public init(_ text: String) {
        self.init(Data(utf8: text))
    }

    /// How many lines the text has: "a\nb\n" and "a\nb" have 2, "" has 0.
    public var count: Int { lines.count }

    /// The text of line `number` (1-based, without its ending), or nil
    /// outside 1...count.
    public func text(ofLine number: Int) -> String? {
        number >= 1 && number <= lines.count ? lines[number - 1].text : nil
    }

    /// Whether line `number` (1-based) holds only spaces and tabs (or nothing).
    public func isBlank(_ number: Int) -> Bool {
        text(ofLine: number)?.allSatisfy { $0 == " " || $0 == "\t" } ?? true
    }

    /// Whether the last line ends with a newline (true for an empty text).
    public var endsWithNewline: Bool { lines.last.map { $0.ending != .none } ?? true }

    /// The text as a reader sees it: no byte order mark, every line ended
    /// by LF except a last line that had no ending. Line N here is line N
    /// of the stored text, so line-based tools (git's diff) agree with
    /// these numbers whatever endings the file uses.
    public var readerText: String {
        var out = ""
        out.reserveCapacity(lines.reduce(0) { $0 + $1.text.utf8.count + 1 })
        for line in lines {
            out += line.text
            if line.ending != .none { out += "\n" }
        }
        return out
    }

    /// The stored text again, byte for byte.
    public var bytes: Data {
        var out = Data(hasByteOrderMark ? [0xEF, 0xBB, 0xBF] : [])
        for line in lines {
            out.append(contentsOf: line.text.utf8)
            out.append(contentsOf: line.ending.rawValue.utf8)
        }
        return out
    }
}
