import Foundation
import QuorumGit
import SwiftCSV

/// One member as a roster CSV gives them (`quorum member import`).
public struct MemberRow: Sendable, Equatable {
    /// The data row it came from: 1 for the first row after the header.
    public var row: Int
    public var email: String
    /// Nil when the file has no name column or the cell is empty.
    public var name: String?
    /// Empty when the file has no groups column or the cell is empty.
    public var groups: [String]
    /// Nil when the file has no lead column or the cell is empty.
    public var lead: Bool?
}

/// What an import does (or, dry, would do) to the roster.
public struct MemberImport: Codable, Sendable {
    public struct Change: Codable, Sendable {
        public let row: Int
        /// "add", "update" or "unchanged".
        public let action: String
        public let member: Member
    }
    public let changes: [Change]
    public let dryRun: Bool
    /// The roster event written last; nil on a dry run or when nothing changed.
    public let event: String?

    public var added: Int { changes.filter { $0.action == "add" }.count }
    public var updated: Int { changes.filter { $0.action == "update" }.count }
    public var unchanged: Int { changes.filter { $0.action == "unchanged" }.count }
}

extension ReviewRepository {
    /// The members a roster CSV names. The file is UTF-8 (a byte order
    /// mark is allowed), comma-separated with RFC 4180 quoting, and its
    /// first row names the columns, in any order and any case: `email`
    /// (required), `name` (required for someone new), `groups` (group
    /// names separated by `;` or spaces: the member's groups become
    /// exactly these) and `lead` (`yes`/`no`, `true`/`false`, `1`/`0`).
    /// An empty cell keeps what the roster has. Throws a usage error
    /// naming every bad row at once (and the column list for an unknown
    /// column), so that nothing is half imported.
    public static func memberRows(csv data: Data, source: String) throws -> [MemberRow] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw QuorumError.usage("\(source) is not UTF-8 text", remedy: "save it as CSV UTF-8 (a spreadsheet's 'CSV UTF-8' format)")
        }
        let csv: EnumeratedCSV
        do {
            csv = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false)
        } catch {
            throw QuorumError.usage("\(source) is not CSV: \(error)", remedy: "save it as comma-separated values, with a first row naming the columns")
        }
        let known = ["email", "name", "groups", "lead"]
        let header = csv.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let unknown = header.first(where: { !known.contains($0) }) {
            throw QuorumError.usage("\(source) has a column '\(unknown)' Quorum does not know", remedy: "its first row names the columns: \(known.joined(separator: ", ")) (email required)")
        }
        guard let emailColumn = header.firstIndex(of: "email") else {
            throw QuorumError.usage("\(source) has no email column", remedy: "its first row names the columns: \(known.joined(separator: ", ")) (email required)")
        }
        for column in known where header.filter({ $0 == column }).count > 1 {
            throw QuorumError.usage("\(source) has the column '\(column)' twice", remedy: "keep one of them")
        }
        func cell(_ fields: [String], _ column: String) -> String? {
            guard let index = header.firstIndex(of: column), index < fields.count else { return nil }
            let value = fields[index].trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : value
        }
        var rows: [MemberRow] = []
        var problems: [String] = []
        var seen: [String: Int] = [:]
        for (offset, fields) in csv.rows.enumerated() {
            let number = offset + 1
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let email = emailColumn < fields.count ? fields[emailColumn].trimmingCharacters(in: .whitespaces) : ""
            do {
                try Validation.checkEmail(email)
                if let earlier = seen[email.lowercased()] {
                    throw QuorumError.usage("\(email) is also on row \(earlier)", remedy: "give each person once")
                }
                seen[email.lowercased()] = number
                let name = cell(fields, "name")
                if let name { try Validation.checkName(name) }
                let groups = (cell(fields, "groups") ?? "").split(whereSeparator: { $0 == ";" || $0 == " " }).map(String.init)
                for group in groups { try Validation.checkSlug(group, what: "group name") }
                var lead: Bool?
                if let value = cell(fields, "lead") {
                    switch value.lowercased() {
                    case "yes", "true", "1", "y": lead = true
                    case "no", "false", "0", "n": lead = false
                    default: throw QuorumError.usage("lead is '\(value)'", remedy: "yes or no")
                    }
                }
                rows.append(MemberRow(row: number, email: email, name: name, groups: groups, lead: lead))
            } catch let error as QuorumError {
                problems.append("row \(number): \(error.message)")
            }
        }
        guard problems.isEmpty else {
            throw QuorumError.usage(
                "\(source) has \(problems.count) bad row\(problems.count == 1 ? "" : "s"); nothing was imported:\n  " + problems.prefix(20).joined(separator: "\n  ")
                    + (problems.count > 20 ? "\n  … and \(problems.count - 20) more" : ""),
                remedy: "correct them (rows are counted from the first after the header) and import again")
        }
        return rows
    }

    /// Adds or updates every member of `rows` (leads only), as `member add`
    /// would one by one, in one update of the roster: all or nothing.
    /// With `dryRun`, says what it would do and writes nothing. Throws a
    /// usage error for a new person without a name, and the roster rule's
    /// refusal (`Rules.mayChangeRoster`) otherwise.
    public func importMembers(_ rows: [MemberRow], dryRun: Bool) throws -> MemberImport {
        let actor = try identity()
        return try retryingLostRaces {
            guard let chain = try log.read(Layout.roster) else { throw QuorumError.usage("not a Quorum repository", remedy: "run 'quorum init' first") }
            var roster = Roster(events: chain.events)
            var changes: [MemberImport.Change] = []
            var events: [PendingEvent] = []
            var nameless: [String] = []
            for row in rows {
                let existing = roster.member(row.email)
                guard let member = Self.member(email: row.email, name: row.name, groups: row.groups, lead: row.lead, in: roster) else {
                    nameless.append("row \(row.row): \(row.email)")
                    continue
                }
                guard existing != member else {
                    changes.append(.init(row: row.row, action: "unchanged", member: member))
                    continue
                }
                try enforce(Rules.mayChangeRoster(actor.email, to: member, roster: roster))
                var record = EventRecord(type: .member)
                record.member = member
                events.append(PendingEvent(record: record, summary: "\(existing == nil ? "Add" : "Update") member \(member.formatted)", trailers: [(Trailers.member, member.email)]))
                changes.append(.init(row: row.row, action: existing == nil ? "add" : "update", member: member))
                roster = roster.with(member, by: actor)
            }
            guard nameless.isEmpty else {
                throw QuorumError.usage(
                    "\(nameless.count) new \(nameless.count == 1 ? "person has" : "people have") no name; nothing was imported:\n  " + nameless.prefix(20).joined(separator: "\n  "),
                    remedy: "give their names in the name column")
            }
            guard !dryRun, !events.isEmpty else { return MemberImport(changes: changes, dryRun: dryRun, event: nil) }
            let event = try appendAll(events, to: Layout.roster, actor: actor, parent: chain.head)
            return MemberImport(changes: changes, dryRun: false, event: event.hex)
        }
    }
}
