import Foundation
import QuorumGit

/// One line of `list` / `status`.
public struct SuggestionSummary: Codable, Sendable {
    public let id: String
    public let slug: String
    public let round: Int
    public let title: String
    public let author: String
    public let state: SuggestionState
    public let approvals: Int
    public let quorum: Int
    public let revisions: Int
    public let created: Int64
    public let coAuthors: [String]
    /// Emails of the approvals that count now.
    public let approvedBy: [String]
    /// Emails of the people with an open objection.
    public let objectors: [String]
    /// The event that could not be read, when `state` is `damaged`.
    public var damaged: DamagedEvent? = nil
}

/// What a listing read, and each event it could not read on the way (once):
/// what such an event belongs to is shown as damaged, or left out when a
/// filter asked for something else.
public struct Listing<Item: Sendable>: Sendable {
    public var items: [Item]
    public var damaged: [DamagedEvent]

    init(_ items: [Item], damaged: [DamagedEvent]) {
        self.items = items
        var seen: Set<DamagedEvent> = []
        self.damaged = damaged.filter { seen.insert($0).inserted }
    }
}

/// An approval as `show` reports it.
public struct ApprovalReport: Codable, Sendable {
    public let email: String
    public let name: String
    public let revision: String
    public let counts: Bool
    public let reason: String?
    public let message: String?
}

/// Everything `show` tells about a suggestion.
public struct SuggestionDetail: Codable, Sendable {
    public let id: String
    public let slug: String
    public let round: Int
    public let title: String
    public let message: String
    public let author: String
    public let authorName: String
    public let created: Int64
    public let state: SuggestionState
    public let quorum: Int
    public let revision: Int
    public let revisionCommit: String
    public let base: String
    public let documents: [String]
    public let approvals: [ApprovalReport]
    public let mergedAs: String?
    public let mergedBy: String?
    public let coAuthors: [String]
    public let revisions: [RevisionReport]
    public let objections: [ObjectionReport]
    public let comments: [CommentReport]
    /// Who withdrew or rejected it, and why.
    public let endedBy: String?
    public let endReason: String?
    /// The round head it failed to apply to, while conflicted.
    public let conflictedWith: String?
    /// Why it never merges, when its own first event's signature does not
    /// hold where the policy requires one (nil otherwise).
    public let neverMerges: String?
    /// With `diff`: the change as a unified diff (`git diff`'s text)…
    public var diff: String?
    /// …and word by word (see `DocumentDiff`).
    public var wordDiff: [DocumentDiff]? = nil
    /// The event that could not be read, when `state` is `damaged` (and
    /// only what its first event tells is filled in).
    public var damaged: DamagedEvent? = nil
}

/// A revision as `show` reports it.
public struct RevisionReport: Codable, Sendable {
    public let number: Int
    public let commit: String
    public let base: String
    public let kind: String
    public let by: String
    public let date: Int64
}

/// An objection as `show` reports it.
public struct ObjectionReport: Codable, Sendable {
    public let id: String
    public let by: String
    public let reason: String
    public let open: Bool
    public let resolvedBy: String?
    /// A lead's reason for lifting it in the objector's place.
    public let overrideReason: String?
}

/// A proposal as `show SLUG` reports it: its status and comment threads.
public struct ProposalDetail: Codable, Sendable {
    public let status: ProposalStatus
    public let rounds: [Round]
    public let comments: [CommentReport]
}

/// One accepted change on a round, for `log`.
public struct LogEntry: Codable, Sendable {
    public let commit: String
    public let date: Int64
    public let title: String
    public let suggestion: String?
    public let suggestedBy: String?
    public let approvedBy: [String]
}

/// A proposal's state for `status`.
public struct ProposalStatus: Codable, Sendable {
    public let slug: String
    public let title: String
    public let documents: [String]
    public let round: Round?
    public let head: String?
    public let counts: [String: Int]
    public let suggestions: [SuggestionSummary]?
    /// The event of the proposal's chain that could not be read: then only
    /// its slug, title and counts are known.
    public var damaged: DamagedEvent? = nil
}

