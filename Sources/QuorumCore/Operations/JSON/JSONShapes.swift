import Foundation

// The shapes of Quorum's JSON (`--json` and the post-receive notification
// lines), written once here and documented in docs/json.md with a JSON
// Schema file per shape in docs/schema/. The types keep their Swift
// properties; only how they are written as JSON is decided here and in
// each type's `encode(to:)`, so that every command writes the same shapes:
//
// - a person is always `{"name": String or null, "email": String}`;
// - a time is always an RFC 3339 string in UTC (`2026-11-30T08:52:12Z`),
//   in a field whose name ends in `At`;
// - `round` is always a round's number; a round's details are a round
//   object (round.json) under another name (`openRound`, `newRound`, the
//   elements of `rounds`);
// - `revision` is always a revision's number (1, 2, …) and
//   `revisionCommit` its commit id.
//
// These are version 2 of the shapes: the schema files' `$id`s carry the
// version (https://quorum.example/schema/2/…), bumped when a field is
// renamed or changes type, not when one is added. Printing the version in
// every document would break `--fields` and the lists (arrays), so it is
// not: docs/json.md says which release changed it.

extension CodingUserInfoKey {
    /// Names of people by lower-cased email (`[String: String]`), used for
    /// the `name` of a person a record knows only by email. Set by whoever
    /// encodes (the CLI from the roster); without it such names are null.
    public static let quorumNames: CodingUserInfoKey = {
        guard let key = CodingUserInfoKey(rawValue: "quorum.names") else { preconditionFailure("a valid user-info key") }
        return key
    }()
}

/// A person as Quorum's JSON writes one: `{"name": …, "email": …}`.
/// `name` is null when only the email is known (not on the roster).
public struct PersonJSON: Encodable, Sendable, Equatable {
    public let name: String?
    public let email: String

    public init(name: String?, email: String) {
        self.name = name
        self.email = email
    }

    /// The person with this email, named as the encoder's roster names them.
    init(email: String, encoder: Encoder) {
        let names = encoder.userInfo[.quorumNames] as? [String: String]
        self.init(name: names?[email.lowercased()], email: email)
    }

    /// "Name <email>" (a trailer's form) or a bare email.
    init(formatted: String, encoder: Encoder) {
        if let open = formatted.lastIndex(of: "<"), formatted.hasSuffix(">") {
            let name = formatted[..<open].trimming(.spaces)
            let email = String(formatted[formatted.index(after: open)..<formatted.index(before: formatted.endIndex)])
            self.init(name: name.isEmpty ? nil : name, email: email)
        } else {
            self.init(email: formatted, encoder: encoder)
        }
    }

    private enum Keys: String, CodingKey { case name, email }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        // Written even when null: one shape, with both fields always there.
        try container.encode(name, forKey: .name)
        try container.encode(email, forKey: .email)
    }
}

/// Times as Quorum's JSON writes them: RFC 3339, UTC, to the second.
public enum JSONTime {
    /// `2026-11-30T08:52:12Z` for seconds since 1970.
    public static func string(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    public static func string(_ date: Date) -> String { string(Int64(date.timeIntervalSince1970.rounded(.down))) }
}

extension KeyedEncodingContainer {
    mutating func encodeTime(_ seconds: Int64, forKey key: Key) throws {
        try encode(JSONTime.string(seconds), forKey: key)
    }

    mutating func encodeTime(_ date: Date?, forKey key: Key) throws {
        try encode(date.map { JSONTime.string($0) }, forKey: key)
    }

    mutating func encodePerson(_ email: String, name: String? = nil, forKey key: Key, encoder: Encoder) throws {
        let person = name.map { PersonJSON(name: $0, email: email) } ?? PersonJSON(email: email, encoder: encoder)
        try encode(person, forKey: key)
    }

    mutating func encodePersonIfPresent(_ email: String?, forKey key: Key, encoder: Encoder) throws {
        try encode(email.map { PersonJSON(email: $0, encoder: encoder) }, forKey: key)
    }

    mutating func encodePeople(_ emails: [String], forKey key: Key, encoder: Encoder) throws {
        try encode(emails.map { PersonJSON(email: $0, encoder: encoder) }, forKey: key)
    }
}
