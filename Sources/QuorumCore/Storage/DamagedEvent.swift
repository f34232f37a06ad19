import Foundation

/// An event commit that cannot be read: its `event.json` is missing, is not
/// JSON, lacks a field its kind needs or holds one of the wrong type, or is
/// of a kind or format version this quorum does not know. Named by the
/// chain it was read on and its commit.
///
/// Quorum never writes one, and a shared repository's hooks refuse one, so
/// it comes from a hand-made or damaged commit in this repository (or from
/// a newer quorum). The listings (`list`, `status`, `inbox`, `show`) show
/// what it belongs to as damaged and list everything else; commands that
/// need the chain fail naming it; `quorum verify` reports it as
/// `event.malformed`. Nothing about it is cached: it is found again on
/// every read, and is gone as soon as the chain is repaired.
public struct DamagedEvent: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    /// The chain it was read on (`refs/quorum/…`), when known.
    public let ref: String?
    /// The event's commit.
    public let commit: String
    /// What is wrong, as a phrase after "event <commit> ": "is malformed:
    /// it lacks 'revision'".
    public let reason: String
    /// What to do about it.
    public let remedy: String

    public var description: String {
        "event \(commit.prefix(8))" + (ref.map { " on \($0)" } ?? "") + " \(reason)"
    }

    /// The remedy for an event something other than Quorum wrote.
    static let notQuorums =
        "it was not written by Quorum (or was damaged since): 'quorum verify' names every such event; a shared repository with Quorum's hooks refuses them, so its chain is whole there (compare with 'git ls-remote origin'); on a host without the hooks it must be repaired there"

    /// The remedy for an event a newer quorum wrote.
    static let newerQuorum =
        "a newer quorum wrote it: upgrade this one (on a shared repository, the quorum its hooks run, then 'quorum hooks install' there again)"

    /// A decoding error in people's words: which field, and what is wrong
    /// with it (not Swift's description of its coding path).
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "it does not decode (\(error))" }
        func field(_ path: [CodingKey]) -> String {
            path.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        func kind(_ type: Any.Type) -> String {
            switch type {
            case is String.Type: return "a string"
            case is Int.Type, is Int64.Type, is Double.Type: return "a number"
            case is Bool.Type: return "true or false"
            default:
                let name = String(describing: type)
                if name.hasPrefix("Array") { return "a list" }
                if name.hasPrefix("Dictionary") { return "an object" }
                return "a \(name)"
            }
        }
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not valid JSON" : "'\(field(context.codingPath))' holds a value this quorum does not know"
        case .keyNotFound(let key, let context):
            return "it lacks '\(field(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context):
            return context.codingPath.isEmpty ? "it is not a JSON object" : "'\(field(context.codingPath))' is not \(kind(type))"
        case .valueNotFound(let type, let context):
            return "'\(field(context.codingPath))' is null where \(kind(type)) belongs"
        @unknown default:
            return "it does not decode"
        }
    }
}

extension QuorumError {
    /// A command that needs the chain an event could not be read on fails
    /// with this (exit 70), naming the chain and the event.
    init(_ damage: DamagedEvent) {
        self.init(.failure, damage.description, remedy: damage.remedy, code: .eventMalformed)
    }
}
