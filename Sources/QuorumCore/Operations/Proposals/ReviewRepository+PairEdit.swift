import Foundation
import QuorumGit

/// What `edit` committed.
public struct PairEditResult: Codable, Sendable {
    public let id: String
    public let slug: String
    public let round: Int
    public let branch: String
    public let coAuthor: String
    public let threeWay: Bool
    /// What happened to the work tree, when the round branch it has checked out moved.
    public var workTree: String?
}

extension ReviewRepository {
    /// A change written by two people at one keyboard, committed straight
    /// to the open round with a `Co-authored-by:` trailer — when the round's
    /// policy allows pair edits (by default, in round 1 only). Both must be
    /// in the round's audience. If the round moves meanwhile, the edit is
    /// merged onto the new head three-way; a conflict changes nothing.
    /// `base` is the commit the text was written on; it must be in the
    /// round's history. Without it, text that looks edited from an older
    /// copy is refused, as `suggest` does.
    /// A round branch checked out here follows (`followingCheckedOutRound`).
    public func pairEdit(slug: String, message: String, pair email: String, documents inputs: [DocumentInput], renames: [DocumentRename] = [], deletions: [String] = [], base given: ObjectID? = nil) throws -> PairEditResult {
        var (result, workTree) = try followingCheckedOutRound {
            try pairEditMovingRound(slug: slug, message: message, pair: email, documents: inputs, renames: renames, deletions: deletions, base: given)
        }
        result.workTree = workTree
        return result
    }

    private func pairEditMovingRound(slug: String, message: String, pair email: String, documents inputs: [DocumentInput], renames: [DocumentRename], deletions: [String], base given: ObjectID?) throws -> PairEditResult {
        let text = try Validation.checkMessage(message)
        let actor = try identity()
        let roster = try roster()
        let proposal = try proposal(slug, roster: roster)
        guard let round = proposal.openRound else { throw QuorumError.refused("proposal '\(slug)' has no open round", remedy: "a lead opens a round with 'quorum fork'; see 'quorum rounds \(slug)'") }
        if !round.pairEdits { try enforce(Rules.mayPairEdit(author: actor.email, partners: [email], in: round, slug: slug, roster: roster)) }
        let pair = try checkCoAuthors([email], actor: actor, roster: roster)[0]
        try enforce(Rules.mayPairEdit(author: actor.email, partners: [pair], in: round, slug: slug, roster: roster))
        try enforce(Rules.pairEditProvable(roster: roster, slug: slug))
        let head = try roundHead(round)
        let base = given ?? head
        if base != head, !(try git.isAncestor(base, of: head)) {
            throw QuorumError.usage("\(base.short) is not in the history of round \(round.number) of '\(slug)'", remedy: "name a commit of the round ('quorum log \(slug)'), or leave --base out")
        }
        let baseTree = try git.commit(base).tree
        let existing = try documents(in: baseTree, slug: slug)
        let updates = try documentUpdates(inputs, renames: renames, deletions: deletions, slug: slug, existing: existing)
        let editTree = try git.updateTree(baseTree, updates.map(\.update))
        guard editTree != baseTree else { throw QuorumError.refused("the text given is the same as the current text; nothing to commit", remedy: "edit the text first; 'quorum cat \(slug)' prints the current text") }
        if given == nil { try refuseUndoingMergedChanges(updates, slug: slug, round: round, head: head) }
        let message = text + "\n" + coAuthorTrailers([pair], roster: roster) + "\(Trailers.pairEdit): round \(round.number)\n"
        var threeWay = false
        let sign = try signing(as: actor)
        let commit: ObjectID = try retryingLostRaces {
            let head = try roundHead(round)
            let tree: ObjectID
            if head == base {
                tree = editTree
            } else {
                threeWay = true
                let fake = try git.createCommit(tree: editTree, parents: [base], author: actor, committer: actor, message: message, sign: sign)
                tree = try mergedTree(slug: slug, base: base, head: head, revision: fake, subject: "this edit")
            }
            let commit = try git.createCommit(tree: tree, parents: [head], author: actor, committer: actor, message: message, sign: sign)
            try git.updateReference(round.branch, to: commit, expected: head, message: "quorum: pair edit")
            return commit
        }
        return PairEditResult(id: commit.hex, slug: slug, round: round.number, branch: round.branch, coAuthor: pair, threeWay: threeWay)
    }

    /// A pair edit of what changed in the work tree (see `workTreeChanges`).
    public func pairEditFromWorkTree(slug: String, message: String, pair email: String) throws -> PairEditResult {
        let (base, inputs, deletions, added) = try workTreeChanges(slug: slug, command: "edit")
        let result = try pairEditMovingRound(slug: slug, message: message, pair: email, documents: inputs, renames: [], deletions: deletions, base: base)
        // The round now holds the edit: the index and work tree follow it.
        try restoreWorkTree(slug: slug, added: added)
        return result
    }
}
