import Foundation
import QuorumGit

/// A shared repository as its hooks see it (usually a bare one on a server).
public final class SharedRepository {
    let review: ReviewRepository

    init(git: Repository) {
        review = ReviewRepository(git: git, environment: [:])
    }

    public var git: Repository { review.git }

    /// The git config key naming the command that receives notifications.
    public static let notifyKey = "quorum.notify"

    /// Opens the repository a git hook runs in, as git describes it in the
    /// environment (`GIT_DIR`, and during pre-receive the push's quarantine
    /// in `GIT_OBJECT_DIRECTORY` / `GIT_ALTERNATE_OBJECT_DIRECTORIES`).
    public static func openForHook() throws -> SharedRepository {
        do {
            return SharedRepository(git: try Repository.open(at: ".", fromEnvironment: true))
        } catch let error as GitError {
            throw QuorumError(.usage, "cannot open the repository this hook runs in", remedy: "'quorum hook' is run by git's hooks (hooks/pre-receive, hooks/post-receive)", cause: error)
        }
    }

    /// Points HEAD at the open round of the proposal a push was about (the
    /// last of `updates` that names one), or with none, of the proposal
    /// whose round branch moved last: then `git clone` of the shared
    /// repository checks out a document to read instead of warning that
    /// HEAD names nothing. Only while HEAD names no existing branch or
    /// names a round branch: a HEAD set to another branch is its owners'
    /// choice. A failure costs only that, and is not reported.
    public func pointHeadAtActiveRound(after updates: [PushedRef] = []) {
        let current = git.headReferenceName()
        if let current, !current.hasPrefix("refs/heads/quorum/"), (try? git.referenceTarget(current)) ?? nil != nil { return }
        var slug = updates.reversed().lazy.compactMap { Self.proposal(namedBy: $0.name) }.first
        if slug == nil {
            // The proposal whose round branch has the newest commit.
            let rounds = (try? git.references(matching: "refs/heads/quorum/*")) ?? []
            slug = rounds.compactMap { ref -> (slug: String, time: Int64)? in
                guard let name = Self.proposal(namedBy: ref.name), let commit = try? git.commit(ref.target) else { return nil }
                return (name, commit.committer.time)
            }.max { ($0.time, $0.slug) < ($1.time, $1.slug) }?.slug
        }
        guard let slug, let proposal = try? review.proposal(slug) else { return }
        guard let round = proposal.openRound ?? proposal.rounds.last, (try? git.referenceTarget(round.branch)) ?? nil != nil,
              round.branch != current else { return }
        try? git.setHead(to: round.branch)
    }

    /// The proposal a ref belongs to: `refs/heads/quorum/<slug>/<n>` or
    /// `refs/quorum/proposals/<slug>/…`.
    private static func proposal(namedBy ref: String) -> String? {
        let parts = ref.split(separator: "/")
        if parts.count == 5, ref.hasPrefix("refs/heads/quorum/") { return String(parts[3]) }
        if parts.count >= 4, ref.hasPrefix("refs/quorum/proposals/") { return String(parts[3]) }
        return nil
    }

    /// Checks a push against the review rules; an empty result accepts it.
    public func check(_ updates: [PushedRef]) -> [PushRejection] {
        PushCheck(review: review, updates: updates) { [git] in try git.referenceTarget($0) }.run()
    }

    /// Receives a push from a repository on this machine, as git's
    /// receive-pack would with the hooks installed: copies the missing
    /// objects, then — with every reference locked — checks each update is
    /// still compare-and-swap against what was fetched and passes the
    /// review rules, moves them all, and sends the notifications.
    /// Throws a lost-race `GitError` when a reference moved or is locked
    /// (fetch again and retry), a refusal when the rules say no.
    func receive(_ updates: [ReferenceUpdate], from source: Repository) throws {
        guard !updates.isEmpty else { return }
        try source.copyObjects(reachableFrom: updates.map(\.target), to: git)
        let pushed = updates.map { PushedRef(name: $0.name, old: $0.expected, new: $0.target) }
        try git.updateReferences(updates, message: "quorum: push") {
            let rejections = check(pushed)
            guard rejections.isEmpty else {
                throw QuorumError.refused(
                    "the shared repository refused the push:\n  " + rejections.map(\.description).joined(separator: "\n  "), remedy: "make changes with quorum ('quorum merge', 'quorum sync'), which keeps the rules")
            }
        }
        // Pack the shared repository's refs now and then, as clones do
        // theirs: listing them is what every fetch starts with.
        if let first = updates.first?.target { review.maybePackReferences(after: first) }
        _ = try? notify(pushed)
        pointHeadAtActiveRound(after: pushed)
    }
}
