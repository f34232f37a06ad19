import Foundation
import QuorumGit

/// Which open suggestions a fork takes into the new round.
public enum CarryChoice: Sendable, Equatable {
    case all
    case none
    case some([String])
}

/// A suggestion a fork carried into the new round.
public struct CarriedSuggestion: Codable, Sendable {
    public let id: String
    public let title: String
    /// Approvals that still count in the new round (a pure rebase by an approver of it).
    public let approvalsKept: [String]
    /// Its change did not apply to the new round's text; its author must revise it.
    public let conflicted: Bool
}

/// What `fork` did.
public struct ForkResult: Codable, Sendable {
    public let id: String
    public let slug: String
    public let round: Round
    public let closedRound: Int
    public let carried: [CarriedSuggestion]
    public let leftBehind: [String]
    public let warnings: [String]
}

/// A round as `rounds` reports it.
public struct RoundReport: Codable, Sendable {
    public let round: Round
    public let head: String?
    public let suggested: Int
    public let merged: Int
    public let open: Int
    /// Suggestions the fork that opened this (open) round set out to carry
    /// and has not: it was interrupted; `fork --resume` finishes it.
    public let notYetCarried: [String]
}

extension ReviewRepository {
    /// Opens round k+1 of a proposal at round k's head for a wider audience,
    /// and closes round k (leads only). Open suggestions are carried
    /// forward (rebased onto the new round; approvals kept only for a pure
    /// rebase) or left behind in the closed round, as `carry` says. A new
    /// audience that leaves out an earlier audience is a warning, or a
    /// refusal with `strict`.
    public func fork(
        slug: String, name: String, audience: [String], approvers: [String]?, quorum: Int?,
        carry: CarryChoice, strict: Bool, pairEdits: Bool? = nil, stopAfterCarrying limit: Int? = nil
    ) throws -> ForkResult {
        try Validation.checkSlug(name, what: "round name")
        guard !audience.isEmpty else { throw QuorumError.usage("give the new round's audience with --audience GROUP", remedy: "name at least one group, e.g. --audience working-group") }
        for group in audience + (approvers ?? []) { try Validation.checkSlug(group, what: "group name") }
        if let quorum, !Rules.quorumRange.contains(quorum) {
            throw QuorumError.usage("--quorum must be between \(Rules.quorumRange.lowerBound) and \(Rules.quorumRange.upperBound)", remedy: "a round needs at least one approval: give --quorum \(Rules.quorumRange.lowerBound) to \(Rules.quorumRange.upperBound), or leave it out for the open round's")
        }
        let actor = try identity()
        let roster = try roster()
        var proposal = try proposal(slug, roster: roster)
        if !roster.isLead(actor.email) {
            try enforce(Rules.mayFork(actor.email, opening: Rules.firstRound(roster: roster), proposal: proposal, roster: roster))
        }
        guard let current = proposal.openRound else { throw QuorumError.refused("proposal '\(slug)' has no open round to fork", remedy: "see 'quorum rounds \(slug)'") }
        // The fork that opened the open round, run again: it was interrupted
        // (finish it) or it was done (say so). Another fork waits until the
        // one before has carried everything it set out to.
        let sameFork = current.number > 1 && current.name == name && Set(current.audience) == Set(audience)
        let summaries = try list(slug: slug)
        let unfinished = notYetCarried(into: current, among: summaries)
        if sameFork {
            if !unfinished.isEmpty { return try resumeFork(slug: slug) }
            Notices.post("round \(current.number) of '\(slug)' (\(name)) is open for that audience already: that fork was done; nothing new was written")
            return ForkResult(
                id: proposal.metaHead.hex, slug: slug, round: current, closedRound: current.number - 1, carried: [], leftBehind: [], warnings: [])
        }
        if !unfinished.isEmpty {
            throw QuorumError(Refusal(
                .forkUnfinished, "the fork that opened round \(current.number) of '\(slug)' was interrupted before carrying \(unfinished.count) suggestion(s)",
                remedy: "finish it first with 'quorum fork \(slug) --resume', then fork again"))
        }
        var warnings: [String] = []
        let earlier = Set(proposal.rounds.flatMap(\.audience))
        let missing = earlier.subtracting(audience).sorted()
        if !missing.isEmpty {
            let text = "the new audience leaves out \(missing.joined(separator: ", ")), who were the audience of an earlier round"
            if strict { throw QuorumError.refused(text, remedy: "add them with --audience, or fork without --strict") }
            warnings.append(text)
        }
        let finalApprovers = (approvers?.isEmpty ?? true) ? current.approvers : Array(Set(approvers ?? [])).sorted()
        let known = Set(roster.members.flatMap(\.groups))
        for group in Set(audience + finalApprovers).sorted() where !known.contains(group) {
            warnings.append("group '\(group)' has nobody in it yet (add people with 'quorum member add EMAIL --group \(group)')")
        }
        // Which suggestions go forward.
        let live = summaries.filter { $0.round == current.number && !$0.state.isFinal }
        let chosen: [SuggestionSummary]
        switch carry {
        case .all: chosen = live
        case .none: chosen = []
        case .some(let prefixes):
            chosen = try prefixes.map { prefix in
                let (s, id) = try resolve(prefix)
                guard s == slug, let match = live.first(where: { $0.id == id.hex }) else {
                    throw QuorumError.usage("suggestion \(prefix) is not an open suggestion of round \(current.number) of '\(slug)'", remedy: "see 'quorum list --proposal \(slug)' for the open suggestions")
                }
                return match
            }
        }
        let head = try roundHead(current)
        let number = current.number + 1
        let info = RoundRecord(
            number: number, name: name, audience: Array(Set(audience)).sorted(), approvers: finalApprovers,
            quorum: quorum ?? roster.policy.quorum, pairEdits: pairEdits, carry: chosen.isEmpty ? nil : chosen.map(\.id))
        try enforce(Rules.mayFork(actor.email, opening: info, proposal: proposal, roster: roster))
        let branch = Layout.roundBranch(slug, number)
        if let existing = try git.referenceTarget(branch) {
            // No fork event names round `number` (the proposal would have
            // it open): a fork made the branch and was interrupted. It is
            // no round yet, so it is moved to where this fork starts it.
            if existing != head {
                try git.updateReference(branch, to: head, expected: existing, message: "quorum: fork (a branch an interrupted fork left, moved)")
                Notices.post("moved \(branch) from \(existing.short), where a fork that was interrupted had made it, to round \(current.number)'s head \(head.short)")
            }
        } else {
            do {
                try git.updateReference(branch, to: head, expected: nil, message: "quorum: fork")
            } catch let error as GitError where error.isLostRace {
                throw QuorumError.refused("another fork of '\(slug)' is under way", remedy: "see 'quorum rounds \(slug)'; when it is finished, fork again if you still need to")
            }
        }
        var record = EventRecord(type: .fork)
        record.slug = slug
        record.roundInfo = info
        record.commit = head.hex
        record.round = current.number
        let event: ObjectID = try retryingLostRaces {
            let fresh = try self.proposal(slug)
            guard fresh.openRound?.number == current.number else {
                throw QuorumError.refused("round \(current.number) of '\(slug)' was forked by someone else just now", remedy: "see 'quorum rounds \(slug)' for the round it opened")
            }
            return try append(
                record, to: Layout.proposalMeta(slug),
                summary: "Fork \(slug) round \(number) (\(name)) for \(info.audience.joined(separator: ", "))",
                trailers: [(Trailers.proposal, slug), (Trailers.round, "\(number) \(name)"), ("Closes-Round", String(current.number)), (Trailers.commit, head.hex)],
                actor: actor, parent: fresh.metaHead)
        }
        proposal = try self.proposal(slug)
        guard let newRound = proposal.round(number) else {
            throw QuorumError(.failure, "round \(number) of '\(slug)' was not recorded")
        }
        var carried: [CarriedSuggestion] = []
        for summary in chosen {
            if let limit, carried.count >= limit { throw QuorumError(.failure, "fork interrupted (as a test asked) after carrying \(limit)") }
            guard let id = ObjectID(hex: summary.id) else { continue }
            carried.append(try carryForward(slug: slug, id: id, to: newRound, head: head, actor: actor, roster: roster))
        }
        let carriedIDs = Set(carried.map(\.id))
        return ForkResult(
            id: event.hex, slug: slug, round: newRound, closedRound: current.number, carried: carried,
            leftBehind: live.map(\.id).filter { !carriedIDs.contains($0) }, warnings: warnings)
    }

