import Dispatch
import Foundation
import QuorumGit

/// What a commit's or tag's own signature says, checked against nothing but
/// the object itself: unsigned; signed, but the signature does not verify
/// over the object's bytes (or is not an SSH signature in git's `git`
/// namespace); or signed by the SSH key it names. Whose key that is, and
/// whether it was valid at the time, is the roster's question
/// (`Rules.signatureHolds`).
public enum CommitSignature: Sendable, Equatable {
    case unsigned
    case invalid(String)
    case valid(SSHPublicKey)

    /// Checks an object's signature (from `Repository.commitSignature` or
    /// `tagSignature`) in process: about 0.1 ms for Ed25519.
    init(_ object: ObjectSignature?) {
        guard let object else {
            self = .unsigned
            return
        }
        do {
            let signature = try SSHSignature(armored: object.signature)
            guard signature.namespace == "git" else {
                self = .invalid("signed in namespace '\(signature.namespace)', not 'git'")
                return
            }
            self = signature.verifies(object.payload, namespace: "git") ? .valid(signature.publicKey) : .invalid("the signature does not verify")
        } catch let error as SSHSignature.Error {
            self = .invalid(error.description)
        } catch {
            self = .invalid("\(error)")
        }
    }
}

/// A commit's signature, checked when first asked for. Events are decoded
/// by every command; only folds under a policy that requires signatures ask.
final class LazySignature: @unchecked Sendable {
    private let lock = NSLock()
    private var checked: CommitSignature?
    private var check: (() -> CommitSignature)?

    init(_ value: CommitSignature) { checked = value }
    init(_ check: @escaping () -> CommitSignature) { self.check = check }

    var value: CommitSignature {
        lock.lock()
        defer { lock.unlock() }
        if let checked { return checked }
        let found = check?() ?? .unsigned
        checked = found
        check = nil
        return found
    }
}

/// Signatures a background check found, shared with the thread that asks.
final class CheckedSignatures: @unchecked Sendable {
    private let lock = NSLock()
    private var found: [ObjectID: CommitSignature] = [:]

    func get(_ id: ObjectID) -> CommitSignature? {
        lock.lock()
        defer { lock.unlock() }
        return found[id]
    }

    func set(_ id: ObjectID, _ status: CommitSignature) {
        lock.lock()
        defer { lock.unlock() }
        if found[id] == nil { found[id] = status }
    }

    func drain() -> [ObjectID: CommitSignature] {
        lock.lock()
        defer { lock.unlock() }
        defer { found = [:] }
        return found
    }
}

/// Set once by one thread, read by another: tells a background check to stop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }
}

/// Every commit's `CommitSignature`, computed once per commit and kept in
/// `<git dir>/quorum/signature-checks/`, beside the summary cache. Keyed by
/// commit id alone: a signature either verifies over a commit's bytes or it
/// does not, for ever, so an entry is never stale. Whose key it is, and
/// whether the key was valid then, is judged again on every read against
/// the roster (a lookup), never cached. Deleting it is always safe.
///
/// One file per first byte of the commit id (`signature-checks/3f`), so
/// that a command meeting a few commits reads a 256th of what the history
/// holds (a few kilobytes at 10,000 suggestions) rather than check each
/// signature again (~0.3 ms each) or read every check ever made; `verify`
/// and a rebuild of the summaries read them all. Each file: the header
/// line, then `K <fingerprint> <algorithm> <base64 blob>` lines naming the
/// keys its lines use, and `<commit hex> <fingerprint>` lines, or
/// `<commit hex> -` for unsigned and `<commit hex> !` for a signature that
/// does not verify. Only ever appended to, so concurrent writers lose
/// nothing; a line cut short by a crash is skipped.
final class SignatureStore {
    static let header = "quorum-signatures 1"
    private let git: Repository
    private var directory: String { git.gitDirectory + "quorum/signature-checks/" }
    private var known: [ObjectID: CommitSignature] = [:]
    /// The files read so far (by name: two hex digits).
    private var shards: [String: Shard] = [:]
    /// The files whose every line is in `known` (`load`).
    private var shardsReadWhole: Set<String> = []
    /// The fingerprints of the keys each file read names (`K` lines),
    /// with those this process appended.
    private var keysInShard: [String: Set<String>] = [:]
    private var added: [ObjectID] = []
    /// Each key's fingerprint by its blob in base64, worked out once.
    private var fingerprints: [String: String] = [:]
    /// Each key the files name, by its blob in base64 (nil: not a key
    /// Quorum reads), parsed once.
    private var keysByBlob: [String: SSHPublicKey?] = [:]
    /// What a background check (`startPrefetch`) has found so far.
    private let background = CheckedSignatures()

