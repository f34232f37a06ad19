import Foundation
import QuorumGit

// `quorum sync`: git itself is the distributed engine. Fetch Quorum's refs
// from a shared repository, reconcile what diverged, push back with
// compare-and-swap, and start again from a fresh fetch when someone else
// got there first.
//
// How each kind of reference is reconciled when the two sides differ:
// - event chains (roster, proposal, comments, suggestions) take the side that
//   contains the other; when both grew apart, the union of both sides'
//   events is recorded as a merge commit with both heads as parents. The
//   commit is a pure function of the two heads (parents in a fixed order,
//   a fixed author, the later head's time), so two clones reconciling the
//   same pair make the same commit, and the event order that follows from
//   it (first side's events, then the second's) is the same everywhere;
// - round branches are linear in merges: the shared repository's line wins,
//   and local merges or pair edits it does not have are made again on top
//   of it (a three-way merge, as `merge` does), each recorded with a new
//   merge event;
// - revision pins and version tags never move: a clash keeps the shared
//   repository's value (a clashing local pin is kept under a new number);
//   two different versions cut under one name is reported, not resolved.

/// A reference sync could not bring across, and why.
public struct SyncProblem: Codable, Sendable, CustomStringConvertible {
    public let ref: String
    public let reason: String

    public var description: String { "\(ref): \(reason)" }
}

/// What `sync` did.
public struct SyncReport: Codable, Sendable {
    public let remote: String
    public let url: String
    /// References moved here to what the shared repository has.
    public var received: [String] = []
    /// Event chains that had grown apart, now joined by a merge.
    public var reconciled: [String] = []
    /// Round branches whose local commits were made again on the shared line.
    public var replayed: [String] = []
    /// References pushed to the shared repository.
    public var sent: [String] = []
    /// References left as they were, with the reason.
    public var problems: [SyncProblem] = []
    /// Merges made here that the shared repository refused (the suggestion
    /// was revised, objected to or withdrawn meanwhile): taken off the
    /// round here, so that this clone agrees with the others again. Their
    /// merge events stay in the history and count for nothing; the
    /// suggestions are as the shared history makes them (approved again,
    /// or stale), and can be merged again when they qualify.
    public var undone: [SyncProblem] = []
    /// Fetches it took (more than one when someone else pushed meanwhile).
    public var attempts = 0
    /// What happened to the round branch checked out here, when it moved.
    public var workTree: String?

    public var upToDate: Bool { received.isEmpty && reconciled.isEmpty && replayed.isEmpty && sent.isEmpty }
}

/// What sync does with one reference: a pure decision from its kind and
/// how its value here relates to the shared repository's; `syncOnce`
/// gathers the relation and carries the step out.
enum SyncPlan {
    /// How this clone's value of a reference relates to the shared one's.
    enum Relation: Equatable {
        case same
        case onlyMine
        case onlyTheirs
        case mineContainsTheirs
        case theirsContainsMine
        /// Different, and (as far as asked) neither contains the other.
        case diverged

        /// What the values alone tell; ancestry is for the caller to ask.
        static func of(mine: ObjectID?, theirs: ObjectID?) -> Relation {
            switch (mine, theirs) {
            case (nil, nil): return .same
            case (_, nil): return .onlyMine
            case (nil, _): return .onlyTheirs
            case let (m?, t?): return m == t ? .same : .diverged
            }
        }
    }

    enum Step: Equatable {
        case nothing
        /// Send ours, compare-and-swap against theirs.
        case push
        /// Take theirs here.
        case receive
        /// A version cut differently on both sides: theirs stands, reported.
        case keepShared
        /// Two revisions pinned under one number: theirs stands, ours moves to a spare number.
        case repin
        /// A round branch whose local merges the shared one lacks: make them again on it.
        case replay
        /// An event chain that grew apart: join both sides' events.
        case reconcile
    }

    static func step(for kind: SharedRef, _ relation: Relation) -> Step {
        switch kind {
        case .foreign, .unknown:
            return .nothing  // not a shape Quorum writes: left alone on both sides
        case .roster, .proposalMeta, .proposalComments, .suggestionMeta, .round, .versionTag, .revisionPin:
            break
        }
        switch relation {
        case .same: return .nothing
        case .onlyMine, .mineContainsTheirs: return .push
        case .onlyTheirs, .theirsContainsMine: return .receive
        case .diverged:
            switch kind {
            case .versionTag: return .keepShared
            case .revisionPin: return .repin
            case .round: return .replay
            case .roster, .proposalMeta, .proposalComments, .suggestionMeta: return .reconcile
            case .foreign, .unknown: return .nothing
            }
        }
    }
}

/// The other side of a sync: a repository on this machine, opened
/// directly, or a remote reached through libgit2's network transports.
struct SharedRemote {
    let name: String
    let location: RemoteLocation

