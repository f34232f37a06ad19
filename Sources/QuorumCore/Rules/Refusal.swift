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
        case forkUnfinished = "fork.unfinished"
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
        /// A merge commit names a merge algorithm version this quorum does not know.
        case mergeVersion = "merge.version"
        case tagShape = "tag.shape"
        case tagNotLead = "tag.not-lead"
        case tagMoved = "tag.moved"
        case tagChangelog = "tag.changelog"
        case missingObject = "object.missing"
        // What people type.
        case textControl = "text.control"
        case documentNormalisation = "document.normalisation"
        // Reading a checked-out round (`suggest` / `edit` with no --file):
        // not review rules, but what Quorum can read there (`WorkTree`).
        case workTreeNotCheckedOut = "work-tree.not-checked-out"
        case workTreeNotAFile = "work-tree.not-a-file"
        case workTreeUnmerged = "work-tree.unmerged"
        case workTreeUnchanged = "work-tree.unchanged"

        /// What to do about a refusal with this code when the rule that
        /// refused has nothing more particular to say. A switch with no
        /// default: a new code does not compile until it has a remedy, so
        /// that every refusal prints a `hint:`.
        public var remedy: String {
            switch self {
            case .rosterNotLead: return "ask a lead (see 'quorum member list')"
            case .rosterLastLead: return "make someone else a lead first ('quorum member add EMAIL --lead')"
            case .rosterMalformed:
                return "a member has an email such as ana@example.com, a plain name and group names of lower-case letters, digits and dashes; record them with 'quorum member add'"
            case .rosterKeyNotMember: return "add them first: quorum member add EMAIL --name NAME --ssh-key KEY"
            case .rosterKeyTaken: return "each member signs with their own key (see 'quorum member list --keys')"
            case .rosterKeyUnknown: return "see 'quorum member list --keys' for the keys each member holds"
            case .rosterPolicy:
                return "run 'quorum sync' so that the policy covers everything shared, then 'quorum policy' again; a policy event changes only whether signatures are required"
            case .signatureMissing, .signatureNotTheirs, .signatureInvalid:
                return "each writer sets 'git config user.signingKey ~/.ssh/id_ed25519' and 'git config gpg.format ssh', and a lead records the key with 'quorum member key add'"
            case .signatureKeyNotValid, .signatureKeyRevoked:
                return "sign with a key the roster holds for you now (see 'quorum member list --keys'); a lead records a new one with 'quorum member key add'"
            case .proposeNotMember: return "ask a lead to add you to the policy's default group ('quorum member add EMAIL --group working-group')"
            case .roundSettings:
                return "a proposal's first round has the policy's settings; a lead chooses others when forking ('quorum fork SLUG --name NAME --audience GROUP --quorum N', N from 1 to 20)"
            case .forkNotLead, .cutNotLead, .tagNotLead: return "ask a lead (see 'quorum member list')"
            case .forkNumber: return "fork with 'quorum fork', which opens the next round (see 'quorum rounds SLUG')"
            case .forkUnfinished: return "finish the fork before with 'quorum fork SLUG --resume', then fork again"
            case .cutExists: return "choose another version name (see 'quorum versions SLUG'); versions never move"
            case .cutPending: return "merge the approved suggestions first ('quorum merge ID'), or cut anyway with --force"
            case .suggestNotAudience, .commentNotAudience, .objectNotAudience:
                return "ask a lead to add you to one of the round's audience groups (see 'quorum rounds SLUG')"
            case .reviseNotAuthor: return "suggest your own change with 'quorum suggest SLUG', or comment on this one"
            case .rebaseNotAllowed: return "ask its author or a lead to run 'quorum rebase ID'"
            case .carryNotLead: return "a lead carries suggestions into a new round ('quorum fork SLUG --carry ID')"
            case .approveSelf: return "ask approvers of the round other than its authors to review it"
            case .approveNotApprover: return "ask a lead to add you to one of the round's approver groups (see 'quorum rounds SLUG')"
            case .approveTwice: return "nothing to do: your approval counts once already (see 'quorum show ID')"
            case .approveConflicted: return "wait for its author to revise it ('quorum revise ID'), then approve the new revision"
            case .approveNotCurrent: return "approve its current revision (see 'quorum show ID')"
            case .revokeNothing, .revokeNeverApproved: return "see 'quorum show ID' for the approvals that stand; only your own can be revoked"
            case .resolveNotObjector: return "a lead can override it with 'quorum resolve ID OBJECTION --override -m REASON'"
            case .resolveOverrideNotLead: return "ask the person who objected to resolve it, or a lead to override it"
            case .resolveOverrideReason: return "give the reason with -m"
            case .resolveUnknown: return "see 'quorum show ID' for its objections and their ids"
            case .resolveNothing: return "see 'quorum show ID' for its objections: only an open one can be resolved"
            case .withdrawNotAuthor: return "an approver or lead can 'quorum reject' it instead"
            case .rejectNotApprover: return "ask an approver of the round or a lead; or object with 'quorum object ID -m REASON'"
            case .mergeNotAudience: return "ask someone in the round's audience or approvers, or a lead, to merge it"
            case .mergeQuorum: return "ask approvers of the round to run 'quorum approve ID'"
            case .mergeObjection:
                return "each objection is lifted by the person who raised it, with 'quorum resolve ID OBJECTION' (or overridden by a lead)"
            case .mergeConflicted: return "its author revises it onto the round's current text ('quorum revise ID')"
            case .conflictNotAudience: return "only the round's audience, approvers and leads record a conflict"
            case .pairEditNotAllowed, .pairEditUnprovable:
                return "make a suggestion instead, which the other person approves: 'quorum suggest SLUG -m ... --file ...'"
            case .pairEditNotAudience: return "both people of a pair edit must be in the round's audience; ask a lead to add them"
            case .pairEditNoPartner: return "name the other person, someone other than you, with --pair EMAIL"
            case .suggestionOver: return "nothing more happens to it but comments; suggest a new change with 'quorum suggest SLUG'"
            case .roundClosed:
                return "work in the open round (see 'quorum rounds SLUG'); a lead can carry a suggestion there ('quorum fork SLUG --resume --carry ID')"
            case .chainShape, .eventMalformed:
                return "write review data with quorum ('quorum sync' joins chains that grew apart); 'quorum verify' names every event at fault"
            case .eventDerived: return "write events with quorum, which takes these facts from the objects"
            case .revisionOutside: return "a revision changes files under Proposals/SLUG/ only"
            case .refShape: return "Quorum's namespaces (refs/quorum/, refs/heads/quorum/, refs/tags/rfc/) hold only what quorum writes"
            case .refRewind: return "fetch, reconcile with 'quorum sync', and push again"
            case .refDelete: return "review history is append-only; withdraw or reject a suggestion instead"
            case .pinUnnamed, .missingObject: return "push what it needs with it ('quorum sync' does)"
            case .mergeVersion:
                return "upgrade quorum: new merge versions reach a shared repository only after its quorum (the one its hook runs) is upgraded and 'quorum hooks install' is run there again"
            case .roundCommit, .roundStart, .mergeTree, .mergeTrailers:
                return "change a round with 'quorum merge' of an approved suggestion, or 'quorum edit' where pair edits are allowed"
            case .tagShape, .tagMoved, .tagChangelog: return "cut versions with 'quorum cut SLUG VERSION', which writes the tag and its changelog"
            case .workTreeNotCheckedOut:
                return "check out the round ('git checkout quorum/SLUG/N'), edit the documents there and run the command again; or give the text with --file DOC=PATH"
            case .workTreeNotAFile: return "Quorum reads regular files only: replace it with the file itself, or give the text with --file DOC=PATH"
            case .workTreeUnmerged: return "finish the git merge or rebase first ('git status' shows the conflicted files)"
            case .workTreeUnchanged: return "edit the documents under Proposals/SLUG/ first, or give the text with --file DOC=PATH"
            case .documentNormalisation:
                return "give a document's name exactly as the proposal has it (see 'quorum status SLUG'), or choose a name with different letters"
            case .textControl: return "remove it: names, titles, group names and the first line of a message are plain text (tabs are allowed)"
            }
        }
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
    /// What to do: the rule's own advice, or the code's (`Code.remedy`).
    public let remedy: String

    public init(_ code: Code, _ message: String, remedy: String? = nil) {
        self.code = code
        self.message = message
        self.remedy = remedy ?? code.remedy
    }

    public var scope: Scope {
        switch code {
        case .suggestionOver, .roundClosed, .approveTwice, .approveConflicted, .approveNotCurrent, .revokeNothing, .mergeConflicted,
             .resolveNothing, .cutExists, .cutPending, .forkUnfinished:
            return .state
        default:
            return .permission
        }
    }

    public var description: String { "[\(code.rawValue)] \(message)" }
}
