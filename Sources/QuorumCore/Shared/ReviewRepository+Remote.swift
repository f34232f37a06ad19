import Foundation
import QuorumGit

extension ReviewRepository {
    /// Merges a suggestion through a shared repository, which linearises
    /// round heads: sync (so the shared repository has the approvals and
    /// this clone its round head), make the merge on that head, and push
    /// the round branch compare-and-swap before moving it here. When
    /// another clone merged first, the shared round is fetched again and
    /// the merge made again on top of it (three-way), so two clones merging
    /// at once both land, one after the other. Finally the merge event is
    /// synced too. Refused as `merge(_:)` is, or when the shared repository
    /// refuses.
    public func mergeShared(_ idPrefix: String, remote: String) throws -> MergeResult {
        let peer = try sharedRemote(remote)
        // A round branch checked out here follows once, over the syncs and
        // the merge together (also when the merge is refused after the
        // first sync moved it).
        var (result, workTree) = try followingCheckedOutRound { try mergeThrough(peer, idPrefix) }
        result.workTree = workTree
        return result
    }

    private func mergeThrough(_ peer: SharedRemote, _ idPrefix: String) throws -> MergeResult {
        do {
            _ = try sync(peer)
        } catch let error as QuorumError where error.kind == .failure {
            let local = "to merge in this clone only, and share it with 'quorum sync' later: 'quorum merge --local \(idPrefix)'"
            throw QuorumError(.failure, error.message, remedy: error.remedy.map { $0 + "; or, " + local } ?? local, cause: error.cause)
        }
        let result: MergeResult
        do {
            result = try mergeMovingRound(idPrefix) { branch, head, commit in
                try self.publish(branch, from: head, to: commit, via: peer)
            }
        } catch let error as QuorumError where error.kind == .refused {
            // A refusal may still have recorded something (a conflict) to share.
            _ = try? sync(peer)
            throw error
        }
        _ = try sync(peer)
        return result
    }

    /// Pushes a new round head. On a lost race, syncs (taking the shared
    /// round's new head) and rethrows, so that `merge` starts over.
    private func publish(_ branch: String, from head: ObjectID, to commit: ObjectID, via peer: SharedRemote) throws {
        do {
            try peer.send([ReferenceUpdate(name: branch, expected: head, target: commit)], from: git)
        } catch let error as GitError where error.isLostRace {
            let report = try sync(peer)
            if let problem = report.problems.first(where: { $0.ref == branch }) {
                throw QuorumError.refused(
                    "cannot merge through \(peer.name): \(problem.reason)",
                    remedy: "merge here only with 'quorum merge --local', and bring the round branch in line with \(peer.name)'s")
            }
            throw error
        }
    }
}
