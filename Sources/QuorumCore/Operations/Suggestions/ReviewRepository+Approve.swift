import Foundation
import QuorumGit

/// What `approve` recorded.
public struct ApproveResult: Codable, Sendable {
    public let id: String
    public let suggestion: String
    public let revision: String
    public let approvals: Int
    public let quorum: Int
    public let state: SuggestionState
}

extension ReviewRepository {
    /// Signs off the current revision of a suggestion. Refused for its
    /// author, for anyone who is not an approver of its round, for a second
    /// approval of the same revision, and once it is merged.
    public func approve(_ idPrefix: String, message: String?) throws -> ApproveResult {
        let actor = try identity()
        let (slug, id) = try resolve(idPrefix)
        let note = try message.map(Validation.checkMessage)
        return try retryingLostRaces {
            let (roster, _, suggestion, round) = try loadLive(slug, id, action: "approve")
            let who = actor.email.lowercased()
            if suggestion.authors.contains(who) {
                throw QuorumError.refused("you wrote suggestion \(id.short)\(who == suggestion.author.email.lowercased() ? "" : " as a co-author"); an approval must come from someone else", remedy: "ask two approvers of round \(round.number) to review it")
            }
            if suggestion.conflictedWith != nil {
                throw QuorumError.refused("suggestion \(id.short) is conflicted; wait for its author to revise it")
            }
            guard roster.isIn(who, groups: round.approvers) else {
                throw QuorumError.refused(
                    "\(actor.email) is not an approver of round \(round.number) of '\(slug)' (approvers: \(round.approvers.joined(separator: ", ")))",
                    remedy: "ask a lead to add you to one of those groups")
            }
            let revision = suggestion.currentRevision.commit
            let standing = suggestion.approvals(in: round, roster: roster).first { $0.approver.email.lowercased() == who }
            if let standing, standing.revision == revision {
                throw QuorumError.refused("you have approved revision \(suggestion.currentRevision.number) of \(id.short) already; an approval counts once")
            }
            var record = EventRecord(type: .approve)
            record.revision = revision.hex
            record.message = note
            let event = try append(
                record, to: Layout.suggestionMeta(slug, id), summary: "Approve: \(suggestion.title)",
                trailers: [("Suggestion", id.hex), ("Revision", revision.hex)], actor: actor, parent: suggestion.metaHead)
            let after = try self.suggestion(slug, id)
            let counting = after.approvals(in: round, roster: roster).filter(\.counts).count
            return ApproveResult(
                id: event.hex, suggestion: id.hex, revision: revision.hex, approvals: counting,
                quorum: round.quorum, state: after.state(in: round, roster: roster))
        }
    }

    /// The round a suggestion belongs to, refusing when it no longer
    /// accepts approvals or merges.
    func writableRound(of suggestion: Suggestion, in proposal: Proposal) throws -> Round {
        guard let round = proposal.round(suggestion.round) else {
            throw QuorumError(.failure, "suggestion \(suggestion.id.short) names round \(suggestion.round), which '\(proposal.slug)' does not have")
        }
        if round.closed {
            let open = proposal.openRound.map { "round \($0.number) (\($0.name))" } ?? "none"
            throw QuorumError.refused("round \(round.number) of '\(proposal.slug)' is closed; the open round is \(open)")
        }
        return round
    }
}
