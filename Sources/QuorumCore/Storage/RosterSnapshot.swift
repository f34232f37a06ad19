import Foundation
import QuorumGit

/// The roster as folded at one head of its chain, kept at
/// `<git dir>/quorum/roster`, so that a command reads one file instead of
/// reading, checking and folding every roster event (a roster of 20,000
/// people is 20,000 events: over a second on every command without it).
///
/// A local cache as every other (see `LocalFile`): derived data only,
/// keyed by what it was computed from (the chain's head commit; the fold
/// depends on nothing else), replaced whole when the head moves, and safe
/// to delete. A roster whose fold refused an event (`violations`) is never
/// stored: it is folded again on every read, as damaged events are found
/// again. `quorum verify` never reads it: it folds the chain itself.
///
/// Format, one item per line, fields separated by TAB, `\` TAB and line
/// breaks inside a field escaped as `\\`, `\t`, `\n`, `\r`:
///
///     quorum-roster 1
///     head <commit hex>
///     policy <quorum> <require signatures: - 0 1> <default group>
///     since <commit hex>                      (the policy event that turned signatures on)
///     signed                                  (roster events after the history a policy left unsigned must be signed)
///     change <actor name> <actor email> <time> <offset minutes> <email> <name> <lead 0/1> <group>…
///     key <email> <algorithm> <base64 blob> <valid after> <valid before or -> <added by> <revoked by or ->
///     grandfathered <commit hex> <ref>
///     end <number of lines before this one>
///
/// When the chain has grown since (events written each on the one
/// before, none of them a policy event), a reader folds only those on the
/// stored roster (`Roster.folding`), so a roster change costs the next
/// command the new events, not the whole chain.
///
/// `change` lines are the roster's history in chain order; the members are
/// what replaying them gives (`Roster.init(policy:history:…)`), so the two
/// cannot disagree. Bump the version in `header` whenever the fold's rules
/// change what a chain folds to, so that no older fold is read.
struct RosterSnapshot {
    static let header = "quorum-roster 1"
    let git: Repository

    private var path: String { git.gitDirectory + "quorum/roster" }

    /// The roster as stored, and the head it was folded at; nil when the
    /// file is missing, of another format, or cut short.
    func load() -> (head: ObjectID, roster: Roster)? {
        guard let data = FileManager.default.contents(atPath: path),
              let line = data.split(separator: UInt8(ascii: "\n"), maxSplits: 2).dropFirst().first,
              line.starts(with: "head\t".utf8),
              let head = ObjectID(hex: String(decoding: line.dropFirst(5), as: UTF8.self)),
              let roster = Self.decode(data, head: head) else { return nil }
        return (head, roster)
    }

    /// Stores `roster`, folded at `head` (never one with violations).
    /// Failing to write it (a read-only repository) changes nothing: the
    /// next command folds the chain again.
    func save(_ roster: Roster, head: ObjectID) {
        guard roster.violations.isEmpty else { return }
        try? LocalFile.replace(path, with: Data(utf8: Self.encode(roster, head: head)))
    }

    // MARK: Format

    static func encode(_ roster: Roster, head: ObjectID) -> String {
        var lines = [header, "head\t" + head.hex]
        let policy = roster.policy
        lines.append(fields("policy", String(policy.quorum), policy.requireSignatures.map { $0 ? "1" : "0" } ?? "-", policy.defaultGroup))
        if let since = roster.signaturesSince { lines.append("since\t" + since.hex) }
        if roster.signsRosterEvents { lines.append("signed") }
        for (actor, member) in roster.history {
            lines.append(fields(["change", actor.name, actor.email, String(actor.time), String(actor.offsetMinutes),
                                 member.email, member.name, member.lead ? "1" : "0"] + member.groups))
        }
        for key in roster.keys {
            lines.append(fields("key", key.email, key.key.algorithm, key.key.blob.base64EncodedString(), String(key.validAfter),
                                key.validBefore.map(String.init) ?? "-", key.addedBy, key.revokedBy ?? "-"))
        }
        for head in roster.grandfathered { lines.append(fields("grandfathered", head.commit.hex, head.ref)) }
        lines.append("end\t\(lines.count)")
        return lines.joined(separator: "\n") + "\n"
    }

