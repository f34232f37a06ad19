import CLibGit2
import Foundation

/// Who did something and when, as git records it.
public struct Signature: Sendable, Hashable {
    public var name: String
    public var email: String
    /// Seconds since 1970.
    public var time: Int64
    /// Minutes east of UTC.
    public var offsetMinutes: Int32

    public init(name: String, email: String, time: Int64, offsetMinutes: Int32 = 0) {
        self.name = name
        self.email = email
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    /// "Name <email>", the form git uses in trailers.
    public var formatted: String { "\(name) <\(email)>" }

    init(_ sig: UnsafePointer<git_signature>) {
        name = String(cString: sig.pointee.name)
        email = String(cString: sig.pointee.email)
        time = sig.pointee.when.time
        offsetMinutes = sig.pointee.when.offset
    }
}

/// A commit copied out of libgit2.
public struct Commit: Sendable {
    public let id: ObjectID
    public let tree: ObjectID
    public let parents: [ObjectID]
    public let author: Signature
    public let committer: Signature
    public let message: String
}

/// One entry of a merge that could not be resolved automatically.
public struct MergeConflict: Sendable {
    public let path: String
    public let ancestor: ObjectID?
    public let ours: ObjectID?
    public let theirs: ObjectID?
    /// Each side's file mode (0o100644, 0o100755, 0o120000…), when it has the file.
    public var ancestorMode: UInt32? = nil
    public var oursMode: UInt32? = nil
    public var theirsMode: UInt32? = nil
    /// True when every side that has the file has it at `path` (no rename).
    public var pathsAgree = true
}

/// One entry of the index (staging area), copied out of libgit2.
public struct IndexEntry: Sendable, Equatable {
    public let path: String
    public let id: ObjectID
    /// git's file mode: 0o100644 or 0o100755 for a file, 0o120000 a
    /// symbolic link, 0o160000 a submodule.
    public let mode: UInt32
    /// 0, or 1 (ancestor), 2 (ours), 3 (theirs) for an unresolved conflict.
    public let stage: Int
}

/// The outcome of a three-way tree merge.
public enum TreeMergeResult: Sendable {
    case clean(ObjectID)
    case conflicts([MergeConflict])
}

/// A change to make to a tree: put a blob at a path, or remove the path.
public enum TreeUpdate: Sendable {
    case upsert(path: String, blob: ObjectID)
    case remove(path: String)
}

/// For a process that runs one command and exits (the CLI, the hook):
/// freed memory is kept for reuse rather than returned to the kernel, so
/// that each object libgit2 compresses or inflates reuses zlib's tables
/// instead of faulting in fresh zeroed pages (about 75 page faults, a
/// fifth of a millisecond or more, in a merge). Not for a long-lived
/// process: its peak memory stays its own until it exits.
public func keepFreedMemoryUntilExit() {
    quorum_keep_freed_memory()
}

let libraryInit: Void = {
    git_libgit2_init()
    // Documents are read more than once per command (a merge, the stale
    // text check): keep blobs up to 1 MiB in libgit2's cache like trees
    // and commits (within its 256 MiB total).
    _ = quorum_git_set_blob_cache_limit(1 << 20)
    _ = quorum_git_set_strict_hash_verification(0)
    return ()
}()

/// An open git repository. The one owner of its `git_repository` handle;
/// not for use from two threads at once (libgit2's rule).
public final class Repository {
    let handle: OpaquePointer

    /// Called after each commit `createCommit(sign:)` writes, with its id
    /// and the signature its `sign` returned (armored, as returned).
    public var signedCommitCreated: ((ObjectID, String) -> Void)?

    /// The repository's config as libgit2 loads it (system, global and
    /// the repository's own files), kept for writes; everything reads the
    /// snapshot of it that `readConfigOnce` installs.
    private var liveConfig: OpaquePointer?

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        if liveConfig != nil { git_config_free(liveConfig) }
        git_repository_free(handle)
    }

    /// Makes this handle read its config once, as git reads it once per
    /// process: a snapshot of it becomes the repository's config, which
    /// libgit2 then reads for every setting it consults (refs, merges,
    /// attributes, the object store). A live config file is checked on disk
    /// (a stat of every config file) at each read: ~70 stats in a merge.
    /// `setConfigString` writes through the live config and takes a new
    /// snapshot; a change another process makes is seen by handles opened
    /// after it. Throws a `GitError` when the config cannot be read.
    private func readConfigOnce() throws {
        var live: OpaquePointer?
        try check("git_repository_config", git_repository_config(&live, handle))
        liveConfig = live
        try installConfigSnapshot()
    }

    private func installConfigSnapshot() throws {
        var snapshot: OpaquePointer?
        try check("git_config_snapshot", git_config_snapshot(&snapshot, liveConfig))
        defer { git_config_free(snapshot) }
        try check("git_repository_set_config", git_repository_set_config(handle, snapshot))
    }

    /// Whether each object read is hashed and checked against its id, for
    /// the whole process. Off by default, as in git's history walks, which
    /// parse commits without hashing them (git checks objects as they
    /// arrive, by index-pack, and so every push a shared repository's hook
    /// judges and every fetch, and in fsck): the check is a SHA-1 of each
    /// object, a third of what reading a document costs. `verify`, Quorum's
    /// fsck, turns it on while it runs, and opening a repository whose
    /// objects may come from another store turns it on for good
    /// (`readsObjectsFromElsewhere`). Objects libgit2 already holds in its
    /// cache are not read again, so not checked again.
    public static var checksObjectsOnRead: Bool {
        get { hashChecks }
        set {
            _ = libraryInit
            hashChecks = newValue
            _ = quorum_git_set_strict_hash_verification(newValue ? 1 : 0)
        }
    }
    nonisolated(unsafe) private static var hashChecks = false

