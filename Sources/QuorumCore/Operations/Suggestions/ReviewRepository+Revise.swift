import Foundation
import QuorumGit

/// What `revise` or `rebase` made.
public struct RevisionResult: Codable, Sendable {
    public let id: String
    public let suggestion: String
    public let revision: Int
    public let commit: String
    public let base: String
    /// Approvals that still count after this revision.
    public let approvalsKept: [String]
    /// Approvals that stopped counting (the text changed).
    public let approvalsStale: [String]
    public let state: SuggestionState
}

extension ReviewRepository {
    /// Adds a revision with new text (the author or a co-author only).
    /// The text is written on the suggestion's base — or, when it is
    /// conflicted, on the round's current head, which is how a conflict is
    /// resolved. Approvals of earlier revisions stop counting unless the
    /// change is exactly the same (same patch id).
    public func revise(_ idPrefix: String, message: String, documents inputs: [DocumentInput], renames: [DocumentRename] = [], deletions: [String] = []) throws -> RevisionResult {
        let text = try Validation.checkMessage(message)
        let actor = try identity()
        let (slug, id) = try resolve(idPrefix)
        return try retryingLostRaces {
            let (roster, proposal, suggestion, round) = try loadLive(slug, id, action: "revise")
            try enforce(Rules.mayRevise(actor.email, suggestion))
            let current = suggestion.currentRevision
            let base: ObjectID
            let startTree: ObjectID
            if suggestion.conflictedWith != nil {
                base = try roundHead(round)
                startTree = try git.commit(base).tree
            } else {
                base = current.base
                startTree = try git.commit(current.commit).tree
            }
            let existing = try documents(in: startTree, slug: slug)
            let updates = try documentUpdates(inputs, renames: renames, deletions: deletions, slug: slug, existing: existing)
            let tree = try git.updateTree(startTree, updates.map(\.update))
            let baseTree = try git.commit(base).tree
            guard tree != baseTree else {
                throw QuorumError.refused("this revision would change nothing in '\(slug)'", remedy: "to take the suggestion back, use 'quorum withdraw \(id.short)'")
            }
            if suggestion.conflictedWith == nil, tree == (try git.commit(current.commit).tree) {
                throw QuorumError.refused("the text is the same as revision \(current.number); nothing to revise", remedy: "edit the text first; 'quorum show \(id.short) --diff' shows what the suggestion changes now")
            }
            let title = String(text.split(separator: "\n", maxSplits: 1).first ?? "")
            let commit = try git.createCommit(
                tree: tree, parents: [base], author: actor, committer: actor,
                message: text + "\n" + coAuthorTrailers(suggestion.coAuthors, roster: roster, plus: actor, author: suggestion.author),
                sign: signing(as: actor))
            _ = proposal
            return try recordRevision(
                .revise, suggestion: suggestion, round: round, roster: roster, commit: commit, base: base,
                baseTree: baseTree, tree: tree, title: title, message: text, actor: actor)
        }
    }

    /// Moves a suggestion onto its round's current head with a three-way
    /// merge. The same change keeps its approvals; a conflict marks the
    /// suggestion conflicted (and is refused, naming documents and lines).
    public func rebase(_ idPrefix: String) throws -> RevisionResult {
        let actor = try identity()
        let (slug, id) = try resolve(idPrefix)
        return try retryingLostRaces {
            let (roster, _, suggestion, round) = try loadLive(slug, id, action: "rebase")
            try enforce(Rules.mayRebase(actor.email, suggestion, roster: roster))
            let head = try roundHead(round)
            let current = suggestion.currentRevision
            if current.base == head {
                throw QuorumError.refused("suggestion \(id.short) is already written on the round's current head \(head.short); nothing to rebase", remedy: "nothing to do: it applies to the round as it is")
            }
            let tree: ObjectID
            do {
                tree = try mergedTree(slug: slug, base: current.base, head: head, revision: current.commit, subject: "suggestion \(id.short)")
            } catch let refusal as QuorumError where refusal.kind == .refused {
                try recordConflict(suggestion, head: head, actor: actor)
                throw QuorumError.refused(refusal.message + "\nsuggestion \(id.short) is now conflicted", remedy: "its author resolves it with 'quorum revise \(id.short) -m ... --file DOC=PATH' on the current text ('quorum cat \(slug)')")
            }
            let headTree = try git.commit(head).tree
            let original = try git.commit(current.commit)
            let commit = try git.createCommit(tree: tree, parents: [head], author: original.author, committer: actor, message: original.message, sign: signing(as: actor))
            return try recordRevision(
                .rebase, suggestion: suggestion, round: round, roster: roster, commit: commit, base: head,
                baseTree: headTree, tree: tree, title: nil, message: nil, actor: actor)
        }
    }

