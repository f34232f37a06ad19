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

/// Something a push (or, for `quorum verify`, a repository's history)
/// breaks: the reference, the event or commit, the rule and the person.
public struct PushRejection: Codable, Sendable, CustomStringConvertible {
    public let ref: String
    /// The event or commit at fault, when one is.
    public let object: String?
    /// The rule's stable code (`Refusal.Code`), e.g. `approve.self`.
    public let code: String
    public let reason: String
    /// Who the event or commit says wrote it.
    public let actor: String?
    /// What to do about it, when the rule says.
    public let hint: String?

    init(ref: String, object: ObjectID? = nil, refusal: Refusal, actor: String? = nil) {
        self.ref = ref
        self.object = object?.hex
        self.code = refusal.code.rawValue
        self.reason = refusal.message
        self.actor = actor
        self.hint = refusal.remedy
    }

    public var description: String {
        "\(ref): [\(code)] " + (object.map { "\(String($0.prefix(8))): " } ?? "") + reason + (actor.map { " (by \($0))" } ?? "")
            + (hint.map { "; hint: \($0)" } ?? "")
    }
}

/// Checks reference updates against the review rules. It reads the pushed
/// objects through `review` (for a hook: the push's quarantine) and judges
/// every chain by its state *after* the push: a pushed new value where
/// there is one, else the reference as it is now. Every rule it applies is
/// `Rules`' (through the folds, which judge each event against the state
/// before it); what it adds is what only objects can tell: that a revision
/// is a commit on the base it names, that a claimed patch id is the real
/// one, that a round commit's tree is the approved change.
///
/// The pre-receive hook, the receive of a push to a repository on this
/// machine, sync's check before it pushes, and `quorum verify` (every
/// reference as if pushed to an empty repository) all run this.
final class PushCheck {
    private let review: ReviewRepository
    private let updates: [PushedRef]
    private let current: (String) throws -> ObjectID?
    private let pushed: [String: ObjectID?]
    private var eventCache: [ObjectID: [Event]] = [:]
    private var rosterCache: Roster?
    private var proposalCache: [String: Proposal] = [:]
    private var findings: [PushRejection] = []
    /// Facts about objects, with round branches as they are after the push.
    private lazy var facts = ObjectFacts(git: git) { [unowned self] ref in (try? self.value(ref)) ?? nil }
    /// What was checked, for `quorum verify`'s report.
    private(set) var counts = VerifyCounts()

    /// Whether new events are being admitted (a push: judged with the roster
    /// as it is) or history is being checked (`verify`: with the roster as
    /// it ever was, see `Roster.historical`).
    private let admission: Bool

    /// `current` gives a reference's value before the push (nil: absent).
    init(review: ReviewRepository, updates: [PushedRef], admission: Bool = true, current: @escaping (String) throws -> ObjectID?) {
        self.review = review
        self.admission = admission
        self.updates = updates
        self.current = current
        var pushed: [String: ObjectID?] = [:]
        for update in updates { pushed[update.name] = .some(update.new) }
        self.pushed = pushed
    }

    private var git: Repository { review.git }

    /// Everything the updates break, in update order; empty when the push
    /// may go in.
    func run() -> [PushRejection] {
        findings = []
        // In history (verify), signatures are checked in the background
        // while the rules are: both cores busy.
        let prefetched = admission ? {} : ((try? prefetchSignatures()) ?? {})
        defer { prefetched() }
        for update in updates {
            do {
                try check(update)
            } catch let refusal as Refusal {
                findings.append(PushRejection(ref: update.name, refusal: refusal))
            } catch let error as QuorumError {
                findings.append(PushRejection(ref: update.name, refusal: Refusal(error.code ?? .eventMalformed, error.message, remedy: error.remedy)))
            } catch {
                findings.append(PushRejection(ref: update.name, refusal: Refusal(.missingObject, "could not be checked: \(error)")))
            }
        }
        return findings
    }

    /// Checks, on all cores at once, the signatures of every commit the
    /// check will meet (events, round commits, pinned revisions), where the
    /// policy requires signatures: `verify` meets the whole history.
    private func prefetchSignatures() throws -> () -> Void {
        guard try roster().requiresSignatures else { return {} }
        var spans: [SignatureStore.Span] = []
        for update in updates {
            guard let new = update.new else { continue }
            switch SharedRef(update.name) {
            case .roster, .proposalMeta, .proposalComments, .suggestionMeta, .round:
                if update.old != new { spans.append(.history(tip: new, hide: update.old)) }
            case .revisionPin:
                if update.old != new { spans.append(.commit(new)) }
            case .versionTag, .unknown, .foreign:
                continue
            }
        }
        return review.log.signatures.startPrefetch(spans)
    }

