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
    public func suggest(slug: String, message: String, documents inputs: [DocumentInput], renames: [DocumentRename] = [], deletions: [String] = [], coAuthors: [String] = [], base: ObjectID? = nil) throws -> SuggestResult {
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
        let existing = try documents(in: headTree, slug: slug)
        let updates = try documentUpdates(inputs, renames: renames, deletions: deletions, slug: slug, existing: existing)
        let tree = try git.updateTree(headTree, updates.map(\.update))
        guard tree != headTree else {
            throw QuorumError.refused("the text given is the same as the current text of '\(slug)'; there is nothing to suggest", remedy: "edit the text first; 'quorum cat \(slug)' prints the current text")
        }
        // Text with no base named: refuse it if it looks edited from an older copy.
        if base == nil { try refuseUndoingMergedChanges(updates, slug: slug, round: round, head: head) }
        let title = String(text.split(separator: "\n", maxSplits: 1).first ?? "")
        // The same suggestion again: finish the run that was interrupted.
        let intent = SuggestIntent(actor: actor.email, slug: slug, round: round.number, base: head, tree: tree, message: text, coAuthors: pairs)
        if let earlier = try finishInterruptedSuggest(intent, proposal: proposal, roster: roster) { return earlier }
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
        record.documents = Set(updates.map(\.name)).sorted()
        record.coAuthors = pairs.isEmpty ? nil : pairs
        try checkText(record, actor: actor)
        let first = try log.write(
            record, summary: "Suggest: \(title)",
            trailers: [(Trailers.proposal, slug), (Trailers.round, String(round.number)), (Trailers.revision, revision.hex)],
            actor: actor, parent: nil, sign: signing(as: actor))
        // Note what is being recorded, then pin the revision before the
        // chain exists: a crash in between leaves only an unused pin, never
        // a suggestion whose text can be collected, and the note lets the
        // next run finish this suggestion instead of making another.
        intent.write(id: first, in: self)
        try pinRevision(slug: slug, id: first, number: 1, to: revision, named: [])
        try createSuggestionChain(slug: slug, id: first)
        return SuggestResult(
            id: first.hex, shortId: first.short, slug: slug, round: round.number, title: title,
            revision: revision.hex, base: head.hex, documents: record.documents ?? [])
    }

    /// Points a new suggestion's chain ref at its first event. A chain
    /// already there at that event is this run's own (the same text by the
    /// same person in the same second is the same commit).
    private func createSuggestionChain(slug: String, id: ObjectID) throws {
        let ref = Layout.suggestionMeta(slug, id)
        do {
            try git.updateReference(ref, to: id, expected: nil, message: "quorum: suggest")
        } catch let error as GitError where error.isLostRace {
            guard try git.referenceTarget(ref) != nil else { throw QuorumError.storage("record suggestion \(id.short)", error) }
        }
        maybePackReferences(after: id)
    }

    /// When the last suggest in this clone (see `SuggestIntent`) set out to
    /// record the same suggestion and was interrupted, finishes it (pins
    /// its revision and creates its chain, as far as they are missing) and
    /// returns it; nil when there is nothing to finish. A suggestion that
    /// exists and is no longer open is not this run's: nil.
    private func finishInterruptedSuggest(_ intent: SuggestIntent, proposal: Proposal, roster: Roster) throws -> SuggestResult? {
        guard let id = intent.recorded(in: self), git.hasObject(id),
              let event = try? log.decode(git.commit(id)), event.record.type == .suggest,
              let revisionHex = event.record.revision, let revision = ObjectID(hex: revisionHex), git.hasObject(revision),
              let revisionCommit = try? git.commit(revision), intent.isRecorded(by: event, revision: revisionCommit) else { return nil }
        let slug = intent.slug
        if try git.referenceTarget(Layout.suggestionMeta(slug, id)) != nil {
            guard let existing = try? suggestion(slug, id, proposal: proposal, roster: roster), existing.revisions.count == 1,
                  let round = proposal.openRound, !existing.state(in: round, roster: roster).isFinal else { return nil }
            Notices.post("suggestion \(id.short) already makes this change, by you on the same text (this command ran before, perhaps interrupted after recording it); nothing new was written")
        } else {
            try pinRevision(slug: slug, id: id, number: 1, to: revision, named: [])
            try createSuggestionChain(slug: slug, id: id)
            Notices.post("finished suggestion \(id.short), which a run of this command that was interrupted had begun")
        }
        return SuggestResult(
            id: id.hex, shortId: id.short, slug: slug, round: intent.round, title: event.record.title ?? "",
            revision: revision.hex, base: intent.base.hex, documents: event.record.documents ?? [])
    }

    /// Suggests what changed in the work tree, as `git commit` would (see
    /// `workTreeChanges`).
    /// Unless `keepEdits`, the work tree and index under the proposal's
    /// folder are then HEAD's again (`restoreWorkTree`): the edits are in
    /// the suggestion, and the next suggestion from the work tree holds
    /// only what is edited after.
    public func suggestFromWorkTree(slug: String, message: String, coAuthors: [String] = [], keepEdits: Bool = false) throws -> SuggestResult {
        let (base, inputs, deletions, added) = try workTreeChanges(slug: slug, command: "suggest")
        let result = try suggest(slug: slug, message: message, documents: inputs, deletions: deletions, coAuthors: coAuthors, base: base)
        if !keepEdits { try restoreWorkTree(slug: slug, added: added) }
        return result
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

/// What a `suggest` is about to record, noted in `<git dir>/quorum/suggesting`
/// before its refs are written: who suggests what (a digest of person,
/// proposal, round, base, resulting tree, message and co-authors) and the
/// suggestion's id. A suggestion's id is its first event's commit, which
/// the clock makes different on every run, so without the note a run
/// after an interruption would make a second suggestion (or leave the
/// first half-made). One note per clone: the last suggest's. It is only a
/// hint, written in place (a reader may meet it half-written) and
/// trusted only when the event it names records this very suggestion
/// (`isRecorded`).
struct SuggestIntent {
    let actor: String
    let slug: String
    let round: Int
    let base: ObjectID
    let tree: ObjectID
    let message: String
    let coAuthors: [String]
    /// The id the fields, joined, would have as a git blob: a digest
    /// libgit2 computes anyway, with no other hash to start up.
    let digest: String

    init(actor: String, slug: String, round: Int, base: ObjectID, tree: ObjectID, message: String, coAuthors: [String]) {
        self.actor = actor
        self.slug = slug
        self.round = round
        self.base = base
        self.tree = tree
        self.message = message
        self.coAuthors = coAuthors
        let text = [actor.lowercased(), slug, String(round), base.hex, tree.hex, message, coAuthors.joined(separator: ",")].joined(separator: "\u{0}")
        digest = Repository.blobID(of: Data(utf8: text))?.hex ?? ""
    }

    private static func path(_ repository: ReviewRepository) -> String { repository.git.gitDirectory + "quorum/suggesting" }

    /// The id the last suggest noted, when it noted this same suggestion.
    func recorded(in repository: ReviewRepository) -> ObjectID? {
        guard !digest.isEmpty, let data = FileManager.default.contents(atPath: Self.path(repository)) else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, fields[0] == digest else { return nil }
        return ObjectID(hex: String(fields[1]))
    }

    /// Whether `event` (a suggest event, with its revision's commit)
    /// records this suggestion: same person, proposal, round, base, text
    /// and message, so that a stale or half-written note never passes
    /// for another suggestion.
    func isRecorded(by event: Event, revision: Commit) -> Bool {
        event.actor.email.lowercased() == actor.lowercased() && event.record.slug == slug && event.record.round == round
            && event.record.base == base.hex && revision.tree == tree && revision.parents == [base]
            && event.record.message == message && (event.record.coAuthors ?? []) == coAuthors
    }

    /// Notes that this suggestion is being recorded as `id` (best effort).
    func write(id: ObjectID, in repository: ReviewRepository) {
        try? LocalFile.overwrite(Self.path(repository), with: Data(utf8: "\(digest) \(id.hex)\n"))
    }
}
