import Foundation
import QuorumGit

/// What only the objects can tell a fold. The rules layer reads no git
/// objects itself; these facts are recomputed from the commits each time
/// (`ObjectFacts`), never taken from an event's record.
protocol DerivedFacts {
    /// Whether `current` is `earlier`'s change, verbatim, in the same
    /// place: on the same base, the same text; on another base, what
    /// `Rules.isSameChange` says of the two changes (`ObjectFacts` computes
    /// them from the commits). Only then does an approval of `earlier`
    /// count for `current`.
    func isSameChange(_ earlier: Revision, as current: Revision) -> Bool
    /// Whether `commit` is on round `round` of proposal `slug`, along the
    /// round branch's first parents: where a merge event's commit must be
    /// for the suggestion to count as merged.
    func isOnRound(_ commit: ObjectID, slug: String, round: Int) -> Bool
    /// Whether `revision` really conflicts with round head `head` (a
    /// three-way merge from its base, with merge algorithm `version`, does
    /// not apply cleanly): where a conflict event must be true to count.
    func conflicts(_ revision: Revision, with head: ObjectID, version: Int) -> Bool
}

extension DerivedFacts {
    /// Whether `commit` is on any round of `proposal` (see `isOnRound`).
    func isOnSomeRound(_ commit: ObjectID, of proposal: Proposal) -> Bool {
        proposal.rounds.contains { isOnRound(commit, slug: proposal.slug, round: $0.number) }
    }
}

/// What one revision changes in one document (one file), as the approval
/// rule compares changes: its paths and modes (before and after; a rename
/// names both), and its edits word by word (`ProseMerge.wordEdits`); for a
/// file that is not text, or is added or deleted whole, its blob ids.
public struct DocumentChange: Sendable, Equatable {
    public let oldPath: String
    public let newPath: String
    public let oldMode: UInt32
    public let newMode: UInt32
    public let edits: [WordEdit]
    public let blobs: [ObjectID?]

    public init(oldPath: String, newPath: String, oldMode: UInt32, newMode: UInt32, edits: [WordEdit], blobs: [ObjectID?] = []) {
        self.oldPath = oldPath
        self.newPath = newPath
        self.oldMode = oldMode
        self.newMode = newMode
        self.edits = edits
        self.blobs = blobs
    }
}

extension Rules {
    /// Whether a revision on another base is an earlier revision's change,
    /// verbatim, so that approvals of the earlier one count for it:
    /// `carried` (the earlier change, merged onto the new base by a merge
    /// algorithm this build knows, gives exactly the new revision's text),
    /// and the same words removed and inserted in the same files
    /// (`earlier` and `current`: each revision's changes from its own base,
    /// in path order). A merge into the same paragraph changes the lines
    /// around a change, never its words, so a rebase keeps approvals; a
    /// rebase that drops or adds any word does not.
    public static func isSameChange(carried: Bool, earlier: [DocumentChange], current: [DocumentChange]) -> Bool {
        carried && !earlier.isEmpty && earlier == current
    }
}