extension ReviewRepository {
    /// Every suggestion (optionally of one proposal, or in one state),
    /// oldest first. Served from the summary index, so it stays fast as
    /// history grows. See `listing` for the events it could not read.
    public func list(slug: String? = nil, state: SuggestionState? = nil) throws -> [SuggestionSummary] {
        try listing(slug: slug, state: state).items
    }

    /// `list`, with the events it could not read: a suggestion whose chain
    /// (or its proposal's) holds one is listed as `damaged`.
    public func listing(slug: String? = nil, state: SuggestionState? = nil) throws -> Listing<SuggestionSummary> {
        if let slug { try requireProposal(slug) }
        var summaries = try SummaryIndex(repository: self).summaries()
        if let slug { summaries = summaries.filter { $0.slug == slug } }
        let damaged = summaries.compactMap(\.damaged)
        if let state { summaries = summaries.filter { $0.state == state } }
        return Listing(summaries, damaged: damaged)
    }

    /// Whether a proposal's chain exists (readable or not).
    public func hasProposal(_ slug: String) throws -> Bool {
        guard (try? Validation.checkSlug(slug)) != nil else { return false }
        return try git.referenceTarget(Layout.proposalMeta(slug)) != nil
    }

    private func requireProposal(_ slug: String) throws {
        try Validation.checkSlug(slug)
        guard try hasProposal(slug) else {
            throw noSuchProposal(slug)
        }
    }

    func summary(of suggestion: Suggestion, round: Round?, roster: Roster) -> SuggestionSummary {
        // Judged once: this runs for every changed suggestion on a cold `list`.
        let counting = suggestion.approvals(in: round, roster: roster).filter(\.counts)
        return SuggestionSummary(
            id: suggestion.id.hex, slug: suggestion.slug, round: suggestion.round, title: suggestion.title,
            author: suggestion.author.email, state: suggestion.state(in: round, counting: counting.count),
            approvals: counting.count,
            quorum: round?.quorum ?? roster.policy.quorum, revisions: suggestion.revisions.count,
            created: suggestion.author.time, coAuthors: suggestion.coAuthors,
            approvedBy: counting.map(\.approver.email),
            objectors: suggestion.openObjections.map(\.by.email))
    }

    /// Proposals with their open round and counts by state; with a slug,
    /// that one proposal and its suggestions. See `statusListing` for the
    /// events it could not read.
    public func status(slug: String? = nil) throws -> [ProposalStatus] {
        try statusListing(slug: slug).items
    }

    /// `status`, with the events it could not read: a proposal whose chain
    /// holds one is listed as damaged (its slug and counts only), and its
    /// suggestions, or any whose chain holds one, count as `damaged`. With
    /// a slug, a damaged proposal fails (`event.malformed`).
    public func statusListing(slug: String? = nil) throws -> Listing<ProposalStatus> {
        let proposals: [Proposal]
        let all: [SuggestionSummary]
        var totals: [String: [SuggestionState: Int]] = [:]
        var damaged: [DamagedEvent] = []
        var damagedProposals: [(slug: String, damage: DamagedEvent)] = []
        if let slug {
            proposals = [try proposal(slug)]
            all = try SummaryIndex(repository: self).summaries().filter { $0.slug == slug }
            for summary in all { totals[slug, default: [:]][summary.state, default: 0] += 1 }
            damaged = all.compactMap(\.damaged)
        } else {
            // Every proposal: counts only, which the summary index keeps as
            // totals, and the proposals' heads from the same pass over the refs.
            let scanned = try SummaryIndex(repository: self).counts()
            totals = scanned.counts
            (proposals, damagedProposals) = try readProposals(at: scanned.proposals)
            damaged = damagedProposals.map(\.damage) + scanned.damaged
            all = []
        }
        func counts(_ slug: String) -> [String: Int] {
            var counts: [String: Int] = [:]
            for state in SuggestionState.allCases { counts[state.rawValue] = totals[slug]?[state] ?? 0 }
            return counts
        }
        var statuses = try proposals.map { proposal in
            let head = try proposal.openRound.flatMap { try git.referenceTarget($0.branch) }
            let docs = try head.map { try documents(in: git.commit($0).tree, slug: proposal.slug).keys.sorted() } ?? proposal.documents
            return ProposalStatus(
                slug: proposal.slug, title: proposal.title, documents: docs, round: proposal.openRound,
                head: head?.hex, counts: counts(proposal.slug), suggestions: slug == nil ? nil : all)
        }
        for (slug, damage) in damagedProposals {
            let first = try firstEvent(ofChainAt: Layout.proposalMeta(slug))
            statuses.append(ProposalStatus(
                slug: slug, title: first?.title ?? "", documents: first?.documents ?? [], round: nil, head: nil,
                counts: counts(slug), suggestions: nil, damaged: damage))
        }
        return Listing(statuses.sorted { $0.slug < $1.slug }, damaged: damaged)
    }

