import Foundation
import QuorumGit

/// What `comment` recorded.
public struct CommentResult: Codable, Sendable {
    public let id: String
    /// The proposal slug or suggestion id commented on.
    public let target: String
    public let anchor: CommentAnchor?
    public let replyTo: String?
}

extension ReviewRepository {
    /// Comments on a proposal (by slug) or a suggestion (by id), optionally
    /// on a document's line range or Markdown section, or as a reply.
    /// Anyone in the round's audience or approvers, and leads, may comment.
    public func comment(
        on target: String, text: String, document: String?, lines: ClosedRange<Int>?, section: String?, reply: String?
    ) throws -> CommentResult {
        let body = try Validation.checkMessage(text)
        if lines != nil && section != nil {
            throw QuorumError.usage("give --lines or --section, not both", remedy: "anchor the comment to lines (--lines A-B) or to a section (--section HEADING)")
        }
        let actor = try identity()
        var isProposal = false
        if (try? Validation.checkSlug(target)) != nil {
            isProposal = try git.referenceTarget(Layout.proposalMeta(target)) != nil
        }
        return try retryingLostRaces {
            let roster = try roster()
            let ref: String
            let anchorCommit: ObjectID
            let round: Round
            let slug: String
            let existing: [Comment]
            let parent: ObjectID?
            var trailers: [(String, String)] = []
            if isProposal {
                slug = target
                let proposal = try proposal(slug)
                guard let open = proposal.openRound else { throw QuorumError.refused("proposal '\(slug)' has no open round", remedy: "see 'quorum rounds \(slug)'") }
                round = open
                anchorCommit = try roundHead(open)
                ref = Layout.proposalComments(slug)
                let chain = try log.read(ref)
                parent = chain?.head
                existing = chain?.events.filter { $0.record.type == .comment }.map(Comment.init(event:)) ?? []
                trailers.append((Trailers.proposal, slug))
            } else {
                let (s, id) = try resolve(target)
                slug = s
                let proposal = try proposal(s)
                let suggestion = try suggestion(s, id, proposal: proposal, roster: roster)
                guard let r = proposal.round(suggestion.round) else { throw QuorumError(.failure, "suggestion \(id.short) names a missing round") }
                round = r
                anchorCommit = suggestion.currentRevision.commit
                ref = Layout.suggestionMeta(s, id)
                parent = suggestion.metaHead
                existing = suggestion.comments
                trailers.append((Trailers.suggestion, id.hex))
            }
            try enforce(Rules.mayComment(actor.email, in: round, roster: roster))
            var record = EventRecord(type: .comment)
            record.message = body
            if let reply {
                let matches = existing.filter { $0.id.hex.hasPrefix(reply.lowercased()) }
                guard reply.count >= 4, matches.count == 1, let parentComment = matches.first else {
                    throw QuorumError.usage(matches.count > 1 ? "comment id \(reply) is ambiguous" : "no comment \(reply) on \(target)", remedy: "see the comment ids with 'quorum show \(target)'")
                }
                record.reply = parentComment.id.hex
                trailers.append(("Reply-To", parentComment.id.hex))
            }
            if document != nil || lines != nil || section != nil {
                record.anchor = try makeAnchor(slug: slug, commit: anchorCommit, document: document, lines: lines, section: section)
            }
            let summary = "Comment: " + String(body.split(separator: "\n").first ?? "").prefix(60)
            let event = try append(record, to: ref, summary: summary, trailers: trailers, actor: actor, parent: parent)
            return CommentResult(id: event.hex, target: isProposal ? slug : trailers[0].1, anchor: record.anchor, replyTo: record.reply)
        }
    }

    private func makeAnchor(slug: String, commit: ObjectID, document: String?, lines: ClosedRange<Int>?, section: String?) throws -> CommentAnchor {
        let (name, blob) = try self.document(document, in: commit, slug: slug, option: "--doc")
        // One parse gives the lines and the headings as a reader sees them
        // (CRLF, a byte order mark, setext headings); the text stays as stored.
        let text = MarkdownDocument(try git.readBlob(blob))
        var anchor = CommentAnchor(document: name, firstLine: nil, lastLine: nil, section: nil, commit: commit.hex)
        if let lines {
            let count = text.lines.count
            guard lines.lowerBound >= 1, lines.upperBound <= count else {
                throw QuorumError.usage("lines \(lines.lowerBound)-\(lines.upperBound) are outside \(name), which has \(count) lines", remedy: "give lines from 1 to \(count) ('quorum cat SLUG' prints the text)")
            }
            anchor.firstLine = lines.lowerBound
            anchor.lastLine = lines.upperBound
        }
        if let section {
            guard let heading = text.heading(named: section) else {
                let headings = text.headings.map(\.text)
                throw QuorumError.usage("\(name) has no section '\(section)'", remedy: headings.isEmpty
                    ? "\(name) has no headings: comment on lines instead (--lines A-B), or on the whole document"
                    : "its headings: \(headings.prefix(12).joined(separator: "; "))")
            }
            anchor.section = heading.text
        }
        return anchor
    }

