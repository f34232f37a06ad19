import Foundation

/// A rule's "no": a stable code, what was wrong, and what to do.
///
/// The code (for example `approve.self`) is the part to match on: it is
/// printed in the CLI's error line, in a shared repository's `remote:`
/// lines and in `quorum verify --json`, and it does not change when the
/// wording does.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// Every rule that can say no, named `<action>.<reason>`.
    public enum Code: String, Sendable, Codable, CaseIterable {
        // The roster chain.
        case rosterNotLead = "roster.not-lead"
        case rosterLastLead = "roster.last-lead"
        case rosterMalformed = "roster.malformed"
        case rosterKeyNotMember = "roster.key-not-member"
        case rosterKeyTaken = "roster.key-taken"
        case rosterKeyUnknown = "roster.key-unknown"
        case rosterPolicy = "roster.policy"
        // Signatures, where the policy requires them (any chain or commit).
        case signatureMissing = "signature.missing"
        case signatureInvalid = "signature.invalid"
        case signatureNotTheirs = "signature.not-theirs"
        case signatureKeyNotValid = "signature.key-not-valid"
        case signatureKeyRevoked = "signature.key-revoked"
        // The proposal chain.
        case proposeNotMember = "propose.not-member"
        case roundSettings = "round.settings"
        case forkNotLead = "fork.not-lead"
        case forkNumber = "fork.number"
        case cutNotLead = "cut.not-lead"
        case cutExists = "cut.exists"
        case cutPending = "cut.pending"
        // A suggestion's chain.
        case suggestNotAudience = "suggest.not-audience"
        case reviseNotAuthor = "revise.not-author"
        case rebaseNotAllowed = "rebase.not-allowed"
        case carryNotLead = "carry.not-lead"
        case approveSelf = "approve.self"
        case approveNotApprover = "approve.not-approver"
        case approveTwice = "approve.twice"
        case approveConflicted = "approve.conflicted"
        case approveNotCurrent = "approve.not-current"
        case revokeNothing = "revoke.nothing"
        case revokeNeverApproved = "revoke.never-approved"
        case objectNotAudience = "object.not-audience"
        case resolveNotObjector = "resolve.not-objector"
        case resolveOverrideNotLead = "resolve.override-not-lead"
        case resolveOverrideReason = "resolve.override-reason"
        case resolveUnknown = "resolve.unknown"
        case resolveNothing = "resolve.nothing"
        case withdrawNotAuthor = "withdraw.not-author"
        case rejectNotApprover = "reject.not-approver"
        case commentNotAudience = "comment.not-audience"
        case mergeNotAudience = "merge.not-audience"
        case mergeQuorum = "merge.quorum"
        case mergeObjection = "merge.objection"
        case mergeConflicted = "merge.conflicted"
        case conflictNotAudience = "conflict.not-audience"
        case pairEditNotAllowed = "pair-edit.not-allowed"
        case pairEditNotAudience = "pair-edit.not-audience"
        case pairEditNoPartner = "pair-edit.no-partner"
        case pairEditUnprovable = "pair-edit.unprovable"
        // States that make an action pointless (not who may do it).
        case suggestionOver = "suggestion.over"
        case roundClosed = "round.closed"
        // The shape of chains, refs and objects.
        case chainShape = "chain.shape"
        case eventMalformed = "event.malformed"
        case eventDerived = "event.derived"
        case revisionOutside = "revision.outside"
        case refShape = "ref.shape"
        case refRewind = "ref.rewind"
        case refDelete = "ref.delete"
        case pinUnnamed = "pin.unnamed"
        case roundCommit = "round.commit"
        case roundStart = "round.start"
        case mergeTree = "merge.tree"
        case mergeTrailers = "merge.trailers"
        case tagShape = "tag.shape"
        case tagNotLead = "tag.not-lead"
        case tagMoved = "tag.moved"
        case tagChangelog = "tag.changelog"
        case missingObject = "object.missing"
        // Reading a checked-out round (`suggest` / `edit` with no --file):
        // not review rules, but what Quorum can read there (`WorkTree`).
        case workTreeNotCheckedOut = "work-tree.not-checked-out"
        case workTreeNotAFile = "work-tree.not-a-file"
        case workTreeDeleted = "work-tree.deleted"
        case workTreeUnmerged = "work-tree.unmerged"
        case workTreeUnchanged = "work-tree.unchanged"
    }

    /// Whether a refusal is about *who* may do a thing or the shape of what
    /// was written (it holds whenever the event arrives: a push carrying
    /// it is refused), or about the *state* the thing met (the suggestion
    /// was merged, the round closed meanwhile). A command refuses both; an
    /// event of the second kind that arrives later from another clone was
    /// legal where it was made, so it is kept as history and counts for
    /// nothing.
    public enum Scope: Sendable {
        case permission
        case state
    }

    public let code: Code
    public let message: String
    public let remedy: String?

    public init(_ code: Code, _ message: String, remedy: String? = nil) {
        self.code = code
        self.message = message
        self.remedy = remedy
    }

    public var scope: Scope {
        switch code {
        case .suggestionOver, .roundClosed, .approveTwice, .approveConflicted, .approveNotCurrent, .revokeNothing, .mergeConflicted,
             .resolveNothing, .cutExists, .cutPending:
            return .state
        default:
            return .permission
        }
    }

    public var description: String { "[\(code.rawValue)] \(message)" }
}
