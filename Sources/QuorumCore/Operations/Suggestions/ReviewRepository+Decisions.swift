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
            try enforce(Rules.mayObject(actor.email, in: round, roster: roster))
            var record = EventRecord(type: .object)
            record.message = text
            return (record, "Object: \(suggestion.title)")
        }
    }

    /// Lifts an objection; only the person who raised it may, or a lead
    /// with `override` and a reason (recorded, and shown by `show` and in
    /// the changelog). With no objection named, the caller's one open
    /// objection on it.
    public func resolve(_ idPrefix: String, objection objectionPrefix: String?, override: Bool = false, reason: String? = nil) throws -> DecisionResult {
        let why = try reason.map(Validation.checkMessage)
        if override, objectionPrefix == nil {
            throw QuorumError.usage("name the objection to override", remedy: "see the objection ids with 'quorum show \(idPrefix)'")
        }
        return try decide(idPrefix, action: "resolve an objection on") { actor, roster, suggestion, _ in
            let open = suggestion.openObjections
            guard !open.isEmpty else {
                throw QuorumError(Refusal(.resolveNothing, "suggestion \(suggestion.id.short) has no open objections", remedy: "'quorum show \(suggestion.id.short)' lists its objections and who lifted them"))
            }
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
                        mine.isEmpty ? "you have no open objection on \(suggestion.id.short); only the person who objected may resolve it (or a lead, with --override)" : "you have \(mine.count) open objections on \(suggestion.id.short); name one",
                        remedy: "open objections: " + open.map { "\($0.id.short) by \($0.by.email)" }.joined(separator: ", "),
                        code: mine.isEmpty ? .resolveNotObjector : nil)
                }
                target = only
            }
            try enforce(Rules.mayResolve(actor.email, target, override: override, reason: why, roster: roster))
            var record = EventRecord(type: .resolve)
            record.objection = target.id.hex
            if override {
                record.override = true
                record.message = why
                return (record, "Override \(target.by.email)'s objection \(target.id.short): \(suggestion.title)")
            }
            return (record, "Resolve objection \(target.id.short): \(suggestion.title)")
        }
    }

    /// The author (or a co-author) takes a suggestion back — also one left
    /// in a round that has closed since.
    public func withdraw(_ idPrefix: String, reason: String?) throws -> DecisionResult {
        let text = try reason.map(Validation.checkMessage)
        return try decide(idPrefix, action: "withdraw", closedRoundToo: true) { actor, _, suggestion, _ in
            try enforce(Rules.mayWithdraw(actor.email, suggestion))
            var record = EventRecord(type: .withdraw)
            record.message = text
            return (record, "Withdraw: \(suggestion.title)")
        }
    }

    /// An approver of the round or a lead turns a suggestion down — also
    /// one left in a round that has closed since.
    public func reject(_ idPrefix: String, reason: String) throws -> DecisionResult {
        let text = try Validation.checkMessage(reason)
        return try decide(idPrefix, action: "reject", closedRoundToo: true) { actor, roster, suggestion, round in
            try enforce(Rules.mayReject(actor.email, in: round, roster: roster))
            var record = EventRecord(type: .reject)
            record.message = text
            return (record, "Reject: \(suggestion.title)")
        }
    }

    /// Takes back one's own approval.
    public func revoke(_ idPrefix: String, message: String?) throws -> DecisionResult {
        let text = try message.map(Validation.checkMessage)
        return try decide(idPrefix, action: "revoke an approval of") { actor, _, suggestion, _ in
            try enforce(Rules.mayRevoke(actor.email, suggestion))
            var record = EventRecord(type: .revoke)
            record.message = text
            record.revision = suggestion.currentRevision.commit.hex
            return (record, "Revoke approval: \(suggestion.title)")
        }
    }

    /// The shared shape of a decision: load, check, append with
    /// compare-and-swap (retrying from fresh state on a lost race).
    private func decide(
        _ idPrefix: String, action: String, closedRoundToo: Bool = false,
        _ make: (Signature, Roster, Suggestion, Round) throws -> (EventRecord, String)
    ) throws -> DecisionResult {
        let actor = try identity()
        let (slug, id) = try resolve(idPrefix)
        return try retryingLostRaces {
            let (roster, proposal, suggestion, round) = try loadLive(slug, id, action: action, closedRoundToo: closedRoundToo)
            let (record, summary) = try make(actor, roster, suggestion, round)
            var trailers = [(Trailers.suggestion, id.hex)]
            if let objection = record.objection { trailers.append((Trailers.objection, objection)) }
            let event = try append(record, to: Layout.suggestionMeta(slug, id), summary: summary, trailers: trailers, actor: actor, parent: suggestion.metaHead)
            let after = try self.suggestion(slug, id, proposal: proposal, roster: roster)
            return DecisionResult(
                id: event.hex, suggestion: id.hex, event: record.type.rawValue,
                state: after.state(in: round, roster: roster), openObjections: after.openObjections.count)
        }
    }
}
