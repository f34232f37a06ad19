import Foundation
import QuorumGit

/// What `suggest` made.
public struct SuggestResult: Codable, Sendable {
    public let id: String
    public let shortId: String
    public let slug: String
    public let round: Int
    public let title: String
    public let revision: String
    public let base: String
    public let documents: [String]
}

extension ReviewRepository {
    /// Records a suggested change against the open round's head: a revision
    /// commit (parent: the head) pinned by a ref, and a new event chain whose
    /// first commit's id is the suggestion's id (content-derived, so two
    /// machines can make suggestions offline without clashing).
    /// `coAuthors` are people who wrote it together with the caller (pair
    /// work); they cannot approve it either.
    /// `base` is the commit the text was written on; it must be in the
    /// round's history. Without it the text is taken as written on the
    /// round's head, and refused when it looks edited from an older copy
    /// (it would undo changes merged since; see `refuseUndoingMergedChanges`).
    public func suggest(slug: String, message: String, documents inputs: [DocumentInput], coAuthors: [String] = [], base: ObjectID? = nil) throws -> SuggestResult {
        let text = try Validation.checkMessage(message)
        let actor = try identity()
        let roster = try roster()
        let pairs = try checkCoAuthors(coAuthors, actor: actor, roster: roster)
        let proposal = try proposal(slug)
        guard let round = proposal.openRound else {
            throw QuorumError.refused("proposal '\(slug)' has no open round", remedy: "see 'quorum rounds \(slug)'")
        }
        try enforce(Rules.maySuggest(actor.email, in: round, roster: roster))
        let roundHead = try roundHead(round)
        let head = base ?? roundHead
        if head != roundHead, !(try git.isAncestor(head, of: roundHead)) {
            throw QuorumError.usage("\(head.short) is not in the history of round \(round.number) of '\(slug)'", remedy: "name a commit of the round ('quorum log \(slug)'), or leave --base out")
        }
        let headTree = try git.commit(head).tree
        let existing = try documents(in: headTree, slug: slug).keys.sorted()
        let updates = try documentUpdates(inputs, slug: slug, existing: existing)
        let tree = try git.updateTree(headTree, updates.map(\.update))
        guard tree != headTree else {
            throw QuorumError.refused("the text given is the same as the current text of '\(slug)'; there is nothing to suggest", remedy: "edit the text first; 'quorum cat \(slug)' prints the current text")
        }
        // Text with no base named: refuse it if it looks edited from an older copy.
        if base == nil { try refuseUndoingMergedChanges(updates, slug: slug, round: round, head: head) }
        let title = String(text.split(separator: "\n", maxSplits: 1).first ?? "")
        let revision = try git.createCommit(
            tree: tree, parents: [head], author: actor, committer: actor,
            message: text + "\n" + coAuthorTrailers(pairs, roster: roster), sign: signing(as: actor))
        var record = EventRecord(type: .suggest)
        record.slug = slug
        record.round = round.number
        record.title = title
        record.message = text
        record.revision = revision.hex
        record.base = head.hex
        record.documents = updates.map(\.name).sorted()
        record.coAuthors = pairs.isEmpty ? nil : pairs
        try checkText(record, actor: actor)
        let first = try log.write(
            record, summary: "Suggest: \(title)",
            trailers: [(Trailers.proposal, slug), (Trailers.round, String(round.number)), (Trailers.revision, revision.hex)],
            actor: actor, parent: nil, sign: signing(as: actor))
        // Pin the revision before the chain exists: a crash in between leaves
        // only an unused pin, never a suggestion whose text can be collected.
        try pinRevision(slug: slug, id: first, number: 1, to: revision)
        do {
            try git.updateReference(Layout.suggestionMeta(slug, first), to: first, expected: nil, message: "quorum: suggest")
        } catch let error as GitError where error.isLostRace {
            throw QuorumError.refused("an identical suggestion \(first.short) was recorded at the same moment", remedy: "see 'quorum show \(first.short)'")
        }
        maybePackReferences(after: first)
        return SuggestResult(
            id: first.hex, shortId: first.short, slug: slug, round: round.number, title: title,
            revision: revision.hex, base: head.hex, documents: record.documents ?? [])
    }

    /// Suggests what changed in the work tree, as `git commit` would (see
    /// `workTreeChanges`).
    public func suggestFromWorkTree(slug: String, message: String, coAuthors: [String] = []) throws -> SuggestResult {
        let (base, inputs) = try workTreeChanges(slug: slug, command: "suggest")
        return try suggest(slug: slug, message: message, documents: inputs, coAuthors: coAuthors, base: base)
    }

    /// Co-authors must be on the roster and not the caller.
    func checkCoAuthors(_ emails: [String], actor: Signature, roster: Roster) throws -> [String] {
        var result: [String] = []
        for email in emails {
            try Validation.checkEmail(email)
            guard let member = roster.member(email) else {
                throw QuorumError.usage("co-author \(email) is not on the roster", remedy: "see 'quorum member list'")
            }
            guard member.email.lowercased() != actor.email.lowercased() else {
                throw QuorumError.usage("you cannot pair with yourself", remedy: "name someone else with --pair EMAIL (the person writing it with you), or leave --pair out")
            }
            if !result.contains(member.email) { result.append(member.email) }
        }
        return result
    }
}
