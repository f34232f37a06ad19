import Foundation
import QuorumGit

/// What `merge` did.
public struct MergeResult: Codable, Sendable {
    public let id: String
    public let suggestion: String
    public let commit: String
    public let branch: String
    public let approvedBy: [String]
    /// True when the round head had moved and a three-way merge was needed.
    public let threeWay: Bool
    /// What happened to the work tree, when the round branch it has checked out moved.
    public var workTree: String?
}

/// A place where a suggestion and the round head changed the same words.
public struct ConflictRegion: Codable, Sendable, CustomStringConvertible {
    public let document: String
    /// Line range in the round head's current text (1-based), when found.
    public let lines: ClosedRange<Int>?
    /// What each side has there: the sentences holding the conflict,
    /// shortened around the words that differ.
    public let current: String
    public let suggested: String
    /// The words that differ, on each side (empty where a side removed them).
    public let currentWords: String?
    public let suggestedWords: String?

    init(document: String, lines: ClosedRange<Int>?, current: String, suggested: String, currentWords: String? = nil, suggestedWords: String? = nil) {
        self.document = document
        self.lines = lines
        self.current = current
        self.suggested = suggested
        self.currentWords = currentWords
        self.suggestedWords = suggestedWords
    }

    public var description: String {
        let range = lines.map { $0.lowerBound == $0.upperBound ? "line \($0.lowerBound)" : "lines \($0.lowerBound)-\($0.upperBound)" } ?? "the whole document"
        return "\(document) \(range): the round now has «\(current)», the suggestion has «\(suggested)»"
    }

    /// `text` on one line, at most about `limit` characters, keeping the
    /// bytes `changed` (the words that differ) and as much around them as fits.
    static func quote(_ text: [UInt8], changed: Range<Int>, limit: Int = 100) -> String {
        func flat(_ bytes: ArraySlice<UInt8>) -> String {
            String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
                .replacingOccurrences(of: "\n", with: " / ").replacingOccurrences(of: "\r", with: " ")
        }
        let clamped = min(changed.lowerBound, text.count)..<min(changed.upperBound, text.count)
        var before = flat(text[..<clamped.lowerBound])
        var middle = flat(text[clamped])
        var after = flat(text[clamped.upperBound...])
        // Trim the quote's ends, not the words that differ.
        if before.isEmpty { middle = String(middle.drop(while: \.isWhitespace)) } else { before = String(before.drop(while: \.isWhitespace)) }
        while after.hasSuffix(" / ") || after.last?.isWhitespace == true { after = after.hasSuffix(" / ") ? String(after.dropLast(3)) : String(after.dropLast()) }
        if after.isEmpty { while middle.hasSuffix(" / ") || middle.last?.isWhitespace == true { middle = middle.hasSuffix(" / ") ? String(middle.dropLast(3)) : String(middle.dropLast()) } }
        if before.count + middle.count + after.count <= limit { return before + middle + after }
        if middle.count > limit { middle = middle.prefix(limit / 2) + " … " + middle.suffix(limit / 2) }
        let room = max(limit - middle.count, 24) / 2
        if before.count > room { before = "…" + before.suffix(room) }
        if after.count > room { after = after.prefix(room) + "…" }
        return before + middle + after
    }
}

extension ReviewRepository {
    /// Merges an approved suggestion into its round: the round head moves to
    /// a commit with parents [round head, revision] and trailers naming the
    /// suggestion, its author and its approvers. Refused until the round's
    /// quorum of independent approvals of the current revision exists; a
    /// conflicting three-way merge is refused with the documents and lines,
    /// and nothing changes.
    ///
    /// `publish`, when given, is called with the round branch, its head and
    /// the new merge commit before the branch moves here: a shared
    /// repository's round takes the merge first (it throws a lost-race
    /// `GitError` when that round moved, and the merge is made again).
    /// A round branch checked out here follows (`followingCheckedOutRound`).
    public func merge(_ idPrefix: String, publish: ((_ branch: String, _ head: ObjectID, _ merge: ObjectID) throws -> Void)? = nil) throws -> MergeResult {
        var (result, workTree) = try followingCheckedOutRound { try mergeMovingRound(idPrefix, publish: publish) }
        result.workTree = workTree
        return result
    }

