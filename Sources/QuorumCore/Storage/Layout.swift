import Foundation
import QuorumGit

/// Where Quorum keeps things: ref names and tree paths in one place. Ref
/// names are built by `SharedRef.name` and parsed by `SharedRef(_:)`, one
/// type both ways; these are the names spelled for callers.
public enum Layout {
    public static let roster = SharedRef.roster.name
    static let proposalsPrefix = "refs/quorum/proposals/"

    public static func proposalMeta(_ slug: String) -> String { SharedRef.proposalMeta(slug: slug).name }
    /// Comments on a proposal as a whole live on their own chain, so that
    /// a busy discussion never invalidates the summaries of its suggestions.
    public static func proposalComments(_ slug: String) -> String { SharedRef.proposalComments(slug: slug).name }
    public static func suggestionMeta(_ slug: String, _ id: ObjectID) -> String { SharedRef.suggestionMeta(slug: slug, id: id).name }
    public static func revisionPin(_ slug: String, _ id: ObjectID, _ number: Int) -> String {
        SharedRef.revisionPin(slug: slug, id: id, number: number).name
    }
    public static func roundBranch(_ slug: String, _ number: Int) -> String { SharedRef.round(slug: slug, number: number).name }
    public static func versionTag(_ slug: String, _ version: String) -> String { SharedRef.versionTag(slug: slug, version: version).name }
    public static func documentPath(_ slug: String, _ document: String) -> String { "Proposals/\(slug)/\(document)" }

    /// The name a user gives a branch (`quorum/career-steps/1`) for its
    /// ref (`refs/heads/quorum/career-steps/1`), as git prints it; any
    /// other ref unchanged. The one place that strips the prefix.
    public static func branchName(_ ref: String) -> String {
        ref.hasPrefix(branchPrefix) ? String(ref.dropFirst(branchPrefix.count)) : ref
    }
    static let branchPrefix = "refs/heads/"

    static let allProposalMetas = "\(proposalsPrefix)*/meta"
    static let allSuggestionMetas = "\(proposalsPrefix)*/suggestions/*/meta"

    /// Splits a suggestion meta ref into its slug and id (over bytes: this
    /// runs for every suggestion on every `list`).
    static func parseSuggestionMeta(_ ref: String) -> (slug: String, id: ObjectID)? {
        let parts = ref.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 7, parts[2].elementsEqual("proposals".utf8), parts[4].elementsEqual("suggestions".utf8),
              parts[6].elementsEqual("meta".utf8), ref.hasPrefix(proposalsPrefix),
              let slug = String(parts[3]), let hex = String(parts[5]), let id = ObjectID(hex: hex) else { return nil }
        return (slug, id)
    }

    static func parseProposalMeta(_ ref: String) -> String? {
        guard ref.hasPrefix(proposalsPrefix), ref.hasSuffix("/meta") else { return nil }
        let parts = ref.dropFirst(proposalsPrefix.count).split(separator: "/")
        return parts.count == 2 ? String(parts[0]) : nil
    }
}

/// The references Quorum writes, told apart by name: `init(_:)` parses a
/// name, `name` builds one, and the two agree.
public enum SharedRef: Equatable, Sendable {
    case roster
    case proposalMeta(slug: String)
    case proposalComments(slug: String)
    case suggestionMeta(slug: String, id: ObjectID)
    case revisionPin(slug: String, id: ObjectID, number: Int)
    case round(slug: String, number: Int)
    case versionTag(slug: String, version: String)
    /// Inside Quorum's namespaces, but not a shape Quorum writes.
    case unknown
    /// Outside Quorum's namespaces: not Quorum's business.
    case foreign

    /// Where Quorum's references live: review data, round branches, version tags.
    static let namespaces = ["refs/quorum/", "refs/heads/quorum/", "refs/tags/rfc/"]

    /// The full ref name ("" for `unknown` and `foreign`, which have none of their own).
    public var name: String {
        switch self {
        case .roster: return "refs/quorum/roster"
        case .proposalMeta(let slug): return "refs/quorum/proposals/\(slug)/meta"
        case .proposalComments(let slug): return "refs/quorum/proposals/\(slug)/comments"
        case .suggestionMeta(let slug, let id): return "refs/quorum/proposals/\(slug)/suggestions/\(id.hex)/meta"
        case .revisionPin(let slug, let id, let number): return "refs/quorum/proposals/\(slug)/suggestions/\(id.hex)/revs/\(number)"
        case .round(let slug, let number): return "refs/heads/quorum/\(slug)/\(number)"
        case .versionTag(let slug, let version): return "refs/tags/rfc/\(slug)/\(version)"
        case .unknown, .foreign: return ""
        }
    }

    public init(_ name: String) {
        self = SharedRef.parse(name) ?? (SharedRef.namespaces.contains { name.hasPrefix($0) } ? .unknown : .foreign)
    }

    private static func parse(_ name: String) -> SharedRef? {
        if name == Layout.roster { return .roster }
        func parts(after prefix: String) -> [String]? {
            guard name.hasPrefix(prefix) else { return nil }
            return name.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        }
        func number(_ text: String) -> Int? {
            guard let value = Int(text), value > 0, String(value) == text else { return nil }
            return value
        }
        func id(_ text: String) -> ObjectID? {
            guard let id = ObjectID(hex: text), id.hex == text else { return nil }
            return id
        }
        if let p = parts(after: "refs/quorum/proposals/"), let slug = p.first, isSlug(slug) {
            switch p.count {
            case 2 where p[1] == "meta": return .proposalMeta(slug: slug)
            case 2 where p[1] == "comments": return .proposalComments(slug: slug)
            case 4 where p[1] == "suggestions" && p[3] == "meta":
                return id(p[2]).map { .suggestionMeta(slug: slug, id: $0) }
            case 5 where p[1] == "suggestions" && p[3] == "revs":
                guard let id = id(p[2]), let n = number(p[4]) else { return nil }
                return .revisionPin(slug: slug, id: id, number: n)
            default: return nil
            }
        }
        if let p = parts(after: "refs/heads/quorum/"), p.count == 2, isSlug(p[0]), let n = number(p[1]) {
            return .round(slug: p[0], number: n)
        }
        if let p = parts(after: "refs/tags/rfc/"), p.count == 2, isSlug(p[0]), (try? ReviewRepository.checkVersion(p[1])) != nil {
            return .versionTag(slug: p[0], version: p[1])
        }
        return nil
    }

    private static func isSlug(_ text: String) -> Bool { (try? Validation.checkSlug(text)) != nil }

    /// Whether the reference is a round branch.
    var isRound: Bool {
        if case .round = self { return true }
        return false
    }

    /// Whether the reference is an append-only event chain.
    var isEventChain: Bool {
        switch self {
        case .roster, .proposalMeta, .proposalComments, .suggestionMeta: return true
        default: return false
        }
    }
}
