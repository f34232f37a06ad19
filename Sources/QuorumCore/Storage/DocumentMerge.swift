import Foundation
import QuorumGit

/// Where a three-way merge of a proposal's trees could not be made.
struct DocumentConflict: Sendable {
    /// The file's path in the tree.
    let path: String
    /// The words both sides changed, for a text both sides changed; nil
    /// when one side added, deleted or renamed the file, changed its mode,
    /// or it is not text.
    let conflict: ProseMerge.Conflict?
    let inAncestor: Bool
    let inOurs: Bool
    let inTheirs: Bool
}

/// The outcome of `Repository.mergeDocuments`.
enum DocumentMergeOutcome: Sendable {
    case clean(tree: ObjectID)
    case conflicts([DocumentConflict])
}

extension Repository {
    /// The three-way merge every Quorum merge uses — merge, rebase, carry,
    /// pair edits, sync's replays, and the hook's and `verify`'s
    /// recomputation of them: git's tree merge (`git_merge_trees`), then
    /// each text file it leaves conflicted merged by `ProseMerge` with
    /// algorithm `version` (version 0 is git's merge alone). The clean
    /// result's tree (and blobs) are written; a conflict writes only the
    /// blobs of the files that did merge.
    ///
    /// Throws `QuorumError` with `Refusal.Code.mergeVersion` for a version
    /// this build does not know, and `GitError` when a tree is missing or
    /// libgit2 fails.
    func mergeDocuments(ancestor: ObjectID, ours: ObjectID, theirs: ObjectID, version: Int) throws -> DocumentMergeOutcome {
        guard ProseMerge.knows(version) else { throw QuorumError(Self.unknownMergeVersion(version)) }
        var found: [DocumentConflict] = []
        let result = try mergeTrees(ancestor: ancestor, ours: ours, theirs: theirs) { conflict in
            guard let texts = try texts(of: conflict) else {
                found.append(DocumentConflict(
                    path: conflict.path, conflict: nil, inAncestor: conflict.ancestor != nil,
                    inOurs: conflict.ours != nil, inTheirs: conflict.theirs != nil))
                return nil
            }
            switch try ProseMerge.merge(ancestor: texts.ancestor, ours: texts.ours, theirs: texts.theirs, version: version) {
            case .clean(let merged):
                return try writeBlob(Data(merged))
            case .conflicts(let conflicts):
                found += conflicts.map {
                    DocumentConflict(path: conflict.path, conflict: $0, inAncestor: true, inOurs: true, inTheirs: true)
                }
                return nil
            }
        }
        switch result {
        case .clean(let tree): return .clean(tree: tree)
        case .conflicts: return .conflicts(found)
        }
    }

    /// A merge version this build does not know (`named`: the trailer's
    /// text, when it is not a number), as a refusal.
    static func unknownMergeVersion(_ version: Int, named: String? = nil) -> Refusal {
        let what = named.map { "'\(Trailers.mergeVersion): \($0)'" } ?? "merge version \(version)"
        return Refusal(.mergeVersion, "a merge made with \(what), which this quorum does not know (it knows merge versions 0 to \(ProseMerge.version)); the hook or quorum must be upgraded")
    }

    /// The three texts of a conflicted file the prose merge may take: a
    /// regular file on all three sides at one path with one mode, none of
    /// them binary (a NUL byte in its first 8,000, git's test).
    private func texts(of conflict: MergeConflict) throws -> (ancestor: [UInt8], ours: [UInt8], theirs: [UInt8])? {
        guard conflict.pathsAgree, let a = conflict.ancestor, let o = conflict.ours, let t = conflict.theirs,
              let mode = conflict.oursMode, mode == conflict.theirsMode, mode == conflict.ancestorMode,
              mode == 0o100644 || mode == 0o100755 else { return nil }
        let texts = try [a, o, t].map { [UInt8](try readBlob($0)) }
        guard texts.allSatisfy({ !$0.prefix(8000).contains(0) }) else { return nil }
        return (texts[0], texts[1], texts[2])
    }
}
