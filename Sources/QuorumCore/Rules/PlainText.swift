import Foundation
import QuorumGit

// MARK: Text

/// What one person types is shown on other people's terminals: by `list`,
/// `show`, `status`, `inbox`, a shared repository's `remote:` lines. A
/// control character in it would be obeyed by the terminal instead of
/// shown (ESC [2J clears the screen, ESC ] 0 ; … BEL retitles the window,
/// ESC ] 8 hides a link behind other text, CR and backspace overwrite what
/// was printed before). So names, titles, group names and the first line of
/// every message are plain text, decided here for the commands (before they
/// write) and for the folds (on every event they replay, so that the hook,
/// sync and `quorum verify` refuse or report a forged event carrying one).
/// Bodies of messages beyond their first line may hold anything but NUL;
/// the CLI escapes them when it prints them.
extension Rules {
    /// Whether a character is one a terminal obeys: C0 (U+0000–U+001F),
    /// DEL (U+007F) and C1 (U+0080–U+009F). Tab is not one of them here: it
    /// only moves the cursor forward, and people paste it.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value < 0x20 && value != 0x09) || (0x7F...0x9F).contains(value)
    }

    /// A one-line text (a name, an email, a title, a group, round or
    /// version name, a document path or section) with no control
    /// character, newlines included. `what` names it in the refusal.
    public static func plainText(_ text: String, what: String) -> Refusal? {
        guard let (offset, scalar) = text.unicodeScalars.enumerated().first(where: { isControl($0.element) }) else { return nil }
        return Refusal(.textControl,
            "\(what) contains the control character \(name(scalar)) at character \(offset + 1); a terminal would obey it instead of showing it")
    }

    /// A message: its first line (its title) is plain text; the lines after
    /// it may hold control characters, which are escaped when printed. A
    /// CR before the first newline is a line ending, not a control.
    public static func plainMessage(_ message: String, what: String) -> Refusal? {
        plainText(firstLine(of: message), what: "the first line of \(what)")
    }

    /// A message's first line: up to its first newline (LF or CRLF).
    public static func firstLine(of message: String) -> String {
        let scalars = message.unicodeScalars
        guard let newline = scalars.firstIndex(of: "\n") else { return message }
        var end = newline
        if end > scalars.startIndex, scalars[scalars.index(before: end)] == "\r" { end = scalars.index(before: end) }
        return String(scalars[..<end])
    }

    /// Every text a person typed into an event, and the name and email of
    /// the person the event says wrote it: plain, as `plainText` and
    /// `plainMessage` judge. The one check of an event's text, made by the
    /// commands before they write one and by the folds on every event they
    /// replay. An event it refuses counts for nothing.
    public static func plainText(of payload: EventPayload, actor: Signature) -> Refusal? {
        var fields: [(text: String, what: String)] = [(actor.name, "the author's name"), (actor.email, "the author's email")]
        var messages: [(text: String, what: String)] = []
        func add(_ member: Member) {
            fields += [(member.name, "the member's name"), (member.email, "the member's email")]
            fields += member.groups.map { ($0, "a group name") }
        }
        func add(_ round: RoundRecord) {
            fields += [(round.name, "the round's name")]
            fields += (round.audience + round.approvers).map { ($0, "a group name") }
        }
        switch payload {
        case .initialize(let policy, let member, _):
            if let policy { fields.append((policy.defaultGroup, "the default group")) }
            if let member { add(member) }
        case .member(let member):
            add(member)
        case .keyAdd(let email, _), .keyRevoke(let email, _):
            fields.append((email, "the member's email"))
        case .policy(let policy, _):
            fields.append((policy.defaultGroup, "the default group"))
        case .propose(let slug, let title, let documents, _, let round):
            fields += [(slug, "the proposal's slug"), (title, "the title")]
            fields += documents.map { ($0, "a document's name") }
            add(round)
        case .fork(let round, _):
            add(round)
        case .cut(let version, let tag, _, _):
            fields += [(version, "the version's name"), (tag, "the version's tag")]
        case .suggest(let slug, _, let title, let message, _, _, let coAuthors):
            fields += [(slug, "the proposal's slug"), (title, "the title")]
            fields += coAuthors.map { ($0, "a co-author's email") }
            messages.append((message, "the message"))
        case .revise(_, _, let title, let message, let coAuthors):
            if let title { fields.append((title, "the title")) }
            fields += coAuthors.map { ($0, "a co-author's email") }
            if let message { messages.append((message, "the message")) }
        case .approve(_, let message), .revoke(let message):
            if let message { messages.append((message, "the message")) }
        case .object(let reason):
            messages.append((reason, "the reason"))
        case .resolve(_, _, let reason), .withdraw(let reason), .reject(let reason):
            if let reason { messages.append((reason, "the reason")) }
        case .comment(let text, let anchor, _):
            messages.append((text, "the comment"))
            if let anchor {
                fields.append((anchor.document, "the document's name"))
                if let section = anchor.section { fields.append((section, "the section")) }
            }
        case .rebase, .carry, .conflict, .merge:
            break
        }
        for field in fields {
            if let refusal = plainText(field.text, what: field.what) { return refusal }
        }
        for message in messages {
            if let refusal = plainMessage(message.text, what: message.what) { return refusal }
        }
        return nil
    }

    /// "U+001B (ESC)": how a refusal names a control character.
    static func name(_ scalar: Unicode.Scalar) -> String {
        let names: [UInt32: String] = [
            0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0A: "LF, a newline", 0x0B: "VT", 0x0C: "FF", 0x0D: "CR, a carriage return",
            0x1B: "ESC", 0x7F: "DEL", 0x9B: "CSI", 0x9D: "OSC",
        ]
        let code = "U+" + String(format: "%04X", scalar.value)
        return names[scalar.value].map { "\(code) (\($0))" } ?? code
    }
}

// MARK: Blanks

/// The blanks `trimming(_:)` removes from the ends of a text: exactly the
/// characters of Foundation's `CharacterSet.whitespaces`, `.newlines` and
/// `.whitespacesAndNewlines` (listed here as Foundation has them, U+200B
/// included), decided on Unicode scalars without bridging to `NSString`,
/// whose per-call cost every event read and every write would pay.
/// `TrimmingPropertyTests` holds the two to the same answers.
enum Blanks {
    /// Tab, space, no-break space, U+1680, U+2000–U+200B, U+202F, U+205F, U+3000.
    case spaces
    /// U+000A–U+000D, U+0085, and the line and paragraph separators.
    case newlines
    /// Both, as `.whitespacesAndNewlines`.
    case spacesAndNewlines

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .spaces: return Self.isSpace(scalar.value)
        case .newlines: return Self.isNewline(scalar.value)
        case .spacesAndNewlines: return Self.isSpace(scalar.value) || Self.isNewline(scalar.value)
        }
    }

    private static func isSpace(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    private static func isNewline(_ value: UInt32) -> Bool {
        switch value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }
}

extension String {
    /// The text with `blanks` removed from both ends.
    func trimming(_ blanks: Blanks) -> String { self[...].trimming(blanks) }
}

extension Substring {
    /// The text with `blanks` removed from both ends.
    func trimming(_ blanks: Blanks) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !blanks.contains($0) }),
              let last = scalars.lastIndex(where: { !blanks.contains($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
