import Foundation
import QuorumGit

/// Checks for everything a user types that ends up in a ref name or a path.
public enum Validation {
    /// A value quoted in a message on one line: its line breaks written as
    /// `\n` and `\r`, so that a value cannot add lines that read as the
    /// message's own (a name in a CSV row faking another row's report).
    static func shown(_ value: String) -> String {
        value.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Proposal slugs, round and group names: lower-case `[a-z0-9-]`,
    /// starting with a letter or digit, at most 64 characters.
    public static func checkSlug(_ slug: String, what: String = "slug") throws {
        let bytes = Array(slug.utf8)
        let ok = !bytes.isEmpty && bytes.count <= 64
            && bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            && bytes.first != 45 && bytes.last != 45
        guard ok else {
            throw QuorumError.usage(
                "illegal \(what) '\(shown(slug))'",
                remedy: "use lower-case letters, digits and inner dashes, e.g. 'career-steps'")
        }
    }

    /// A document path inside a proposal: relative, plain names joined by
    /// `/`, no `..`, no hidden files; ASCII letters, digits, `.`, `_`, `-`,
    /// and letters, combining marks and digits of any script (`café.md`,
    /// `políticas/guardia.md`, `規程.md`), kept as typed: NFC and NFD both
    /// stand (`Rules.documentName` refuses two names that differ only so).
    public static func checkDocumentPath(_ path: String) throws {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        let ok = !path.isEmpty && path.utf8.count <= 200 && components.allSatisfy { part in
            !part.isEmpty && part.first != "." && part.unicodeScalars.allSatisfy(isDocumentNameScalar)
        }
        guard ok else {
            throw QuorumError.usage(
                "illegal document path '\(path)': it must stay inside the proposal and be made of letters, digits, '.', '_' and '-'",
                remedy: "use a relative path such as 'framework.md' or 'parts/delivery.md' (no '..', no leading '/', no hidden files; letters, digits, '.', '_' and '-')")
        }
    }

    /// ASCII letters, digits, `.`, `_`, `-`; beyond ASCII, letters, marks
    /// and digits only (no spaces, controls, or invisible format
    /// characters such as a right-to-left override, which would make one
    /// name read as another).
    private static func isDocumentNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let byte = UInt8(scalar.value)
            return (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 46 || byte == 95 || byte == 45
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber:
            return true
        default:
            return false
        }
    }

    /// Document text must be UTF-8 without NUL bytes (Quorum reviews prose,
    /// not binaries), and hold something besides white space (Unicode's,
    /// with a byte order mark and invisible characters such as U+200B
    /// counting as none): an empty file given as a document's text is
    /// almost always the wrong path, and a document is removed with
    /// --delete, not emptied.
    public static func checkText(_ data: Data, source: String) throws {
        let text = String(validating: data, as: UTF8.self)
        if let text, text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace || $0.properties.isDefaultIgnorableCodePoint || $0 == "\u{FEFF}" }) {
            throw QuorumError.usage(
                "\(source) is empty\(data.isEmpty ? "" : " (white space or invisible characters only)"); a document's text cannot be",
                remedy: "give the file with the document's text; to remove a document, use --delete DOC (or delete the file from a checked-out round)")
        }
        if data.hasNUL() {
            throw QuorumError.usage("\(source) looks binary (it contains NUL bytes)", remedy: "Quorum reviews UTF-8 text documents only")
        }
        if text == nil {
            throw QuorumError.usage("\(source) is not valid UTF-8 text", remedy: "convert it to UTF-8 (e.g. iconv -t UTF-8)")
        }
    }

    /// Plain text (`Rules.plainText`): no control characters, which a
    /// terminal would obey. Throws a usage error with the rule's code.
    public static func checkPlain(_ text: String, what: String) throws {
        if let refusal = Rules.plainText(text, what: what) { throw QuorumError.input(refusal) }
    }

    /// An email as git records it: something@something, no spaces or angle brackets.
    public static func checkEmail(_ email: String) throws {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let ok = parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !email.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\n" || $0 == "," })
        guard ok else { throw QuorumError.usage("illegal email '\(shown(email))'", remedy: "give an address such as ana@example.com") }
        try checkPlain(email, what: "the email")
    }

    /// A person's name for a git signature: not empty, no angle brackets or newlines.
    public static func checkName(_ name: String) throws {
        let trimmed = name.trimming(.spaces)
        guard !trimmed.isEmpty, !name.contains(where: { $0 == "<" || $0 == ">" || $0 == "\n" }) else {
            throw QuorumError.usage("illegal name '\(shown(name))'", remedy: "give a plain name such as 'Ana Lima'")
        }
        try checkPlain(name, what: "the name")
    }

    /// A message (suggestion title and body): not empty.
    static func checkMessage(_ message: String) throws -> String {
        let trimmed = message.trimming(.spacesAndNewlines)
        guard !trimmed.isEmpty else { throw QuorumError.usage("the message is empty", remedy: "say what the change does with -m") }
        guard !trimmed.contains("\0") else { throw QuorumError.usage("the message contains a NUL byte", remedy: "remove it") }
        if let refusal = Rules.plainMessage(trimmed, what: "the message") { throw QuorumError.input(refusal) }
        return trimmed
    }
}

extension Data {
    /// Whether a NUL byte is among the first `limit` bytes (all of them by
    /// default; git's binary test looks at the first 8,000). Searched with
    /// memchr: Data's iterator would take a call per byte.
    func hasNUL(inFirst limit: Int = .max) -> Bool {
        withUnsafeBytes { bytes in
            let count = Swift.min(bytes.count, limit)
            return count > 0 && memchr(bytes.baseAddress!, 0, count) != nil
        }
    }
}
