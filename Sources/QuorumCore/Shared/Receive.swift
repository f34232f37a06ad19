import Foundation
import QuorumGit

// What a shared repository enforces on every push: the pre-receive hook,
// `quorum sync` to a repository on this machine, and sync's own check
// before it pushes.

/// One reference update of a push, as git hands it to its hooks
/// (`<old> <new> <ref>` on standard input; all zeros is "none").
public struct PushedRef: Sendable, Equatable {
    public let name: String
    /// nil: the reference is being created.
    public let old: ObjectID?
    /// nil: the reference is being deleted.
    public let new: ObjectID?

    public init(name: String, old: ObjectID?, new: ObjectID?) {
        self.name = name
        self.old = old
        self.new = new
    }

    /// Parses a hook's standard input. Throws a usage error for a line
    /// that is not `<old> <new> <ref>`.
    public static func parse(_ input: String) throws -> [PushedRef] {
        try input.split(separator: "\n").compactMap { line -> PushedRef? in
            let fields = line.split(separator: " ")
            guard !fields.isEmpty else { return nil }
            guard fields.count == 3, let old = ObjectID(hex: String(fields[0])), let new = ObjectID(hex: String(fields[1])) else {
                throw QuorumError.usage("not a ref update line: '\(line)'", remedy: "git passes '<old> <new> <ref>' lines to pre-receive and post-receive hooks")
            }
            return PushedRef(name: String(fields[2]), old: old == .zero ? nil : old, new: new == .zero ? nil : new)
        }
    }
}

/// Why a push was refused for one reference.
public struct PushRejection: Codable, Sendable, CustomStringConvertible {
    public let ref: String
    public let reason: String

    public var description: String { "\(ref): \(reason)" }
}

/// Checks the reference updates of one push against the review rules. It
/// reads the pushed objects through `review` (for a hook: the push's
/// quarantine) and judges every chain by its state *after* the push: a
/// pushed new value where there is one, else the reference as it is now.
final class PushCheck {
    private let review: ReviewRepository
    private let updates: [PushedRef]
    private let current: (String) throws -> ObjectID?
    private let pushed: [String: ObjectID?]
    private var eventCache: [ObjectID: [Event]] = [:]
    private var rosterCache: Roster?
    private var proposalCache: [String: (proposal: Proposal, events: [Event])] = [:]

    /// `current` gives a reference's value before the push (nil: absent).
    init(review: ReviewRepository, updates: [PushedRef], current: @escaping (String) throws -> ObjectID?) {
        self.review = review
        self.updates = updates
        self.current = current
        var pushed: [String: ObjectID?] = [:]
        for update in updates { pushed[update.name] = .some(update.new) }
        self.pushed = pushed
    }

    private var git: Repository { review.git }

    /// Every refusal, one per refused reference; empty when the push may go in.
    func run() -> [PushRejection] {
        updates.compactMap { update in
            do {
                try check(update)
                return nil
            } catch let error as QuorumError {
                return PushRejection(ref: update.name, reason: error.message)
            } catch {
                return PushRejection(ref: update.name, reason: "could not be checked: \(error)")
            }
        }
    }

    // MARK: State after the push

    private func value(_ ref: String) throws -> ObjectID? {
        if let value = pushed[ref] { return value }
        return try current(ref)
    }

    private func events(from head: ObjectID) throws -> [Event] {
        if let cached = eventCache[head] { return cached }
        let events = try review.log.events(from: head)
        eventCache[head] = events
        return events
    }

    private func roster() throws -> Roster {
        if let rosterCache { return rosterCache }
        guard let head = try value(Layout.roster) else {
            throw QuorumError.refused("there is no roster: push \(Layout.roster) first (or with it)")
        }
        let roster = Roster(events: try events(from: head))
        rosterCache = roster
        return roster
    }