    /// Opens the repository at or above `path`, as git finds it.
    /// With `fromEnvironment`, honours `GIT_DIR`, `GIT_OBJECT_DIRECTORY` and
    /// friends, which is how a hook sees a push's quarantined objects.
    /// The handle reads the config once, here (`reloadConfig` reads it
    /// again). Throws a `GitError` when there is no repository there or
    /// its config cannot be read.
    public static func open(at path: String, fromEnvironment: Bool = false) throws -> Repository {
        _ = libraryInit
        var repo: OpaquePointer?
        let flags = fromEnvironment ? GIT_REPOSITORY_OPEN_FROM_ENV.rawValue : 0
        try check("git_repository_open_ext", git_repository_open_ext(&repo, fromEnvironment ? nil : path, flags, nil))
        guard let repo else { throw GitError(function: "git_repository_open_ext", code: -1, errorClass: 0, message: "no repository") }
        let repository = Repository(handle: repo)
        try repository.readConfigOnce()
        if repository.readsObjectsFromElsewhere(fromEnvironment: fromEnvironment) { checksObjectsOnRead = true }
        return repository
    }

    /// Whether some of this repository's objects may come from another
    /// object store: alternates (`git clone --shared` or `--reference`,
    /// `objects/info/alternates`) or, opened from the environment, stores
    /// it names (`GIT_OBJECT_DIRECTORY`, `GIT_ALTERNATE_OBJECT_DIRECTORIES`:
    /// a hook's quarantine). Whoever controls such a store could change a
    /// commit's bytes under its id, and what Quorum keeps by commit id
    /// (the signature checks) would then be applied to other bytes: objects
    /// read from such a repository are checked against their ids.
    private func readsObjectsFromElsewhere(fromEnvironment: Bool) -> Bool {
        if fromEnvironment, getenv("GIT_OBJECT_DIRECTORY") != nil || getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES") != nil { return true }
        guard let common = git_repository_commondir(handle) else { return true }
        return access(String(cString: common) + "objects/info/alternates", F_OK) == 0
    }