    /// The whole story of one suggestion; with `diff`, its change as a
    /// unified diff against the text it was written on.
    /// A suggestion whose chain holds an event that cannot be read is
    /// shown as `damaged`, with what its first event tells.
    public func show(_ idPrefix: String, diff: Bool) throws -> SuggestionDetail {
        let (slug, id) = try resolve(idPrefix)
        let roster = try roster()
        let proposal = try proposal(slug, roster: roster)
        let suggestion: Suggestion
        switch try suggestionReading(slug, id, proposal: proposal, roster: roster) {
        case .success(let read): suggestion = read
        case .failure(let damage): return try damagedDetail(slug, id, damage: damage, proposal: proposal, roster: roster)
        }
        let round = proposal.round(suggestion.round)
        let revision = suggestion.currentRevision
        let revisionTree = try git.commit(revision.commit).tree
        let baseTree = try git.commit(revision.base).tree
        let before = try documents(in: baseTree, slug: slug)
        let after = try documents(in: revisionTree, slug: slug)
        let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
        var detail = SuggestionDetail(
            id: id.hex, slug: slug, round: suggestion.round, title: suggestion.title, message: suggestion.message,
            author: suggestion.author.email, authorName: suggestion.author.name, created: suggestion.author.time,
            state: suggestion.state(in: round, roster: roster), quorum: round?.quorum ?? roster.policy.quorum,
            revision: revision.number, revisionCommit: revision.commit.hex, base: revision.base.hex, documents: changed,
            approvals: suggestion.approvals(in: round, roster: roster).map {
                ApprovalReport(email: $0.approver.email, name: $0.approver.name, revision: $0.revision.hex, counts: $0.counts, reason: $0.notCounted, message: $0.message)
            },
            mergedAs: suggestion.mergedAs?.hex, mergedBy: suggestion.mergedBy?.email,
            coAuthors: suggestion.coAuthors,
            revisions: suggestion.revisions.map {
                RevisionReport(number: $0.number, commit: $0.commit.hex, base: $0.base.hex, kind: $0.kind.rawValue, by: $0.by.email, date: $0.by.time)
            },
            objections: suggestion.objections.map {
                ObjectionReport(id: $0.id.hex, by: $0.by.email, reason: $0.reason, open: $0.isOpen, resolvedBy: $0.resolved?.email, overrideReason: $0.overrideReason)
            },
            comments: try commentThreads(suggestion.comments, slug: slug, current: revision.commit),
            endedBy: suggestion.ended?.by.email, endReason: suggestion.ended?.reason,
            conflictedWith: suggestion.conflictedWith?.hex, neverMerges: suggestion.unverified?.description, diff: nil)
        if diff {
            detail.diff = try git.diff(from: baseTree, to: revisionTree)
            detail.wordDiff = try documentDiffs(from: baseTree, to: revisionTree, slug: slug)
        }
        return detail
    }

    /// A proposal's status, rounds and comment threads (anchors mapped onto
    /// the open round's current text).
    public func showProposal(_ slug: String) throws -> ProposalDetail {
        try showProposalListing(slug).items[0]
    }

