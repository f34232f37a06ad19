import ArgumentParser
import Foundation
import QuorumCore

/// Printing helpers shared by the commands, and the only code of the CLI
/// that writes to standard output or standard error.
///
/// Text people typed (titles, names, messages, comments) reaches other
/// people's terminals, which obey control characters instead of showing
/// them. So every line printed goes through `escape`, whoever wrote its
/// parts: each control character (C0 but tab, DEL, C1) is shown as `\x`
/// and two hex digits (ESC as `\x1b`, CR as `\x0d`, CSI U+009B as
/// `\x9b`), on a terminal or not. Multi-line text (message bodies,
/// comments, diffs, error messages) keeps its newlines (and a CR right
/// before one). JSON is left to JSONEncoder, which writes them as JSON
/// escapes; `document` writes a document's own bytes (`cat`, `export`).
enum Output {
    /// `text` with every control character but tab written as `\xHH`;
    /// with `multiline`, LF (and CR before LF) kept as they are.
    static func escape(_ text: String, multiline: Bool = false) -> String {
        guard needsEscaping(text, keepingNewlines: multiline) else { return text }
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            let keep = multiline && (scalar == "\n" || (scalar == "\r" && index + 1 < scalars.count && scalars[index + 1] == "\n"))
            if Rules.isControl(scalar) && !keep {
                out.append(contentsOf: "\\x".unicodeScalars)
                out.append(contentsOf: String(format: "%02x", scalar.value).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Whether any byte could start a control character: one scan of the
    /// UTF-8 (C1 characters are encoded 0xC2 0x80–0x9F), so that the
    /// thousands of lines of `list` cost nothing when there are none.
    /// With `keepingNewlines`, a newline is no reason (multi-line output
    /// such as `list`'s keeps them, and would otherwise always take the
    /// slow path: a fifth of `list`'s time at 10,000 suggestions).
    private static func needsEscaping(_ text: String, keepingNewlines: Bool) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if (byte < 0x20 && byte != 0x09 && !(keepingNewlines && byte == 0x0A)) || byte == 0x7F
                || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) { return true }
            previous = byte
        }
        return false
    }

    /// Prints one line: a newline inside it is escaped too, so that no
    /// text can make a line that looks like another.
    static func line(_ text: String) {
        Swift.print(escape(text))
    }

    /// Prints multi-line text as it is, its lines escaped; a final newline
    /// is printed when `text` has none and `terminated` is true.
    static func lines(_ text: String, terminated: Bool = false) {
        let escaped = escape(text, multiline: true)
        Swift.print(escaped, terminator: terminated && !escaped.hasSuffix("\n") ? "\n" : "")
    }