    /// Pins a new revision and appends its event; reports which approvals survive.
    func recordRevision(
        _ kind: EventRecord.Kind, suggestion: Suggestion, round: Round, roster: Roster, commit: ObjectID, base: ObjectID,
        baseTree: ObjectID, tree: ObjectID, title: String?, message: String?, actor: Signature
    ) throws -> RevisionResult {
        let number = suggestion.revisions.count + 1
        try pinRevision(slug: suggestion.slug, id: suggestion.id, number: number, to: commit, named: Set(suggestion.revisions.map(\.commit)))
        var record = EventRecord(type: kind)
        record.revision = commit.hex
        record.base = base.hex
        record.title = title
        record.message = message
        let event = try append(
            record, to: Layout.suggestionMeta(suggestion.slug, suggestion.id),
            summary: "\(kind == .rebase ? "Rebase" : "Revise") to revision \(number): \(title ?? suggestion.title)",
            trailers: [(Trailers.suggestion, suggestion.id.hex), (Trailers.revision, commit.hex), (Trailers.base, base.hex)],
            actor: actor, parent: suggestion.metaHead)
        let after = try self.suggestion(suggestion.slug, suggestion.id)
        let approvals = after.approvals(in: round, roster: roster)
        return RevisionResult(
            id: event.hex, suggestion: suggestion.id.hex, revision: number, commit: commit.hex, base: base.hex,
            approvalsKept: approvals.filter(\.counts).map(\.approver.email),
            approvalsStale: approvals.filter { $0.notCounted?.hasPrefix("stale") == true }.map(\.approver.email),
            state: after.state(in: round, roster: roster))
    }

    /// Marks a suggestion conflicted with a round head (once per head).
    func recordConflict(_ suggestion: Suggestion, head: ObjectID, actor: Signature) throws {
        guard suggestion.conflictedWith != head else { return }
        var record = EventRecord(type: .conflict)
        record.commit = head.hex
        record.revision = suggestion.currentRevision.commit.hex
        record.merge = ProseMerge.version
        try append(
            record, to: Layout.suggestionMeta(suggestion.slug, suggestion.id), summary: "Conflict: \(suggestion.title)",
            trailers: [(Trailers.suggestion, suggestion.id.hex), ("Round-Head", head.hex)], actor: actor, parent: suggestion.metaHead)
    }

    /// Loads what every write on a suggestion needs, refusing when the
    /// suggestion is over (merged, withdrawn, rejected) or, unless
    /// `closedRoundToo`, its round is closed.
    func loadLive(_ slug: String, _ id: ObjectID, action: String, closedRoundToo: Bool = false) throws -> (Roster, Proposal, Suggestion, Round) {
        let roster = try roster()
        let proposal = try proposal(slug, roster: roster)
        let suggestion = try suggestion(slug, id, proposal: proposal, roster: roster)
        if let refusal = Rules.isLive(suggestion) {
            throw QuorumError(Refusal(refusal.code, "cannot \(action) \(id.short): " + refusal.message, remedy: refusal.remedy))
        }
        guard let round = proposal.round(suggestion.round) else {
            throw QuorumError(.failure, "suggestion \(id.short) names round \(suggestion.round), which '\(slug)' does not have")
        }
        if !closedRoundToo { try enforce(Rules.roundIsOpen(round, in: proposal, suggestion: id)) }
        return (roster, proposal, suggestion, round)
    }

    /// `Co-authored-by:` trailers for a revision's commit message.
    func coAuthorTrailers(_ emails: [String], roster: Roster, plus actor: Signature? = nil, author: Signature? = nil) -> String {
        var people = emails
        if let actor, let author, actor.email.lowercased() != author.email.lowercased(),
           !people.contains(where: { $0.lowercased() == actor.email.lowercased() }) {
            people.append(actor.email)
        }
        guard !people.isEmpty else { return "" }
        return "\n" + people.map { email in
            "\(Trailers.coAuthoredBy): \(roster.member(email)?.formatted ?? "<\(email)>")"
        }.joined(separator: "\n") + "\n"
    }
}
