import Foundation
import QuorumGit

/// How much `quorum verify` checked.
public struct VerifyCounts: Codable, Sendable, Equatable {
    /// Event chains (roster, proposals, comments, suggestions) replayed.
    public var chains = 0
    /// Commits on those chains: events and sync's reconciling merges.
    public var events = 0
    /// Commits on round branches, each a quorum merge or a pair edit.
    public var roundCommits = 0
    /// Version tags.
    public var tags = 0
}

/// What `quorum verify` found.
public struct VerifyReport: Codable, Sendable {
    /// The proposal checked, or nil for the whole repository.
    public let slug: String?
    public let checked: VerifyCounts
    /// Every event, commit or tag a rule refuses, with the rule's code.
    public let violations: [PushRejection]
    public var clean: Bool { violations.isEmpty }

    private enum CodingKeys: String, CodingKey { case slug, checked, violations, clean }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(slug, forKey: .slug)
        try container.encode(checked, forKey: .checked)
        try container.encode(violations, forKey: .violations)
        try container.encode(clean, forKey: .clean)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        slug = try container.decodeIfPresent(String.self, forKey: .slug)
        checked = try container.decode(VerifyCounts.self, forKey: .checked)
        violations = try container.decode([PushRejection].self, forKey: .violations)
    }

    init(slug: String?, checked: VerifyCounts, violations: [PushRejection]) {
        self.slug = slug
        self.checked = checked
        self.violations = violations
    }
}

extension ReviewRepository {
    /// Replays the whole review history (or one proposal's, with the
    /// roster) and checks every rule on every event, every commit on every
    /// round branch, every revision pin and every version tag: exactly what
    /// a shared repository's pre-receive hook checks, as if all of it were
    /// pushed at once to an empty repository. Needs no hook and no network.
    /// Throws a usage error for an unknown slug.
    public func verify(slug: String? = nil) throws -> VerifyReport {
        if let slug { _ = try proposal(slug) }
        var refs: [(name: String, target: ObjectID)] = []
        for prefix in SharedRef.namespaces { refs += try git.references(matching: prefix + "*") }
        let updates = refs.filter { ref in
            guard let slug else { return true }
            switch SharedRef(ref.name) {
            case .roster: return true
            case .proposalMeta(let s), .proposalComments(let s), .round(let s, _), .versionTag(let s, _): return s == slug
            case .suggestionMeta(let s, _), .revisionPin(let s, _, _): return s == slug
            case .unknown, .foreign: return false
            }
        }
        .sorted { $0.name < $1.name }
        .map { PushedRef(name: $0.name, old: nil, new: $0.target) }
        let check = PushCheck(review: self, updates: updates, admission: false) { _ in nil }
        let violations = check.run()
        return VerifyReport(slug: slug, checked: check.counts, violations: violations)
    }
}