    /// Creates a repository at `path` (a non-bare one with `main` as its
    /// first branch) or opens the one already there.
    public static func create(at path: String, bare: Bool = false) throws -> Repository {
        _ = libraryInit
        var options = git_repository_init_options()
        try check("git_repository_init_options_init", git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)))
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | (bare ? GIT_REPOSITORY_INIT_BARE.rawValue : 0)
        var repo: OpaquePointer?
        func initialise() -> Int32 {
            "main".withCString { head -> Int32 in
                options.initial_head = head
                return git_repository_init_ext(&repo, path, &options)
            }
        }
        // An init that was killed leaves its config lock: a new repository
        // is only ever this user's, so an old one is cleared.
        let directory = (path.hasSuffix("/") ? path : path + "/") + (bare ? "" : ".git/")
        let result = try writingPastStaleLocks([directory + "config.lock", directory + "HEAD.lock"], in: directory, clearing: true, initialise(), initialise)
        try check("git_repository_init_ext", result)
        guard let repo else { throw GitError(function: "git_repository_init_ext", code: -1, errorClass: 0, message: "no repository") }
        let repository = Repository(handle: repo)
        try repository.readConfigOnce()
        return repository
    }

    /// The `.git` directory (or the bare repository itself), with a trailing slash.
    public var gitDirectory: String { String(cString: git_repository_path(handle)) }

    /// The work tree, or nil for a bare repository.
    public var workDirectory: String? {
        guard let dir = git_repository_workdir(handle) else { return nil }
        return String(cString: dir)
    }

    public var isBare: Bool { git_repository_is_bare(handle) == 1 }

    // MARK: Config

    /// A string from the repository's config (with global and system config
    /// beneath it) as this handle read it, or nil when unset.
    public func configString(_ key: String) throws -> String? {
        var config: OpaquePointer?
        try check("git_repository_config_snapshot", git_repository_config_snapshot(&config, handle))
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        let result = git_config_get_string(&value, config, key)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_config_get_string", result)
        return value.map { String(cString: $0) }
    }

    /// Sets a string in the repository's own config file (in the common
    /// directory of a linked worktree), then reads the config again.
    public func setConfigString(_ key: String, _ value: String) throws {
        let common = git_repository_commondir(handle).map { String(cString: $0) } ?? gitDirectory
        try check("git_config_set_string", try writingPastStaleLocks([common + "config.lock"]) { git_config_set_string(liveConfig, key, value) })
        try installConfigSnapshot()
    }

    /// Reads the config files again, for a handle kept open while another
    /// process changes them (`git remote add`, `git config`). Throws a
    /// `GitError` when they cannot be read.
    public func reloadConfig() throws {
        try installConfigSnapshot()
    }

    // MARK: Blobs

    /// Writes `data` as an object of `type` (its bytes as git stores them,
    /// without the `type size\0` header) and returns its id; an object that
    /// exists already is only freshened. Throws a `GitError` when libgit2
    /// cannot write it.
    func writeObject(_ data: Data, type: git_object_t) throws -> ObjectID {
        var odb: OpaquePointer?
        try check("git_repository_odb", git_repository_odb(&odb, handle))
        defer { git_odb_free(odb) }
        var oid = git_oid()
        try data.withUnsafeBytes { bytes in
            // An empty Data has no address; libgit2 wants one all the same.
            let start = bytes.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)
            _ = try check("git_odb_write", git_odb_write(&oid, odb, start, bytes.count, type))
        }
        return ObjectID(oid)
    }

    public func writeBlob(_ data: Data) throws -> ObjectID {
        // git_odb_write, not git_blob_create_from_buffer: the latter streams,
        // making a temporary file before it learns that the blob exists
        // (an approval's record often does); this asks first.
        let id = try writeObject(data, type: GIT_OBJECT_BLOB)
        if data.count <= Self.writtenBlobLimit {
            // Bounded for a long-lived handle: forget them all past 8 MiB.
            if writtenBlobBytes + data.count > 8 * Self.writtenBlobLimit {
                writtenBlobs.removeAll()
                writtenBlobBytes = 0
            }
            // A copy: `data` may be a slice, and readBlob gives whole Data.
            if writtenBlobs.updateValue(Data(data), forKey: id) == nil { writtenBlobBytes += data.count }
        }
        return id
    }

    /// Blobs written through this handle (up to `writtenBlobLimit` bytes
    /// each, 8 of that in all), which `readBlob` gives back without
    /// inflating and hashing them again: a command often reads the text it
    /// just wrote (the stale text check, a merge). Keyed by content, so
    /// never stale.
    private var writtenBlobs: [ObjectID: Data] = [:]
    private var writtenBlobBytes = 0
    private static let writtenBlobLimit = 1 << 20

    /// The id `data` would have as a blob, without writing it.
    public static func blobID(of data: Data) -> ObjectID? {
        _ = libraryInit
        var oid = git_oid()
        let result = data.withUnsafeBytes { bytes in git_odb_hash(&oid, bytes.baseAddress, bytes.count, GIT_OBJECT_BLOB) }
        return result == 0 ? ObjectID(oid) : nil
    }

    public func readBlob(_ id: ObjectID) throws -> Data {
        if let written = writtenBlobs[id] { return written }
        var raw = id.raw
        var blob: OpaquePointer?
        try check("git_blob_lookup", git_blob_lookup(&blob, handle, &raw))
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: content, count: size)
    }

    // MARK: Trees

    /// A new tree holding exactly `files` (path → blob); paths may be nested.
    public func buildTree(_ files: [String: ObjectID]) throws -> ObjectID {
        try createTree(from: nil, files.map { (path: $0.key, id: $0.value, mode: GIT_FILEMODE_BLOB) })
    }

    /// `git_tree_create_updated`: `base` (or no tree) with each change
    /// applied, an entry upserted with its object and mode, or removed
    /// when its id is nil; paths may be nested. Returns the new root's id.
    /// Trees are written this way, never through an index: writing an
    /// index's trees reads every one of them back in (to fill the index's
    /// tree cache), a loose object read each. libgit2 checks each name and
    /// that each object exists; throws a `GitError` when one does not.
    private func createTree(from base: OpaquePointer?, _ changes: [(path: String, id: ObjectID?, mode: git_filemode_t)]) throws -> ObjectID {
        // Keep the C strings alive for the duration of the call.
        let paths = changes.map { strdup($0.path) }
        defer { paths.forEach { free($0) } }
        var updates = [git_tree_update]()
        updates.reserveCapacity(changes.count)
        for (index, change) in changes.enumerated() {
            var update = git_tree_update()
            update.path = UnsafePointer(paths[index])
            if let id = change.id {
                update.action = GIT_TREE_UPDATE_UPSERT
                update.id = id.raw
                update.filemode = change.mode
            } else {
                update.action = GIT_TREE_UPDATE_REMOVE
            }
            updates.append(update)
        }
        var oid = git_oid()
        try check("git_tree_create_updated", git_tree_create_updated(&oid, handle, base, updates.count, updates))
        return ObjectID(oid)
    }

    /// A new tree: `base` (or nothing) with `updates` applied.
    /// Paths may be nested; intermediate trees are made as needed.
    public func updateTree(_ base: ObjectID?, _ updates: [TreeUpdate]) throws -> ObjectID {
        guard let base else {
            var files: [String: ObjectID] = [:]
            for update in updates {
                switch update {
                case .upsert(let path, let blob): files[path] = blob
                case .remove(let path): files[path] = nil
                }
            }
            return try buildTree(files)
        }
        var raw = base.raw
        var tree: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&tree, handle, &raw))
        defer { git_tree_free(tree) }
        return try createTree(from: tree, updates.map { update in
            switch update {
            case .upsert(let path, let blob): return (path: path, id: blob, mode: GIT_FILEMODE_BLOB)
            case .remove(let path): return (path: path, id: nil, mode: GIT_FILEMODE_BLOB)
            }
        })
    }

    /// The blob id at `path` in a tree, or nil when absent or not a blob.
    public func blobID(in tree: ObjectID, at path: String) throws -> ObjectID? {
        var raw = tree.raw
        var treeHandle: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&treeHandle, handle, &raw))
        defer { git_tree_free(treeHandle) }
        var entry: OpaquePointer?
        let result = git_tree_entry_bypath(&entry, treeHandle, path)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_tree_entry_bypath", result)
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB, let id = git_tree_entry_id(entry) else { return nil }
        return ObjectID(id.pointee)
    }

    /// Every blob below `prefix` in a tree, by path relative to `prefix`.
    public func blobs(in tree: ObjectID, under prefix: String) throws -> [String: ObjectID] {
        var result: [String: ObjectID] = [:]
        try visitBlobs(in: tree, under: prefix) { result[$0] = $1 }
        return result
    }

    /// The paths of the blobs under `prefix` in a tree, relative to it, as
    /// the tree spells them, in tree order. Unlike `blobs`, whose keys are
    /// Swift strings (equal when canonically equivalent), two paths that
    /// differ only in Unicode normalisation are both listed.
    public func blobPaths(in tree: ObjectID, under prefix: String) throws -> [String] {
        var result: [String] = []
        try visitBlobs(in: tree, under: prefix) { path, _ in result.append(path) }
        return result
    }

    private func visitBlobs(in tree: ObjectID, under prefix: String, _ visit: (String, ObjectID) -> Void) throws {
        var raw = tree.raw
        var root: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&root, handle, &raw))
        defer { git_tree_free(root) }
        var start: OpaquePointer? = root
        var subtree: OpaquePointer?
        if !prefix.isEmpty {
            var entry: OpaquePointer?
            let found = git_tree_entry_bypath(&entry, root, prefix)
            if found == GIT_ENOTFOUND.rawValue { return }
            try check("git_tree_entry_bypath", found)
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_TREE, let id = git_tree_entry_id(entry) else { return }
            var sub = id.pointee
            try check("git_tree_lookup", git_tree_lookup(&subtree, handle, &sub))
            start = subtree
        }
        defer { if subtree != nil { git_tree_free(subtree) } }
        try collectBlobs(start, path: "", visit)
    }

    private func collectBlobs(_ tree: OpaquePointer?, path: String, _ visit: (String, ObjectID) -> Void) throws {
        let count = git_tree_entrycount(tree)
        for index in 0..<count {
            guard let entry = git_tree_entry_byindex(tree, index), let id = git_tree_entry_id(entry) else { continue }
            let name = String(cString: git_tree_entry_name(entry))
            let full = path.isEmpty ? name : path + "/" + name
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_BLOB:
                visit(full, ObjectID(id.pointee))
            case GIT_OBJECT_TREE:
                var sub = id.pointee
                var child: OpaquePointer?
                try check("git_tree_lookup", git_tree_lookup(&child, handle, &sub))
                defer { git_tree_free(child) }
                try collectBlobs(child, path: full, visit)
            default:
                continue
            }
        }
    }

    // MARK: Commits

    /// Writes a commit; with `sign`, signed as `git commit -S` does (see
    /// `createSignedCommit`).
    public func createCommit(
        tree: ObjectID, parents: [ObjectID], author: Signature, committer: Signature, message: String, sign: ObjectSigner? = nil
    ) throws -> ObjectID {
        var treeRaw = tree.raw
        var treeHandle: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&treeHandle, handle, &treeRaw))
        defer { git_tree_free(treeHandle) }
        var parentHandles: [OpaquePointer?] = []
        defer { parentHandles.forEach { git_commit_free($0) } }
        for parent in parents {
            var raw = parent.raw
            var commit: OpaquePointer?
            try check("git_commit_lookup", git_commit_lookup(&commit, handle, &raw))
            parentHandles.append(commit)
        }
        let authorSig = try makeSignature(author)
        defer { git_signature_free(authorSig) }
        let committerSig = try makeSignature(committer)
        defer { git_signature_free(committerSig) }
        var oid = git_oid()
        try parentHandles.withUnsafeMutableBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: OpaquePointer?.self, capacity: buffer.count) { base in
                if let sign {
                    oid = try createSignedCommit(
                        tree: treeHandle, parents: buffer.count == 0 ? nil : base, parentCount: buffer.count,
                        author: authorSig, committer: committerSig, message: message, sign: sign).raw
                    return
                }
                _ = try check(
                    "git_commit_create",
                    git_commit_create(
                        &oid, handle, nil, authorSig, committerSig, "UTF-8", message, treeHandle,
                        buffer.count, buffer.count == 0 ? nil : base))
            }
        }
        return ObjectID(oid)
    }

    private func makeSignature(_ sig: Signature) throws -> UnsafeMutablePointer<git_signature>? {
        var out: UnsafeMutablePointer<git_signature>?
        try check("git_signature_new", git_signature_new(&out, sig.name, sig.email, sig.time, sig.offsetMinutes))
        return out
    }

    public func commit(_ id: ObjectID) throws -> Commit {
        var raw = id.raw
        var handleOut: OpaquePointer?
        try check("git_commit_lookup", git_commit_lookup(&handleOut, handle, &raw))
        defer { git_commit_free(handleOut) }
        let count = git_commit_parentcount(handleOut)
        var parents: [ObjectID] = []
        for index in 0..<count {
            if let parent = git_commit_parent_id(handleOut, index) { parents.append(ObjectID(parent.pointee)) }
        }
        return Commit(
            id: id,
            tree: ObjectID(git_commit_tree_id(handleOut).pointee),
            parents: parents,
            author: Signature(git_commit_author(handleOut)),
            committer: Signature(git_commit_committer(handleOut)),
            message: String(cString: git_commit_message(handleOut)))
    }

    /// The one object whose id starts with `prefix` (hex, 4 to 40 digits),
    /// or nil when none does or several do. Found through the object
    /// database's own prefix search, without listing any references.
    public func uniqueObject(prefix: String) -> ObjectID? {
        guard (4...40).contains(prefix.utf8.count) else { return nil }
        var short = git_oid()
        guard git_oid_fromstrn(&short, prefix, prefix.utf8.count) == 0 else { return nil }
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else { return nil }
        defer { git_odb_free(odb) }
        var full = git_oid()
        guard git_odb_exists_prefix(&full, odb, &short, prefix.utf8.count) == 0 else { return nil }
        return ObjectID(full)
    }

    /// The commit a revision expression names, as `git rev-parse` reads it
    /// (a full or unique short id, a branch or tag name, `name~2`); tags are
    /// peeled to their commit. Nil when it names nothing or no commit.
    /// Throws a `GitError` whose `isAmbiguous` is true for a short id that
    /// matches several objects.
    public func resolveCommit(_ spec: String) throws -> ObjectID? {
        var object: OpaquePointer?
        let result = git_revparse_single(&object, handle, spec)
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EINVALIDSPEC.rawValue { return nil }
        try check("git_revparse_single", result)
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0 else { return nil }
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit).pointee)
    }

    /// A commit's parents, in order, without copying the rest of it out.
    public func parents(of id: ObjectID) throws -> [ObjectID] {
        var raw = id.raw
        var commit: OpaquePointer?
        try check("git_commit_lookup", git_commit_lookup(&commit, handle, &raw))
        defer { git_commit_free(commit) }
        return (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0).pointee) }
    }

    /// Whether `commit` has `ancestor` in its history (or is it).
    public func isAncestor(_ ancestor: ObjectID, of commit: ObjectID) throws -> Bool {
        if ancestor == commit { return true }
        var a = commit.raw
        var b = ancestor.raw
        return try check("git_graph_descendant_of", git_graph_descendant_of(handle, &a, &b)) == 1
    }

    // MARK: References

    /// The object a reference points at (peeling symbolic references), or
    /// nil when it does not exist.
    public func referenceTarget(_ name: String) throws -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_reference_name_to_id", result)
        return ObjectID(oid)
    }

    /// Compare-and-swap: points `name` at `target` only if it still points
    /// at `expected` (nil: only if it does not exist yet). Throws a
    /// `GitError` whose `isLostRace` is true when someone else got there first.
    ///
    /// Written as a one-ref transaction (`updateReferences`): the ref's
    /// lock is taken, its value compared under the lock, then written.
    /// libgit2's direct write (`git_reference_create_matching`) first reads
    /// every name in `packed-refs` to refuse one that clashes with a
    /// directory of refs: 8 M instructions at 1,000 suggestions (2,600
    /// packed refs), 11 ms at 10,000, in every process that writes. A
    /// transaction's lock does not; a clash with a loose ref is still
    /// refused (its lock file cannot be made), and the names Quorum writes
    /// (`SharedRef`) never put a ref where another's directory is.
    public func updateReference(_ name: String, to target: ObjectID, expected: ObjectID?, message: String) throws {
        try updateReferences([ReferenceUpdate(name: name, expected: expected, target: target)], message: message) {}
    }

    /// Runs a ref write again when it failed because another process's
    /// clean-up (see `packReferences`) removed the ref's directory between
    /// libgit2 making it and writing the lock file in it.
    func retryingVanishedDirectory(_ write: () -> Int32) -> Int32 {
        var result = write()
        var attempts = 0
        // libgit2 reports it as GIT_ERROR when making the directory fails,
        // and as GIT_ENOTFOUND when creating the lock file in it does.
        while result == GIT_ERROR.rawValue || result == GIT_ENOTFOUND.rawValue, attempts < 10, let last = git_error_last(),
              last.pointee.klass == GIT_ERROR_OS.rawValue, let text = last.pointee.message,
              String(cString: text).contains("No such file or directory") {
            attempts += 1
            result = write()
        }
        return result
    }

    /// Every direct reference whose name matches `glob` (`*` crosses `/`).
    /// With `suffix`, only those whose name ends so; with `slashes`, only
    /// those whose name has that many `/` (both checked before any Swift
    /// value is made: listing 20,000 refs is dominated by that work).
    public func references(matching glob: String, suffix: String? = nil, slashes: Int? = nil) throws -> [(name: String, target: ObjectID)] {
        let tail = suffix.map { Array($0.utf8) } ?? []
        var iterator: OpaquePointer?
        try check("git_reference_iterator_glob_new", git_reference_iterator_glob_new(&iterator, handle, glob))
        defer { git_reference_iterator_free(iterator) }
        var result: [(name: String, target: ObjectID)] = []
        while true {
            var ref: OpaquePointer?
            let status = git_reference_next(&ref, iterator)
            if status == GIT_ITEROVER.rawValue { break }
            try check("git_reference_next", status)
            defer { git_reference_free(ref) }
            guard git_reference_type(ref) == GIT_REFERENCE_DIRECT, let target = git_reference_target(ref),
                  let name = git_reference_name(ref) else { continue }
            if !tail.isEmpty {
                let length = strlen(name)
                guard length >= tail.count else { continue }
                let ok = name.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                    (0..<tail.count).allSatisfy { bytes[length - tail.count + $0] == tail[$0] }
                }
                guard ok else { continue }
            }
            if let slashes {
                var count = 0
                var cursor = name
                while cursor.pointee != 0 {
                    if cursor.pointee == 47 { count += 1 }  // "/"
                    cursor += 1
                }
                guard count == slashes else { continue }
            }
            result.append((String(cString: name), ObjectID(target.pointee)))
        }
        return result
    }

    /// Whether a reference name is well formed for git.
    public static func isValidReferenceName(_ name: String) -> Bool {
        _ = libraryInit
        var valid: Int32 = 0
        return git_reference_name_is_valid(&valid, name) == 0 && valid == 1
    }

    /// Packs loose references into `packed-refs` (as `git pack-refs --all`),
    /// which keeps listing fast as references accumulate, then removes the
    /// directories under `refs/<prune>` that packing left empty (libgit2
    /// leaves them; every ref listing would walk them all). Best effort: a
    /// lock held by another process simply means someone else is packing.
    public func packReferences(pruningEmptyDirectoriesUnder prune: String? = nil) {
        var refdb: OpaquePointer?
        guard git_repository_refdb(&refdb, handle) == 0 else { return }
        defer { git_refdb_free(refdb) }
        var result = git_refdb_compress(refdb)
        // Never wait for a live packer; a lock a killed one left is cleared
        // as any other (see `writingPastStaleLocks`).
        let lock = gitDirectory + "packed-refs.lock"
        if result == GIT_ELOCKED.rawValue, let age = Self.lockAge(lock), age >= Self.staleLockAge {
            result = (try? writingPastStaleLocks([lock]) { git_refdb_compress(refdb) }) ?? result
        }
        guard result == 0, let prune else { return }
        removeEmptyDirectories(gitDirectory + "refs/" + prune)
    }

    /// Removes every empty directory below `path` (not `path` itself).
    /// rmdir only succeeds on an empty directory, so a directory another
    /// process is writing a ref into survives; one it has just made and not
    /// yet written into may go, which `updateReference` treats as a lost race.
    private func removeEmptyDirectories(_ path: String) {
        guard let directory = opendir(path) else { return }
        var children: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." && entry.pointee.d_type == DT_DIR { children.append(name) }
        }
        closedir(directory)
        for child in children {
            let full = path + "/" + child
            removeEmptyDirectories(full)
            rmdir(full)
        }
    }

    // MARK: Index

    /// The index (staging area) as git reads it: every entry with its
    /// path, blob, mode and stage (0, or 1–3 for an unresolved conflict),
    /// in the index's order. Nil in a bare repository.
    public func indexEntries() throws -> [IndexEntry]? {
        guard !isBare else { return nil }
        var index: OpaquePointer?
        try check("git_repository_index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        // The index file may have changed since the repository was opened.
        try check("git_index_read", git_index_read(index, 0))
        let count = git_index_entrycount(index)
        var entries: [IndexEntry] = []
        entries.reserveCapacity(count)
        for position in 0..<count {
            guard let entry = git_index_get_byindex(index, position) else { continue }
            entries.append(IndexEntry(
                path: String(cString: entry.pointee.path), id: ObjectID(entry.pointee.id),
                mode: entry.pointee.mode, stage: Int(git_index_entry_stage(entry))))
        }
        return entries
    }

    /// Whether git ignores `path` (relative to the work tree), by the
    /// `.gitignore` files, `.git/info/exclude` and `core.excludesFile`.
    public func isIgnored(_ path: String) throws -> Bool {
        var ignored: Int32 = 0
        try check("git_ignore_path_is_ignored", git_ignore_path_is_ignored(&ignored, handle, path))
        return ignored == 1
    }

    /// The reference HEAD names (`refs/heads/main`), whether it exists or
    /// not (unborn); nil when HEAD is detached or missing.
    public func headReferenceName() -> String? {
        var head: OpaquePointer?
        guard git_reference_lookup(&head, handle, "HEAD") == 0 else { return nil }
        defer { git_reference_free(head) }
        guard let target = git_reference_symbolic_target(head) else { return nil }
        return String(cString: target)
    }

    /// Points HEAD at the reference `name` (`refs/heads/…`), as
    /// `git symbolic-ref HEAD name` does.
    public func setHead(to name: String) throws {
        try check("git_repository_set_head", try writingPastStaleLocks([gitDirectory + "HEAD.lock"]) { git_repository_set_head(handle, name) })
    }

    /// Detaches HEAD at `commit` (as `git checkout --detach`), leaving the
    /// index and work tree as they are.
    public func detachHead(at commit: ObjectID) throws {
        var raw = commit.raw
        try check("git_repository_set_head_detached", try writingPastStaleLocks([gitDirectory + "HEAD.lock"]) { git_repository_set_head_detached(handle, &raw) })
    }

    /// Whether the index or the work tree differs from HEAD in a file git
    /// tracks (new untracked files do not count), as `git status` would
    /// show under "Changes".
    ///
    /// Another process of this clone checking files out meanwhile (a merge
    /// or sync bringing the round along) can replace a file between git
    /// listing and reading it; then this looks again, for up to a second.
    public func hasUncommittedChanges() throws -> Bool {
        var options = git_status_options()
        try check("git_status_options_init", git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)))
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = 0
        var attempts = 0
        while true {
            var list: OpaquePointer?
            do {
                try check("git_status_list_new", git_status_list_new(&list, handle, &options))
            } catch let error as GitError where error.errorClass == GIT_ERROR_OS.rawValue && attempts < 100 {
                attempts += 1
                usleep(UInt32(5_000 + Int.random(in: 0..<5_000)))
                continue
            }
            defer { git_status_list_free(list) }
            return git_status_list_entrycount(list) > 0
        }
    }

    /// Makes the index and the work tree hold `commit`'s tree (HEAD is not
    /// moved), as `git checkout` does when it switches branches: within
    /// `paths` (folder prefixes) when given. `safe`: a file changed since
    /// `baseline` (or untracked in the way) stops it before anything is
    /// written, with a `GitError` whose `isConflict` is true; otherwise
    /// (forced) such files are overwritten too.
    public func checkOut(_ commit: ObjectID, baseline: ObjectID?, paths: [String]? = nil, safe: Bool) throws {
        let tree = try self.commit(commit).tree
        var treeRaw = tree.raw
        var object: OpaquePointer?
        try check("git_object_lookup", git_object_lookup(&object, handle, &treeRaw, GIT_OBJECT_TREE))
        defer { git_object_free(object) }
        var baselineTree: OpaquePointer?
        if let baseline {
            var raw = try self.commit(baseline).tree.raw
            try check("git_tree_lookup", git_tree_lookup(&baselineTree, handle, &raw))
        }
        defer { if baselineTree != nil { git_tree_free(baselineTree) } }
        var options = git_checkout_options()
        try check("git_checkout_options_init", git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)))
        options.checkout_strategy = safe ? GIT_CHECKOUT_SAFE.rawValue : GIT_CHECKOUT_FORCE.rawValue
        options.baseline = baselineTree
        try withStringArray(paths ?? []) { array in
            if paths != nil { options.paths = array }
            // A checkout killed midway leaves index.lock: past its stale
            // age it is removed, as a ref's lock is, and the checkout runs.
            try check("git_checkout_tree", try writingPastStaleLocks([gitDirectory + "index.lock"]) { git_checkout_tree(handle, object, &options) })
        }
    }

    /// HEAD's commit when HEAD is detached (names a commit, not a branch);
    /// nil when it is on a branch, or unborn.
    public func detachedHead() throws -> ObjectID? {
        guard try check("git_repository_head_detached", git_repository_head_detached(handle)) == 1 else { return nil }
        return try referenceTarget("HEAD")
    }

    // MARK: Tags

    /// Creates an annotated tag `name` (short, without `refs/tags/`) on a
    /// commit. Never moves an existing tag: throws a `GitError` whose
    /// `isExists` is true when the name is taken.
    /// With `sign`, signed as `git tag -s` does (see `createSignedTag`).
    public func createAnnotatedTag(_ name: String, on commit: ObjectID, tagger: Signature, message: String, sign: ObjectSigner? = nil) throws -> ObjectID {
        var raw = commit.raw
        var target: OpaquePointer?
        try check("git_object_lookup", git_object_lookup(&target, handle, &raw, GIT_OBJECT_COMMIT))
        defer { git_object_free(target) }
        let sig = try makeSignature(tagger)
        defer { git_signature_free(sig) }
        if let sign { return try createSignedTag(name, target: target, tagger: sig, message: message, sign: sign) }
        var oid = git_oid()
        try check("git_tag_create", try writingPastStaleLocks(lockFiles(for: "refs/tags/" + name)) { git_tag_create(&oid, handle, name, target, sig, message, 0) })
        return ObjectID(oid)
    }

    /// An annotated tag's target, tagger and message; nil for a lightweight tag.
    public func annotatedTag(_ id: ObjectID) throws -> (target: ObjectID, tagger: Signature?, message: String)? {
        var raw = id.raw
        var tag: OpaquePointer?
        let result = git_tag_lookup(&tag, handle, &raw)
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EINVALIDSPEC.rawValue { return nil }
        if result < 0 {
            // Not a tag object (a lightweight tag points at a commit).
            return nil
        }
        defer { git_tag_free(tag) }
        let target = ObjectID(git_tag_target_id(tag).pointee)
        let tagger = git_tag_tagger(tag).map { Signature($0) }
        var message = git_tag_message(tag).map { String(cString: $0) } ?? ""
        // A signed tag's signature is appended to its message (`git tag -s`).
        let bytes = Data(utf8: message)
        if let range = Self.signatureRange(in: bytes) { message = String(decoding: bytes[..<range.lowerBound], as: UTF8.self) }
        return (target, tagger, message)
    }

    // MARK: Merging and diffing

    /// Three-way merge of trees; a clean result is written as a tree.
    public func mergeTrees(ancestor: ObjectID, ours: ObjectID, theirs: ObjectID) throws -> TreeMergeResult {
        try mergeTrees(ancestor: ancestor, ours: ours, theirs: theirs) { _ in nil }
    }

    /// Three-way merge of trees (`git_merge_trees`, libgit2's defaults), in
    /// which each file git's own merge leaves conflicted is offered to
    /// `resolve`: a blob id it returns (a blob it has written) takes the
    /// conflict's place, with our side's mode; nil leaves it conflicted.
    /// When every conflict is resolved, the result is written as a tree;
    /// otherwise the ones left are returned and nothing is written but
    /// the blobs `resolve` wrote. Throws a `GitError` when a tree is
    /// missing or libgit2 fails, and whatever `resolve` throws.
    public func mergeTrees(ancestor: ObjectID, ours: ObjectID, theirs: ObjectID, resolve: (MergeConflict) throws -> ObjectID?) throws -> TreeMergeResult {
        let trees = try [ancestor, ours, theirs].map { id -> OpaquePointer? in
            var raw = id.raw
            var tree: OpaquePointer?
            try check("git_tree_lookup", git_tree_lookup(&tree, handle, &raw))
            return tree
        }
        defer { trees.forEach { git_tree_free($0) } }
        var options = git_merge_options()
        try check("git_merge_options_init", git_merge_options_init(&options, UInt32(GIT_MERGE_OPTIONS_VERSION)))
        var index: OpaquePointer?
        try check("git_merge_trees", git_merge_trees(&index, handle, trees[0], trees[1], trees[2], &options))
        defer { git_index_free(index) }
        if git_index_has_conflicts(index) == 1 {
            var conflicts: [MergeConflict] = []
            var iterator: OpaquePointer?
            try check("git_index_conflict_iterator_new", git_index_conflict_iterator_new(&iterator, index))
            defer { git_index_conflict_iterator_free(iterator) }
            while true {
                var a: UnsafePointer<git_index_entry>?
                var o: UnsafePointer<git_index_entry>?
                var t: UnsafePointer<git_index_entry>?
                let status = git_index_conflict_next(&a, &o, &t, iterator)
                if status == GIT_ITEROVER.rawValue { break }
                try check("git_index_conflict_next", status)
                guard let any = o ?? t ?? a else { continue }
                let paths = [a, o, t].compactMap { $0.map { String(cString: $0.pointee.path) } }
                conflicts.append(MergeConflict(
                    path: String(cString: any.pointee.path),
                    ancestor: a.map { ObjectID($0.pointee.id) },
                    ours: o.map { ObjectID($0.pointee.id) },
                    theirs: t.map { ObjectID($0.pointee.id) },
                    ancestorMode: a?.pointee.mode, oursMode: o?.pointee.mode, theirsMode: t?.pointee.mode,
                    pathsAgree: Set(paths).count == 1))
            }
            var unresolved: [MergeConflict] = []
            for conflict in conflicts {
                guard let blob = try resolve(conflict), let mode = conflict.oursMode ?? conflict.theirsMode else {
                    unresolved.append(conflict)
                    continue
                }
                try check("git_index_conflict_remove", git_index_conflict_remove(index, conflict.path))
                var entry = git_index_entry()
                entry.mode = mode
                entry.id = blob.raw
                try conflict.path.withCString { path in
                    entry.path = path
                    try check("git_index_add", git_index_add(index, &entry))
                }
            }
            if !unresolved.isEmpty { return .conflicts(unresolved) }
        }
        var entries: [(path: String, id: ObjectID?, mode: git_filemode_t)] = []
        let count = git_index_entrycount(index)
        entries.reserveCapacity(count)
        for position in 0..<count {
            guard let entry = git_index_get_byindex(index, position) else { continue }
            // Every conflict was resolved or returned above; a conflict
            // stage left would be a merge written half.
            guard git_index_entry_stage(entry) == 0 else {
                throw GitError(function: "git_merge_trees", code: -1, errorClass: 0, message: "a conflict left unresolved at \(String(cString: entry.pointee.path))")
            }
            entries.append((String(cString: entry.pointee.path), ObjectID(entry.pointee.id), git_filemode_t(entry.pointee.mode)))
        }
        return .clean(try createTree(from: nil, entries))
    }

    /// A unified diff (as `git diff -M`) between two trees: a file deleted
    /// and another added with at least half its content (git's default
    /// similarity) show as a rename.
    public func diff(from old: ObjectID?, to new: ObjectID, contextLines: UInt32 = 3) throws -> String {
        try withTreeDiff(from: old, to: new, contextLines: contextLines, separateHunks: false, renames: true) { diff in
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            try check("git_diff_to_buf", git_diff_to_buf(&buffer, diff, GIT_DIFF_FORMAT_PATCH))
            guard let ptr = buffer.ptr else { return "" }
            return String(decoding: Data(bytes: ptr, count: buffer.size), as: UTF8.self)
        }
    }

    /// The stable patch id (as `git patch-id --stable`) of the change from
    /// one tree to another: equal for the same change made on another base,
    /// and for changes that differ only in whitespace. Only for checking
    /// the `patchId` that format-1 records claim; approvals carry over by
    /// `verbatimPatchID`.
    public func patchID(from old: ObjectID, to new: ObjectID) throws -> ObjectID {
        try withTreeDiff(from: old, to: new, contextLines: nil) { diff in
            var options = git_diff_patchid_options()
            try check("git_diff_patchid_options_init", git_diff_patchid_options_init(&options, UInt32(GIT_DIFF_PATCHID_OPTIONS_VERSION)))
            var oid = git_oid()
            try check("git_diff_patchid", git_diff_patchid(&oid, diff, &options))
            return ObjectID(oid)
        }
    }

    /// Runs `body` with the diff between two trees (`old` nil: the empty
    /// tree), freed after: libgit2's default options, or `contextLines` of
    /// context (with `separateHunks`, hunks never joined across unchanged
    /// lines); with `renames`, a file deleted and another added with at
    /// least half its content are paired as a rename (`git diff -M`).
    func withTreeDiff<T>(
        from old: ObjectID?, to new: ObjectID, contextLines: UInt32?, separateHunks: Bool = true, renames: Bool = false,
        _ body: (OpaquePointer?) throws -> T
    ) throws -> T {
        var oldTree: OpaquePointer?
        if let old {
            var raw = old.raw
            try check("git_tree_lookup", git_tree_lookup(&oldTree, handle, &raw))
        }
        defer { if oldTree != nil { git_tree_free(oldTree) } }
        var newTree: OpaquePointer?
        var newRaw = new.raw
        try check("git_tree_lookup", git_tree_lookup(&newTree, handle, &newRaw))
        defer { git_tree_free(newTree) }
        var options = git_diff_options()
        try check("git_diff_options_init", git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)))
        if let contextLines {
            options.context_lines = contextLines
            if separateHunks { options.interhunk_lines = 0 }
        }
        var diff: OpaquePointer?
        try check("git_diff_tree_to_tree", git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options))
        defer { git_diff_free(diff) }
        if renames {
            var similar = git_diff_find_options()
            try check("git_diff_find_options_init", git_diff_find_options_init(&similar, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION)))
            similar.flags = GIT_DIFF_FIND_RENAMES.rawValue
            try check("git_diff_find_similar", git_diff_find_similar(diff, &similar))
        }
        return try body(diff)
    }

    /// The verbatim patch id of the change from one tree to another: equal
    /// exactly when the same lines are removed and added, byte for byte
    /// (whitespace and line endings count), in the same files with the same
    /// modes — wherever in the file and on whatever base. It equates what
    /// `git patch-id --verbatim` equates for a diff without context lines
    /// (`git diff -U0`: git's default diff would also compare the three
    /// unchanged lines around each change), though the ids differ: this one
    /// hashes, for each changed file in path order, its paths and modes,
    /// then each removed or added line with its `-` or `+` (and git's
    /// end-of-file newline markers), with no context and no line numbers;
    /// a binary file counts by its blob ids.
    public func verbatimPatchID(from old: ObjectID, to new: ObjectID) throws -> ObjectID {
        try withTreeDiff(from: old, to: new, contextLines: 0) { diff in try verbatimPatchID(of: diff) }
    }

    private func verbatimPatchID(of diff: OpaquePointer?) throws -> ObjectID {
        var text = Data()
        func add(_ string: String) { text.append(contentsOf: Array(string.utf8)) }
        for index in 0..<git_diff_num_deltas(diff) {
            var patch: OpaquePointer?
            try check("git_patch_from_diff", git_patch_from_diff(&patch, diff, index))
            defer { git_patch_free(patch) }
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
            let oldPath = delta.old_file.path.map { String(cString: $0) } ?? ""
            let newPath = delta.new_file.path.map { String(cString: $0) } ?? ""
            add("diff \(oldPath) \(newPath) \(String(delta.old_file.mode, radix: 8)) \(String(delta.new_file.mode, radix: 8))\n")
            if delta.flags & GIT_DIFF_FLAG_BINARY.rawValue != 0 {
                add("binary \(ObjectID(delta.old_file.id).hex) \(ObjectID(delta.new_file.id).hex)\n")
                continue
            }
            for hunkIndex in 0..<git_patch_num_hunks(patch) {
                let count = git_patch_num_lines_in_hunk(patch, hunkIndex)
                guard count > 0 else { continue }
                for lineIndex in 0..<Int(count) {
                    var line: UnsafePointer<git_diff_line>?
                    try check("git_patch_get_line_in_hunk", git_patch_get_line_in_hunk(&line, patch, hunkIndex, lineIndex))
                    guard let l = line?.pointee else { continue }
                    let origin = UInt8(bitPattern: l.origin)
                    // '+', '-', and '>' / '<' (a newline added or removed at the end of the file).
                    guard origin == 43 || origin == 45 || origin == 62 || origin == 60 else { continue }
                    text.append(origin)
                    if let content = l.content, l.content_len > 0 {
                        content.withMemoryRebound(to: UInt8.self, capacity: l.content_len) { text.append($0, count: l.content_len) }
                    }
                    if origin == 62 || origin == 60 { text.append(10) }
                }
            }
        }
        var oid = git_oid()
        try text.withUnsafeBytes { bytes in
            _ = try check("git_odb_hash", git_odb_hash(&oid, bytes.baseAddress, bytes.count, GIT_OBJECT_BLOB))
        }
        return ObjectID(oid)
    }

    /// The changed line ranges between two texts, without context:
    /// each hunk's 1-based start and length in the old and the new text.
    public func lineChanges(from old: Data, to new: Data) throws -> [LineChange] {
        try TextMerge.lineChanges(from: ArraySlice(Array(old)), to: ArraySlice(Array(new)))
    }
}

/// One changed region between two texts (1-based lines; a pure insertion
/// has `oldLines == 0` and starts after line `oldStart`).
public struct LineChange: Sendable, Equatable {
    public let oldStart: Int
    public let oldLines: Int
    public let newStart: Int
    public let newLines: Int
}