    /// `showProposal`, with the events of its suggestions' chains that
    /// could not be read (its own chain must be readable).
    public func showProposalListing(_ slug: String) throws -> Listing<ProposalDetail> {
        let proposal = try proposal(slug)
        let listing = try statusListing(slug: slug)
        guard let status = listing.items.first else { throw noSuchProposal(slug) }
        // Comments whose signature does not hold (where the policy requires
        // one) or whose text is not plain are left out, as a suggestion's are.
        let roster = try roster()
        let events = try log.read(Layout.proposalComments(slug))?.events ?? []
        let exempt = roster.exempt(events)
        let comments = events.filter { event in
            event.record.type == .comment && Rules.signature(of: event, roster: roster, exempt: exempt, atPush: false) == nil
                && Rules.plainText(of: event.payload, actor: event.actor) == nil
        }.map(Comment.init(event:))
        let head = try (proposal.openRound ?? proposal.rounds.last).map(roundHead)
        return Listing(
            [ProposalDetail(status: status, rounds: proposal.rounds, comments: try commentThreads(comments, slug: slug, current: head))],
            damaged: listing.damaged)
    }

    /// The accepted changes of a round (default: the open one), newest
    /// first, read from its first-parent history and merge trailers.
    public func history(slug: String, round number: Int? = nil) throws -> [LogEntry] {
        let proposal = try proposal(slug)
        guard let round = try number.map({ n in
            guard let r = proposal.round(n) else { throw QuorumError.usage("proposal '\(slug)' has no round \(n)", remedy: "see 'quorum rounds \(slug)' for its rounds") }
            return r
        }) ?? proposal.openRound ?? proposal.rounds.last else { return [] }
        var entries: [LogEntry] = []
        var cursor: ObjectID? = try roundHead(round)
        while let id = cursor {
            let commit = try git.commit(id)
            let trailers = Trailers.parse(commit.message)
            entries.append(LogEntry(
                commit: id.hex, date: commit.committer.time,
                title: String(commit.message.split(separator: "\n", maxSplits: 1).first ?? ""),
                suggestion: trailers.first(Trailers.suggestion), suggestedBy: trailers.first(Trailers.suggestedBy),
                approvedBy: trailers.all(Trailers.approvedBy)))
            cursor = commit.parents.first
        }
        return entries
    }

    /// The current text of a document, byte for byte (of the open round,
    /// or of round `number`). With no document named, the proposal must
    /// have exactly one.
    public func text(slug: String, document: String?, round number: Int? = nil) throws -> Data {
        try text(slug: slug, document: document, at: number.map(Snapshot.round) ?? .current)
    }

    /// A document's text at a snapshot (open round, a round, a version).
    public func text(slug: String, document: String?, at snapshot: Snapshot) throws -> Data {
        try text(slug: slug, document: document, in: commit(of: snapshot, slug: slug))
    }

    /// A document's text in one commit of the proposal's rounds.
    public func text(slug: String, document: String?, in commit: ObjectID) throws -> Data {
        try git.readBlob(self.document(document, in: commit, slug: slug).blob)
    }

    /// The document a user named in a commit's text, or the only one when
    /// they named none; a usage error listing the documents otherwise.
    func document(_ given: String?, in commit: ObjectID, slug: String, option: String = "DOC") throws -> (name: String, blob: ObjectID) {
        let docs = try documents(in: git.commit(commit).tree, slug: slug)
        let choices = "one of: \(docs.keys.sorted().joined(separator: ", "))"
        guard let name = given ?? (docs.count == 1 ? docs.keys.first : nil) else {
            throw QuorumError.usage("proposal '\(slug)' has \(docs.count) documents; name one with \(option)", remedy: choices)
        }
        try Validation.checkDocumentPath(name)
        guard let blob = docs[name] else {
            throw QuorumError.usage("proposal '\(slug)' has no document '\(name)' at \(commit.short)", remedy: choices)
        }
        return (name, blob)
    }
}
