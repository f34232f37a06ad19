import Foundation
import QuorumGit

/// What only the objects can tell a fold. The rules layer reads no git
/// objects itself; these facts are recomputed from the commits each time
/// (`ObjectFacts`), never taken from an event's record.
protocol DerivedFacts {
    /// Whether `current` is `earlier`'s change, byte for byte, in the same
    /// place: on the same base, the same text; on another base, exactly
    /// `earlier` carried onto it by a clean three-way merge, removing and
    /// adding the same lines (the same verbatim patch id). Only then does an
    /// approval of `earlier` count for `current`.
    func isSameChange(_ earlier: Revision, as current: Revision) -> Bool
    /// Whether `commit` is on round `round` of proposal `slug`, along the
    /// round branch's first parents: where a merge event's commit must be
    /// for the suggestion to count as merged.
    func isOnRound(_ commit: ObjectID, slug: String, round: Int) -> Bool
    /// Whether `revision` really conflicts with round head `head` (a
    /// three-way merge from its base does not apply cleanly): where a
    /// conflict event must be true to count.
    func conflicts(_ revision: Revision, with head: ObjectID) -> Bool
}

extension DerivedFacts {
    /// Whether `commit` is on any round of `proposal` (see `isOnRound`).
    func isOnSomeRound(_ commit: ObjectID, of proposal: Proposal) -> Bool {
        proposal.rounds.contains { isOnRound(commit, slug: proposal.slug, round: $0.number) }
    }
}