    /// Writes to standard error (an error, a warning, a hook's refusal,
    /// which git shows as `remote:` lines): multi-line, escaped.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((escape(text, multiline: true) + (text.hasSuffix("\n") ? "" : "\n")).utf8))
    }

    /// Writes a document's own bytes (`cat`, `export`): the document is
    /// its writers', kept byte for byte, and meant to be redirected into a
    /// file; a pager such as `less` shows its control characters.
    static func document(_ data: Data) {
        FileHandle.standardOutput.write(data)
    }

    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every time in Quorum's JSON is Unix seconds, like `created` and `date`.
        encoder.dateEncodingStrategy = .secondsSince1970
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(escapingC1(data) + Data("\n".utf8))
    }

    /// JSONEncoder writes C0 controls as JSON escapes, but DEL and C1
    /// (U+0080–U+009F) as they are; in JSON text they can only be inside
    /// strings, so they are written as `\u007f`…`\u009f`: the same value
    /// to a JSON reader, and nothing a terminal obeys when piped to one.
    private static func escapingC1(_ data: Data) -> Data {
        guard data.contains(0x7F) || zip(data, data.dropFirst()).contains(where: { $0 == 0xC2 && (0x80...0x9F).contains($1) }) else { return data }
        var out = Data(capacity: data.count + 16)
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            let next = data.index(after: index)
            if byte == 0x7F {
                out.append(contentsOf: Array("\\u007f".utf8))
            } else if byte == 0xC2, next < data.endIndex, (0x80...0x9F).contains(data[next]) {
                out.append(contentsOf: Array(String(format: "\\u%04x", data[next]).utf8))
                index = data.index(after: next)
                continue
            } else {
                out.append(byte)
            }
            index = next
        }
        return out
    }

    static func date(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static func short(_ id: String) -> String { String(id.prefix(8)) }

    /// Pads to a width (by characters) for simple tables.
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func summaryLine(_ s: SuggestionSummary, showSlug: Bool) -> String {
        let votes = s.state.isFinal || s.state == .damaged ? "" : " \(s.approvals)/\(s.quorum)"
        let slug = showSlug ? pad(s.slug, 16) + " " : ""
        let objected = s.objectors.isEmpty ? "" : "  [objection: \(s.objectors.joined(separator: ", "))]"
        let damaged = s.damaged.map { "  [damaged: event \(short($0.commit)) cannot be read]" } ?? ""
        return "\(short(s.id))  \(slug)\(pad(s.state.rawValue + votes, 13)) \(pad(s.author, 22)) \(s.title)\(objected)\(damaged)"
    }

    /// The exit status of a listing that could not read everything: it
    /// showed what it could, and marked or left out the rest.
    static let damagedExitStatus: Int32 = 3

    /// Names on standard error each event a listing could not read, and
    /// ends the command with `damagedExitStatus` (its output is printed).
    static func endReportingDamage(_ damaged: [DamagedEvent]) throws {
        guard !damaged.isEmpty else { return }
        let one = damaged.count == 1
        var text = "quorum: \(one ? "an event" : "\(damaged.count) events") could not be read; what \(one ? "it belongs" : "they belong") to is shown as damaged or left out, and everything else is listed:\n"
        for damage in damaged { text += "  \(damage)\n" }
        var remedies: [String] = []
        for damage in damaged where !remedies.contains(damage.remedy) { remedies.append(damage.remedy) }
        for remedy in remedies { text += "hint: \(remedy)\n" }
        error(text)
        throw ExitCode(damagedExitStatus)
    }

    static func comments(_ comments: [CommentReport]) {
        guard !comments.isEmpty else { return }
        line("")
        line("Comments:")
        for c in comments {
            let indent = String(repeating: "    ", count: c.depth + 1)
            var place = ""
            if let doc = c.document {
                place = " on \(doc)"
                if let section = c.section { place += " section \"\(section)\"" }
                if let a = c.firstLine, let b = c.lastLine { place += a == b ? " line \(a)" : " lines \(a)-\(b)" }
                if c.outdated { place += " (outdated: the text there changed)" }
            }
            line("\(indent)\(short(c.id)) \(c.name) <\(c.author)>, \(date(c.date))\(place):")
            for text in bodyLines(c.text) { line("\(indent)  \(text)") }
        }
    }

    /// A message's lines, split at LF (a CR before it goes with it), for
    /// printing indented one by one.
    static func bodyLines(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var line = String(String.UnicodeScalarView(line))
            if line.unicodeScalars.last == "\r" { line.unicodeScalars.removeLast() }
            return line
        }
    }

    static func revision(_ r: RevisionResult, verb: String) {
        line("\(verb) \(short(r.suggestion)): revision \(r.revision) (\(short(r.commit)) on \(short(r.base))), now \(r.state.rawValue)")
        if !r.approvalsKept.isEmpty { line("Approvals still counting: \(r.approvalsKept.joined(separator: ", "))") }
        if !r.approvalsStale.isEmpty { line("Approvals now stale (approved an older revision): \(r.approvalsStale.joined(separator: ", "))") }
    }
}
