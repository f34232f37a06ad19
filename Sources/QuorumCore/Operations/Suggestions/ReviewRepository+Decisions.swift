import Foundation
import QuorumGit

/// What an objection, resolution, withdrawal, rejection or revocation recorded.
public struct DecisionResult: Codable, Sendable {
    public let id: String
    public let suggestion: String
    public let event: String
    public let state: SuggestionState
    public let openObjections: Int
}

extension ReviewRepository {
    /// Raises an objection: merging is blocked until its author resolves it.
    /// Anyone in the round's audience or approvers, and leads, may object.
    public func object(_ idPrefix: String, reason: String) throws -> DecisionResult {
        let text = try Validation.checkMessage(reason)
        return try decide(idPrefix, action: "object to") { actor, roster, suggestion, round in
            guard roster.isLead(actor.email) || roster.isIn(actor.email, groups: round.audience + round.approvers) else {
                throw QuorumError.refused("\(actor.email) is not in round \(round.number)'s audience or approvers, so may not object")
            }
            var record = EventRecord(type: .object)
            record.message = text
            return (record, "Object: \(suggestion.title)")
        }
    }

    /// Lifts an objection; only the person who raised it may. With no
    /// objection named, the caller's one open objection on it.
    public func resolve(_ idPrefix: String, objection objectionPrefix: String?) throws -> DecisionResult {
        try decide(idPrefix, action: "resolve an objection on") { actor, _, suggestion, _ in
            let open = suggestion.openObjections
            guard !open.isEmpty else { throw QuorumError.refused("suggestion \(suggestion.id.short) has no open objections") }
            let target: Objection
            if let objectionPrefix {
                let matches = open.filter { $0.id.hex.hasPrefix(objectionPrefix.lowercased()) }
                guard matches.count == 1, let match = matches.first else {
                    throw QuorumError.usage(
                        matches.isEmpty ? "no open objection \(objectionPrefix) on \(suggestion.id.short)" : "objection id \(objectionPrefix) is ambiguous",
                        remedy: "open objections: " + open.map { "\($0.id.short) by \($0.by.email)" }.joined(separator: ", "))
                }
                target = match
            } else {
                let mine = open.filter { $0.by.email.lowercased() == actor.email.lowercased() }
                guard mine.count == 1, let only = mine.first else {
                    throw QuorumError(mine.isEmpty ? .refused : .usage,
                        mine.isEmpty ? "you have no open objection on \(suggestion.id.short); only the person who objected may resolve it" : "you have \(mine.count) open objections on \(suggestion.id.short); name one",
                        remedy: "open objections: " + open.map { "\($0.id.short) by \($0.by.email)" }.joined(separator: ", "))
                }
                target = only
            }
            guard target.by.email.lowercased() == actor.email.lowercased() else {
                throw QuorumError.refused("objection \(target.id.short) was raised by \(target.by.email); only they may resolve it")
            }
            var record = EventRecord(type: .resolve)
            record.objection = target.id.hex
            return (record, "Resolve objection \(target.id.short): \(suggestion.title)")
        }
    }

    /// The author (or a co-author) takes a suggestion back.
    public func withdraw(_ idPrefix: String, reason: String?) throws -> DecisionResult {
        let text = try reason.map(Validation.checkMessage)
        return try decide(idPrefix, action: "withdraw") { actor, _, suggestion, _ in
            guard suggestion.authors.contains(actor.email.lowercased()) else {
                throw QuorumError.refused("only the author (\(suggestion.author.email)) may withdraw \(suggestion.id.short)", remedy: "an approver or lead can 'quorum reject' it instead")
            }
            var record = EventRecord(type: .withdraw)
            record.message = text
            return (record, "Withdraw: \(suggestion.title)")
        }
    }

    /// An approver of the round or a lead turns a suggestion down.
    public func reject(_ idPrefix: String, reason: String) throws -> DecisionResult {
        let text = try Validation.checkMessage(reason)
        return try decide(idPrefix, action: "reject") { actor, roster, suggestion, round in
            guard roster.isLead(actor.email) || roster.isIn(actor.email, groups: round.approvers) else {
                throw QuorumError.refused("only approvers of round \(round.number) (\(round.approvers.joined(separator: ", "))) and leads may reject")
            }
            var record = EventRecord(type: .reject)
            record.message = text
            return (record, "Reject: \(suggestion.title)")
        }
    }

    /// Takes back one's own approval.
    public func revoke(_ idPrefix: String, message: String?) throws -> DecisionResult {
        let text = try message.map(Validation.checkMessage)
        return try decide(idPrefix, action: "revoke an approval of") { actor, roster, suggestion, round in
            let mine = suggestion.approvals(in: round, roster: roster).first { $0.approver.email.lowercased() == actor.email.lowercased() }
            guard mine != nil else { throw QuorumError.refused("you have no approval on \(suggestion.id.short) to revoke") }
            var record = EventRecord(type: .revoke)
            record.message = text
            record.revision = suggestion.currentRevision.commit.hex
            return (record, "Revoke approval: \(suggestion.title)")
        }
    }

    /// The shared shape of a decision: load, check, append with
    /// compare-and-swap (retrying from fresh state on a lost race).
    private func decide(
        _ idPrefix: String, action: String,
        _ make: (Signature, Roster, Suggestion, Round) throws -> (EventRecord, String)
    ) throws -> DecisionResult {
        let actor = try identity()
        let (slug, id) = try resolve(idPrefix)
        return try retryingLostRaces {
            let (roster, _, suggestion, round) = try loadLive(slug, id, action: action)
            let (record, summary) = try make(actor, roster, suggestion, round)
            var trailers = [("Suggestion", id.hex)]
            if let objection = record.objection { trailers.append(("Objection", objection)) }
            let event = try append(record, to: Layout.suggestionMeta(slug, id), summary: summary, trailers: trailers, actor: actor, parent: suggestion.metaHead)
            let after = try self.suggestion(slug, id)
            return DecisionResult(
                id: event.hex, suggestion: id.hex, event: record.type.rawValue,
                state: after.state(in: round, roster: roster), openObjections: after.openObjections.count)
        }
    }
}
