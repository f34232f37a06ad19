import Foundation
import QuorumCore

/// Printing helpers shared by the commands.
enum Output {
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
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
        let votes = s.state == .merged ? "" : " \(s.approvals)/\(s.quorum)"
        let slug = showSlug ? pad(s.slug, 16) + " " : ""
        return "\(short(s.id))  \(slug)\(pad(s.state.rawValue + votes, 12)) \(pad(s.author, 22)) \(s.title)"
    }
}
