import Foundation
import QuorumGit

/// Every review rule, once: who may do what, and when.
///
/// Pure functions over folded state (`Roster`, `Proposal`, `Suggestion`,
/// `Round`); nothing here reads the repository. Each returns nil when the
/// action is allowed, or the `Refusal` that says why not. The commands call
/// them before they write; the folds call them on every event they replay
/// (an event a rule refuses counts for nothing); the pre-receive hook,
/// sync and `quorum verify` refuse or report events the folds refused.
/// `actor` is always an email address, compared without case.
public enum Rules {
    // MARK: Roster

    /// Only leads change the roster, and never so that it has no lead.
    public static func mayChangeRoster(_ actor: String, to member: Member, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) else {
            return Refusal(.rosterNotLead, "only leads may change the roster; \(actor) is not a lead", remedy: "ask a lead (see 'quorum member list')")
        }
        if (try? Validation.checkEmail(member.email)) == nil || (try? Validation.checkName(member.name)) == nil
            || member.groups.contains(where: { (try? Validation.checkSlug($0, what: "group name")) == nil }) {
            return Refusal(.rosterMalformed, "'\(member.email)' is not a valid member (email, name and group names)")
        }
        if roster.member(member.email)?.lead == true, !member.lead, roster.members.filter(\.lead).count == 1 {
            return Refusal(.rosterLastLead, "\(member.email) is the last lead; the roster would have nobody to manage it", remedy: "make someone else a lead first")
        }
        return nil
    }

    /// Leads add keys, for members, and a key is one person's: a key
    /// another member holds or held is refused.
    public static func mayAddKey(_ actor: String, _ key: SSHPublicKey, to email: String, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) else {
            return Refusal(.rosterNotLead, "only leads may add keys; \(actor) is not a lead", remedy: "ask a lead (see 'quorum member list')")
        }
        guard roster.member(email) != nil else {
            return Refusal(.rosterKeyNotMember, "\(email) is not a member", remedy: "add them first: quorum member add \(email) --name NAME --ssh-key KEY")
        }
        if let holder = roster.keys.first(where: { $0.key == key }) {
            if holder.email.lowercased() == email.lowercased(), holder.validBefore == nil {
                return Refusal(.rosterKeyTaken, "\(email) holds key \(key.fingerprint) already")
            }
            if holder.email.lowercased() != email.lowercased() {
                return Refusal(.rosterKeyTaken, "key \(key.fingerprint) is \(holder.email)'s; a key belongs to one person", remedy: "each member signs with their own key")
            }
        }
        return nil
    }

    /// Leads revoke keys a member holds now.
    public static func mayRevokeKey(_ actor: String, _ key: SSHPublicKey, of email: String, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) else {
            return Refusal(.rosterNotLead, "only leads may revoke keys; \(actor) is not a lead", remedy: "ask a lead (see 'quorum member list')")
        }
        guard roster.holds(key, for: email) else {
            return Refusal(.rosterKeyUnknown, "\(email) holds no key \(key.fingerprint) that is not revoked", remedy: "see 'quorum member list --keys'")
        }
        return nil
    }

    /// Leads change the policy; a policy event changes only whether
    /// signatures are required (the quorum and default group are init's).
    public static func mayChangePolicy(_ actor: String, to policy: Policy, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) else {
            return Refusal(.rosterNotLead, "only leads may change the policy; \(actor) is not a lead", remedy: "ask a lead (see 'quorum member list')")
        }
        guard policy.quorum == roster.policy.quorum, policy.defaultGroup == roster.policy.defaultGroup else {
            return Refusal(.rosterPolicy, "a policy event changes only whether signatures are required, not the quorum or default group")
        }
        return nil
    }

    // MARK: Signatures

    /// Whether an event's own signature holds, where the policy requires
    /// signatures and the event is not from before it (`exempt`, see
    /// `Roster.exempt`). `atPush`: the event is arriving at a shared
    /// repository now, so a key revoked since is refused too.
    public static func signature(of event: Event, roster: Roster, exempt: Set<ObjectID>, atPush: Bool) -> Refusal? {
        guard roster.requiresSignatures, !exempt.contains(event.id) else { return nil }
        return signatureHolds(event.signature, by: event.actor.email, at: event.signedAt, roster: roster, atPush: atPush, what: "event \(event.id.short)")
    }

    /// Whether `signature`, on something `email` wrote at `time` (the
    /// committer time, as git judges it), was made with a key the roster
    /// held for `email` then. `what` names the object in the refusal.
    public static func signatureHolds(_ signature: CommitSignature, by email: String, at time: Int64, roster: Roster, atPush: Bool, what: String) -> Refusal? {
        let setUp = "each writer sets 'git config user.signingKey ~/.ssh/id_ed25519' and 'git config gpg.format ssh', and a lead records the key with 'quorum member key add'"
        switch signature {
        case .unsigned:
            return Refusal(.signatureMissing, "\(what) by \(email) is not signed, and the policy requires signatures", remedy: setUp)
        case .invalid(let why):
            return Refusal(.signatureInvalid, "\(what) by \(email): signature does not verify (\(why))")
        case .valid(let key):
            let held = roster.keys.filter { $0.key == key }
            let theirs = held.filter { $0.email.lowercased() == email.lowercased() }
            guard !theirs.isEmpty else {
                let owner = held.first.map { "\($0.email)'s key" } ?? "no member's key"
                return Refusal(.signatureNotTheirs, "\(what) says it is by \(email), but is signed with \(key.fingerprint), \(owner)", remedy: setUp)
            }
            guard theirs.contains(where: { $0.isValid(at: time) }) else {
                let window = theirs.map { "from \(Self.date($0.validAfter))" + ($0.validBefore.map { " until \(Self.date($0))" } ?? "") }.joined(separator: ", ")
                return Refusal(.signatureKeyNotValid, "\(what) by \(email) is signed at \(Self.date(time)) with \(key.fingerprint), which was not valid then (valid \(window))")
            }
            if atPush, !theirs.contains(where: { $0.validBefore == nil }) {
                return Refusal(.signatureKeyRevoked, "\(what) by \(email) is signed with \(key.fingerprint), which is revoked; a shared repository takes nothing new signed with a revoked key", remedy: setUp)
            }
            return nil
        }
    }

    static func date(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    // MARK: Proposals and rounds

    /// Members of the policy's default group and leads may propose.
    public static func mayPropose(_ actor: String, roster: Roster) -> Refusal? {
        let group = roster.policy.defaultGroup
        guard roster.isLead(actor) || roster.isIn(actor, groups: [group]) else {
            return Refusal(.proposeNotMember, "\(actor) may not propose: only members of '\(group)' and leads may",
                           remedy: "ask a lead to run 'quorum member add \(actor) --name ... --group \(group)'")
        }
        return nil
    }

    /// The settings a new proposal's first round must have: the policy's
    /// (its default group as audience and approvers, its quorum). Only a
    /// lead's fork chooses other settings.
    public static func firstRound(roster: Roster) -> RoundRecord {
        let group = roster.policy.defaultGroup
        return RoundRecord(number: 1, name: group, audience: [group], approvers: [group], quorum: roster.policy.quorum)
    }

    /// The quorums a round may have.
    public static let quorumRange = 1...20

    /// What a round's settings may be. A propose event opens round 1 with
    /// exactly the policy's settings (`firstRound`); a fork (by a lead) may
    /// choose its audience, approvers and a quorum in `quorumRange`, all
    /// groups valid names.
    public static func roundSettings(_ info: RoundRecord, proposing: Bool, roster: Roster) -> Refusal? {
        if proposing {
            let expected = firstRound(roster: roster)
            guard info.number == 1, info.audience == expected.audience, info.approvers == expected.approvers,
                  info.quorum == expected.quorum, info.pairEdits == nil || info.pairEdits == true, info.carry == nil else {
                return Refusal(.roundSettings,
                    "a proposal's first round has the policy's settings (audience and approvers '\(expected.audience.joined(separator: ", "))', quorum \(expected.quorum)); this one claims audience '\(info.audience.joined(separator: ", "))', approvers '\(info.approvers.joined(separator: ", "))', quorum \(info.quorum)",
                    remedy: "a lead sets other settings when forking the next round ('quorum fork --quorum N --audience GROUP')")
            }
            return nil
        }
        guard quorumRange.contains(info.quorum) else {
            return Refusal(.roundSettings, "a round's quorum must be between \(quorumRange.lowerBound) and \(quorumRange.upperBound); this one claims \(info.quorum)")
        }
        guard !info.audience.isEmpty, !info.approvers.isEmpty,
              (info.audience + info.approvers + [info.name]).allSatisfy({ (try? Validation.checkSlug($0, what: "group name")) != nil }) else {
            return Refusal(.roundSettings, "a round needs an audience and approvers, each a valid group name")
        }
        return nil
    }

    /// Leads fork, opening exactly the next round.
    public static func mayFork(_ actor: String, opening info: RoundRecord, proposal: Proposal, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) else {
            return Refusal(.forkNotLead, "only leads may fork a round; \(actor) is not a lead")
        }
        let expected = (proposal.rounds.last?.number ?? 0) + 1
        guard info.number == expected else {
            return Refusal(.forkNumber, "a fork of '\(proposal.slug)' opens round \(expected), not round \(info.number)")
        }
        return roundSettings(info, proposing: false, roster: roster)
    }

    /// Leads cut versions.
    public static func mayCut(_ actor: String, roster: Roster) -> Refusal? {
        roster.isLead(actor) ? nil : Refusal(.cutNotLead, "only leads may cut a version; \(actor) is not a lead")
    }

    /// A round takes new suggestions, approvals and merges while it is open.
    /// `suggestion` names the one the action was on, for the remedy.
    public static func roundIsOpen(_ round: Round, in proposal: Proposal, suggestion: ObjectID? = nil) -> Refusal? {
        guard round.closed else { return nil }
        let open = proposal.openRound.map { "round \($0.number) (\($0.name))" } ?? "none"
        let id = suggestion.map(\.short) ?? "ID"
        return Refusal(.roundClosed, "round \(round.number) of '\(proposal.slug)' is closed; the open round is \(open)",
                       remedy: "a lead can carry it into the open round ('quorum fork \(proposal.slug) --resume --carry \(id)'); its author can withdraw it, an approver or lead reject it")
    }

    // MARK: Suggestions

    /// The round's audience and leads may suggest.
    public static func maySuggest(_ actor: String, in round: Round, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) || roster.isIn(actor, groups: round.audience) else {
            return Refusal(.suggestNotAudience, "\(actor) is not in the audience of round \(round.number) (\(round.audience.joined(separator: ", ")))",
                           remedy: "ask a lead to add you to one of those groups")
        }
        return nil
    }

    /// Nothing but comments happens to a merged, withdrawn or rejected suggestion.
    public static func isLive(_ suggestion: Suggestion) -> Refusal? {
        if let merged = suggestion.mergedAs {
            return Refusal(.suggestionOver, "suggestion \(suggestion.id.short) is merged already (as \(merged.short))")
        }
        if let ended = suggestion.ended {
            let how = ended.kind == .withdraw ? "withdrawn" : "rejected"
            return Refusal(.suggestionOver, "suggestion \(suggestion.id.short) was \(how) by \(ended.by.email)\(ended.reason.map { " (\($0))" } ?? "")")
        }
        return nil
    }

    /// Its author and co-authors revise it.
    public static func mayRevise(_ actor: String, _ suggestion: Suggestion) -> Refusal? {
        guard suggestion.authors.contains(actor.lowercased()) else {
            return Refusal(.reviseNotAuthor, "only the author (\(suggestion.author.email)) or a co-author may revise \(suggestion.id.short)",
                           remedy: "suggest your own change with 'quorum suggest \(suggestion.slug)', or comment on this one")
        }
        return nil
    }

    /// Its authors and leads rebase it.
    public static func mayRebase(_ actor: String, _ suggestion: Suggestion, roster: Roster) -> Refusal? {
        guard suggestion.authors.contains(actor.lowercased()) || roster.isLead(actor) else {
            return Refusal(.rebaseNotAllowed, "only the author, a co-author or a lead may rebase \(suggestion.id.short)")
        }
        return nil
    }

    /// Leads carry suggestions into a new round (as part of a fork).
    public static func mayCarry(_ actor: String, roster: Roster) -> Refusal? {
        roster.isLead(actor) ? nil : Refusal(.carryNotLead, "only a lead carries suggestions into a new round; \(actor) is not a lead")
    }

    /// An approver of the round who did not write it may approve it.
    public static func mayApprove(_ actor: String, of suggestion: Suggestion, in round: Round, roster: Roster) -> Refusal? {
        let who = actor.lowercased()
        if suggestion.authors.contains(who) {
            let how = who == suggestion.author.email.lowercased() ? "" : " as a co-author"
            return Refusal(.approveSelf, "\(actor) wrote suggestion \(suggestion.id.short)\(how); an approval must come from someone else",
                           remedy: "ask two approvers of round \(round.number) to review it")
        }
        guard roster.isIn(who, groups: round.approvers) else {
            return Refusal(.approveNotApprover, "\(actor) is not an approver of round \(round.number) (approvers: \(round.approvers.joined(separator: ", ")))",
                           remedy: "ask a lead to add you to one of those groups")
        }
        return nil
    }

    /// An approval names the current revision of a suggestion that is not
    /// conflicted, and is not one the approver has given already.
    public static func approvalIsNew(_ actor: String, revision: ObjectID, of suggestion: Suggestion) -> Refusal? {
        if suggestion.conflictedWith != nil {
            return Refusal(.approveConflicted, "suggestion \(suggestion.id.short) is conflicted; wait for its author to revise it")
        }
        guard revision == suggestion.currentRevision.commit else {
            return Refusal(.approveNotCurrent, "\(revision.short) is not the current revision of \(suggestion.id.short)")
        }
        if suggestion.standingApproval(by: actor) == revision {
            return Refusal(.approveTwice, "\(actor) has approved revision \(suggestion.currentRevision.number) of \(suggestion.id.short) already; an approval counts once")
        }
        return nil
    }

    /// One takes back one's own standing approval.
    public static func mayRevoke(_ actor: String, _ suggestion: Suggestion) -> Refusal? {
        suggestion.standingApproval(by: actor.lowercased()) == nil
            ? Refusal(.revokeNothing, "\(actor) has no approval on \(suggestion.id.short) to revoke") : nil
    }

    /// Only someone who approved a suggestion ever revokes an approval of
    /// it (whether one still stands is `mayRevoke`'s question).
    public static func mayRecordRevoke(_ actor: String, _ suggestion: Suggestion) -> Refusal? {
        let key = actor.lowercased()
        guard suggestion.approvalEvents.contains(where: { $0.actor.email.lowercased() == key && $0.revision != nil }) else {
            return Refusal(.revokeNeverApproved, "\(actor) never approved suggestion \(suggestion.id.short); only an approval's giver revokes it")
        }
        return nil
    }

    /// The round's audience and approvers, and leads, may object.
    public static func mayObject(_ actor: String, in round: Round, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) || roster.isIn(actor, groups: round.audience + round.approvers) else {
            return Refusal(.objectNotAudience, "\(actor) is not in round \(round.number)'s audience or approvers, so may not object")
        }
        return nil
    }

    /// Only the person who raised an objection lifts it — or a lead, by a
    /// recorded override with a reason (for an objector who has left).
    public static func mayResolve(_ actor: String, _ objection: Objection?, override: Bool, reason: String?, roster: Roster) -> Refusal? {
        guard let objection else {
            return Refusal(.resolveUnknown, "no such objection on this suggestion")
        }
        if override {
            guard roster.isLead(actor) else {
                return Refusal(.resolveOverrideNotLead, "only a lead may override \(objection.by.email)'s objection; \(actor) is not a lead")
            }
            guard let reason, !reason.trimming(.spacesAndNewlines).isEmpty else {
                return Refusal(.resolveOverrideReason, "an override of an objection records why", remedy: "give the reason with -m")
            }
            return nil
        }
        guard objection.by.email.lowercased() == actor.lowercased() else {
            return Refusal(.resolveNotObjector, "objection \(objection.id.short) was raised by \(objection.by.email); only they may resolve it",
                           remedy: "a lead can override it with 'quorum resolve ID \(objection.id.short) --override -m REASON'")
        }
        return nil
    }

    /// Its author or a co-author takes it back.
    public static func mayWithdraw(_ actor: String, _ suggestion: Suggestion) -> Refusal? {
        guard suggestion.authors.contains(actor.lowercased()) else {
            return Refusal(.withdrawNotAuthor, "only the author (\(suggestion.author.email)) may withdraw \(suggestion.id.short)",
                           remedy: "an approver or lead can 'quorum reject' it instead")
        }
        return nil
    }

    /// Approvers of the round and leads turn it down.
    public static func mayReject(_ actor: String, in round: Round, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) || roster.isIn(actor, groups: round.approvers) else {
            return Refusal(.rejectNotApprover, "only approvers of round \(round.number) (\(round.approvers.joined(separator: ", "))) and leads may reject")
        }
        return nil
    }

    /// The round's audience and approvers, and leads, may comment.
    public static func mayComment(_ actor: String, in round: Round, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) || roster.isIn(actor, groups: round.audience + round.approvers) else {
            return Refusal(.commentNotAudience, "\(actor) is not in round \(round.number)'s audience (\(round.audience.joined(separator: ", "))), so may not comment")
        }
        return nil
    }

    /// Whoever may take part in the round records that a suggestion no
    /// longer applies (a merge or rebase attempt found the conflict).
    public static func mayRecordConflict(_ actor: String, in round: Round, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) || roster.isIn(actor, groups: round.audience + round.approvers) else {
            return Refusal(.conflictNotAudience, "\(actor) is not in round \(round.number)'s audience or approvers")
        }
        return nil
    }

    /// Anyone in the round's audience or approvers (or a lead) merges a
    /// suggestion once the round's quorum of independent approvals of its
    /// current revision exists and no objection is open.
    public static func mayMerge(_ actor: String, _ suggestion: Suggestion, in round: Round, roster: Roster) -> Refusal? {
        mayRecordMerge(actor, in: round, roster: roster) ?? quorumMet(suggestion, in: round, roster: roster)
    }

    /// Who may merge in a round (whether the quorum was met is judged from
    /// the round branch's merge commit, not from the event).
    public static func mayRecordMerge(_ actor: String, in round: Round, roster: Roster) -> Refusal? {
        guard roster.isLead(actor) || roster.isIn(actor, groups: round.audience + round.approvers) else {
            return Refusal(.mergeNotAudience, "\(actor) may not merge in round \(round.number): not in its audience or approvers")
        }
        return nil
    }

    /// Whether a suggestion may go into its round now: enough approvals
    /// that count, no open objection, not conflicted.
    public static func quorumMet(_ suggestion: Suggestion, in round: Round, roster: Roster) -> Refusal? {
        if let unverified = suggestion.unverified {
            return Refusal(unverified.code, "suggestion \(suggestion.id.short) never merges: its own event counts for nothing (\(unverified.message))", remedy: unverified.remedy)
        }
        let approvals = suggestion.approvals(in: round, roster: roster)
        let counting = approvals.filter(\.counts).count
        if counting < round.quorum {
            let missing = round.quorum - counting
            return Refusal(.mergeQuorum,
                "suggestion \(suggestion.id.short) needs \(missing) more approval\(missing == 1 ? "" : "s") (\(round.quorum) required; \(describe(approvals)))",
                remedy: "ask approvers of round \(round.number) (\(round.approvers.joined(separator: ", "))) to run 'quorum approve \(suggestion.id.short)'")
        }
        if !suggestion.openObjections.isEmpty {
            let list = suggestion.openObjections.map { "\($0.by.email) (\($0.id.short)): \($0.reason)" }.joined(separator: "; ")
            return Refusal(.mergeObjection, "suggestion \(suggestion.id.short) has open objections: \(list)",
                           remedy: "each is lifted by the person who raised it, with 'quorum resolve \(suggestion.id.short) OBJECTION' (or overridden by a lead)")
        }
        return nil
    }

    /// "has: a@x, b@y; c@z does not count (stale: …)"
    public static func describe(_ approvals: [Approval]) -> String {
        let counting = approvals.filter(\.counts).map(\.approver.email)
        var parts = ["has: " + (counting.isEmpty ? "none" : counting.joined(separator: ", "))]
        for approval in approvals where !approval.counts {
            parts.append("\(approval.approver.email) does not count (\(approval.notCounted ?? ""))")
        }
        return parts.joined(separator: "; ")
    }

    // MARK: Pair edits

    /// Two people of the round's audience (or leads) at one keyboard, where
    /// the round allows pair edits.
    public static func mayPairEdit(author: String, partners: [String], in round: Round, slug: String, roster: Roster) -> Refusal? {
        guard round.pairEdits else {
            return Refusal(.pairEditNotAllowed,
                "round \(round.number) (\(round.name)) of '\(slug)' does not allow pair edits\(round.number > 1 ? " (by default only the first round does)" : "")",
                remedy: "make a suggestion instead: 'quorum suggest \(slug) -m ... --pair EMAIL --file ...'")
        }
        let others = partners.filter { $0.lowercased() != author.lowercased() }
        guard !others.isEmpty else {
            return Refusal(.pairEditNoPartner, "a pair edit names its second author, someone other than \(author), in a Co-authored-by: trailer")
        }
        for person in [author] + others where !(roster.isLead(person) || roster.isIn(person, groups: round.audience)) {
            return Refusal(.pairEditNotAudience, "\(person) is not in round \(round.number)'s audience (\(round.audience.joined(separator: ", "))); both people of a pair edit must be")
        }
        return nil
    }

    /// Where signatures are required, no pair edits: a commit carries one
    /// signature, its committer's, so nothing proves the second person took
    /// part, and "two people" would be one person's word. (Pair edits from
    /// before the policy stay valid.)
    public static func pairEditProvable(roster: Roster, slug: String) -> Refusal? {
        guard roster.requiresSignatures else { return nil }
        return Refusal(.pairEditUnprovable,
            "with signed review, a pair edit cannot prove its second author took part (a commit carries one signature)",
            remedy: "make a suggestion instead, which the other person approves: 'quorum suggest \(slug) -m ... --file ...'")
    }
}