    init(git: Repository) {
        self.git = git
    }

    deinit { flush() }

    /// A commit's signature, from the cache or checked now.
    func commit(_ id: ObjectID) throws -> CommitSignature {
        if let found = known[id] { return found }
        if let found = background.get(id) {
            known[id] = found
            added.append(id)
            return found
        }
        if let found = shard(Self.shard(of: id)).status(of: id) {
            known[id] = found
            return found
        }
        let status = CommitSignature(try git.commitSignature(id))
        note(id, status)
        return status
    }

    /// Records `status` for a commit checked just now, or one whose
    /// signature this process knows already (one it made:
    /// `ReviewRepository.noteOwnSignature`): kept for this process, written
    /// at the next flush, and told to a background check, which need not
    /// do it again.
    func note(_ id: ObjectID, _ status: CommitSignature) {
        guard known[id] == nil else { return }
        known[id] = status
        added.append(id)
        background.set(id, status)
    }

    /// What a background check covers, in the order the caller will ask
    /// for it: the commits from `tip` back to (not including) `hide`, or
    /// one commit.
    enum Span: Sendable {
        case history(tip: ObjectID, hide: ObjectID?)
        case commit(ObjectID)
    }

    /// Starts checking the commits of `spans` on a background thread (its
    /// own repository handle), in the order given, while the calling
    /// thread goes on with its own work (`verify`'s rule checks) and asks
    /// for them in the same order: what it asks for is taken from the
    /// background check when found, else checked at once (and the
    /// background skips it). Returns what waits for the check to end;
    /// call it before the store is dropped.
    func startPrefetch(_ spans: [Span]) -> () -> Void {
        load()
        let group = DispatchGroup()
        let results = background
        let directory = git.gitDirectory
        let known = Set(self.known.keys)
        let cancelled = StopFlag()
        DispatchQueue.global().async(group: group) {
            guard let repository = try? Repository.open(at: directory) else { return }
            for span in spans {
                if cancelled.isStopped { return }
                let ids: [ObjectID]
                switch span {
                case .history(let tip, let hide): ids = (try? repository.commits(from: tip, excluding: hide.map { [$0] } ?? [])) ?? []
                case .commit(let id): ids = [id]
                }
                for id in ids where !known.contains(id) && results.get(id) == nil {
                    do {
                        results.set(id, CommitSignature(try repository.commitSignature(id)))
                    } catch {
                        // left to be checked when asked for
                    }
                }
            }
        }
        return { [self] in
            cancelled.stop()
            group.wait()
            for (id, status) in background.drain() where self.known[id] == nil {
                self.known[id] = status
                added.append(id)
            }
        }
    }

    /// A tag's signature (not cached: there are few tags).
    func tag(_ id: ObjectID) throws -> CommitSignature {
        CommitSignature(try git.tagSignature(id))
    }