    private func proposal(_ slug: String) throws -> (proposal: Proposal, events: [Event]) {
        if let cached = proposalCache[slug] { return cached }
        guard let head = try value(Layout.proposalMeta(slug)) else {
            throw QuorumError.refused("there is no proposal '\(slug)': push \(Layout.proposalMeta(slug)) with it")
        }
        let events = try events(from: head)
        let result = (Proposal(slug: slug, head: head, events: events), events)
        proposalCache[slug] = result
        return result
    }

    // MARK: One reference

    private func check(_ update: PushedRef) throws {
        let kind = SharedRef(update.name)
        switch kind {
        case .foreign: return
        case .unknown:
            throw QuorumError.refused("not a reference Quorum writes; \(SharedRef.namespaces.joined(separator: ", ")) hold review data only")
        default: break
        }
        guard let new = update.new else {
            throw QuorumError.refused("deleting it is not allowed: review history is append-only")
        }
        if update.old == new { return }
        switch kind {
        case .versionTag(let slug, let version):
            if update.old != nil { throw QuorumError.refused("version \(version) of '\(slug)' is cut already; version tags never move") }
            try checkVersionTag(slug: slug, version: version, tag: new)
        case .revisionPin:
            if update.old != nil { throw QuorumError.refused("revision pins never move") }
            guard try git.objectKind(new) == .commit else { throw QuorumError.refused("a revision pin must point at a commit") }
        case .round(let slug, let number):
            try requireFastForward(update, to: new)
            try checkRound(slug: slug, number: number, old: update.old, new: new)
        case .roster, .proposalMeta, .proposalComments, .suggestionMeta:
            try requireFastForward(update, to: new)
            try checkChain(kind, old: update.old, new: new)
        case .unknown, .foreign:
            return
        }
    }

    private func requireFastForward(_ update: PushedRef, to new: ObjectID) throws {
        guard let old = update.old else { return }
        guard try git.objectKind(new) == .commit else { throw QuorumError.refused("\(new.short) is not a commit") }
        guard try git.isAncestor(old, of: new) else {
            throw QuorumError.refused(
                "it would rewind or rewrite history (\(old.short) is not in the history of \(new.short)); review history only grows: fetch, reconcile with 'quorum sync', and push again")
        }
    }

    // MARK: Event chains