    /// Comments in thread order (each thread's first comment, then its
    /// replies), with anchors mapped onto the text of `current`.
    func commentThreads(_ comments: [Comment], slug: String, current: ObjectID?) throws -> [CommentReport] {
        let currentDocs = try current.map { try documents(in: git.commit($0).tree, slug: slug) } ?? [:]
        var children: [ObjectID?: [Comment]] = [:]
        let known = Set(comments.map(\.id))
        for comment in comments {
            let parent = comment.reply.flatMap { known.contains($0) ? $0 : nil }
            children[parent, default: []].append(comment)
        }
        var reports: [CommentReport] = []
        var parsed: [String: MarkdownDocument] = [:]  // each current document parsed once
        func visit(_ parent: ObjectID?, depth: Int) throws {
            for comment in children[parent] ?? [] {
                reports.append(try report(comment, depth: depth, slug: slug, currentDocs: currentDocs, parsed: &parsed))
                try visit(comment.id, depth: depth + 1)
            }
        }
        try visit(nil, depth: 0)
        return reports
    }

    private func report(
        _ comment: Comment, depth: Int, slug: String, currentDocs: [String: ObjectID], parsed: inout [String: MarkdownDocument]
    ) throws -> CommentReport {
        var first: Int?
        var last: Int?
        var outdated = false
        if let anchor = comment.anchor {
            let nowText = try currentDocs[anchor.document].map { try git.readBlob($0) }
            if let nowText {
                if let section = anchor.section {
                    let now = parsed[anchor.document] ?? MarkdownDocument(nowText)
                    parsed[anchor.document] = now
                    if let heading = now.heading(named: section) {
                        first = heading.section.lowerBound
                        last = heading.section.upperBound
                    } else {
                        outdated = true
                    }
                } else if let a = anchor.firstLine, let b = anchor.lastLine,
                          let commit = ObjectID(hex: anchor.commit) {
                    let thenText = try git.blobID(in: git.commit(commit).tree, at: Layout.documentPath(slug, anchor.document)).map(git.readBlob) ?? Data()
                    if let moved = try remap(a...b, from: thenText, to: nowText) {
                        first = moved.lowerBound
                        last = moved.upperBound
                    } else {
                        outdated = true
                        first = a
                        last = b
                    }
                }
            } else {
                outdated = true
            }
        }
        return CommentReport(
            id: comment.id.hex, author: comment.by.email, name: comment.by.name, date: comment.by.time, text: comment.text,
            replyTo: comment.reply?.hex, depth: depth, document: comment.anchor?.document, section: comment.anchor?.section,
            firstLine: first, lastLine: last, outdated: outdated)
    }

    /// Where lines `range` of `old` are in `new`; nil when any of them
    /// changed. Lines are counted as a reader sees them (`DocumentLines`):
    /// a change of line endings alone (CRLF to LF) or of the byte order
    /// mark moves nothing.
    func remap(_ range: ClosedRange<Int>, from old: Data, to new: Data) throws -> ClosedRange<Int>? {
        if old == new { return range }
        let oldText = Data(utf8: DocumentLines(old).readerText), newText = Data(utf8: DocumentLines(new).readerText)
        var shift = 0
        for change in try git.lineChanges(from: oldText, to: newText) {
            if change.oldLines == 0 {
                // An insertion after line oldStart.
                if change.oldStart < range.lowerBound {
                    shift += change.newLines
                } else if change.oldStart < range.upperBound {
                    return nil
                }
            } else {
                let end = change.oldStart + change.oldLines - 1
                if end < range.lowerBound {
                    shift += change.newLines - change.oldLines
                } else if change.oldStart <= range.upperBound {
                    return nil
                }
            }
        }
        return (range.lowerBound + shift)...(range.upperBound + shift)
    }
}
