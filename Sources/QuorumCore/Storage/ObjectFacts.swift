import Foundation
import QuorumGit

/// `DerivedFacts` computed from a repository's objects, with the round
/// branch heads given by `roundHead` (the local refs, or for a push
/// check the refs as they would be after the push). Caches what it
/// computes for its own lifetime; make one per read.
final class ObjectFacts: DerivedFacts {
    private let git: Repository
    private let roundHead: (String) -> ObjectID?
    /// Round branch head → the commits on its first-parent line, found so far.
    private var lines: [ObjectID: (commits: Set<ObjectID>, next: ObjectID?)] = [:]

    init(git: Repository, roundHead: @escaping (_ branch: String) -> ObjectID?) {
        self.git = git
        self.roundHead = roundHead
    }

    func isSameChange(_ earlier: Revision, as current: Revision) -> Bool {
        do {
            let earlierTree = try git.commit(earlier.commit).tree
            let currentTree = try git.commit(current.commit).tree
            let earlierBase = try git.commit(earlier.base).tree
            let currentBase = try git.commit(current.base).tree
            if earlier.base == current.base { return earlierTree == currentTree }
            guard case .clean(let carried) = try git.mergeTrees(ancestor: earlierBase, ours: currentBase, theirs: earlierTree),
                  carried == currentTree else { return false }
            return try git.verbatimPatchID(from: earlierBase, to: earlierTree) == git.verbatimPatchID(from: currentBase, to: currentTree)
        } catch {
            return false
        }
    }

    func conflicts(_ revision: Revision, with head: ObjectID) -> Bool {
        guard let base = try? git.commit(revision.base).tree, let ours = try? git.commit(head).tree,
              let theirs = try? git.commit(revision.commit).tree,
              let result = try? git.mergeTrees(ancestor: base, ours: ours, theirs: theirs) else { return false }
        if case .conflicts = result { return true }
        return false
    }

    func isOnRound(_ commit: ObjectID, slug: String, round: Int) -> Bool {
        guard let head = roundHead(Layout.roundBranch(slug, round)) else { return false }
        // Walk the first-parent line from the head only as far as needed,
        // remembering it: a listing asks this for every merged suggestion.
        var line = lines[head] ?? ([], head)
        defer { lines[head] = line }
        if line.commits.contains(commit) { return true }
        while let next = line.next {
            line.commits.insert(next)
            line.next = (try? git.commit(next))?.parents.first
            if next == commit { return true }
        }
        return false
    }
}
