import Foundation
import QuorumGit

/// One thing that waits for the caller.
public struct InboxItem: Codable, Sendable {
    public enum Reason: String, Codable, Sendable {
        /// Someone else's suggestion that needs your approval.
        case approve
        /// Your suggestion has its approvals: merge it.
        case merge
        /// Your suggestion no longer applies: revise it.
        case revise
        /// Someone objected to your suggestion.
        case objected
        /// An objection you raised is still open: resolve it when satisfied.
        case resolve
    }

    public let reason: Reason
    public let suggestion: SuggestionSummary
    public let detail: String
}

extension ReviewRepository {
    /// What the caller owes or is owed, oldest first: suggestions waiting
    /// for their approval; their own suggestions that are approved,
    /// conflicted or objected to; and objections they raised and must resolve.
    /// `damaged` names the events that could not be read: what they belong
    /// to is left out.
    public func inbox() throws -> (person: String, items: [InboxItem], damaged: [DamagedEvent]) {
        let actor = try identity()
        let me = actor.email.lowercased()
        let roster = try roster()
        // Suggestions and proposals from one pass over the refs.
        let (summaries, heads) = try SummaryIndex(repository: self).summariesAndProposals()
        var rounds: [String: Proposal] = [:]
        let (proposals, damagedProposals) = try readProposals(at: heads)
        for proposal in proposals { rounds[proposal.slug] = proposal }
        var items: [InboxItem] = []
        for summary in summaries where !summary.state.isFinal && summary.state != .damaged {
            guard let proposal = rounds[summary.slug], let round = proposal.round(summary.round), !round.closed else { continue }
            let mine = summary.author.lowercased() == me || summary.coAuthors.contains { $0.lowercased() == me }
            if mine {
                if summary.state == .conflicted {
                    items.append(InboxItem(reason: .revise, suggestion: summary, detail: "conflicts with the round's current text"))
                } else if !summary.objectors.isEmpty {
                    items.append(InboxItem(reason: .objected, suggestion: summary, detail: "objection by \(summary.objectors.joined(separator: ", "))"))
                } else if summary.state == .approved {
                    items.append(InboxItem(reason: .merge, suggestion: summary, detail: "approved by \(summary.approvedBy.joined(separator: ", "))"))
                }
            } else if summary.state != .conflicted,
                      roster.isIn(me, groups: round.approvers),
                      !summary.approvedBy.contains(where: { $0.lowercased() == me }),
                      summary.approvals < summary.quorum {
                items.append(InboxItem(reason: .approve, suggestion: summary, detail: "\(summary.approvals) of \(summary.quorum) approvals"))
            }
            if summary.objectors.contains(where: { $0.lowercased() == me }) {
                items.append(InboxItem(reason: .resolve, suggestion: summary, detail: "your objection is open"))
            }
        }
        let damaged = Listing([InboxItem](), damaged: damagedProposals.map(\.damage) + summaries.compactMap(\.damaged)).damaged
        return (actor.email, items, damaged)
    }
}