    private func checkChain(_ kind: SharedRef, old: ObjectID?, new: ObjectID) throws {
        guard try git.objectKind(new) == .commit else { throw QuorumError.refused("\(new.short) is not a commit") }
        let fresh = try git.commits(from: new, excluding: old.map { [$0] } ?? [])
        let freshSet = Set(fresh)
        var roots = 0
        for id in fresh {
            let commit = try git.commit(id)
            if commit.parents.count > 1 {
                if try git.blobID(in: commit.tree, at: EventLog.fileName) != nil {
                    throw QuorumError.refused("commit \(id.short) joins two histories and also carries an event; a reconciling merge carries none")
                }
                continue
            }
            let event: Event
            do {
                guard let decoded = try review.log.decode(commit) else { continue }
                event = decoded
            } catch let error as QuorumError {
                throw QuorumError.refused("malformed event \(id.short): \(error.message)")
            }
            if commit.parents.isEmpty { roots += 1 }
            try checkShape(event, isRoot: commit.parents.isEmpty, in: kind)
        }
        var isComments = false
        if case .proposalComments = kind { isComments = true }
        if roots > 0, !isComments, old != nil || roots > 1 {
            throw QuorumError.refused("it holds a second, unrelated history; a chain has one first event")
        }
        let events = try events(from: new)
        switch kind {
        case .roster:
            for (index, event) in events.enumerated() where freshSet.contains(event.id) && event.record.type == .member {
                guard let member = event.record.member else { throw QuorumError.refused("malformed event \(event.id.short): a member event without a member") }
                try Validation.checkEmail(member.email)
                let before = Roster(events: Array(events[..<index]))
                guard before.isLead(event.actor.email) else {
                    throw QuorumError.refused("event \(event.id.short) changes the roster, but \(event.actor.email) is not a lead; only leads change the roster")
                }
            }
        case .proposalMeta(let slug):
            let roster = try roster()
            for (index, event) in events.enumerated() where freshSet.contains(event.id) {
                switch event.record.type {
                case .propose:
                    guard roster.isLead(event.actor.email) || roster.isIn(event.actor.email, groups: [roster.policy.defaultGroup]) else {
                        throw QuorumError.refused("\(event.actor.email) may not propose: only members of '\(roster.policy.defaultGroup)' and leads may")
                    }
                case .fork:
                    guard roster.isLead(event.actor.email) else {
                        throw QuorumError.refused("event \(event.id.short) forks a round, but \(event.actor.email) is not a lead; only leads fork rounds")
                    }
                    let before = Proposal(slug: slug, head: event.id, events: Array(events[..<index]))
                    let expected = (before.rounds.last?.number ?? 0) + 1
                    guard let info = event.record.roundInfo, info.number == expected else {
                        throw QuorumError.refused("event \(event.id.short) forks a round, but does not open round \(expected)")
                    }
                case .cut:
                    guard roster.isLead(event.actor.email) else {
                        throw QuorumError.refused("event \(event.id.short) cuts a version, but \(event.actor.email) is not a lead; only leads cut versions")
                    }
                default:
                    continue
                }
            }
        case .suggestionMeta(let slug, let id):
            let suggestion: Suggestion
            do {
                suggestion = try Suggestion(id: id, slug: slug, head: new, events: events)
            } catch let error as QuorumError {
                throw QuorumError.refused("malformed suggestion chain: \(error.message)")
            }
            if let first = events.first, freshSet.contains(first.id) {
                try checkNewSuggestion(first, now: suggestion, slug: slug)
            }
        default:
            break
        }
    }

    /// Which kinds of event may stand where in which chain.
    private func checkShape(_ event: Event, isRoot: Bool, in kind: SharedRef) throws {
        let type = event.record.type
        let short = event.id.short
        switch kind {
        case .roster:
            if isRoot != (type == .initialize) || (!isRoot && type != .member) {
                throw QuorumError.refused("event \(short) ('\(type.rawValue)'): the roster chain is one init event followed by member events")
            }
        case .proposalMeta(let slug):
            if isRoot {
                guard type == .propose, event.record.slug == slug else {
                    throw QuorumError.refused("event \(short): the chain of proposal '\(slug)' must begin with its propose event")
                }
            } else if type != .fork && type != .cut {
                throw QuorumError.refused("event \(short) ('\(type.rawValue)') does not belong on a proposal's chain")
            }
        case .proposalComments:
            guard type == .comment else {
                throw QuorumError.refused("event \(short) ('\(type.rawValue)') does not belong on a proposal's comment chain")
            }
        case .suggestionMeta(let slug, let id):
            if isRoot {
                guard type == .suggest, event.id == id, event.record.slug == slug else {
                    throw QuorumError.refused("event \(short): suggestion \(id.short)'s chain must begin with the suggest event whose id is \(id.short)")
                }
            } else if [.initialize, .member, .propose, .fork, .cut, .suggest].contains(type) {
                throw QuorumError.refused("event \(short) ('\(type.rawValue)') does not belong on a suggestion's chain")
            }
        default:
            break
        }
    }