    /// Checks the commits not yet known on all cores at once, for `verify`
    /// and a rebuild of the summaries, which meet every commit of the
    /// history: each worker opens the repository itself (a libgit2
    /// repository is one thread's), reads its share of the commits and
    /// verifies their signatures. What a worker cannot read is left to be
    /// checked one by one when asked for.
    func prefetch(_ ids: [ObjectID]) throws {
        load()
        let work = Array(Set(ids).filter { known[$0] == nil })
        guard !work.isEmpty else { return }
        let workers = min(max(1, ProcessInfo.processInfo.activeProcessorCount), max(1, work.count / 256))
        let results = UnsafeMutableBufferPointer<CommitSignature?>.allocate(capacity: work.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let output = results.baseAddress!
        let directory = git.gitDirectory
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            guard let repository = try? Repository.open(at: directory) else { return }
            var index = worker
            while index < work.count {
                do {
                    output[index] = CommitSignature(try repository.commitSignature(work[index]))
                } catch {
                    // left to be checked when asked for
                }
                index += workers
            }
        }
        for (index, id) in work.enumerated() {
            guard let status = output[index] else { continue }
            known[id] = status
            added.append(id)
        }
    }

    /// The file a commit's check is kept in: its id's first two hex digits.
    private static func shard(of id: ObjectID) -> String { String(id.hex.prefix(2)) }

    /// Reads every file (for `verify` and a rebuild, which meet every
    /// commit), every line of it into `known`.
    private func load() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.utf8.count == 2 && !shardsReadWhole.contains(name) {
            shardsReadWhole.insert(name)
            shard(name).forEachCheck { id, status in
                if known[id] == nil { known[id] = status }
            }
        }
    }

    /// One file, read once: its keys parsed, its lines naming commits
    /// left as bytes until a commit is asked for.
    private func shard(_ name: String) -> Shard {
        if let shard = shards[name] { return shard }
        let path = directory + name
        var shard = Shard()
        if let data = FileManager.default.contents(atPath: path) {
            let header = Array((Self.header + "\n").utf8)
            if data.starts(with: header) {
                shard = Shard(bytes: Array(data), start: header.count, keysByBlob: &keysByBlob, fingerprints: &fingerprints)
            } else {
                unlink(path)  // another format: start again
            }
        }
        shards[name] = shard
        keysInShard[name] = Set(shard.keys.map { String(decoding: $0.fingerprint, as: UTF8.self) })
        return shard
    }

    /// Appends what was learnt since the last flush, each check to its
    /// file (one write(2) per file, opened with O_APPEND).
    func flush() {
        guard !added.isEmpty else { return }
        var byShard: [String: [ObjectID]] = [:]
        for id in added { byShard[Self.shard(of: id), default: []].append(id) }
        added = []
        if !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            unlink(git.gitDirectory + "quorum/signatures")  // the single file of before
        }
        for (name, ids) in byShard {
            _ = shard(name)  // to know which keys it names already
            let path = directory + name
            var text = FileManager.default.fileExists(atPath: path) ? "" : Self.header + "\n"
            var keys = keysInShard[name] ?? []
            for id in ids {
                switch known[id] {
                case .unsigned: text += "\(id.hex) -\n"
                case .invalid: text += "\(id.hex) !\n"
                case .valid(let key):
                    let blob = key.blob.base64EncodedString()
                    let fingerprint = fingerprints[blob] ?? key.fingerprint
                    fingerprints[blob] = fingerprint
                    if keys.insert(fingerprint).inserted { text += "K \(fingerprint) \(key.algorithm) \(blob)\n" }
                    text += "\(id.hex) \(fingerprint)\n"
                case nil: continue
                }
            }
            keysInShard[name] = keys
            try? LocalFile.append(path, Data(utf8: text))
        }
    }
}

/// One signature-check file as read: the keys its `K` lines name, and its
/// lines naming commits, kept as bytes and searched for one commit when
/// it is asked for (a command meets a few commits of the thousands a file
/// can name; parsing every line cost more than the file's reading).
private struct Shard {
    private(set) var bytes: [UInt8] = []
    /// Where the lines begin: after the header.
    private(set) var start = 0
    /// Each key a `K` line names, with where that line begins: a line
    /// naming a commit counts a key only from its `K` line on.
    private(set) var keys: [(fingerprint: [UInt8], key: SSHPublicKey, at: Int)] = []

    init() {}