    /// Reached over ssh (`ssh://…` or scp's `host:path`).
    var isSSH: Bool {
        guard case .network(let url) = location else { return false }
        guard let separator = url.range(of: "://") else { return true }
        return ["ssh", "ssh+git", "git+ssh"].contains(url[..<separator.lowerBound].lowercased())
    }

    /// Every Quorum reference the remote has, with the objects they need
    /// copied or downloaded here.
    func snapshot(into local: Repository) throws -> [String: ObjectID] {
        switch location {
        case .local:
            let remote = try open()
            var refs: [String: ObjectID] = [:]
            for prefix in SharedRef.namespaces {
                for ref in try remote.references(matching: prefix + "*") { refs[ref.name] = ref.target }
            }
            let missing = Set(refs.values).filter { !local.hasObject($0) }
            try remote.copyObjects(reachableFrom: Array(missing), to: local)
            return refs
        case .network(let url):
            return try local.fetchReferences(
                from: url, refspecs: SharedRef.namespaces.map { "+\($0)*:\($0)*" }, prefixes: SharedRef.namespaces)
        }
    }

    /// Pushes `updates`, each compare-and-swap against the value fetched.
    /// Throws a lost-race `GitError` when the remote moved meanwhile, a
    /// refusal when its rules (or hooks) said no.
    func send(_ updates: [ReferenceUpdate], from local: Repository) throws {
        guard !updates.isEmpty else { return }
        switch location {
        case .local:
            try SharedRepository(git: try open()).receive(updates, from: local)
        case .network(let url):
            let report = try local.pushReferences(to: url, updates)
            guard !report.refused.isEmpty else { return }
            let said = report.remoteMessages.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            throw QuorumError.refused(
                "\(name) refused the push (\(report.refused.keys.sorted().joined(separator: ", ")))" + (said.isEmpty ? "" : ":\n" + said), remedy: "see the reasons above; 'quorum verify' names what breaks the rules here")
        }
    }

    private func open() throws -> Repository {
        guard case .local(let path) = location else { throw QuorumError(.failure, "\(name) is not on this machine") }
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let remedy = "make the shared repository with 'git init --bare \(path)' (or 'git clone --bare'), or check the remote's URL with 'git remote -v'"
        let repository: Repository
        do {
            repository = try Repository.open(at: resolved)
        } catch let error as GitError {
            if let explained = ReviewRepository.openFailure(error, at: resolved) { throw explained }
            throw QuorumError(.usage, "no git repository at \(path) (remote '\(name)')", remedy: remedy, cause: error)
        }
        let found = URL(fileURLWithPath: repository.gitDirectory).standardizedFileURL.resolvingSymlinksInPath().path
        let work = repository.workDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path }
        guard found == resolved || work == resolved else {
            throw QuorumError.usage("no git repository at \(path) (remote '\(name)')", remedy: remedy)
        }
        return repository
    }
}