    /// A suggestion new to the shared repository: made by the audience of
    /// its round (or a lead), in a round that is still open — or carried
    /// since into the open one — on a revision whose parent is the base it
    /// names.
    private func checkNewSuggestion(_ event: Event, now suggestion: Suggestion, slug: String) throws {
        let (proposal, _) = try proposal(slug)
        let number = event.record.round ?? 1
        guard let round = proposal.round(number), let current = proposal.round(suggestion.round) else {
            throw QuorumError.refused("suggestion \(event.id.short) names round \(suggestion.round), which '\(slug)' does not have")
        }
        if current.closed {
            let open = proposal.openRound.map { "the open round is \($0.number)" } ?? "no round is open"
            throw QuorumError.refused("suggestion \(event.id.short) is in round \(current.number) of '\(slug)', which is closed (\(open)); make it again there")
        }
        let roster = try roster()
        guard roster.isLead(event.actor.email) || roster.isIn(event.actor.email, groups: round.audience) else {
            throw QuorumError.refused("\(event.actor.email) is not in the audience of round \(number) of '\(slug)', so may not suggest")
        }
        guard let revision = event.record.revision.flatMap(ObjectID.init(hex:)), let base = event.record.base.flatMap(ObjectID.init(hex:)),
              try git.objectKind(revision) == .commit, try git.commit(revision).parents == [base] else {
            throw QuorumError.refused("suggestion \(event.id.short): its revision must be a commit whose parent is the base it names")
        }
    }

    // MARK: Round branches

    /// The commit a round began at: its propose event's commit (round 1) or
    /// the commit its fork event names.
    private func start(ofRound number: Int, events: [Event], slug: String) throws -> ObjectID {
        let event = number == 1
            ? events.first { $0.record.type == .propose }
            : events.last { $0.record.type == .fork && $0.record.roundInfo?.number == number }
        guard let commit = event?.record.commit.flatMap(ObjectID.init(hex:)) else {
            throw QuorumError.refused("the chain of '\(slug)' records no start for round \(number)")
        }
        return commit
    }

    private func checkRound(slug: String, number: Int, old: ObjectID?, new: ObjectID) throws {
        let (proposal, events) = try proposal(slug)
        guard let round = proposal.round(number) else {
            throw QuorumError.refused("proposal '\(slug)' has no round \(number)")
        }
        let start = try start(ofRound: number, events: events, slug: slug)
        if old == nil {
            if number == 1 {
                guard try git.objectKind(start) == .commit, try git.commit(start).parents.isEmpty else {
                    throw QuorumError.refused("round 1 of '\(slug)' must begin at the commit its propose event names, \(start.short)")
                }
            } else {
                let previous = Layout.roundBranch(slug, number - 1)
                guard let head = try value(previous), try git.isAncestor(start, of: head) else {
                    throw QuorumError.refused("round \(number) of '\(slug)' must begin on round \(number - 1) (at \(start.short), where it was forked)")
                }
            }
        }
        if round.closed {
            let closedAt = try self.start(ofRound: number + 1, events: events, slug: slug)
            guard new == closedAt else {
                throw QuorumError.refused("round \(number) of '\(slug)' is closed (forked at \(closedAt.short)); it takes no more changes")
            }
        }
        // Every commit the push adds, along first parents, must be a quorum
        // merge or an allowed pair edit.
        let floor = old ?? start
        var added: [Commit] = []
        var cursor = new
        while cursor != floor {
            let commit = try git.commit(cursor)
            guard let parent = commit.parents.first else {
                throw QuorumError.refused(old == nil
                    ? "round \(number) of '\(slug)' must begin at \(start.short), the commit its \(number == 1 ? "propose" : "fork") event names"
                    : "\(new.short) does not continue round \(number) from \(floor.short) along first parents")
            }
            added.append(commit)
            cursor = parent
        }
        for commit in added.reversed() {
            let trailers = Trailers.parse(commit.message)
            switch commit.parents.count {
            case 2: try checkQuorumMerge(commit, trailers: trailers, slug: slug, round: round)
            case 1: try checkPairEdit(commit, trailers: trailers, slug: slug, round: round)
            default:
                throw QuorumError.refused("commit \(commit.id.short) has \(commit.parents.count) parents: a round branch takes quorum merges and pair edits only")
            }
        }
    }

