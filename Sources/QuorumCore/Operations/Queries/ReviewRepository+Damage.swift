import Foundation
import QuorumGit

// The tolerant reader behind the listings (`list`, `status`, `inbox`,
// `show`): a chain holding an event that cannot be read (`DamagedEvent`)
// makes what it belongs to "damaged", and everything else is read as
// usual. Commands that act on such a chain use the strict readers, which
// fail naming it.

extension ReviewRepository {
    /// The proposal whose chain ends at `head`, or the event that keeps it
    /// from being read.
    func proposalReading(_ slug: String, head: ObjectID, roster: Roster) throws -> Result<Proposal, DamagedEvent> {
        try log.reading(from: head, ref: Layout.proposalMeta(slug)).map { Proposal(slug: slug, head: head, events: $0, roster: roster) }
    }

    /// The proposals whose chains end at these heads, sorted by slug, and
    /// apart those whose chain holds an event that cannot be read.
    func readProposals(at heads: [(slug: String, head: ObjectID)]) throws -> (proposals: [Proposal], damaged: [(slug: String, damage: DamagedEvent)]) {
        let roster = try roster()
        var proposals: [Proposal] = []
        var damaged: [(slug: String, damage: DamagedEvent)] = []
        for (slug, head) in heads {
            switch try proposalReading(slug, head: head, roster: roster) {
            case .success(let proposal): proposals.append(proposal)
            case .failure(let damage): damaged.append((slug, damage))
            }
        }
        return (proposals.sorted { $0.slug < $1.slug }, damaged.sorted { $0.slug < $1.slug })
    }

    /// The suggestion folded (its chain ending at `head`, default: its
    /// ref's target), or the event that keeps it from being read; a chain
    /// that does not begin with the suggestion's own suggest event counts
    /// as damaged too.
    func suggestionReading(
        _ slug: String, _ id: ObjectID, head: ObjectID? = nil, proposal: Proposal, roster: Roster, facts: DerivedFacts? = nil
    ) throws -> Result<Suggestion, DamagedEvent> {
        let ref = Layout.suggestionMeta(slug, id)
        guard let head = try head ?? git.referenceTarget(ref) else {
            throw noSuchSuggestion(id.short)
        }
        switch try log.reading(from: head, ref: ref) {
        case .failure(let damage):
            return .failure(damage)
        case .success(let events):
            do {
                return .success(try suggestion(slug, id, head: head, events: events, proposal: proposal, roster: roster, facts: facts))
            } catch let error as QuorumError where error.code == .chainShape {
                return .failure(DamagedEvent(
                    ref: ref, commit: (events.first?.id ?? head).hex,
                    reason: "is not the suggest event that must begin the chain of suggestion \(id.short)", remedy: DamagedEvent.notQuorums))
            }
        }
    }

    /// A damaged suggestion as `list` shows it: what its first event tells
    /// (round, title, author, date) when that can be read.
    func damagedSummary(_ slug: String, _ id: ObjectID, damage: DamagedEvent, quorum: Int) -> SuggestionSummary {
        let first = firstEvent(id)
        return SuggestionSummary(
            id: id.hex, slug: slug, round: first.record?.round ?? 0, title: first.record?.title ?? "",
            author: first.author?.email ?? "", state: .damaged, approvals: 0, quorum: quorum, revisions: 0,
            created: first.author?.time ?? 0, coAuthors: [], approvedBy: [], objectors: [], damaged: damage)
    }

    /// A damaged suggestion as `show` shows it.
    func damagedDetail(_ slug: String, _ id: ObjectID, damage: DamagedEvent, proposal: Proposal, roster: Roster) throws -> SuggestionDetail {
        let first = firstEvent(id)
        let round = first.record?.round.flatMap { proposal.round($0) }
        return SuggestionDetail(
            id: id.hex, slug: slug, round: first.record?.round ?? 0, title: first.record?.title ?? "", message: first.record?.message ?? "",
            author: first.author?.email ?? "", authorName: first.author?.name ?? "", created: first.author?.time ?? 0,
            state: .damaged, quorum: round?.quorum ?? roster.policy.quorum, revision: 0, revisionCommit: "", base: "", documents: [],
            approvals: [], mergedAs: nil, mergedBy: nil, coAuthors: [], revisions: [], objections: [], comments: [],
            endedBy: nil, endReason: nil, conflictedWith: nil, neverMerges: nil, diff: nil, damaged: damage)
    }

    /// The first event of the chain at `ref` (followed along first
    /// parents), when it can be read.
    func firstEvent(ofChainAt ref: String) throws -> EventRecord? {
        guard var cursor = try git.referenceTarget(ref) else { return nil }
        while let parent = (try? git.commit(cursor))?.parents.first { cursor = parent }
        return firstEvent(cursor).record
    }

    /// The record of event commit `id` when it can be read, and its author.
    private func firstEvent(_ id: ObjectID) -> (record: EventRecord?, author: Signature?) {
        guard let commit = try? git.commit(id) else { return (nil, nil) }
        if case .event(let event)? = try? log.decoded(commit) { return (event.record, commit.author) }
        return (nil, commit.author)
    }
}
