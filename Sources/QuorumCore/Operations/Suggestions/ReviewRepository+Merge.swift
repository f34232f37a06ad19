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
}

/// Text shortened for a one-line message: its changed middle is what matters.
private func clip(_ text: String, limit: Int = 80) -> String {
    let flat = text.trimmingCharacters(in: .newlines).replacingOccurrences(of: "\n", with: " / ")
    return flat.count <= limit ? flat : flat.prefix(limit / 2) + " … " + flat.suffix(limit / 2)
}

/// A place where a suggestion and the round head changed the same lines.
public struct ConflictRegion: Codable, Sendable, CustomStringConvertible {
    public let document: String
    /// Line range in the round head's current text (1-based), when found.
    public let lines: ClosedRange<Int>?
    public let current: String
    public let suggested: String

    public var description: String {
        let range = lines.map { $0.lowerBound == $0.upperBound ? "line \($0.lowerBound)" : "lines \($0.lowerBound)-\($0.upperBound)" } ?? "the whole document"
        return "\(document) \(range): the round now has «\(clip(current))», the suggestion has «\(clip(suggested))»"
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
    public func merge(_ idPrefix: String, publish: ((_ branch: String, _ head: ObjectID, _ merge: ObjectID) throws -> Void)? = nil) throws -> MergeResult {
        let actor = try identity()
        let (slug, id) = try resolve(idPrefix)
        return try retryingLostRaces {
            let (roster, _, suggestion, round) = try loadLive(slug, id, action: "merge")
            try enforce(Rules.mayMerge(actor.email, suggestion, in: round, roster: roster))
            let counting = suggestion.approvals(in: round, roster: roster).filter(\.counts)
            let revision = suggestion.currentRevision
            let head = try roundHead(round)
            let mergeCommit: ObjectID
            var threeWay = false
            if try git.isAncestor(revision.commit, of: head) {
                // An earlier merge moved the branch but stopped before its
                // event was written: find that commit and finish the record.
                mergeCommit = try findMerge(of: revision.commit, from: head) ?? head
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

    /// Three-way merge of the suggestion's change onto the moved round head.
    func mergedTree(slug: String, base: ObjectID, head: ObjectID, revision: ObjectID, subject: String) throws -> ObjectID {
        let baseTree = try git.commit(base).tree
        let headTree = try git.commit(head).tree
        let revisionTree = try git.commit(revision).tree
        switch try git.mergeTrees(ancestor: baseTree, ours: headTree, theirs: revisionTree) {
        case .clean(let tree):
            return tree
        case .conflicts(let conflicts):
            let regions = try conflicts.flatMap { try conflictRegions($0, slug: slug) }
            throw QuorumError.refused(
                "\(subject) conflicts with the round's current text:\n  " + regions.map(\.description).joined(separator: "\n  "),
                remedy: "write it again on the round's current text ('quorum cat \(slug)' prints it)")
        }
    }

    /// Where in a document a conflict lies: the changes from the common
    /// ancestor on each side that touch the same (or adjacent) lines, as
    /// line ranges of the round's current text.
    func conflictRegions(_ conflict: MergeConflict, slug: String) throws -> [ConflictRegion] {
        let prefix = "Proposals/\(slug)/"
        let document = conflict.path.hasPrefix(prefix) ? String(conflict.path.dropFirst(prefix.count)) : conflict.path
        guard let ancestorID = conflict.ancestor, let oursID = conflict.ours, let theirsID = conflict.theirs else {
            // One side added, deleted or renamed the whole document.
            return [ConflictRegion(
                document: document, lines: nil,
                current: conflict.ours == nil ? "(document deleted)" : "(document changed)",
                suggested: conflict.theirs == nil ? "(document deleted)" : "(document changed)")]
        }
        let ancestor = try git.readBlob(ancestorID)
        let ours = try git.readBlob(oursID)
        let theirs = try git.readBlob(theirsID)
        let oursLines = lines(ours)
        let theirsLines = lines(theirs)
        let roundChanges = try git.lineChanges(from: ancestor, to: ours)
        let suggestionChanges = try git.lineChanges(from: ancestor, to: theirs)
        var regions: [ConflictRegion] = []
        for mine in roundChanges {
            let touching = suggestionChanges.filter { overlaps(mine, $0) }
            guard !touching.isEmpty else { continue }
            let range: ClosedRange<Int> = mine.newLines > 0
                ? mine.newStart...(mine.newStart + mine.newLines - 1)
                : max(mine.newStart, 1)...max(mine.newStart, 1)
            let current = mine.newLines > 0 ? slice(oursLines, mine.newStart, mine.newLines) : "(deleted here)"
            let suggested = touching.map { $0.newLines > 0 ? slice(theirsLines, $0.newStart, $0.newLines) : "(deleted)" }.joined(separator: " / ")
            regions.append(ConflictRegion(document: document, lines: range, current: current, suggested: suggested))
        }
        if regions.isEmpty {
            regions.append(ConflictRegion(document: document, lines: nil, current: "(changed)", suggested: "(changed)"))
        }
        return regions
    }

    /// Whether two changes to the same ancestor touch the same or adjacent
    /// lines (git's line merge refuses both).
    private func overlaps(_ a: LineChange, _ b: LineChange) -> Bool {
        // A pure insertion sits between oldStart and oldStart + 1.
        let aStart = a.oldLines == 0 ? a.oldStart + 1 : a.oldStart
        let bStart = b.oldLines == 0 ? b.oldStart + 1 : b.oldStart
        let aEnd = a.oldStart + max(a.oldLines, 0) - (a.oldLines == 0 ? 0 : 1)
        let bEnd = b.oldStart + max(b.oldLines, 0) - (b.oldLines == 0 ? 0 : 1)
        return aStart <= bEnd + 1 && bStart <= aEnd + 1
    }

    private func lines(_ data: Data) -> [Substring] {
        String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    }

    private func slice(_ lines: [Substring], _ start: Int, _ count: Int) -> String {
        let from = max(start - 1, 0)
        let to = min(from + count, lines.count)
        return from < to ? lines[from..<to].joined(separator: "\n") : ""
    }

    /// The first-parent commit on a round whose second parent is `revision`.
    func findMerge(of revision: ObjectID, from head: ObjectID) throws -> ObjectID? {
        var cursor: ObjectID? = head
        while let id = cursor {
            let commit = try git.commit(id)
            if commit.parents.count > 1 && commit.parents[1] == revision { return id }
            cursor = commit.parents.first
        }
        return nil
    }
}