    /// A merge commit on a round: valid only if the suggestion it names,
    /// as its chain stood when this revision was merged, holds the round's
    /// quorum of independent approvals of exactly this revision (or of one
    /// with the same patch id) and no open objection; and only if its text
    /// is exactly that revision's change applied to the round.
    private func checkQuorumMerge(_ commit: Commit, trailers: Trailers, slug: String, round: Round) throws {
        let short = commit.id.short
        guard let id = trailers.first("Suggestion").flatMap(ObjectID.init(hex:)) else {
            throw QuorumError.refused("commit \(short) is a merge without a Suggestion: trailer; round branches take merges of approved suggestions only")
        }
        let ref = Layout.suggestionMeta(slug, id)
        guard let head = try value(ref) else {
            throw QuorumError.refused("commit \(short) merges suggestion \(id.short), which the shared repository does not have; push \(ref) with it ('quorum sync' does)")
        }
        let parent = commit.parents[0]
        let revision = commit.parents[1]
        let events = stateWhenMerged(try self.events(from: head), mergeCommit: commit.id, revision: revision)
        let suggestion: Suggestion
        do {
            suggestion = try Suggestion(id: id, slug: slug, head: head, events: events)
        } catch let error as QuorumError {
            throw QuorumError.refused("commit \(short): suggestion \(id.short) has a malformed chain: \(error.message)")
        }
        guard suggestion.currentRevision.commit == revision else {
            throw QuorumError.refused("commit \(short) merges \(revision.short), which is not the current revision of suggestion \(id.short)")
        }
        guard suggestion.round == round.number else {
            throw QuorumError.refused("commit \(short) merges suggestion \(id.short) of round \(suggestion.round) into round \(round.number)")
        }
        if let ended = suggestion.ended {
            throw QuorumError.refused("commit \(short) merges suggestion \(id.short), which \(ended.by.email) \(ended.kind == .withdraw ? "withdrew" : "rejected")")
        }
        if try git.isAncestor(revision, of: parent) {
            throw QuorumError.refused("commit \(short) merges suggestion \(id.short) again; it is merged already")
        }
        let roster = try roster()
        let approvals = suggestion.approvals(in: round, roster: roster)
        let counting = approvals.filter(\.counts)
        guard counting.count >= round.quorum else {
            throw QuorumError.refused(
                "commit \(short) merges suggestion \(id.short) with \(counting.count) of the \(round.quorum) independent approvals round \(round.number) requires (\(review.describe(approvals)))")
        }
        if let objection = suggestion.openObjections.first {
            throw QuorumError.refused("commit \(short) merges suggestion \(id.short) over \(objection.by.email)'s open objection: \(objection.reason)")
        }
        // The text must be the approved change and nothing else.
        let base = suggestion.currentRevision.base
        let expected: ObjectID
        if parent == base {
            expected = try git.commit(revision).tree
        } else {
            do {
                expected = try review.mergedTree(slug: slug, base: base, head: parent, revision: revision, subject: "suggestion \(id.short)")
            } catch let error as QuorumError where error.kind == .refused {
                throw QuorumError.refused("commit \(short): suggestion \(id.short) does not apply cleanly to the round at \(parent.short)")
            }
        }
        guard commit.tree == expected else {
            throw QuorumError.refused("commit \(short)'s text is not the approved change: its tree differs from revision \(revision.short) applied to \(parent.short)")
        }
        // Its trailers must not claim approvals that do not count.
        let counted = Set(counting.map { $0.approver.email.lowercased() })
        for claim in trailers.all("Approved-by") {
            guard let email = emailIn(claim), counted.contains(email) else {
                throw QuorumError.refused("commit \(short) claims 'Approved-by: \(claim)', which is not a counting approval of suggestion \(id.short)")
            }
        }
        if let by = trailers.first("Suggested-by"), emailIn(by) != suggestion.author.email.lowercased() {
            throw QuorumError.refused("commit \(short) says 'Suggested-by: \(by)', but suggestion \(id.short) is by \(suggestion.author.email)")
        }
    }