    /// Finishes a fork that was interrupted while carrying suggestions
    /// (leads only): carries into the open round each suggestion its fork
    /// set out to carry that is still open in the round before. Carrying
    /// twice is impossible: the ones already carried are skipped.
    /// `alsoCarrying` names open suggestions left in closed rounds (made
    /// offline while the round was forked, or left behind) to carry too;
    /// a usage error for one that is not such a suggestion.
    public func resumeFork(slug: String, alsoCarrying prefixes: [String] = []) throws -> ForkResult {
        let actor = try identity()
        let roster = try roster()
        try enforce(Rules.mayCarry(actor.email, roster: roster))
        let proposal = try proposal(slug)
        guard let round = proposal.openRound, round.number > 1 else {
            throw QuorumError.refused("'\(slug)' has no forked round open; there is no fork to finish", remedy: "see 'quorum rounds \(slug)'; 'quorum fork \(slug) --name NAME --audience GROUP' opens a new round")
        }
        let summaries = try list(slug: slug)
        var pending = prefixes.isEmpty ? notYetCarried(into: round, among: summaries).compactMap(ObjectID.init(hex:)) : []
        for prefix in prefixes {
            let (s, id) = try resolve(prefix)
            guard s == slug, let summary = summaries.first(where: { $0.id == id.hex }), summary.round < round.number, !summary.state.isFinal else {
                throw QuorumError.usage(
                    "suggestion \(prefix) is not an open suggestion of a closed round of '\(slug)'",
                    remedy: "'quorum show ID' tells a suggestion's round and state; 'quorum rounds \(slug)' how many are open in each round")
            }
            if !pending.contains(id) { pending.append(id) }
        }
        guard !pending.isEmpty else {
            throw QuorumError.refused(
                "the fork that opened round \(round.number) of '\(slug)' carried everything it set out to; nothing to finish",
                remedy: "to carry a suggestion left in a closed round, name it: 'quorum fork \(slug) --resume --carry ID'")
        }
        let head = try roundHead(round)
        let carried = try pending.map { try carryForward(slug: slug, id: $0, to: round, head: head, actor: actor, roster: roster) }
        return ForkResult(
            id: proposal.metaHead.hex, slug: slug, round: round, closedRound: round.number - 1, carried: carried,
            leftBehind: [], warnings: [])
    }

