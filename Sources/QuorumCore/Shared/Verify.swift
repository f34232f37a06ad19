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
    /// Events whose signature verifies with the key it names (whether the
    /// key is the actor's is a rule: a violation when not).
    public var signedEvents = 0
    /// Unsigned events from before the signature policy: valid, since the
    /// policy applies from its event on. Zero while it is off.
    public var unsignedBeforePolicy = 0
    /// References whose history up to an earlier clean run was taken from
    /// the verify cache (only what was added since is checked again).
    public var cachedRefs = 0

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        chains = try c.decode(Int.self, forKey: .chains)
        events = try c.decode(Int.self, forKey: .events)
        roundCommits = try c.decode(Int.self, forKey: .roundCommits)
        tags = try c.decode(Int.self, forKey: .tags)
        signedEvents = try c.decodeIfPresent(Int.self, forKey: .signedEvents) ?? 0
        unsignedBeforePolicy = try c.decodeIfPresent(Int.self, forKey: .unsignedBeforePolicy) ?? 0
        cachedRefs = try c.decode(Int.self, forKey: .cachedRefs)
    }
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
    ///
    /// Unless `fresh`, a reference found clean before, under the same
    /// roster and proposal heads, is checked only for what was added to it
    /// since (`.git/quorum/verified`): chains and round branches only grow,
    /// so what was clean stays clean. Throws a usage error for an unknown
    /// slug.
    public func verify(slug: String? = nil, fresh: Bool = false) throws -> VerifyReport {
        // As git fsck does: every object read is checked against its id.
        let checking = Repository.checksObjectsOnRead
        Repository.checksObjectsOnRead = true
        defer { Repository.checksObjectsOnRead = checking }
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
        let cache = VerifyCache(repository: self)
        let context = try cache.context()
        let clean = fresh ? [:] : cache.load(context: context)
        let pushed = updates.map { PushedRef(name: $0.name, old: clean[$0.name], new: $0.target) }
        let check = PushCheck(review: self, updates: pushed, admission: false) { _ in nil }
        let violations = check.run()
        var counts = check.counts
        counts.cachedRefs = pushed.filter { $0.old != nil }.count
        let faulty = Set(violations.map(\.ref))
        var now = clean
        for update in updates where !faulty.contains(update.name) { now[update.name] = update.target }
        cache.save(now, context: context)
        return VerifyReport(slug: slug, checked: counts, violations: violations)
    }
}

/// The references `verify` found clean, at which commit, under which roster
/// and proposal heads: `<git dir>/quorum/verified`. Derived data only; a
/// change to the roster or any proposal chain (which can change how every
/// event is judged) starts over; deleting it is always safe.
struct VerifyCache {
    static let header = "quorum-verified 2"
    let repository: ReviewRepository

    private var path: String { repository.git.gitDirectory + "quorum/verified" }

    /// The roster's and every proposal chain's head, as one line.
    func context() throws -> String {
        var parts = [try repository.git.referenceTarget(Layout.roster).map { "roster=\($0.hex)" } ?? ""]
        for ref in try repository.git.references(matching: Layout.allProposalMetas, slashes: 4) {
            parts.append("\(ref.name)=\(ref.target.hex)")
        }
        return parts.sorted().joined(separator: " ")
    }

    func load(context: String) -> [String: ObjectID] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard lines.popFirst().map(String.init) == Self.header + " " + context else { return [:] }
        var clean: [String: ObjectID] = [:]
        for line in lines {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let id = ObjectID(hex: String(fields[1])) else { continue }
            clean[String(fields[0])] = id
        }
        return clean
    }

    /// Written to a temporary file and renamed, so a reader never sees half.
    func save(_ clean: [String: ObjectID], context: String) {
        var text = Self.header + " " + context + "\n"
        for (ref, id) in clean.sorted(by: { $0.key < $1.key }) { text += "\(ref) \(id.hex)\n" }
        // A cache that cannot be written only costs time next run.
        try? LocalFile.replace(path, with: Data(utf8: text))
    }
}
