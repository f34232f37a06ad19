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
    /// `base` is the commit the text was written on (default: the round's
    /// head); it must be in the round's history.
    public func suggest(slug: String, message: String, documents inputs: [DocumentInput], coAuthors: [String] = [], base: ObjectID? = nil) throws -> SuggestResult {
        let text = try Validation.checkMessage(message)
        let actor = try identity()
        let roster = try roster()
        let pairs = try checkCoAuthors(coAuthors, actor: actor, roster: roster)
        let proposal = try proposal(slug)
        guard let round = proposal.openRound else {
            throw QuorumError.refused("proposal '\(slug)' has no open round")
        }
        guard roster.isLead(actor.email) || roster.isIn(actor.email, groups: round.audience) else {
            throw QuorumError.refused(
                "\(actor.email) is not in the audience of round \(round.number) (\(round.audience.joined(separator: ", ")))",
                remedy: "ask a lead to add you to one of those groups")
        }
        let roundHead = try roundHead(round)
        let head = base ?? roundHead
        if head != roundHead, !(try git.isAncestor(head, of: roundHead)) {
            throw QuorumError.usage("\(head.short) is not in the history of round \(round.number) of '\(slug)'")
        }
        let headTree = try git.commit(head).tree
        let existing = try documents(in: headTree, slug: slug).keys.sorted()
        let updates = try documentUpdates(inputs, slug: slug, existing: existing)
        let tree = try git.updateTree(headTree, updates.map(\.update))
        guard tree != headTree else {
            throw QuorumError.refused("the text given is the same as the current text of '\(slug)'; there is nothing to suggest")
        }
        let title = String(text.split(separator: "\n", maxSplits: 1).first ?? "")
        let revision = try git.createCommit(
            tree: tree, parents: [head], author: actor, committer: actor,
            message: text + "\n" + coAuthorTrailers(pairs, roster: roster))
        var record = EventRecord(type: .suggest)
        record.slug = slug
        record.round = round.number
        record.title = title
        record.message = text
        record.revision = revision.hex
        record.base = head.hex
        record.documents = updates.map(\.name).sorted()
        record.patchId = try git.patchID(from: headTree, to: tree).hex
        record.coAuthors = pairs.isEmpty ? nil : pairs
        let first = try log.write(
            record, summary: "Suggest: \(title)",
            trailers: [("Proposal", slug), ("Round", String(round.number)), ("Revision", revision.hex)],
            actor: actor, parent: nil)
        // Pin the revision before the chain exists: a crash in between leaves
        // only an unused pin, never a suggestion whose text can be collected.
        try pin(Layout.revisionPin(slug, first, 1), to: revision)
        do {
            try git.updateReference(Layout.suggestionMeta(slug, first), to: first, expected: nil, message: "quorum: suggest")
        } catch let error as GitError where error.isLostRace {
            throw QuorumError.refused("an identical suggestion \(first.short) was recorded at the same moment")
        }
        maybePackReferences(after: first)
        return SuggestResult(
            id: first.hex, shortId: first.short, slug: slug, round: round.number, title: title,
            revision: revision.hex, base: head.hex, documents: record.documents ?? [])
    }

    /// Suggests what changed in the work tree, as `git commit` would: the
    /// files under `Proposals/<slug>/` that differ from the text they were
    /// checked out from. When the work tree's HEAD is in the round's history
    /// (the round branch is checked out), the suggestion is written on that
    /// commit, so changes merged since are kept by the three-way merge;
    /// otherwise on the round's head.
    public func suggestFromWorkTree(slug: String, message: String, coAuthors: [String] = []) throws -> SuggestResult {
        guard let workTree = git.workDirectory else {
            throw QuorumError.usage("this repository has no work tree", remedy: "give the text with --file DOC=PATH")
        }
        let proposal = try proposal(slug)
        guard let round = proposal.openRound else { throw QuorumError.refused("proposal '\(slug)' has no open round") }
        let roundHead = try roundHead(round)
        var base = roundHead
        if let head = try git.referenceTarget("HEAD"), try git.isAncestor(head, of: roundHead) { base = head }
        let folder = workTree + "Proposals/\(slug)"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw QuorumError.usage("there is no folder Proposals/\(slug) in the work tree \(workTree)", remedy: "check out the round with 'git checkout quorum/\(slug)/\(round.number)', edit, then suggest; or give --file DOC=PATH")
        }
        let baseDocs = try documents(in: git.commit(base).tree, slug: slug)
        var inputs: [DocumentInput] = []
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let relative = enumerator?.nextObject() as? String {
            let path = folder + "/" + relative
            var dir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &dir), !dir.boolValue,
                  !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                  let data = FileManager.default.contents(atPath: path) else { continue }
            if let blob = baseDocs[relative], try git.readBlob(blob) == data { continue }
            inputs.append(DocumentInput(name: relative, text: data, source: "Proposals/\(slug)/\(relative)"))
        }
        guard !inputs.isEmpty else {
            throw QuorumError.refused("nothing changed under Proposals/\(slug)/ since \(base.short)", remedy: "edit the documents there first, or give --file DOC=PATH")
        }
        return try suggest(slug: slug, message: message, documents: inputs.sorted { ($0.name ?? "") < ($1.name ?? "") }, coAuthors: coAuthors, base: base)
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
                throw QuorumError.usage("you cannot pair with yourself")
            }
            if !result.contains(member.email) { result.append(member.email) }
        }
        return result
    }
}
