import Foundation
import QuorumGit
import SwiftCSV

/// One member as a roster CSV gives them (`quorum member import`).
public struct MemberRow: Sendable, Equatable {
    /// The row it came from, numbered as a spreadsheet shows it: the
    /// header is row 1, the first member row 2.
    public var row: Int
    public var email: String
    /// Nil when the file has no name column or the cell is empty.
    public var name: String?
    /// Empty when the file has no groups column or the cell is empty.
    public var groups: [String]
    /// Nil when the file has no lead column or the cell is empty.
    public var lead: Bool?
}

/// A roster CSV read: the rows it gives, and what is wrong with the
/// others (by row number, everything wrong in each), which an import
/// says together with what only the roster can tell (a new person
/// without a name).
public struct MemberRows: Sendable {
    public var rows: [MemberRow]
    public var faults: [Int: [String]]
    /// The file's name, for messages ("stdin" for standard input).
    public var source: String

    public init(rows: [MemberRow], faults: [Int: [String]] = [:], source: String) {
        self.rows = rows
        self.faults = faults
        self.source = source
    }
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
    /// An empty cell keeps what the roster has. Throws a usage error for a
    /// file that is not such a CSV (with the column list for an unknown
    /// column); a bad row is a fault of the result, with everything wrong
    /// in it, so that `importMembers` names every one at once.
    public static func memberRows(csv data: Data, source: String) throws -> MemberRows {
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
        let header = csv.header.map { $0.trimming(.spaces).lowercased() }
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
            let value = fields[index].trimming(.spaces)
            return value.isEmpty ? nil : value
        }
        var read = MemberRows(rows: [], source: source)
        var seen: [String: Int] = [:]
        for (offset, fields) in csv.rows.enumerated() {
            let number = offset + 2
            if fields.allSatisfy({ $0.trimming(.spaces).isEmpty }) { continue }
            var faults: [String] = []
            func check(_ validate: () throws -> Void) {
                do { try validate() } catch let error as QuorumError { faults.append(error.message) } catch { faults.append("\(error)") }
            }
            let email = emailColumn < fields.count ? fields[emailColumn].trimming(.spaces) : ""
            check { try Validation.checkEmail(email) }
            if let earlier = seen[email.lowercased()] {
                faults.append("\(email) is also on row \(earlier)")
            } else if !email.isEmpty {
                seen[email.lowercased()] = number
            }
            let name = cell(fields, "name")
            if let name { check { try Validation.checkName(name) } }
            let groups = (cell(fields, "groups") ?? "").split(whereSeparator: { $0 == ";" || $0 == " " }).map(String.init)
            for group in groups { check { try Validation.checkSlug(group, what: "group name") } }
            var lead: Bool?
            if let value = cell(fields, "lead") {
                switch value.lowercased() {
                case "yes", "true", "1", "y": lead = true
                case "no", "false", "0", "n": lead = false
                default: faults.append("lead is '\(value)' (yes or no)")
                }
            }
            if faults.isEmpty {
                read.rows.append(MemberRow(row: number, email: email, name: name, groups: groups, lead: lead))
            } else {
                read.faults[number] = faults
            }
        }
        return read
    }

    /// Adds or updates every member of `rows` (leads only), as `member add`
    /// would one by one, in one update of the roster: all or nothing.
    /// With `dryRun`, says what it would do and writes nothing. Throws one
    /// usage error naming every bad row (the file's faults, and each new
    /// person without a name), and the roster rule's refusal
    /// (`Rules.mayChangeRoster`) otherwise.
    public func importMembers(_ rows: [MemberRow], dryRun: Bool) throws -> MemberImport {
        try importMembers(MemberRows(rows: rows, source: "the rows"), dryRun: dryRun)
    }

    public func importMembers(_ read: MemberRows, dryRun: Bool) throws -> MemberImport {
        let rows = read.rows
        let actor = try identity()
        return try retryingLostRaces {
            let chain = try currentRoster()
            var roster = chain.roster
            var changes: [MemberImport.Change] = []
            var events: [PendingEvent] = []
            var faults = read.faults
            for row in rows {
                let existing = roster.member(row.email)
                guard let member = Self.member(email: row.email, name: row.name, groups: row.groups, lead: row.lead, in: roster) else {
                    faults[row.row, default: []].append("\(row.email) is new, and has no name")
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
                roster.apply(member, by: actor)
            }
            guard faults.isEmpty else {
                let lines = faults.keys.sorted().map { "row \($0): " + faults[$0]!.joined(separator: "; ") }
                throw QuorumError.usage(
                    "\(read.source) has \(lines.count) bad row\(lines.count == 1 ? "" : "s"); nothing was imported:\n  " + lines.prefix(20).joined(separator: "\n  ")
                        + (lines.count > 20 ? "\n  … and \(lines.count - 20) more" : ""),
                    remedy: "correct them (rows are numbered as a spreadsheet shows them: the header is row 1; a new person needs a name) and import again")
            }
            guard !dryRun, !events.isEmpty else { return MemberImport(changes: changes, dryRun: dryRun, event: nil) }
            let event = try appendAll(events, to: Layout.roster, actor: actor, parent: chain.head)
            return MemberImport(changes: changes, dryRun: false, event: event.hex)
        }
    }
}
