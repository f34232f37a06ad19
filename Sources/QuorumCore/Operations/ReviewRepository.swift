import Foundation
import QuorumGit

/// A git repository with Quorum's review data in it. Opens it once,
/// reads state from the event chains, and performs every review action.
/// Not for use from two threads at once (it owns one libgit2 handle).
public final class ReviewRepository {
    public let git: Repository
    let log: EventLog
    let environment: [String: String]
    /// The signing key, once looked up (`signer()`).
    var signerCache: SSHSigner??
    /// The roster read last, at its chain's head (`currentRoster()`).
    private var rosterMemo: (head: ObjectID, roster: Roster)?

    /// The last signature the signing key made in process (`signing(as:)`),
    /// and the key: see `noteOwnSignature`.
    var lastOwnSignature: (armored: String, key: SSHPublicKey)?

    init(git: Repository, environment: [String: String]) {
        self.git = git
        self.log = EventLog(repo: git)
        self.environment = environment
        git.signedCommitCreated = { [weak self] id, armored in self?.noteOwnSignature(id, armored: armored) }
    }

    /// Opens the Quorum repository at or above `path`.
    /// Throws a usage error when there is no git repository there or it
    /// has not been set up with `quorum init`.
    public static func open(at path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ReviewRepository {
        let git: Repository
        do {
            git = try Repository.open(at: path)
        } catch let error as GitError {
            if let explained = openFailure(error, at: path) { throw explained }
            guard error.isNotFound else {
                throw QuorumError(.failure, "cannot open the git repository at \(path)", remedy: "'git -C \(path) status' says what git makes of it", cause: error)
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw QuorumError(.usage, "no such directory: \(path)", remedy: "check the path given to --repo (or the directory you are in)", cause: error)
            }
            throw QuorumError(.usage, "not a git repository: \(path)", remedy: "run 'quorum init' there, or pass --repo PATH", cause: error)
        }
        let repo = ReviewRepository(git: git, environment: environment)
        guard try repo.git.referenceTarget(Layout.roster) != nil else {
            let remedy = try git.configString("remote.origin.url") != nil
                ? "if this is a clone of a shared Quorum repository, run 'quorum sync' to fetch the review; otherwise 'quorum init'"
                : "run 'quorum init' there first"
            throw QuorumError.usage("not a Quorum repository: \(git.workDirectory ?? git.gitDirectory)", remedy: remedy)
        }
        return repo
    }

    /// Makes `path` a Quorum repository (running git init when needed) and
    /// records the caller as its first lead, with the default policy.
    /// Refuses when it already is one.
    public static func initialize(at path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (repository: ReviewRepository, lead: Member) {
        // What this init makes (new folders, a new .git), so that a refusal
        // takes it away again: a refused command changes nothing.
        let newFolder = Self.firstMissingFolder(of: path)
        let newGit = newFolder == nil && !FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(".git"))
        let git: Repository
        do {
            git = try Repository.create(at: path)
        } catch let error as GitError {
            if let newFolder { try? FileManager.default.removeItem(atPath: newFolder) }
            throw QuorumError.explaining(error, repository: path)
                ?? QuorumError(.usage, "cannot create a git repository at \(path)", remedy: "choose a directory you may write, or run 'quorum init' in an existing repository", cause: error)
        }
        let repo = ReviewRepository(git: git, environment: environment)
        let actor: Signature
        do {
            actor = try repo.identity()
        } catch {
            if let newFolder {
                try? FileManager.default.removeItem(atPath: newFolder)
            } else if newGit {
                try? FileManager.default.removeItem(atPath: git.gitDirectory)
            }
            throw error
        }
        if try git.referenceTarget(Layout.roster) != nil {
            throw QuorumError.refused("\(git.workDirectory ?? path) is already a Quorum repository", remedy: "see 'quorum member list' and 'quorum status'")
        }
        let lead = Member(email: actor.email, name: actor.name, groups: [Policy.standard.defaultGroup], lead: true)
        var record = EventRecord(type: .initialize)
        record.policy = .standard
        record.member = lead
        // The first lead's signing key, when git has one configured.
        record.key = try repo.signer()?.publicKey.line
        try repo.append(record, to: Layout.roster, summary: "Start Quorum review with \(lead.formatted) as lead", trailers: [(Trailers.member, lead.email)], actor: actor, parent: nil)
        return (repo, lead)
    }

    /// The outermost folder on the way to `path` that does not exist yet
    /// (`path` itself when only it is missing), or nil when `path` exists.
    static func firstMissingFolder(of path: String) -> String? {
        var missing: String?
        var cursor = URL(fileURLWithPath: path).standardizedFileURL
        while !FileManager.default.fileExists(atPath: cursor.path) {
            missing = cursor.path
            let parent = cursor.deletingLastPathComponent()
            if parent.path == cursor.path { break }
            cursor = parent
        }
        return missing
    }

    /// Why the repository at `path` could not be opened, when the reason is
    /// the machine's (see `QuorumError.explaining`): another user owns it,
    /// it is unreadable… Nil when git simply finds none there. Every
    /// command that opens a repository (this one, a shared one to sync
    /// with, one to install hooks in) asks this.
    static func openFailure(_ error: GitError, at path: String) -> QuorumError? {
        let owned = repositoryOwnedByAnotherUser(at: path)
        if let explained = QuorumError.explaining(error, repository: owned ?? path) { return explained }
        // libgit2 1.5 reports its ownership check as "not found" (a
        // config lookup's error) when no safe.directory is set at all.
        if error.isNotFound, let owned {
            return QuorumError.explaining(
                GitError(function: error.function, code: -36, errorClass: error.errorClass, message: "repository path '\(owned)' is not owned by current user"),
                repository: owned)
        }
        return nil
    }

    /// The repository at or above `path` (a work tree's top directory with
    /// `.git`, or a bare repository) when it, or its `.git`, belongs to
    /// another user: what git's "dubious ownership" check refuses. Nil
    /// when there is none, or it is this user's.
    static func repositoryOwnedByAnotherUser(at path: String) -> String? {
        var directory = URL(fileURLWithPath: path).standardizedFileURL
        let me = geteuid()
        func owner(_ url: URL) -> uid_t? {
            var info = stat()
            return stat(url.path, &info) == 0 ? info.st_uid : nil
        }
        let files = FileManager.default
        while true {
            let dotGit = directory.appendingPathComponent(".git")
            let isBare = files.fileExists(atPath: directory.appendingPathComponent("HEAD").path)
                && files.fileExists(atPath: directory.appendingPathComponent("objects").path)
            if files.fileExists(atPath: dotGit.path) || isBare {
                let owners = [owner(directory), files.fileExists(atPath: dotGit.path) ? owner(dotGit) : nil].compactMap { $0 }
                guard owners.contains(where: { $0 != me }) else { return nil }
                // Inside a work tree's .git, git names the work tree.
                let parent = directory.deletingLastPathComponent()
                if directory.lastPathComponent == ".git", files.fileExists(atPath: parent.appendingPathComponent(".git").path) { return parent.path }
                return directory.path
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    // MARK: Identity

    /// The person running the command, exactly as git takes it:
    /// `GIT_AUTHOR_NAME` / `GIT_AUTHOR_EMAIL`, then `user.name` / `user.email`.
    public func identity() throws -> Signature {
        let name = try nonEmpty(environment["GIT_AUTHOR_NAME"]) ?? nonEmpty(git.configString("user.name"))
        let email = try nonEmpty(environment["GIT_AUTHOR_EMAIL"]) ?? nonEmpty(git.configString("user.email"))
        guard let name, let email else {
            throw QuorumError.usage(
                "Quorum needs to know who you are, as git does",
                remedy: "run 'git config --global user.name \"Your Name\"' and 'git config --global user.email you@example.com' (or set GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL)")
        }
        try Validation.checkEmail(email)
        try Validation.checkName(name)
        // The zone offset as git takes it (localtime's tm_gmtoff, which
        // honours TZ), without loading Foundation's time zone database.
        var now = time(nil)
        var local = tm()
        let offset = localtime_r(&now, &local) == nil ? 0 : Int32(local.tm_gmtoff / 60)
        return Signature(name: name, email: email, time: Int64(now), offsetMinutes: offset)
    }

    private func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.trimming(.spaces).isEmpty else { return nil }
        return value
    }

    // MARK: Reading state

    public func roster() throws -> Roster {
        try currentRoster().roster
    }

    /// The roster chain's head and the roster folded from it: the one way
    /// every command reads the roster. From the snapshot when it was made
    /// at that head (`RosterSnapshot`), else the snapshot with the events
    /// since folded on (or, when that cannot be, the whole chain folded),
    /// and stored for the next command; kept for the rest of this command
    /// while the head stays. Throws a usage error when there is no roster.
    func currentRoster() throws -> (head: ObjectID, roster: Roster) {
        guard let head = try git.referenceTarget(Layout.roster) else {
            throw QuorumError.usage("not a Quorum repository", remedy: "run 'quorum init' first")
        }
        if let rosterMemo, rosterMemo.head == head { return rosterMemo }
        let snapshot = RosterSnapshot(git: git)
        let stored = snapshot.load()
        let roster: Roster
        if let stored, stored.head == head {
            roster = stored.roster
        } else {
            if let stored, let later = try log.events(from: head, after: stored.head, ref: Layout.roster),
               let folded = stored.roster.folding(later) {
                roster = folded
            } else {
                roster = Roster(events: try log.events(from: head, ref: Layout.roster))
            }
            snapshot.save(roster, head: head)
        }
        rosterMemo = (head, roster)
        return (head, roster)
    }

    public func proposal(_ slug: String) throws -> Proposal {
        try proposal(slug, roster: roster())
    }

    /// The proposal folded against a roster already read.
    func proposal(_ slug: String, roster: Roster) throws -> Proposal {
        try Validation.checkSlug(slug)
        guard let chain = try log.read(Layout.proposalMeta(slug)) else {
            throw noSuchProposal(slug)
        }
        return Proposal(slug: slug, head: chain.head, events: chain.events, roster: roster)
    }

    /// The usage error for a slug no proposal has, naming the slugs close
    /// to it when there are any.
    func noSuchProposal(_ slug: String) -> QuorumError {
        let slugs = (try? git.references(matching: Layout.allProposalMetas, slashes: 4).compactMap { Layout.parseProposalMeta($0.name) }) ?? []
        return QuorumError.usage(
            "no proposal '\(slug)'",
            remedy: DidYouMean.hint(for: slug, among: slugs) ?? "see 'quorum status' for the proposals there are")
    }

    /// The usage error for an id no suggestion has, naming the ids one or
    /// two typing slips away (as many digits as were given).
    func noSuchSuggestion(_ prefix: String) -> QuorumError {
        let digits = prefix.count
        let ids = (try? git.references(matching: "refs/quorum/proposals/*/suggestions/*/meta").compactMap { Layout.parseSuggestionMeta($0.name) }) ?? []
        let shown = ids.map { String($0.id.hex.prefix(max(digits, 8))) }
        return QuorumError.usage(
            "no suggestion with id \(prefix)",
            remedy: DidYouMean.hint(for: prefix, among: shown) ?? "see 'quorum list' for the ids there are")
    }

    public func proposals() throws -> [Proposal] {
        // refs/quorum/proposals/<slug>/meta: four slashes (a suggestion's
        // chain has six, and there may be 10,000 of them to skip).
        try proposals(at: git.references(matching: Layout.allProposalMetas, slashes: 4).compactMap { ref in
            Layout.parseProposalMeta(ref.name).map { ($0, ref.target) }
        })
    }

    /// The proposals whose chains end at these heads, sorted by slug.
    func proposals(at heads: [(slug: String, head: ObjectID)]) throws -> [Proposal] {
        let roster = try roster()
        return try heads.map { Proposal(slug: $0.slug, head: $0.head, events: try log.events(from: $0.head), roster: roster) }
            .sorted { $0.slug < $1.slug }
    }

    /// Finds the suggestion an id or unique id prefix (4+ hex digits) names.
    public func resolve(_ prefix: String) throws -> (slug: String, id: ObjectID) {
        let lowered = prefix.lowercased()
        guard lowered.utf8.count >= 4, lowered.utf8.count <= 40, lowered.utf8.allSatisfy(isHex) else {
            throw QuorumError.usage("'\(prefix)' is not a suggestion id", remedy: "give at least 4 hex digits of an id from 'quorum list'")
        }
        if let found = try suggestion(namedByUniqueObject: lowered) { return found }
        let matches = try git.references(matching: "refs/quorum/proposals/*/suggestions/\(lowered)*/meta")
            .compactMap { Layout.parseSuggestionMeta($0.name) }
        guard let match = matches.first else { throw noSuchSuggestion(prefix) }
        guard matches.count == 1 else {
            throw QuorumError.usage(
                "id \(prefix) is ambiguous: it could be \(matches.map { $0.id.short }.joined(separator: ", "))",
                remedy: "give more digits")
        }
        return match
    }

    /// The suggestion `prefix` names when it is unique among all objects
    /// and names a suggestion's first event whose chain exists: then no
    /// other suggestion can share it. A few lookups, where listing the
    /// suggestions' refs costs ~20 ms at 10,000 of them. Nil otherwise
    /// (`resolve` then lists them, to tell unknown from ambiguous).
    private func suggestion(namedByUniqueObject prefix: String) throws -> (slug: String, id: ObjectID)? {
        guard let id = git.uniqueObject(prefix: prefix),
              let commit = try? git.commit(id), commit.parents.isEmpty,
              let event = try? log.decode(commit), event.record.type == .suggest,
              let slug = event.record.slug, (try? Validation.checkSlug(slug)) != nil,
              try git.referenceTarget(Layout.suggestionMeta(slug, id)) != nil
        else { return nil }
        return (slug, id)
    }

    public func suggestion(_ slug: String, _ id: ObjectID) throws -> Suggestion {
        let roster = try roster()
        return try suggestion(slug, id, proposal: proposal(slug, roster: roster), roster: roster)
    }

    /// The suggestion folded against a proposal and roster already read.
    func suggestion(_ slug: String, _ id: ObjectID, proposal: Proposal, roster: Roster) throws -> Suggestion {
        guard let chain = try log.read(Layout.suggestionMeta(slug, id)) else {
            throw noSuchSuggestion(id.short)
        }
        return try suggestion(slug, id, head: chain.head, events: chain.events, proposal: proposal, roster: roster)
    }

    /// Folds a suggestion's events, with what only the objects can tell
    /// (patch ids, whether a merge is on its round) recomputed from them,
    /// against the round branches here, or those `facts` knows.
    func suggestion(
        _ slug: String, _ id: ObjectID, head: ObjectID, events: [Event], proposal: Proposal, roster: Roster,
        facts: DerivedFacts? = nil, admitting: Set<ObjectID> = []
    ) throws -> Suggestion {
        try Suggestion(id: id, slug: slug, head: head, events: events, proposal: proposal, roster: roster, facts: facts ?? localFacts(), admitting: admitting)
    }

    /// Derived facts about this repository's objects and round branches.
    func localFacts() -> ObjectFacts {
        ObjectFacts(git: git) { [git] in try? git.referenceTarget($0) }
    }

    /// The head commit of a round's draft line.
    func roundHead(_ round: Round) throws -> ObjectID {
        guard let head = try git.referenceTarget(round.branch) else {
            throw QuorumError(.failure, "round branch \(round.branch) is missing", remedy: "fetch it from a clone that has it ('git fetch origin \(round.branch):\(round.branch)')")
        }
        return head
    }

    // MARK: Writing events

    /// Writes one event on the chain at `ref` and moves the ref to it with
    /// compare-and-swap against `parent` (nil: the chain must not exist yet).
    /// Throws a lost-race `GitError` for `retryingLostRaces` to retry.
    @discardableResult
    /// The commit is signed as `actor` when that is who runs the command
    /// and a key is configured (see `signing(as:)`).
    func append(_ record: EventRecord, to ref: String, summary: String, trailers: [(String, String)], actor: Signature, parent: ObjectID?,
                grandfathered: [GrandfatheredHead] = []) throws -> ObjectID {
        try checkText(record, actor: actor)
        if let parent, try isRepeat(of: record, by: actor, head: parent) { return parent }
        let commit = try log.write(record, summary: summary, trailers: trailers, actor: actor, parent: parent,
                                   grandfathered: grandfathered, sign: signing(as: actor))
        try git.updateReference(ref, to: commit, expected: parent, message: "quorum: \(record.type.rawValue)")
        maybePackReferences(after: commit)
        return commit
    }

    /// Writes several events on the chain at `ref`, each on the one before,
    /// and moves the ref once, to the last (compare-and-swap against
    /// `parent`): all of them or none. Returns the last event's commit.
    @discardableResult
    func appendAll(_ events: [PendingEvent], to ref: String, actor: Signature, parent: ObjectID?, grandfathered: [GrandfatheredHead] = []) throws -> ObjectID {
        let sign = try signing(as: actor)
        for event in events { try checkText(event.record, actor: actor) }
        var tip = parent
        for event in events {
            tip = try log.write(event.record, summary: event.summary, trailers: event.trailers, actor: actor, parent: tip,
                                grandfathered: grandfathered, sign: sign)
        }
        guard let tip, tip != parent else { throw QuorumError.refused("nothing to record", remedy: "nothing was changed") }
        try git.updateReference(ref, to: tip, expected: parent, message: "quorum: \(events.map(\.record.type.rawValue).joined(separator: ", "))")
        maybePackReferences(after: tip)
        return tip
    }

    /// How long after an event the same event by the same person counts
    /// as a re-run of the command that wrote it (seconds).
    static let repeatWindow: Int64 = 600

    /// Whether `head` (a chain's head) is the event `record` by `actor`,
    /// written in the last `repeatWindow` seconds: the command that wrote
    /// it is being run again, because it was interrupted after moving the
    /// ref and its user could not tell. Its re-run then records nothing
    /// (with a notice) instead of the same comment or objection twice.
    func isRepeat(of record: EventRecord, by actor: Signature, head: ObjectID) throws -> Bool {
        let commit = try git.commit(head)
        guard commit.author.email.lowercased() == actor.email.lowercased(),
              Int64(Date().timeIntervalSince1970) - commit.committer.time < Self.repeatWindow,
              let event = try? log.decode(commit), event.record == record else { return false }
        // With a signing key, it is this person's only when signed with it:
        // an event written in their name by someone else (which the folds
        // do not count where signatures are required) is no earlier run.
        if let signer = try signer() {
            guard case .valid(let key) = try log.signatures.commit(head), key == signer.publicKey else { return false }
        }
        Notices.post("\(head.short) already records this \(record.type.rawValue) by you (the command was interrupted after recording it); nothing new was written")
        return true
    }

    /// Refuses (as bad input, exit 64) an event whose text the rules would
    /// refuse on every clone (`Rules.plainText`): the commands check what
    /// people type as they read it, and this is the same rule once more on
    /// the whole event, so that no command writes one that counts for nothing.
    func checkText(_ record: EventRecord, actor: Signature) throws {
        let payload: EventPayload
        do {
            payload = try EventPayload(record)
        } catch let refusal as Refusal {
            throw QuorumError(.failure, "quorum made a malformed event: \(refusal.message)", remedy: refusal.remedy, code: refusal.code)
        }
        if let refusal = Rules.plainText(of: payload, actor: actor) { throw QuorumError.input(refusal) }
    }

    /// Packs refs about once every 32 writes, chosen by the new commit's id,
    /// so that listing stays fast (loose refs list ~20x slower than packed)
    /// without any process paying for it every time.
    func maybePackReferences(after commit: ObjectID) {
        if let firstByte = UInt8(commit.hex.prefix(2), radix: 16), firstByte < 8 {
            git.packReferences(pruningEmptyDirectoriesUnder: "quorum")
        }
    }

    /// Pins revision `commit` of a suggestion so that `gc` keeps it, under
    /// `revs/<number>` (`number`: the revision's, one more than the chain
    /// records). A pin already there holds no revision of the chain: a
    /// revise or rebase was interrupted between pinning and recording its
    /// event, and the pin is reused (moved, compare-and-swap). A pin the
    /// chain does name (`named`, found when sync joined two clones' pins)
    /// is kept, and the next free number taken.
    func pinRevision(slug: String, id: ObjectID, number: Int, to commit: ObjectID, named: Set<ObjectID>) throws {
        var number = number
        while true {
            let ref = Layout.revisionPin(slug, id, number)
            guard let existing = try git.referenceTarget(ref) else { break }
            if existing == commit { return }
            if !named.contains(existing) {
                try git.updateReference(ref, to: commit, expected: existing, message: "quorum: pin (an interrupted revision's pin reused)")
                return
            }
            number += 1
        }
        try git.updateReference(Layout.revisionPin(slug, id, number), to: commit, expected: nil, message: "quorum: pin")
    }
}

/// One event to write with `appendAll`.
struct PendingEvent {
    let record: EventRecord
    let summary: String
    let trailers: [(String, String)]
}

/// Throws a rule's refusal as the command's error (exit 1).
func enforce(_ refusal: Refusal?) throws {
    if let refusal { throw QuorumError(refusal) }
}

private func isHex(_ byte: UInt8) -> Bool { (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) }