    /// `merge` without the checked-out round following (its caller does that).
    func mergeMovingRound(_ idPrefix: String, publish: ((_ branch: String, _ head: ObjectID, _ merge: ObjectID) throws -> Void)?) throws -> MergeResult {
        let actor = try identity()
        let (slug, id) = try resolve(idPrefix)
        return try retryingLostRaces {
            let (roster, proposal, suggestion, round) = try loadLive(slug, id, action: "merge")
            try enforce(Rules.mayMerge(actor.email, suggestion, in: round, roster: roster))
            let counting = suggestion.approvals(in: round, roster: roster).filter(\.counts)
            let revision = suggestion.currentRevision
            let head = try roundHead(round)
            let mergeCommit: ObjectID
            var threeWay = false
            if let earlier = try findMerge(of: revision.commit, from: head, since: revision.base, slug: slug, round: round.number, roundStart: proposal.starts[round.number]) {
                // An earlier merge moved the branch but stopped before its
                // event was written: finish the record of that commit.
                mergeCommit = earlier
            } else {
                let tree: ObjectID
                if head == revision.base {
                    tree = try git.commit(revision.commit).tree
                } else {
                    threeWay = true
                    do {
                        tree = try mergedTree(slug: slug, base: revision.base, head: head, revision: revision.commit, subject: "suggestion \(id.short)")
                    } catch let refusal as QuorumError where refusal.kind == .refused {
                        // The round is left as it was; the suggestion is marked
                        // conflicted so that its author sees it must be revised.
                        try recordConflict(suggestion, head: head, actor: actor)
                        throw QuorumError.refused(refusal.message + "\nthe round is unchanged; suggestion \(id.short) is now conflicted", remedy: "its author resolves it with 'quorum revise \(id.short) -m ... --file DOC=PATH' on the current text ('quorum cat \(slug)')")
                    }
                }
                let message = mergeMessage(suggestion, approvals: counting, roster: roster)
                mergeCommit = try git.createCommit(
                    tree: tree, parents: [head, revision.commit], author: suggestion.author, committer: actor, message: message,
                    sign: signing(as: actor))
                try publish?(round.branch, head, mergeCommit)
                try git.updateReference(round.branch, to: mergeCommit, expected: head, message: "quorum: merge \(id.short)")
            }
            var record = EventRecord(type: .merge)
            record.revision = revision.commit.hex
            record.commit = mergeCommit.hex
            let event = try append(
                record, to: Layout.suggestionMeta(slug, id), summary: "Merge: \(suggestion.title)",
                trailers: [(Trailers.suggestion, id.hex), (Trailers.revision, revision.commit.hex), (Trailers.commit, mergeCommit.hex)],
                actor: actor, parent: suggestion.metaHead)
            return MergeResult(
                id: event.hex, suggestion: id.hex, commit: mergeCommit.hex, branch: round.branch,
                approvedBy: counting.map(\.approver.email), threeWay: threeWay)
        }
    }

    /// The merge commit's message: the suggestion's, then trailers naming
    /// it, its author, co-authors and counting approvers, and the head of
    /// its event chain the merge was judged against (`Suggestion-Head:`, so
    /// that `verify` judges the merge by what its maker saw).
    func mergeMessage(_ suggestion: Suggestion, approvals: [Approval], roster: Roster) -> String {
        var text = suggestion.message + "\n\n"
        text += "\(Trailers.suggestion): \(suggestion.id.hex)\n"
        text += "\(Trailers.suggestionHead): \(suggestion.metaHead.hex)\n"
        text += "\(Trailers.suggestedBy): \(suggestion.author.formatted)\n"
        text += "\(Trailers.mergeVersion): \(ProseMerge.version)\n"
        for email in suggestion.coAuthors {
            text += "\(Trailers.coAuthoredBy): \(roster.member(email)?.formatted ?? "<\(email)>")\n"
        }
        for approval in approvals.sorted(by: { $0.approver.email < $1.approver.email }) {
            text += "\(Trailers.approvedBy): \(approval.approver.formatted)\n"
        }
        for objection in suggestion.objections {
            guard let reason = objection.overrideReason, let lead = objection.resolved else { continue }
            let line = reason.split(separator: "\n").first.map(String.init) ?? ""
            text += "\(Trailers.objectionOverridden): \(objection.by.email) overridden by \(lead.email): \(line)\n"
        }
        return text
    }