    static func decode(_ text: String, head: ObjectID) -> Roster? {
        decode(Data(utf8: text), head: head)
    }

    /// Reads the file's bytes (split and unescaped as bytes: a roster of
    /// 20,000 people is a file of a few megabytes). Nil unless it is whole,
    /// of this format, and made at `head`.
    static func decode(_ data: Data, head: ObjectID) -> Roster? {
        let bytes = [UInt8](data)
        var lines = bytes.split(separator: newline, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard lines.count >= 4, lines[0].elementsEqual(header.utf8), lines[1].elementsEqual(("head\t" + head.hex).utf8),
              let last = lines.last, last.elementsEqual("end\t\(lines.count - 1)".utf8) else { return nil }
        var policy: Policy?
        var since: ObjectID?
        var signed = false
        var history: [(actor: Signature, member: Member)] = []
        var keys: [MemberKey] = []
        var grandfathered: [GrandfatheredHead] = []
        for line in lines[2..<(lines.count - 1)] {
            let field = line.split(separator: tab, omittingEmptySubsequences: false).map(unescape)
            switch (field[0], field.count) {
            case ("policy", 4):
                guard let quorum = Int(field[1]), ["-", "0", "1"].contains(field[2]) else { return nil }
                policy = Policy(quorum: quorum, defaultGroup: field[3], requireSignatures: field[2] == "-" ? nil : field[2] == "1")
            case ("since", 2):
                guard let id = ObjectID(hex: field[1]) else { return nil }
                since = id
            case ("change", 8...):
                guard let time = Int64(field[3]), let offset = Int32(field[4]), ["0", "1"].contains(field[7]) else { return nil }
                history.append((Signature(name: field[1], email: field[2], time: time, offsetMinutes: offset),
                                Member(email: field[5], name: field[6], groups: Array(field[8...]), lead: field[7] == "1")))
            case ("key", 8):
                guard let blob = Data(base64Encoded: field[3]), let key = try? SSHPublicKey(blob: blob), key.algorithm == field[2],
                      let after = Int64(field[4]) else { return nil }
                let before = field[5] == "-" ? nil : Int64(field[5])
                guard field[5] == "-" || before != nil else { return nil }
                keys.append(MemberKey(email: field[1], key: key, validAfter: after, validBefore: before,
                                      addedBy: field[6], revokedBy: field[7] == "-" ? nil : field[7]))
            case ("signed", 1):
                signed = true
            case ("grandfathered", 3):
                guard let id = ObjectID(hex: field[1]) else { return nil }
                grandfathered.append(GrandfatheredHead(ref: field[2], commit: id))
            default:
                return nil
            }
        }
        guard let policy else { return nil }
        return Roster(policy: policy, history: history, keys: keys, grandfathered: grandfathered, signaturesSince: since, signsRosterEvents: signed)
    }

    private static func fields(_ values: String...) -> String { fields(values) }

    private static func fields(_ values: [String]) -> String {
        values.map(escape).joined(separator: "\t")
    }

    private static func escape(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else {
            return field
        }
        var out = ""
        for scalar in field.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static let newline = UInt8(ascii: "\n"), tab = UInt8(ascii: "\t"), backslash = UInt8(ascii: "\\")

    private static func unescape(_ field: ArraySlice<UInt8>) -> String {
        guard field.contains(backslash) else { return String(decoding: field, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(field.count)
        var escaped = false
        for byte in field {
            if escaped {
                switch byte {
                case UInt8(ascii: "t"): out.append(tab)
                case UInt8(ascii: "n"): out.append(newline)
                case UInt8(ascii: "r"): out.append(UInt8(ascii: "\r"))
                default: out.append(byte)
                }
                escaped = false
            } else if byte == backslash {
                escaped = true
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