    /// Takes the `K <fingerprint> <algorithm> <base64 blob>` lines as
    /// written (the fingerprint is only the name the other lines use);
    /// each key is parsed once however many files name it
    /// (`keysByBlob`, `fingerprints`: the store's).
    init(bytes: [UInt8], start: Int, keysByBlob: inout [String: SSHPublicKey?], fingerprints: inout [String: String]) {
        self.bytes = bytes
        self.start = start
        var keys: [(fingerprint: [UInt8], key: SSHPublicKey, at: Int)] = []
        // Writers that met the file at once each name their key: a line
        // seen already is skipped unparsed.
        var seen: [UnsafeBufferPointer<UInt8>] = []
        Self.forEachLine(bytes, from: start) { line, at in
            guard line.count > 2, line[0] == UInt8(ascii: "K"), line[1] == UInt8(ascii: " "),
                  !seen.contains(where: { $0.count == line.count && memcmp($0.baseAddress!, line.baseAddress!, line.count) == 0 }) else { return }
            seen.append(line)
            let spaces = line.indices.filter { line[$0] == UInt8(ascii: " ") }
            guard spaces.count == 3 else { return }
            let fingerprint = Array(line[(spaces[0] + 1)..<spaces[1]])
            let blobText = String(decoding: UnsafeBufferPointer(rebasing: line[(spaces[2] + 1)...]), as: UTF8.self)
            let key: SSHPublicKey?
            if let parsed = keysByBlob[blobText] {
                key = parsed
            } else {
                key = Data(base64Encoded: blobText).flatMap { try? SSHPublicKey(blob: $0) }
                keysByBlob[blobText] = key
            }
            guard let key else { return }
            keys.append((fingerprint, key, at))
            fingerprints[blobText] = String(decoding: fingerprint, as: UTF8.self)
        }
        self.keys = keys
    }

    /// What the first line naming `id` that Quorum understands says; nil
    /// when none does.
    func status(of id: ObjectID) -> CommitSignature? {
        let needle = Array((id.hex + " ").utf8)
        return bytes.withUnsafeBufferPointer { all -> CommitSignature? in
            var from = start
            while let at = all.firstIndex(of: needle, from: from) {
                from = at + 1
                guard at == start || all[at - 1] == 10,
                      let end = all.firstIndex(of: Self.newline, from: at) else { continue }  // not a line's start, or cut short by a crash
                if let status = status(UnsafeBufferPointer(rebasing: all[(at + needle.count)..<end]), at: at) { return status }
            }
            return nil
        }
    }

    /// Every commit its lines name, with what the line says, in file order.
    func forEachCheck(_ body: (ObjectID, CommitSignature) -> Void) {
        Self.forEachLine(bytes, from: start) { line, at in
            guard line.count > 41, line[40] == UInt8(ascii: " "),
                  let id = ObjectID(hexBytes: UnsafeBufferPointer(rebasing: line[0..<40])),
                  let status = status(UnsafeBufferPointer(rebasing: line[41...]), at: at) else { return }
            body(id, status)
        }
    }

    /// What the line beginning at `at` says after `<commit hex> `: `-`
    /// unsigned, `!` a signature that does not verify, else the
    /// fingerprint of a key a `K` line before it names (the last such);
    /// nil for anything else.
    private func status(_ rest: UnsafeBufferPointer<UInt8>, at: Int) -> CommitSignature? {
        if rest.count == 1, rest[0] == UInt8(ascii: "-") { return .unsigned }
        if rest.count == 1, rest[0] == UInt8(ascii: "!") { return .invalid("the signature does not verify") }
        return keys.last(where: { $0.at < at && $0.fingerprint.elementsEqual(rest) }).map { .valid($0.key) }
    }

    /// Each whole line of `bytes` from `start`, without its newline, with
    /// where it begins; a last line with none (cut short by a crash) is
    /// skipped.
    private static func forEachLine(_ bytes: [UInt8], from start: Int, _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        bytes.withUnsafeBufferPointer { all in
            var at = start
            while let end = all.firstIndex(of: newline, from: at) {
                body(UnsafeBufferPointer(rebasing: all[at..<end]), at)
                at = end + 1
            }
        }
    }

    private static let newline: [UInt8] = [10]
}