extension ReviewRepository {
    /// Opens the git repository at or above `path` for `sync`, which also
    /// works in a plain clone that has no Quorum data yet.
    public static func openForSync(at path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ReviewRepository {
        do {
            return ReviewRepository(git: try Repository.open(at: path), environment: environment)
        } catch let error as GitError {
            throw QuorumError(.usage, "not a git repository: \(path)", remedy: "clone the shared repository with 'git clone URL' and run 'quorum sync' in it", cause: error)
        }
    }

    /// The remote that `merge` publishes through: `origin` when it is
    /// configured, else nil (the repository is not shared).
    public func defaultRemote() throws -> String? {
        try git.remoteURL(named: "origin") != nil ? "origin" : nil
    }

    /// Finds a remote: a configured remote's name, or a path or URL.
    func sharedRemote(_ remote: String) throws -> SharedRemote {
        let base = git.workDirectory ?? git.gitDirectory
        let location: RemoteLocation
        if let url = try git.remoteURL(named: remote) {
            location = RemoteLocation.classify(url, relativeTo: base)
        } else if remote.contains("/") || remote.contains(":") || remote.hasPrefix(".") {
            location = RemoteLocation.classify(remote, relativeTo: FileManager.default.currentDirectoryPath)
        } else {
            throw QuorumError.usage("no remote named '\(remote)'", remedy: "add it with 'git remote add \(remote) URL', or give the shared repository's path or URL")
        }
        if case .local(let path) = location {
            let mine = URL(fileURLWithPath: git.gitDirectory).standardizedFileURL.resolvingSymlinksInPath().path
            let theirs = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            if mine == theirs || git.workDirectory.map({ URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path }) == theirs {
                throw QuorumError.usage("remote '\(remote)' is this repository itself", remedy: "name another repository: a remote's name, a path or a URL")
            }
        }
        return SharedRemote(name: remote, location: location)
    }

    /// Exchanges review state with a shared repository: fetches its Quorum
    /// references, reconciles what diverged, and pushes back with
    /// compare-and-swap, starting over from a fresh fetch when someone else
    /// pushed first. References it cannot bring across are listed in
    /// `problems`; everything else is synced.
    public func sync(remote: String) throws -> SyncReport {
        let peer = try sharedRemote(remote)
        // The round checked out here, read before the sync may detach HEAD
        // (when its work tree has edits) to say whether it closed.
        let checkedOut = git.headReferenceName()
        // A round branch checked out here moves with the others: its index
        // and work tree follow (or, with changes in them, HEAD is detached
        // first, so nothing looks reversed).
        var (report, workTree) = try followingCheckedOutRound { try sync(peer) }
        report.workTree = workTree
        if let checkedOut, let note = try? roundClosed(checkedOut) { Notices.post(note) }
        return report
    }

    /// What to say when the round checked out here is closed (a lead forked
    /// the next one meanwhile): the suggestions made from it still go to
    /// the open round, but its text is no longer the one under review.
    private func roundClosed(_ head: String) throws -> String? {
        guard case .round(let slug, let number) = SharedRef(head) else { return nil }
        let proposal = try proposal(slug)
        guard proposal.rounds.first(where: { $0.number == number })?.closed == true else { return nil }
        let branch = Layout.branchName(head)
        guard let open = proposal.openRound else {
            return "round \(number) of '\(slug)', checked out here (\(branch)), is closed, and '\(slug)' has no open round"
        }
        let next = Layout.branchName(open.branch)
        return "round \(number) of '\(slug)', checked out here (\(branch)), is closed; round \(open.number) is open: 'git checkout \(next)'"
    }

    func sync(_ peer: SharedRemote) throws -> SyncReport {
        var report = SyncReport(remote: peer.name, url: peer.location.description)
        var attempt = 0
        var passes = 0
        var refusals = 0
        while true {
            attempt += 1
            report.attempts = attempt
            do {
                let again = try syncOnce(peer, into: &report)
                passes += 1
                // Replayed merges got new merge events after the push; one
                // more pass sends them.
                if again && passes < 3 { continue }
                return report
            } catch let error as QuorumError where error.kind == .refused && refusals < 2 {
                // The shared repository changed between fetch and push so that
                // it refused what the check here allowed (say, a round was
                // closed meanwhile): fetch again, and the check leaves that out.
                refusals += 1
            } catch let error as GitError where error.isLostRace && attempt < 200 {
                usleep(UInt32(min(attempt, 25) * 2_000 + Int.random(in: 0..<4_000)))
            } catch let error as HostKeyError {
                throw QuorumError(.failure, "could not sync with \(peer.name) (\(peer.location)): \(error)", remedy: Self.remedy(for: error))
            } catch let error as GitError where error.isAuthentication && peer.isSSH {
                // libssh2 says "no auth sock variable" when SSH_AUTH_SOCK is unset.
                let noAgent = error.message.contains("auth sock") || ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"]?.isEmpty != false
                throw QuorumError(
                    .failure,
                    "could not sync with \(peer.name) (\(peer.location)): " + (noAgent
                        ? "no ssh-agent to take a key from (SSH_AUTH_SOCK is not set); Quorum signs in to ssh servers only with the agent's keys"
                        : "the server accepted none of the keys in your ssh-agent ('ssh-add -l' lists them)"),
                    remedy: (noAgent ? "start one ('eval \"$(ssh-agent)\"', which sets SSH_AUTH_SOCK) and " : "")
                        + "add the key whose public half the server holds: 'ssh-add ~/.ssh/id_ed25519' (or your key's path); check the user name in the URL ('git remote -v')",
                    cause: error)
            } catch let error as GitError where error.isCertificate {
                let loaded = (try? git.certificateLocations()).flatMap { $0 }.map { " (loaded: \($0))" } ?? ""
                throw QuorumError(
                    .failure, "could not sync with \(peer.name) (\(peer.location)): its certificate is not signed by a CA this machine trusts\(loaded)",
                    remedy: "when the server's certificate comes from your own CA, name its certificate as git does: 'git config http.sslCAInfo /path/to/ca.pem' (or http.sslCAPath, GIT_SSL_CAINFO, GIT_SSL_CAPATH)",
                    cause: error)
            } catch let error as GitError where !error.lockFiles.isEmpty {
                throw QuorumError.storage("sync with \(peer.name) (\(peer.location))", error)
            } catch let error as GitError {
                throw QuorumError(
                    .failure, "could not sync with \(peer.name) (\(peer.location))",
                    remedy: "check that it is reachable, and its URL with 'git remote -v'", cause: error)
            }
        }
    }

    /// What to do about an ssh host key that no known_hosts file vouches for.
    static func remedy(for error: HostKeyError) -> String {
        let port = error.port == 22 ? "" : "-p \(error.port) "
        let scan = "ssh-keyscan \(port)\(error.host) >> ~/.ssh/known_hosts"
        switch error.reason {
        case .unknown:
            let file = ["ssh-ed25519": "ed25519", "ssh-rsa": "rsa", "ssh-dss": "dsa"][error.keyType] ?? (error.keyType.hasPrefix("ecdsa") ? "ecdsa" : "ed25519")
            return "check with the server's administrator that \(error.fingerprint) is its key ('ssh-keygen -lf /etc/ssh/ssh_host_\(file)_key.pub' prints it there), then add it to ~/.ssh/known_hosts: '\(scan)' (or connect once with 'ssh \(port)\(error.host)' and accept it)"
        case .changed:
            return "do not sync until you know why: ask the server's administrator for its key's fingerprint; only if it is \(error.fingerprint), remove the old key with 'ssh-keygen -R \"\(error.knownHostsName)\"' and add the new one with '\(scan)'"
        }
    }

    /// One fetch, reconcile and push. Returns whether another pass is needed.
    private func syncOnce(_ peer: SharedRemote, into report: inout SyncReport) throws -> Bool {
        let remote = try peer.snapshot(into: git)
        var local: [String: ObjectID] = [:]
        for prefix in SharedRef.namespaces {
            for ref in try git.references(matching: prefix + "*") { local[ref.name] = ref.target }
        }
        var pushes: [ReferenceUpdate] = []
        var problems: [SyncProblem] = []
        var replays: [(ref: String, from: ObjectID, to: ObjectID, slug: String, merges: [(id: ObjectID, revision: ObjectID, commit: ObjectID)])] = []
        func receive(_ name: String, from old: ObjectID?, to new: ObjectID) throws {
            try git.updateReference(name, to: new, expected: old, message: "quorum: sync")
            if !report.received.contains(name) { report.received.append(name) }
            local[name] = new
        }
        // Round branches and version tags are taken only after the event
        // chains, and only when they keep the rules (below).
        var incoming: [PushedRef] = []
        var diverged: [(name: String, slug: String, mine: ObjectID, theirs: ObjectID)] = []
        for name in Set(local.keys).union(remote.keys).sorted() {
            let kind = SharedRef(name)
            let mine = local[name]
            let theirs = remote[name]
            // How the two values relate, asked of the history only where the
            // plan depends on it (round branches and event chains).
            var relation = SyncPlan.Relation.of(mine: mine, theirs: theirs)
            if relation == .diverged, kind.isEventChain || kind.isRound, let mine, let theirs {
                if try git.isAncestor(theirs, of: mine) {
                    relation = .mineContainsTheirs
                } else if try git.isAncestor(mine, of: theirs) {
                    relation = .theirsContainsMine
                }
            }
            switch SyncPlan.step(for: kind, relation) {
            case .nothing:
                continue
            case .push:
                if let mine { pushes.append(ReferenceUpdate(name: name, expected: theirs, target: mine)) }
            case .receive:
                guard let theirs else { continue }
                if kind.isRound || { if case .versionTag = kind { return true } else { return false } }() {
                    incoming.append(PushedRef(name: name, old: mine, new: theirs))
                } else {
                    try receive(name, from: mine, to: theirs)
                }
            case .keepShared:
                guard case .versionTag(let slug, let version) = kind, let mine, let theirs else { continue }
                problems.append(SyncProblem(ref: name, reason: "version \(version) of '\(slug)' was cut differently here (\(mine.short)) and there (\(theirs.short)); the shared one stands — delete yours with 'git update-ref -d \(name)'"))
            case .repin:
                // Two revisions made apart under the same number: the shared
                // pin stands, ours moves to a number nobody uses.
                guard case .revisionPin(let slug, let id, _) = kind, let mine, let theirs else { continue }
                let numbers = Set(local.keys).union(remote.keys).compactMap { ref -> Int? in
                    if case .revisionPin(let s, let i, let n) = SharedRef(ref), s == slug, i == id { return n }
                    return nil
                }
                let spare = Layout.revisionPin(slug, id, (numbers.max() ?? 0) + 1)
                try git.updateReference(spare, to: mine, expected: nil, message: "quorum: sync")
                local[spare] = mine
                pushes.append(ReferenceUpdate(name: spare, expected: nil, target: mine))
                try receive(name, from: mine, to: theirs)
            case .replay:
                guard case .round(let slug, _) = kind, let mine, let theirs else { continue }
                diverged.append((name, slug, mine, theirs))
            case .reconcile:
                guard let mine, let theirs else { continue }
                do {
                    let joined = try union(name, kind: kind, local: mine, remote: theirs)
                    try git.updateReference(name, to: joined, expected: mine, message: "quorum: sync")
                    local[name] = joined
                    if !report.reconciled.contains(name) { report.reconciled.append(name) }
                    pushes.append(ReferenceUpdate(name: name, expected: theirs, target: joined))
                } catch let error as QuorumError where error.kind != .failure {
                    problems.append(SyncProblem(ref: name, reason: error.message))
                }
            }
        }
        // What the shared repository's rounds and versions hold is checked
        // as `verify` would, against the event chains just received: a
        // shared repository without the hooks may hold commits that break
        // the rules (a merge nobody approved, a tag nobody signed), and
        // those never reach this clone's rounds, nor do local merges get
        // made again on top of them. Rounds first, then the versions on them.
        func broken(_ updates: [PushedRef]) -> [String: [PushRejection]] {
            guard !updates.isEmpty else { return [:] }
            return Dictionary(grouping: PushCheck(review: self, updates: updates, admission: false) { local[$0] }.run(), by: \.ref)
        }
        func notTaken(_ name: String, _ new: ObjectID, _ found: [PushRejection]) -> SyncProblem {
            SyncProblem(ref: name, reason: "not taken: the shared repository's \(new.short) breaks the review rules (\(found.map { "[\($0.code)] \($0.reason)" }.prefix(2).joined(separator: "; "))); its history must be repaired there (run 'quorum verify' in a plain clone of it to see all)")
        }
        let sharedRounds = try diverged.map { PushedRef(name: $0.name, old: try git.mergeBase($0.mine, $0.theirs), new: $0.theirs) }
        let roundFaults = broken(incoming.filter { SharedRef($0.name).isRound } + sharedRounds)
        for update in incoming where SharedRef(update.name).isRound {
            guard let new = update.new else { continue }
            if let found = roundFaults[update.name] { problems.append(notTaken(update.name, new, found)) } else { try receive(update.name, from: update.old, to: new) }
        }
        for round in diverged {
            if let found = roundFaults[round.name] {
                problems.append(notTaken(round.name, round.theirs, found))
                continue
            }
            do {
                let (tip, merges) = try replay(round.name, slug: round.slug, local: round.mine, onto: round.theirs)
                pushes.append(ReferenceUpdate(name: round.name, expected: round.theirs, target: tip))
                replays.append((round.name, round.mine, tip, round.slug, merges))
            } catch let error as QuorumError where error.kind != .failure {
                problems.append(SyncProblem(ref: round.name, reason: error.message))
            }
        }
        let tags = incoming.filter { !SharedRef($0.name).isRound }
        let tagFaults = broken(tags)
        for update in tags {
            guard let new = update.new else { continue }
            if let found = tagFaults[update.name] { problems.append(notTaken(update.name, new, found)) } else { try receive(update.name, from: update.old, to: new) }
        }
        // Check here what the shared repository would refuse, and leave
        // those references out (with the reason), so that one bad reference
        // does not hold back everything else.
        while !pushes.isEmpty {
            let check = PushCheck(review: self, updates: pushes.map { PushedRef(name: $0.name, old: $0.expected, new: $0.target) }) { remote[$0] }
            let rejections = check.run()
            if rejections.isEmpty { break }
            let refused = Set(rejections.map(\.ref))
            let leftovers = Set(rejections.filter { remote[$0.ref] == nil && isLeftOverByInterruptedCommand($0) }.map(\.ref))
            for ref in leftovers.sorted() {
                Notices.post("not shared: \(ref): no event here names it yet (a command interrupted after making it leaves it so, and running that command again finishes or reuses it)")
            }
            var remedied: Set<String> = []
            problems += rejections.filter { !leftovers.contains($0.ref) }.map { rejection in
                var reason = String(rejection.description.dropFirst(rejection.ref.count + 2))
                if remedied.insert(rejection.ref).inserted, let remedy = ownCommitsRemedy(rejection.ref, local: local[rejection.ref], shared: remote[rejection.ref]) {
                    reason += "; " + remedy
                }
                return SyncProblem(ref: rejection.ref, reason: reason)
            }
            pushes.removeAll { refused.contains($0.name) }
        }
        let undone = try undoRefusedMerges(&problems, local: local, remote: remote, into: &report)
        if !undone.isEmpty {
            // Their merge events never leave this clone: take them out of
            // the part of each chain not yet shared, and push next pass.
            for (slug, id) in undone {
                let chain = Layout.suggestionMeta(slug, id)
                try dropUnsharedDeadMerges(slug: slug, id: id, shared: remote[chain])
                problems.removeAll { $0.ref == chain }
            }
            report.problems = problems
            return true
        }
        try peer.send(pushes, from: git)
        for name in pushes.map(\.name) where !report.sent.contains(name) { report.sent.append(name) }
        report.problems = problems
        // The shared round now holds the replayed commits: take them here,
        // and record where each replayed suggestion is merged now.
        for replay in replays where pushes.contains(where: { $0.name == replay.ref }) {
            try git.updateReference(replay.ref, to: replay.to, expected: replay.from, message: "quorum: sync")
            if !report.replayed.contains(replay.ref) { report.replayed.append(replay.ref) }
            for merge in replay.merges {
                try recordReplayedMerge(slug: replay.slug, id: merge.id, revision: merge.revision, commit: merge.commit)
                // The merge event of the commit made here is dead now: only
                // the one of the commit made again goes to the shared repository.
                try dropUnsharedDeadMerges(slug: replay.slug, id: merge.id, shared: remote[Layout.suggestionMeta(replay.slug, merge.id)])
            }
        }
        var shared = remote
        for push in pushes { shared[push.name] = push.target }
        // git's view of the remote only: never a reason for sync to fail.
        try? followRemoteTrackingBranches(of: peer, shared: shared)
        return replays.contains { !$0.merges.isEmpty }
    }

    /// Moves the remote-tracking branches that `git clone` made for the
    /// shared round branches (`refs/remotes/origin/quorum/SLUG/N`) to what
    /// the shared repository holds now, as `git fetch` and `git push` would,
    /// so that `git status` in a checked-out round compares it with what is
    /// shared, not with what was shared at clone time. Only for a configured
    /// remote whose fetch refspec is git's default, and only for rounds that
    /// are the same here and there (one not taken, with a problem, is left
    /// alone); each move is compare-and-swap. A round branch with no
    /// upstream gets this one, as `git checkout` gives a branch it makes
    /// from a remote's, so that `git status` and `git pull --ff-only` in a
    /// round checked out later work as in the one `git clone` checked out.
    private func followRemoteTrackingBranches(of peer: SharedRemote, shared: [String: ObjectID]) throws {
        guard try git.configString("remote.\(peer.name).fetch") == "+refs/heads/*:refs/remotes/\(peer.name)/*" else { return }
        for (name, target) in shared.sorted(by: { $0.key < $1.key }) where SharedRef(name).isRound && name.hasPrefix("refs/heads/") {
            guard try git.referenceTarget(name) == target else { continue }
            let branch = Layout.branchName(name)
            let tracking = "refs/remotes/\(peer.name)/" + branch
            let current = try git.referenceTarget(tracking)
            if current != target {
                try git.updateReference(tracking, to: target, expected: current, message: "quorum: sync")
            }
            if try git.configString("branch.\(branch).merge") == nil {
                try git.setConfigString("branch.\(branch).remote", peer.name)
                try git.setConfigString("branch.\(branch).merge", name)
            }
        }
    }

    /// How to get out of a round branch this clone moved with commits of
    /// its own (`git commit` on a checked-out round, which the shared
    /// repository refuses): keep them as a suggestion, or drop them. Nil
    /// when the branch is not simply ahead of the shared one.
    private func ownCommitsRemedy(_ ref: String, local mine: ObjectID?, shared theirs: ObjectID?) -> String? {
        guard case .round(let slug, _) = SharedRef(ref), let mine, let theirs, mine != theirs,
              (try? git.isAncestor(theirs, of: mine)) == true else { return nil }
        let branch = Layout.branchName(ref)
        // Checked out here: HEAD names it, or (with edits in the work tree,
        // while sync runs) is detached at its commit.
        if git.headReferenceName() == ref || (try? git.detachedHead()) == mine {
            return "to make this clone's own commits on \(branch) a suggestion: 'git reset --soft \(theirs.short)' (your files stay as they are), then 'quorum suggest \(slug) -m …'; to drop them: 'git reset --hard \(theirs.short)'"
        }
        return "to drop this clone's own commits on \(branch): 'git branch -f \(branch) \(theirs.short)' (or check it out and 'git reset --soft \(theirs.short)', then 'quorum suggest \(slug) -m …', to keep them as a suggestion)"
    }

    /// Whether a ref only this clone has, which the shared repository would
    /// refuse, is what an interrupted command leaves and its next run
    /// finishes: a revision pin no event names yet (a suggest or revise
    /// killed before recording its event), or a round branch no fork event
    /// opened (a fork killed before recording it). Such refs stay here,
    /// unshared, and are no problem of the sync.
    private func isLeftOverByInterruptedCommand(_ rejection: PushRejection) -> Bool {
        switch SharedRef(rejection.ref) {
        case .revisionPin:
            return rejection.code == Refusal.Code.pinUnnamed.rawValue
        case .round(let slug, let number):
            return rejection.code == Refusal.Code.roundStart.rawValue && (try? proposal(slug))?.round(number) == nil
        default:
            return false
        }
    }

    /// Takes off this clone's rounds the merges the shared repository would
    /// refuse, when a round's commits not on the shared line are all quorum
    /// merges (nothing is lost: each suggestion keeps its revisions, and
    /// can be merged again). A round with anything else on it (a pair edit)
    /// stays a problem, for its author to sort out. Leaves in `problems`
    /// the ones not undone; returns the suggestions whose merges it undid.
    private func undoRefusedMerges(_ problems: inout [SyncProblem], local: [String: ObjectID], remote: [String: ObjectID], into report: inout SyncReport) throws -> [(slug: String, id: ObjectID)] {
        var left: [SyncProblem] = []
        var undone: [(slug: String, id: ObjectID)] = []
        for problem in problems {
            guard case .round(let slug, _) = SharedRef(problem.ref), let mine = local[problem.ref], let theirs = remote[problem.ref],
                  let ids = try localMerges(from: mine, notIn: theirs) else {
                left.append(problem)
                continue
            }
            try git.updateReference(problem.ref, to: theirs, expected: mine, message: "quorum: sync (merge refused upstream)")
            SummaryIndex(repository: self).invalidate()
            let names = ids.map(\.short).joined(separator: ", ")
            report.undone.append(SyncProblem(ref: problem.ref, reason: "the merge of \(names) was taken off this round: the shared repository refuses it (\(problem.reason))"))
            undone += ids.map { (slug, $0) }
        }
        problems = left
        return undone
    }

    /// Rebuilds the part of a suggestion's chain that the shared repository
    /// does not have (everything after `shared`, its head there), leaving
    /// out merge events whose commit is on no round of the proposal here: a
    /// merge the shared repository refused, or one sync made again on the
    /// shared round. A shared repository with hooks refuses a merge event
    /// without its round commit, so they never leave this clone. The events
    /// kept are the same commits while they sit on the shared head, and new
    /// commits with the same content (tree, author, message) after a dropped
    /// one.
    func dropUnsharedDeadMerges(slug: String, id: ObjectID, shared: ObjectID?) throws {
        let ref = Layout.suggestionMeta(slug, id)
        guard let head = try git.referenceTarget(ref) else { return }
        let known = Set(try shared.map { try log.events(from: $0).map(\.id) } ?? [])
        let proposal = try proposal(slug)
        let facts = localFacts()
        let unshared = try log.events(from: head).filter { !known.contains($0.id) }
        let dead = Set(unshared.filter { event in
            guard case .merge(_, let commit) = event.payload else { return false }
            return !facts.isOnSomeRound(commit, of: proposal)
        }.map(\.id))
        guard !dead.isEmpty else { return }
        var cursor = shared
        for event in unshared where !dead.contains(event.id) {
            let commit = try git.commit(event.id)
            if commit.parents == (cursor.map { [$0] } ?? []) {
                cursor = event.id
                continue
            }
            // Made again by the person it says made it, when that is who
            // runs sync (it is their own unshared event); else unsigned.
            cursor = try git.createCommit(
                tree: commit.tree, parents: cursor.map { [$0] } ?? [], author: commit.author, committer: commit.committer, message: commit.message,
                sign: signing(as: commit.committer))
        }
        guard let rebuilt = cursor, rebuilt != head else { return }
        try git.updateReference(ref, to: rebuilt, expected: head, message: "quorum: sync (merge events refused upstream left out)")
    }

    /// The suggestions merged by the first-parent commits from `head` down
    /// to the shared line at `shared`, when every one of them is a quorum
    /// merge; nil when any is something else.
    private func localMerges(from head: ObjectID, notIn shared: ObjectID) throws -> [ObjectID]? {
        guard try git.mergeBase(head, shared) != nil else { return nil }
        var ids: [ObjectID] = []
        var cursor = head
        while cursor != shared, !(try git.isAncestor(cursor, of: shared)) {
            let commit = try git.commit(cursor)
            guard commit.parents.count == 2,
                  let id = Trailers.parse(commit.message).first(Trailers.suggestion).flatMap(ObjectID.init(hex:)) else { return nil }
            ids.append(id)
            cursor = commit.parents[0]
        }
        return ids.isEmpty ? nil : ids.reversed()
    }

    /// Joins two event chains that grew apart: a merge commit with no event
    /// of its own whose parents are both heads, in an order that does not
    /// depend on which side is local (the side whose own events began
    /// earlier first, then by commit id). Unrelated histories are joined
    /// only for comment chains, which have no first event of their own.
    func union(_ name: String, kind: SharedRef, local: ObjectID, remote: ObjectID) throws -> ObjectID {
        var isComments = false
        if case .proposalComments = kind { isComments = true }
        if try git.mergeBase(local, remote) == nil, !isComments {
            throw QuorumError.refused("this chain and the shared one have different beginnings (were they made by two separate 'quorum init' or 'propose'?); the shared one stands here only after you remove yours with 'git update-ref -d \(name)'", remedy: "remove yours with 'git update-ref -d \(name)' (the shared one then stands here), then run 'quorum sync' again")
        }
        func key(_ side: ObjectID, _ other: ObjectID) throws -> (Int64, String) {
            let own = try git.commits(from: side, excluding: [other])
            let earliest = try own.map { try git.commit($0).author.time }.min() ?? Int64.max
            return (earliest, side.hex)
        }
        let parents = try key(local, remote) < key(remote, local) ? [local, remote] : [remote, local]
        let time = max(try git.commit(local).committer.time, try git.commit(remote).committer.time)
        let signature = Signature(name: "Quorum", email: "sync@quorum.invalid", time: time, offsetMinutes: 0)
        let tree = try git.buildTree([:])
        let message = """
            Reconcile \(name)

            The events recorded apart on both sides, all kept: \(parents[0].short)'s
            first, then \(parents[1].short)'s.

            Quorum-Sync: union

            """
        return try git.createCommit(tree: tree, parents: parents, author: signature, committer: signature, message: message)
    }

    /// Makes a round branch's local commits again on top of the shared
    /// round's head: quorum merges three-way (skipping suggestions merged
    /// there already), pair edits three-way. Writes commits, moves no refs.
    /// Refused when a commit is neither, or when its change conflicts.
    func replay(_ name: String, slug: String, local: ObjectID, onto shared: ObjectID) throws
        -> (tip: ObjectID, merges: [(id: ObjectID, revision: ObjectID, commit: ObjectID)])
    {
        guard try git.mergeBase(local, shared) != nil else {
            throw QuorumError.refused("this round branch and the shared one have different beginnings; the shared one stands only after you remove yours with 'git update-ref -d \(name)'", remedy: "remove yours with 'git update-ref -d \(name)' (the shared one then stands here), then run 'quorum sync' again")
        }
        var own: [Commit] = []
        var cursor = local
        while !(try git.isAncestor(cursor, of: shared)) {
            let commit = try git.commit(cursor)
            own.append(commit)
            guard let parent = commit.parents.first else {
                throw QuorumError.refused("this round branch does not continue the shared one", remedy: "see 'quorum verify'; the shared round stands here only after you remove yours with 'git update-ref -d \(name)'")
            }
            cursor = parent
        }
        var tip = shared
        var merges: [(id: ObjectID, revision: ObjectID, commit: ObjectID)] = []
        for commit in own.reversed() {
            let trailers = Trailers.parse(commit.message)
            if commit.parents.count == 2, let id = trailers.first(Trailers.suggestion).flatMap(ObjectID.init(hex:)) {
                let revision = commit.parents[1]
                if try git.isAncestor(revision, of: tip) { continue }
                let revisionCommit = try git.commit(revision)
                guard let base = revisionCommit.parents.first else {
                    throw QuorumError.refused("commit \(commit.id.short) merges \(revision.short), which is not a revision", remedy: "see 'quorum verify'; a round branch takes merges of revisions only")
                }
                let tree = tip == base
                    ? revisionCommit.tree
                    : try mergedTree(slug: slug, base: base, head: tip, revision: revision, subject: "suggestion \(id.short), merged here but not there,")
                // Made again with this build's merge, and saying so.
                let message = trailers.first(Trailers.mergeVersion) == String(ProseMerge.version)
                    ? commit.message : Trailers.settingMergeVersion(ProseMerge.version, in: commit.message)
                tip = try git.createCommit(tree: tree, parents: [tip, revision], author: commit.author, committer: commit.committer, message: message,
                                           sign: signing(as: commit.committer))
                merges.append((id, revision, tip))
            } else if commit.parents.count == 1, trailers.first(Trailers.pairEdit) != nil {
                let tree = try mergedTree(slug: slug, base: commit.parents[0], head: tip, revision: commit.id, subject: "pair edit \(commit.id.short), made here but not there,")
                tip = try git.createCommit(tree: tree, parents: [tip], author: commit.author, committer: commit.committer, message: commit.message,
                                           sign: signing(as: commit.committer))
            } else {
                throw QuorumError.refused("commit \(commit.id.short) is on the round here but not there, and is neither a quorum merge nor a pair edit; it cannot be carried over", remedy: "see 'quorum verify'; make the change as a suggestion instead")
            }
        }
        return (tip, merges)
    }

    /// Records that a suggestion, merged here before a sync, is now merged
    /// as `commit` on the shared round.
    private func recordReplayedMerge(slug: String, id: ObjectID, revision: ObjectID, commit: ObjectID) throws {
        let actor = try identity()
        try retryingLostRaces {
            let suggestion = try self.suggestion(slug, id)
            guard suggestion.mergedAs != commit else { return }
            var record = EventRecord(type: .merge)
            record.revision = revision.hex
            record.commit = commit.hex
            try append(
                record, to: Layout.suggestionMeta(slug, id), summary: "Merge: \(suggestion.title) (made again on the shared round)",
                trailers: [(Trailers.suggestion, id.hex), (Trailers.revision, revision.hex), (Trailers.commit, commit.hex)],
                actor: actor, parent: suggestion.metaHead)
        }
    }
}
