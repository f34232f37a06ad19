import ArgumentParser
import Foundation
import QuorumCore

/// Printing helpers shared by the commands.
enum Output {
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every time in Quorum's JSON is Unix seconds, like `created` and `date`.
        encoder.dateEncodingStrategy = .secondsSince1970
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
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
        FileHandle.standardError.write(Data(text.utf8))
        throw ExitCode(damagedExitStatus)
    }

    static func comments(_ comments: [CommentReport]) {
        guard !comments.isEmpty else { return }
        print("")
        print("Comments:")
        for c in comments {
            let indent = String(repeating: "    ", count: c.depth + 1)
            var place = ""
            if let doc = c.document {
                place = " on \(doc)"
                if let section = c.section { place += " section \"\(section)\"" }
                if let a = c.firstLine, let b = c.lastLine { place += a == b ? " line \(a)" : " lines \(a)-\(b)" }
                if c.outdated { place += " (outdated: the text there changed)" }
            }
            print("\(indent)\(short(c.id)) \(c.name) <\(c.author)>, \(date(c.date))\(place):")
            for line in c.text.split(separator: "\n", omittingEmptySubsequences: false) { print("\(indent)  \(line)") }
        }
    }

    static func revision(_ r: RevisionResult, verb: String) {
        print("\(verb) \(short(r.suggestion)): revision \(r.revision) (\(short(r.commit)) on \(short(r.base))), now \(r.state.rawValue)")
        if !r.approvalsKept.isEmpty { print("Approvals still counting: \(r.approvalsKept.joined(separator: ", "))") }
        if !r.approvalsStale.isEmpty { print("Approvals now stale (approved an older revision): \(r.approvalsStale.joined(separator: ", "))") }
    }
}
