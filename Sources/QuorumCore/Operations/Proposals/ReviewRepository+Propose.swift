import Foundation
import QuorumGit

/// What `propose` made.
public struct ProposeResult: Codable, Sendable {
    public let id: String
    public let slug: String
    public let title: String
    public let documents: [String]
    public let round: Int
    public let branch: String
    public let commit: String
}

extension ReviewRepository {
    /// Puts documents under review as `Proposals/<slug>/`, opening round 1
    /// for the policy's default group. Members of that group and leads only.
    public func propose(slug: String, title: String?, documents inputs: [DocumentInput]) throws -> ProposeResult {
        try Validation.checkSlug(slug)
        let actor = try identity()
        let roster = try roster()
        try enforce(Rules.mayPropose(actor.email, roster: roster))
        let metaRef = Layout.proposalMeta(slug)
        if try git.referenceTarget(metaRef) != nil {
            throw QuorumError.refused("proposal '\(slug)' exists already", remedy: "suggest changes to it with 'quorum suggest \(slug)'")
        }
        let updates = try documentUpdates(inputs, slug: slug, existing: [:])
        let finalTitle = try title.map(Validation.checkMessage) ?? slug
        let tree = try git.updateTree(nil, updates.map(\.update))
        let names = updates.map(\.name).sorted()
        let round = Rules.firstRound(roster: roster)
        let commit = try git.createCommit(
            tree: tree, parents: [], author: actor, committer: actor,
            message: "Propose \(slug): \(finalTitle)\n\nProposal: \(slug)\nRound: 1 \(round.name)\n", sign: signing(as: actor))
        let branch = Layout.roundBranch(slug, 1)
        do {
            // A round branch with no proposal (checked above) was left by a
            // propose that was interrupted before recording its event: it
            // is no round yet, and this run starts it again.
            let left = try git.referenceTarget(branch)
            try git.updateReference(branch, to: commit, expected: left, message: "quorum: propose")
            if let left { Notices.post("moved \(branch) from \(left.short), where a propose that was interrupted had made it") }
        } catch let error as GitError where error.isLostRace {
            throw QuorumError.refused("branch \(branch) exists already (an interrupted or concurrent propose?)", remedy: "if no proposal '\(slug)' is listed by 'quorum status', delete the branch with 'git update-ref -d \(branch)' and try again")
        }
        var record = EventRecord(type: .propose)
        record.slug = slug
        record.title = finalTitle
        record.documents = names
        record.commit = commit.hex
        record.roundInfo = round
        let event: ObjectID
        do {
            event = try append(record, to: metaRef, summary: "Propose \(slug): \(finalTitle)", trailers: [(Trailers.proposal, slug), (Trailers.round, "1")], actor: actor, parent: nil)
        } catch let error as GitError where error.isLostRace {
            throw QuorumError.refused("proposal '\(slug)' was created by someone else just now", remedy: "see it with 'quorum show \(slug)', or choose another slug")
        }
        return ProposeResult(id: event.hex, slug: slug, title: finalTitle, documents: names, round: 1, branch: branch, commit: commit.hex)
    }
}
