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
            let (roster, proposal, suggestion, round) = try loadLive(slug, id, action: "approve")
            let revision = suggestion.currentRevision.commit
            try enforce(Rules.mayApprove(actor.email, of: suggestion, in: round, roster: roster))
            try enforce(Rules.approvalIsNew(actor.email, revision: revision, of: suggestion))
            var record = EventRecord(type: .approve)
            record.revision = revision.hex
            record.message = note
            let event = try append(
                record, to: Layout.suggestionMeta(slug, id), summary: "Approve: \(suggestion.title)",
                trailers: [(Trailers.suggestion, id.hex), (Trailers.revision, revision.hex)], actor: actor, parent: suggestion.metaHead)
            let after = try self.suggestion(slug, id, proposal: proposal, roster: roster)
            let counting = after.approvals(in: round, roster: roster).filter(\.counts).count
            return ApproveResult(
                id: event.hex, suggestion: id.hex, revision: revision.hex, approvals: counting,
                quorum: round.quorum, state: after.state(in: round, roster: roster))
        }
    }
}