    /// The suggestion's events as they stood when `revision` was merged:
    /// those before the first merge event recording this commit or this
    /// revision (a merge made and recorded elsewhere, then pushed, or made
    /// again on a moved round by `sync`); otherwise — a merge pushed before
    /// its event is written, as `quorum merge` does — all of them. Merge
    /// events are left out: whether it is merged already is read from the
    /// round branch, not from the chain.
    private func stateWhenMerged(_ events: [Event], mergeCommit: ObjectID, revision: ObjectID) -> [Event] {
        let recorded = events.firstIndex {
            $0.record.type == .merge && ($0.record.commit == mergeCommit.hex || $0.record.revision == revision.hex)
        }
        return events[..<(recorded ?? events.endIndex)].filter { $0.record.type != .merge }
    }

    /// A single-parent commit on a round: allowed only as a pair edit
    /// (`Pair-edit:` and `Co-authored-by:` trailers) where the round allows
    /// them, by two people of its audience, touching only the proposal.
    private func checkPairEdit(_ commit: Commit, trailers: Trailers, slug: String, round: Round) throws {
        let short = commit.id.short
        guard trailers.first("Pair-edit") != nil else {
            let title = commit.message.split(separator: "\n").first.map(String.init) ?? ""
            throw QuorumError.refused(
                "commit \(short) (\"\(title)\") is a direct commit: round branches take merges of approved suggestions ('quorum merge'), or pair edits where the round allows them")
        }
        guard round.pairEdits else {
            throw QuorumError.refused("commit \(short) is a pair edit, but round \(round.number) of '\(slug)' does not allow pair edits")
        }
        let author = commit.author.email.lowercased()
        let pairs = trailers.all("Co-authored-by").compactMap(emailIn)
        guard !pairs.isEmpty, !pairs.contains(author) else {
            throw QuorumError.refused("pair edit \(short) must name its second author, someone other than \(author), in a Co-authored-by: trailer")
        }
        let roster = try roster()
        for person in [author] + pairs where !(roster.isLead(person) || roster.isIn(person, groups: round.audience)) {
            throw QuorumError.refused("pair edit \(short): \(person) is not in the audience of round \(round.number) of '\(slug)'")
        }
        let parentTree = try git.commit(commit.parents[0]).tree
        let outside = try git.changedPaths(from: parentTree, to: commit.tree).filter { !$0.hasPrefix("Proposals/\(slug)/") }
        guard outside.isEmpty else {
            throw QuorumError.refused("pair edit \(short) changes files outside Proposals/\(slug)/: \(outside.prefix(5).joined(separator: ", "))")
        }
    }

    // MARK: Version tags

    private func checkVersionTag(slug: String, version: String, tag: ObjectID) throws {
        guard let info = try git.annotatedTag(tag) else {
            throw QuorumError.refused("version \(version) of '\(slug)' must be an annotated tag, as 'quorum cut' makes")
        }
        let (proposal, _) = try proposal(slug)
        var onRound = false
        for round in proposal.rounds {
            if let head = try value(round.branch), try git.isAncestor(info.target, of: head) {
                onRound = true
                break
            }
        }
        guard onRound else {
            throw QuorumError.refused("version \(version) tags \(info.target.short), which is on no round of '\(slug)'")
        }
        let roster = try roster()
        guard let tagger = info.tagger, roster.isLead(tagger.email) else {
            throw QuorumError.refused("version \(version) of '\(slug)' was tagged by \(info.tagger?.email ?? "nobody"), who is not a lead; only leads cut versions")
        }
    }
}

/// The lower-cased email in "Name <email>", or nil.
private func emailIn(_ text: String) -> String? {
    guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else { return nil }
    return String(text[text.index(after: open)..<close]).lowercased()
}