    /// The suggestions the fork that opened `round` set out to carry and
    /// that are still open in the round before it (`summaries`: the
    /// proposal's, from `list`).
    func notYetCarried(into round: Round, among summaries: [SuggestionSummary]) -> [String] {
        guard !round.closed, !round.carrying.isEmpty else { return [] }
        let open = Set(summaries.filter { $0.round == round.number - 1 && !$0.state.isFinal }.map(\.id))
        return round.carrying.filter(open.contains)
    }

    /// Rebases one suggestion onto the new round's first head and records it there.
    private func carryForward(slug: String, id: ObjectID, to round: Round, head: ObjectID, actor: Signature, roster: Roster) throws -> CarriedSuggestion {
        try retryingLostRaces {
            let suggestion = try suggestion(slug, id)
            let current = suggestion.currentRevision
            var record = EventRecord(type: .carry)
            record.round = round.number
            record.base = head.hex
            var conflicted = false
            if suggestion.conflictedWith == nil, current.base == head {
                record.revision = current.commit.hex
            } else {
                do {
                    guard suggestion.conflictedWith == nil else { throw QuorumError.refused("conflicted", remedy: "its author revises it in the new round") }
                    let tree = try mergedTree(slug: slug, base: current.base, head: head, revision: current.commit, subject: "suggestion \(id.short)")
                    let original = try git.commit(current.commit)
                    let commit = try git.createCommit(tree: tree, parents: [head], author: original.author, committer: actor, message: original.message, sign: signing(as: actor))
                    try pinRevision(slug: slug, id: id, number: suggestion.revisions.count + 1, to: commit, named: Set(suggestion.revisions.map(\.commit)))
                    record.revision = commit.hex
                } catch let refusal as QuorumError where refusal.kind == .refused {
                    conflicted = true
                }
            }
            try append(
                record, to: Layout.suggestionMeta(slug, id), summary: "Carry into round \(round.number): \(suggestion.title)",
                trailers: [(Trailers.suggestion, id.hex), (Trailers.round, String(round.number))] + (record.revision.map { [(Trailers.revision, $0)] } ?? []),
                actor: actor, parent: suggestion.metaHead)
            let after = try self.suggestion(slug, id)
            return CarriedSuggestion(
                id: id.hex, title: suggestion.title,
                approvalsKept: after.approvals(in: round, roster: roster).filter(\.counts).map(\.approver.email),
                conflicted: conflicted)
        }
    }

    /// Every round of a proposal with its audience, approvers, quorum,
    /// dates and counts.
    public func rounds(slug: String) throws -> [RoundReport] {
        let proposal = try proposal(slug)
        let summaries = try list(slug: slug)
        return try proposal.rounds.map { round in
            let mine = summaries.filter { $0.round == round.number }
            return RoundReport(
                round: round, head: try git.referenceTarget(round.branch)?.hex, suggested: mine.count,
                merged: mine.filter { $0.state == .merged }.count, open: mine.filter { !$0.state.isFinal }.count,
                notYetCarried: notYetCarried(into: round, among: summaries))
        }
    }
}