    /// Three-way merge of the suggestion's change onto the moved round head,
    /// with merge algorithm `version` (`Repository.mergeDocuments`: the
    /// one merge every command, the hook and `verify` use). A conflict is
    /// refused, naming each document, line and the words each side has.
    func mergedTree(slug: String, base: ObjectID, head: ObjectID, revision: ObjectID, subject: String, version: Int = ProseMerge.version) throws -> ObjectID {
        let baseTree = try git.commit(base).tree
        let headTree = try git.commit(head).tree
        let revisionTree = try git.commit(revision).tree
        switch try git.mergeDocuments(ancestor: baseTree, ours: headTree, theirs: revisionTree, version: version) {
        case .clean(let tree):
            return tree
        case .conflicts(let conflicts):
            let regions = conflicts.map { conflictRegion($0, slug: slug) }
            throw QuorumError.refused(
                "\(subject) conflicts with the round's current text:\n  " + regions.map(\.description).joined(separator: "\n  "),
                remedy: "write it again on the round's current text ('quorum cat \(slug)' prints it)")
        }
    }

    /// A conflict as the refusal names it: the document (its path inside
    /// the proposal), the lines of the round's text, and what each side has.
    func conflictRegion(_ conflict: DocumentConflict, slug: String) -> ConflictRegion {
        let prefix = "Proposals/\(slug)/"
        let document = conflict.path.hasPrefix(prefix) ? String(conflict.path.dropFirst(prefix.count)) : conflict.path
        guard let words = conflict.conflict else {
            // One side added, deleted or renamed the whole document, or it is not text.
            return ConflictRegion(
                document: document, lines: nil,
                current: conflict.inOurs ? "(document changed)" : "(document deleted)",
                suggested: conflict.inTheirs ? "(document changed)" : "(document deleted)")
        }
        func side(_ text: [UInt8], _ changed: Range<Int>, deleted: String) -> String {
            text.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) ? deleted : ConflictRegion.quote(text, changed: changed)
        }
        func changedWords(_ text: [UInt8], _ changed: Range<Int>) -> String {
            String(decoding: text[changed], as: UTF8.self).trimming(.spacesAndNewlines)
        }
        return ConflictRegion(
            document: document, lines: words.lines,
            current: side(words.ours, words.oursChanged, deleted: "(deleted here)"),
            suggested: side(words.theirs, words.theirsChanged, deleted: "(deleted)"),
            currentWords: changedWords(words.ours, words.oursChanged),
            suggestedWords: changedWords(words.theirs, words.theirsChanged))
    }

    /// The commit on the round's line (its head's first parents) that
    /// merged `revision`, nil when none did. A round grows only along its
    /// line, each of its commits a merge or a pair edit whose first parent
    /// is the head before it (`Receive` refuses anything else), so a merge
    /// of the revision is on the line, after the base it was written on.
    /// The line is asked of its local index (`RoundLineIndex`: a file
    /// read, and the commits the round gained since it was last read),
    /// not walked commit by commit back to the base: a suggestion that
    /// waited through a hundred merges would read a hundred commits. The
    /// index answers alone only when it names no merge of the revision
    /// and holds the base (it holds every commit of the line up to its
    /// last); a merge it names, or a base it does not hold, is looked for
    /// by the walk (`findMergeWalkingLine`). When the base is not on the
    /// line (a `--base` naming a merged revision) the general question
    /// decides there, as before: the head stands for the merge when the
    /// round reaches the revision some other way.
    func findMerge(of revision: ObjectID, from head: ObjectID, since base: ObjectID, slug: String, round: Int, roundStart: ObjectID?) throws -> ObjectID? {
        if head == base { return nil }
        let line = try RoundLineIndex(git: git).line(slug: slug, round: round, head: head, start: roundStart)
        // The index decides only "no earlier merge, the base on the line";
        // anything else (a merge it names, a base it does not hold) is
        // asked of the round itself.
        if !line.hasMerged(revision), line.contains(base) { return nil }
        return try findMergeWalkingLine(of: revision, from: head, since: base, roundStart: roundStart)
    }

    /// `findMerge` by walking the line from `head` back to the revision's
    /// `base` (or the round's start when the base is not on the line), a
    /// commit read for each merge since the base.
    func findMergeWalkingLine(of revision: ObjectID, from head: ObjectID, since base: ObjectID, roundStart: ObjectID?) throws -> ObjectID? {
        var cursor: ObjectID? = head
        while let id = cursor {
            if id == base { return nil }
            let parents = try git.parents(of: id)
            if parents.dropFirst().contains(revision) { return id }
            if id == roundStart { break }
            cursor = parents.first
        }
        return try git.isAncestor(revision, of: head) ? head : nil
    }
}
