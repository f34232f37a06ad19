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
            if earlier.base == current.base { return earlierTree == currentTree }
            let earlierBase = try git.commit(earlier.base).tree
            let currentBase = try git.commit(current.base).tree
            // Carried by the merge of any version this build knows: a rebase
            // made before the prose merge was made by the line merge.
            let carried = try [ProseMerge.version, ProseMerge.lineMergeVersion].contains { version in
                guard case .clean(let tree) = try git.mergeDocuments(ancestor: earlierBase, ours: currentBase, theirs: earlierTree, version: version) else { return false }
                return tree == currentTree
            }
            guard carried else { return false }
            return Rules.isSameChange(
                carried: carried, earlier: try documentChanges(from: earlierBase, to: earlierTree),
                current: try documentChanges(from: currentBase, to: currentTree))
        } catch {
            return false
        }
    }

    /// A change between two trees as `Rules.isSameChange` compares it.
    private func documentChanges(from old: ObjectID, to new: ObjectID) throws -> [DocumentChange] {
        try git.changedFiles(from: old, to: new).map { file in
            let before = try file.oldBlob.map { [UInt8](try git.readBlob($0)) } ?? []
            let after = try file.newBlob.map { [UInt8](try git.readBlob($0)) } ?? []
            let text = file.oldBlob != nil && file.newBlob != nil && !before.prefix(8000).contains(0) && !after.prefix(8000).contains(0)
            return DocumentChange(
                oldPath: file.oldPath, newPath: file.newPath, oldMode: file.oldMode, newMode: file.newMode,
                edits: text ? try ProseMerge.wordEdits(from: before, to: after) : [],
                blobs: text ? [] : [file.oldBlob, file.newBlob])
        }
    }

    func conflicts(_ revision: Revision, with head: ObjectID, version: Int) -> Bool {
        guard let base = try? git.commit(revision.base).tree, let ours = try? git.commit(head).tree,
              let theirs = try? git.commit(revision.commit).tree,
              let result = try? git.mergeDocuments(ancestor: base, ours: ours, theirs: theirs, version: version) else { return false }
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