    /// For `verify`'s report: events signed, and unsigned ones from before
    /// the signature policy (on the roster chain, those before its event).
    private func countSignatures(_ events: [Event], fresh: Set<ObjectID>) throws {
        let roster = try roster()
        guard roster.requiresSignatures else { return }
        var exempt = roster.exempt(events)
        if let since = roster.signaturesSince, events.contains(where: { $0.id == since }) {
            exempt.formUnion(Roster.unsignedHistory(events) ?? [])
        }
        for event in events where fresh.contains(event.id) {
            if case .valid = event.signature {
                counts.signedEvents += 1
            } else if exempt.contains(event.id) {
                counts.unsignedBeforePolicy += 1
            }
        }
    }

    private func report(_ ref: String, _ object: ObjectID?, _ refusal: Refusal, actor: String? = nil) {
        findings.append(PushRejection(ref: ref, object: object, refusal: refusal, actor: actor))
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
            throw Refusal(.chainShape, "there is no roster: push \(Layout.roster) first (or with it)")
        }
        let roster = Roster(events: try events(from: head))
        rosterCache = roster
        return roster
    }

    private func proposal(_ slug: String) throws -> Proposal {
        if let cached = proposalCache[slug] { return cached }
        guard let head = try value(Layout.proposalMeta(slug)) else {
            throw Refusal(.chainShape, "there is no proposal '\(slug)': push \(Layout.proposalMeta(slug)) with it")
        }
        let proposal = Proposal(slug: slug, head: head, events: try events(from: head), roster: try roster())
        proposalCache[slug] = proposal
        return proposal
    }

    // MARK: One reference

    private func check(_ update: PushedRef) throws {
        let kind = SharedRef(update.name)
        switch kind {
        case .foreign: return
        case .unknown:
            throw Refusal(.refShape, "not a reference Quorum writes; \(SharedRef.namespaces.joined(separator: ", ")) hold review data only")
        default: break
        }
        guard let new = update.new else {
            throw Refusal(.refDelete, "deleting it is not allowed: review history is append-only")
        }
        if update.old == new { return }
        guard git.hasObject(new) else { throw Refusal(.missingObject, "\(new.short) is not in the repository") }
        switch kind {
        case .versionTag(let slug, let version):
            if update.old != nil { throw Refusal(.tagMoved, "version \(version) of '\(slug)' is cut already; version tags never move") }
            try checkVersionTag(update.name, slug: slug, version: version, tag: new)
        case .revisionPin(let slug, let id, _):
            if update.old != nil { throw Refusal(.refShape, "revision pins never move") }
            try checkPin(slug: slug, id: id, target: new)
        case .round(let slug, let number):
            try requireFastForward(update, to: new)
            try checkRound(update.name, slug: slug, number: number, old: update.old, new: new)
        case .roster, .proposalMeta, .proposalComments, .suggestionMeta:
            try requireFastForward(update, to: new)
            try checkChain(update.name, kind, old: update.old, new: new)
        case .unknown, .foreign:
            return
        }
    }

    private func requireFastForward(_ update: PushedRef, to new: ObjectID) throws {
        guard try git.objectKind(new) == .commit else { throw Refusal(.refShape, "\(new.short) is not a commit") }
        guard let old = update.old else { return }
        guard try git.isAncestor(old, of: new) else {
            throw Refusal(.refRewind,
                "it would rewind or rewrite history (\(old.short) is not in the history of \(new.short)); review history only grows: fetch, reconcile with 'quorum sync', and push again")
        }
    }

    /// A revision pin holds a revision that an event of its suggestion names.
    private func checkPin(slug: String, id: ObjectID, target: ObjectID) throws {
        guard try git.objectKind(target) == .commit else { throw Refusal(.refShape, "a revision pin must point at a commit") }
        let named: Bool
        if let head = try value(Layout.suggestionMeta(slug, id)) {
            named = try events(from: head).contains { $0.payload.revision?.commit == target }
        } else {
            named = false
        }
        guard named else {
            throw Refusal(.pinUnnamed, "no event of suggestion \(id.short) names \(target.short) as a revision; a pin holds a revision its suggestion's chain records (push the chain with it)")
        }
    }

    // MARK: Event chains

    private func checkChain(_ ref: String, _ kind: SharedRef, old: ObjectID?, new: ObjectID) throws {
        let fresh = try git.commits(from: new, excluding: old.map { [$0] } ?? [])
        let freshSet = Set(fresh)
        var roots = 0
        var unreadable = false
        for id in fresh {
            let commit = try git.commit(id)
            if commit.parents.count > 1 {
                if try git.blobID(in: commit.tree, at: EventLog.fileName) != nil {
                    report(ref, id, Refusal(.chainShape, "it joins two histories and also carries an event; a reconciling merge carries none"))
                } else if commit.parents.count != 2 || (try? review.union(ref, kind: kind, local: commit.parents[0], remote: commit.parents[1])) != id {
                    // Its parents' order decides the order of events: it must
                    // be exactly the merge sync makes of them, nobody's choice.
                    report(ref, id, Refusal(.chainShape, "it joins two histories but is not the merge 'quorum sync' makes of them (parents in sync's order, its author, time and message); reconcile with 'quorum sync'"))
                }
                continue
            }
            if commit.parents.isEmpty { roots += 1 }
            if case .damaged(let reason, let remedy) = try review.log.decoded(commit) {
                let detail = reason.hasPrefix("is malformed: ") ? String(reason.dropFirst("is malformed: ".count)) : "it " + reason
                report(ref, id, Refusal(.eventMalformed, "malformed event \(id.short): \(detail)", remedy: remedy))
                unreadable = true
            }
        }
        // Each event that cannot be read is named above; the chain cannot be
        // replayed past them.
        if unreadable { return }
        var isComments = false
        if case .proposalComments = kind { isComments = true }
        if roots > 0, !isComments, old != nil || roots > 1 {
            throw Refusal(.chainShape, "it holds a second, unrelated history; a chain has one first event")
        }
        let events = try events(from: new)
        counts.chains += 1
        counts.events += fresh.count
        if !admission { try countSignatures(events, fresh: freshSet) }
        let violations: [Violation]
        switch kind {
        case .roster:
            if let first = events.first, freshSet.contains(first.id), case .initialize = first.payload {} else if old == nil {
                throw Refusal(.chainShape, "the roster chain begins with an init event")
            }
            violations = Roster(events: events, admitting: admission ? freshSet : []).violations
            if admission {
                for event in events where freshSet.contains(event.id) {
                    if case .policy(let policy, let heads) = event.payload, policy.requireSignatures == true {
                        try checkPolicyCoversHistory(ref, event, heads: heads)
                    }
                }
            }
        case .proposalMeta(let slug):
            violations = Proposal(slug: slug, head: new, events: events, roster: try roster(), admitting: admission ? freshSet : []).violations
        case .proposalComments(let slug):
            let proposal = try proposal(slug)
            let current = try roster()
            let history = current.historical
            let exempt = current.exempt(events)
            violations = events.compactMap { event in
                guard case .comment = event.payload else {
                    return Violation(event: event, refusal: Refusal(.chainShape, "a proposal's comment chain holds comments only; \(event.id.short) is '\(event.record.type.rawValue)'"))
                }
                guard let round = proposal.openRound ?? proposal.rounds.last else { return nil }
                let roster = admission && freshSet.contains(event.id) ? current : history
                if let refusal = Rules.signature(of: event, roster: roster, exempt: exempt, atPush: admission && freshSet.contains(event.id))
                    ?? Rules.plainText(of: event.payload, actor: event.actor) {
                    return Violation(event: event, refusal: refusal)
                }
                return Rules.mayComment(event.actor.email, in: round, roster: roster).map { Violation(event: event, refusal: $0) }
            }
        case .suggestionMeta(let slug, let id):
            let suggestion: Suggestion
            do {
                suggestion = try review.suggestion(
                    slug, id, head: new, events: events, proposal: try proposal(slug), roster: try roster(), facts: facts,
                    admitting: admission ? freshSet : [])
            } catch let error as QuorumError {
                throw Refusal(.chainShape, "suggestion \(id.short): \(error.message); a suggestion's chain begins with the suggest event whose id is its own")
            }
            violations = suggestion.violations
            let exempt = try roster().exempt(events)
            for event in events where freshSet.contains(event.id) {
                try checkObjects(ref, event, slug: slug)
                if !exempt.contains(event.id) { try checkRevisionSignature(ref, event) }
            }
        default:
            violations = []
        }
        for violation in violations where freshSet.contains(violation.event) {
            report(ref, violation.event, violation.refusal, actor: violation.actor.email)
        }
    }

    /// What only objects can tell about a suggestion's event: a revision is
    /// a commit whose one parent is the base it names; a patch id a record
    /// claims is the change's (as format 1 computed it, whitespace
    /// ignored); a merge event's commit merges the revision it names.
    private func checkObjects(_ ref: String, _ event: Event, slug: String) throws {
        func derived(_ message: String) { report(ref, event.id, Refusal(.eventDerived, message), actor: event.actor.email) }
        if case .merge(let r, let commit) = event.payload {
            guard git.hasObject(commit), try git.objectKind(commit) == .commit else {
                derived("its commit \(commit.short) is not in the repository: a merge event goes with its round commit, in one push")
                return
            }
            let parents = try git.commit(commit).parents
            if parents.count != 2 || parents[1] != r { derived("its commit \(commit.short) is not a merge of revision \(r.short)") }
            // Admitting it: its commit is on a round of the proposal after
            // this push. (In history, one that is not counts for nothing.)
            if admission, !facts.isOnSomeRound(commit, of: try proposal(slug)) {
                derived("its commit \(commit.short) is on no round of '\(slug)': a merge event goes with its round commit, in one push, and both are refused together")
            }
            return
        }
        guard let (revision, base) = event.payload.revision else { return }
        guard git.hasObject(revision), try git.objectKind(revision) == .commit, try git.commit(revision).parents == [base] else {
            derived("its revision \(revision.short) must be a commit whose one parent is the base it names, \(base.short)")
            return
        }
        let outside = try git.changedPaths(from: git.commit(base).tree, to: git.commit(revision).tree).filter { !$0.hasPrefix("Proposals/\(slug)/") }
        if !outside.isEmpty {
            report(ref, event.id, Refusal(.revisionOutside, "its revision \(revision.short) changes files outside Proposals/\(slug)/: \(outside.prefix(5).joined(separator: ", "))"), actor: event.actor.email)
        }
        if let refusal = Rules.documentNames(try git.blobPaths(in: git.commit(revision).tree, under: "Proposals/\(slug)")) {
            report(ref, event.id, refusal, actor: event.actor.email)
        }
        if let claimed = event.record.patchId {
            let actual = try git.patchID(from: git.commit(base).tree, to: git.commit(revision).tree)
            if claimed != actual.hex {
                derived("it claims patch id \(String(claimed.prefix(12))), but its change's is \(actual.short); patch ids are computed from the objects, never taken from a record")
            }
        }
    }

    /// A policy event turning signatures on must leave everything the
    /// shared repository already holds valid unsigned: every review ref's
    /// head here must be one the event records, or in its history (a
    /// reconciling merge stands for the events it joins). Otherwise events
    /// its maker had not fetched would lose their standing.
    private func checkPolicyCoversHistory(_ ref: String, _ event: Event, heads: [GrandfatheredHead]) throws {
        var uncovered: [String] = []
        for prefix in SharedRef.namespaces {
            for existing in try git.references(matching: prefix + "*") {
                // What the shared repository holds (before this push).
                guard let held = try current(existing.name) else { continue }
                let recorded = heads.filter { $0.ref == existing.name }.map(\.commit)
                switch SharedRef(existing.name) {
                case .roster, .revisionPin, .unknown, .foreign:
                    continue
                case .versionTag:
                    if !recorded.contains(held) { uncovered.append(existing.name) }
                case .round, .proposalMeta, .proposalComments, .suggestionMeta:
                    var stack = [held]
                    while let id = stack.popLast() {
                        if try recorded.contains(where: { try $0 == id || git.isAncestor(id, of: $0) }) { continue }
                        let commit = try git.commit(id)
                        if commit.parents.count > 1, try git.blobID(in: commit.tree, at: EventLog.fileName) == nil {
                            stack += commit.parents
                        } else {
                            uncovered.append(existing.name)
                            break
                        }
                    }
                }
            }
        }
        guard !uncovered.isEmpty else { return }
        report(ref, event.id, Refusal(
            .rosterPolicy,
            "the policy event turning signatures on does not cover \(uncovered.count) review ref\(uncovered.count == 1 ? "" : "s") the shared repository has (\(uncovered.prefix(3).joined(separator: ", "))\(uncovered.count > 3 ? ", …" : "")): their unsigned events would stop counting",
            remedy: "take the policy event back ('git update-ref refs/quorum/roster \(event.parents.first?.hex ?? "HEAD~1")'), run 'quorum sync', then 'quorum policy --require-signatures' again"), actor: event.actor.email)
    }

    /// A revision an event adds is signed by whoever made it (its
    /// committer: the author, or who rebased or carried it), where the
    /// policy requires signatures.
    private func checkRevisionSignature(_ ref: String, _ event: Event) throws {
        let roster = try roster()
        guard roster.requiresSignatures, let (revision, _) = event.payload.revision, git.hasObject(revision),
              try git.objectKind(revision) == .commit else { return }
        let commit = try git.commit(revision)
        if let refusal = Rules.signatureHolds(
            try review.log.signatures.commit(revision), by: commit.committer.email, at: commit.committer.time, roster: roster,
            atPush: admission, what: "revision \(revision.short)") {
            report(ref, event.id, refusal, actor: commit.committer.email)
        }
    }

    /// A commit added to a round branch (a merge, a pair edit) is signed by
    /// whoever made it, where the policy requires signatures and it is not
    /// from before the policy.
    private func checkCommitSignature(_ ref: String, _ commit: Commit) throws {
        let roster = try roster()
        guard roster.requiresSignatures,
              !roster.predatesSignatures(commit.id, on: ref, isAncestor: { (try? git.isAncestor($0, of: $1)) ?? false }) else { return }
        if let refusal = Rules.signatureHolds(
            try review.log.signatures.commit(commit.id), by: commit.committer.email, at: commit.committer.time, roster: roster,
            atPush: admission, what: "commit \(commit.id.short)") {
            report(ref, commit.id, refusal, actor: commit.committer.email)
        }
    }

    // MARK: Round branches

    private func checkRound(_ ref: String, slug: String, number: Int, old: ObjectID?, new: ObjectID) throws {
        let proposal = try proposal(slug)
        guard let round = proposal.round(number), let start = proposal.starts[number] else {
            throw Refusal(.roundStart, "proposal '\(slug)' has no round \(number)")
        }
        if old == nil {
            if number == 1 {
                guard git.hasObject(start), try git.objectKind(start) == .commit, try git.commit(start).parents.isEmpty else {
                    throw Refusal(.roundStart, "round 1 of '\(slug)' must begin at the commit its propose event names, \(start.short)")
                }
                // The proposal's first commit is the proposer's, signed.
                try checkCommitSignature(ref, try git.commit(start))
            } else {
                let previous = Layout.roundBranch(slug, number - 1)
                guard let head = try value(previous), try git.isAncestor(start, of: head) || head == start else {
                    throw Refusal(.roundStart, "round \(number) of '\(slug)' must begin on round \(number - 1) (at \(start.short), where it was forked)")
                }
            }
        }
        // A round branch never moves past the commit its round was closed at.
        if let end = proposal.end(ofRound: number), new != end, !(try git.isAncestor(new, of: end)) {
            throw Refusal(.roundClosed, "round \(number) of '\(slug)' is closed (forked at \(end.short)); it takes no more changes")
        }
        // Every commit the push adds, along first parents, must be a quorum
        // merge or an allowed pair edit.
        let floor = old ?? start
        var added: [Commit] = []
        var cursor = new
        while cursor != floor {
            let commit = try git.commit(cursor)
            guard let parent = commit.parents.first else {
                throw Refusal(.roundStart, old == nil
                    ? "round \(number) of '\(slug)' must begin at \(start.short), the commit its \(number == 1 ? "propose" : "fork") event names"
                    : "\(new.short) does not continue round \(number) from \(floor.short) along first parents")
            }
            added.append(commit)
            cursor = parent
        }
        counts.roundCommits += added.count
        for commit in added.reversed() {
            let trailers = Trailers.parse(commit.message)
            do {
                switch commit.parents.count {
                case 2: try checkQuorumMerge(commit, trailers: trailers, slug: slug, round: round)
                case 1: try checkPairEdit(commit, trailers: trailers, slug: slug, round: round)
                default:
                    throw Refusal(.roundCommit, "it has \(commit.parents.count) parents: a round branch takes quorum merges and pair edits only")
                }
            } catch let refusal as Refusal {
                report(ref, commit.id, refusal, actor: commit.committer.email)
            }
            try checkCommitSignature(ref, commit)
        }
    }

    /// A merge commit on a round: valid only if the suggestion it names,
    /// as its chain stood when this revision was merged, met the round's
    /// quorum of independent approvals of exactly this change with no open
    /// objection (`Rules.mayMerge`, for the person who merged); and only
    /// if its text is exactly that revision's change applied to the round.
    private func checkQuorumMerge(_ commit: Commit, trailers: Trailers, slug: String, round: Round) throws {
        guard let id = trailers.first(Trailers.suggestion).flatMap(ObjectID.init(hex:)) else {
            throw Refusal(.roundCommit, "a merge without a Suggestion: trailer; round branches take merges of approved suggestions only")
        }
        let ref = Layout.suggestionMeta(slug, id)
        guard let head = try value(ref) else {
            throw Refusal(.missingObject, "it merges suggestion \(id.short), which the shared repository does not have; push \(ref) with it ('quorum sync' does)")
        }
        let parent = commit.parents[0]
        let revision = commit.parents[1]
        // Admitting it: what the shared repository already holds counts,
        // whatever the chain order: a merge arriving after an objection, a
        // revision or a withdrawal reached it was made on a state that no
        // longer holds. In history (verify, or a clone checking what it
        // fetched) only what its maker saw counts.
        let known = admission ? try current(ref).map { Set(try self.events(from: $0).map(\.id)) } ?? [] : []
        let all = try self.events(from: head)
        let events: [Event]
        let seen = trailers.first(Trailers.suggestionHead).flatMap(ObjectID.init(hex:))
        let rosterNow = try roster()
        if seen == nil, rosterNow.requiresSignatures,
           !rosterNow.predatesSignatures(commit.id, on: round.branch, isAncestor: { (try? git.isAncestor($0, of: $1)) ?? false }) {
            // Without it, what its maker saw is a guess from chain order.
            throw Refusal(.mergeTrailers, "a merge without a Suggestion-Head: trailer naming the suggestion's chain as its maker saw it; 'quorum merge' writes one")
        }
        if let seen, git.hasObject(seen), try seen == head || git.isAncestor(seen, of: head) {
            // Judged by what its maker saw, and what the shared repository had.
            let counted = known.union(try self.events(from: seen).map(\.id))
            events = all.filter { event in
                if case .merge = event.payload { return false }
                return counted.contains(event.id)
            }
        } else {
            events = stateWhenMerged(all, mergeCommit: commit.id, revision: revision, known: known)
        }
        let suggestion: Suggestion
        do {
            suggestion = try review.suggestion(slug, id, head: head, events: events, proposal: try proposal(slug), roster: try roster(), facts: facts)
        } catch let error as QuorumError {
            throw Refusal(.chainShape, "suggestion \(id.short) has a malformed chain: \(error.message)")
        }
        guard suggestion.currentRevision.commit == revision else {
            throw Refusal(.roundCommit, "it merges \(revision.short), which is not the current revision of suggestion \(id.short)")
        }
        guard suggestion.round == round.number else {
            throw Refusal(.roundCommit, "it merges suggestion \(id.short) of round \(suggestion.round) into round \(round.number)")
        }
        if let refusal = Rules.isLive(suggestion) { throw refusal }
        if try git.isAncestor(revision, of: parent) {
            throw Refusal(.roundCommit, "it merges suggestion \(id.short) again; it is merged already")
        }
        // History is judged with the roster as it ever was: an approval that
        // counted when it was merged still does after its approver left.
        let roster = admission ? rosterNow : rosterNow.historical
        if let refusal = Rules.mayMerge(commit.committer.email, suggestion, in: round, roster: roster) { throw refusal }
        if suggestion.conflictedWith != nil {
            throw Refusal(.mergeConflicted, "suggestion \(id.short) is conflicted; its author must revise it first")
        }
        // The text must be the approved change and nothing else, merged
        // with the algorithm version the commit names (none: the line merge).
        guard let version = trailers.mergeVersion, ProseMerge.knows(version) else {
            throw Repository.unknownMergeVersion(trailers.mergeVersion ?? -1, named: trailers.mergeVersion == nil ? trailers.first(Trailers.mergeVersion) : nil)
        }
        let base = suggestion.currentRevision.base
        let expected: ObjectID
        if parent == base {
            expected = try git.commit(revision).tree
        } else {
            do {
                expected = try review.mergedTree(slug: slug, base: base, head: parent, revision: revision, subject: "suggestion \(id.short)", version: version)
            } catch let error as QuorumError where error.kind == .refused {
                throw Refusal(.mergeTree, "suggestion \(id.short) does not apply cleanly to the round at \(parent.short)")
            }
        }
        guard commit.tree == expected else {
            throw Refusal(.mergeTree, "its text is not the approved change: its tree differs from revision \(revision.short) applied to \(parent.short)")
        }
        // Its trailers must not claim approvals that do not count.
        let counted = Set(suggestion.approvals(in: round, roster: roster).filter(\.counts).map { $0.approver.email.lowercased() })
        for claim in trailers.all(Trailers.approvedBy) {
            guard let email = emailIn(claim), counted.contains(email) else {
                throw Refusal(.mergeTrailers, "it claims 'Approved-by: \(claim)', which is not a counting approval of suggestion \(id.short)")
            }
        }
        if let by = trailers.first(Trailers.suggestedBy), emailIn(by) != suggestion.author.email.lowercased() {
            throw Refusal(.mergeTrailers, "it says 'Suggested-by: \(by)', but suggestion \(id.short) is by \(suggestion.author.email)")
        }
    }

    /// The suggestion's events as they stood when `revision` was merged:
    /// those before the first merge event recording this commit or this
    /// revision (a merge made and recorded elsewhere, then pushed, or made
    /// again on a moved round by `sync`); otherwise — a merge pushed before
    /// its event is written, as `quorum merge` does — all of them. Events
    /// in `known` (already on the shared repository) count wherever they
    /// stand. Merge events are left out: whether it is merged already is
    /// read from the round branch, not from the chain.
    private func stateWhenMerged(_ events: [Event], mergeCommit: ObjectID, revision: ObjectID, known: Set<ObjectID>) -> [Event] {
        let recorded = events.firstIndex {
            guard case .merge(let r, let c) = $0.payload else { return false }
            return c == mergeCommit || r == revision
        } ?? events.endIndex
        return events.enumerated().filter { index, event in
            if case .merge = event.payload { return false }
            return index < recorded || known.contains(event.id)
        }.map(\.element)
    }

    /// A single-parent commit on a round: allowed only as a pair edit
    /// (`Pair-edit:` and `Co-authored-by:` trailers) that `Rules.mayPairEdit`
    /// allows, touching only the proposal.
    private func checkPairEdit(_ commit: Commit, trailers: Trailers, slug: String, round: Round) throws {
        guard trailers.first(Trailers.pairEdit) != nil else {
            let title = commit.message.split(separator: "\n").first.map(String.init) ?? ""
            throw Refusal(.roundCommit,
                "\"\(title)\" is a direct commit: round branches take merges of approved suggestions ('quorum merge'), or pair edits where the round allows them")
        }
        let partners = trailers.all(Trailers.coAuthoredBy).compactMap(emailIn)
        let roster = try roster()
        if let refusal = Rules.mayPairEdit(author: commit.author.email, partners: partners, in: round, slug: slug, roster: roster) {
            throw refusal
        }
        if !roster.predatesSignatures(commit.id, on: round.branch, isAncestor: { (try? git.isAncestor($0, of: $1)) ?? false }),
           let refusal = Rules.pairEditProvable(roster: roster, slug: slug) {
            throw refusal
        }
        let parentTree = try git.commit(commit.parents[0]).tree
        let outside = try git.changedPaths(from: parentTree, to: commit.tree).filter { !$0.hasPrefix("Proposals/\(slug)/") }
        guard outside.isEmpty else {
            throw Refusal(.roundCommit, "pair edit changes files outside Proposals/\(slug)/: \(outside.prefix(5).joined(separator: ", "))")
        }
    }

    // MARK: Version tags

    private func checkVersionTag(_ ref: String, slug: String, version: String, tag: ObjectID) throws {
        counts.tags += 1
        guard let info = try git.annotatedTag(tag) else {
            throw Refusal(.tagShape, "version \(version) of '\(slug)' must be an annotated tag, as 'quorum cut' makes")
        }
        // The tag object names itself; a tag made (and signed) for another
        // version is not this one.
        let header = String(decoding: try git.rawObject(tag).prefix(1024), as: UTF8.self)
        guard header.split(separator: "\n").contains(Substring("tag rfc/\(slug)/\(version)")) else {
            throw Refusal(.tagShape, "the tag object at \(ref) names another tag; version \(version) of '\(slug)' is a tag made as rfc/\(slug)/\(version)")
        }
        let proposal = try proposal(slug)
        var onRound = false
        for round in proposal.rounds {
            if let head = try value(round.branch), try git.isAncestor(info.target, of: head) || head == info.target {
                onRound = true
                break
            }
        }
        guard onRound else {
            throw Refusal(.tagShape, "version \(version) tags \(info.target.short), which is on no round of '\(slug)'")
        }
        if let refusal = Rules.mayCut(info.tagger?.email ?? "nobody", roster: try roster()) {
            throw Refusal(.tagNotLead, "version \(version) of '\(slug)': " + refusal.message)
        }
        let roster = try roster()
        if roster.requiresSignatures, !roster.predatesSignatures(tag, on: ref, isAncestor: { _, _ in false }),
           let refusal = Rules.signatureHolds(
               try review.log.signatures.tag(tag), by: info.tagger?.email ?? "nobody", at: info.tagger?.time ?? 0, roster: roster,
               atPush: admission, what: "version tag \(version)") {
            throw refusal
        }
        try checkChangelog(slug: slug, version: version, target: info.target, message: info.message)
    }

    /// A version's changelog names exactly the suggestions merged on its
    /// round's first-parent line since the previous version (the nearest
    /// other version of the proposal in its history), as `cut` writes it:
    /// recomputed from the round branch, never taken from the message.
    private func checkChangelog(slug: String, version: String, target: ObjectID, message: String) throws {
        // Versions cut on the same commit are ordered by their cut events.
        let order = Dictionary(try proposal(slug).versions.enumerated().map { ($0.element.version, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let mine = order[version] ?? Int.max
        var earlier: [(commit: ObjectID, rank: Int)] = []
        for ref in Set(try git.references(matching: "refs/tags/rfc/\(slug)/*").map(\.name) + updates.map(\.name)) {
            guard case .versionTag(let s, let other) = SharedRef(ref), s == slug, other != version,
                  let tag = try value(ref), let commit = try git.annotatedTag(tag)?.target else { continue }
            let rank = order[other] ?? Int.max
            guard try commit == target ? rank < mine : git.isAncestor(commit, of: target) else { continue }
            earlier.append((commit, rank))
        }
        // The nearest: every other earlier version is in its history.
        var previous: ObjectID?
        var best: (commit: ObjectID, rank: Int)?
        for candidate in earlier where try earlier.allSatisfy({ try $0.commit == candidate.commit || git.isAncestor($0.commit, of: candidate.commit) }) {
            if best == nil || candidate.rank >= (best?.rank ?? 0) { best = candidate }
        }
        previous = best?.commit
        let merged = Set(try review.changes(from: previous, to: target).compactMap { $0.suggestion.map { String($0.prefix(8)) } })
        var named: Set<String> = []
        for line in message.split(separator: "\n") where line.hasPrefix("- ") {
            guard let open = line.range(of: "(suggestion ", options: .backwards), let close = line[open.upperBound...].firstIndex(of: ")") else { continue }
            named.insert(String(line[open.upperBound..<close]))
        }
        guard named == merged else {
            let missing = merged.subtracting(named).sorted(), extra = named.subtracting(merged).sorted()
            throw Refusal(.tagChangelog,
                "version \(version) of '\(slug)': its changelog does not list exactly the suggestions merged since \(previous.map { "the previous version at \($0.short)" } ?? "the proposal was opened")"
                + (missing.isEmpty ? "" : "; missing: \(missing.joined(separator: ", "))") + (extra.isEmpty ? "" : "; not merged there: \(extra.joined(separator: ", "))"))
        }
    }
}

/// The lower-cased email in "Name <email>", or nil.
private func emailIn(_ text: String) -> String? {
    guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else { return nil }
    return String(text[text.index(after: open)..<close]).lowercased()
}
