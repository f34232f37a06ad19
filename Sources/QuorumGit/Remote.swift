import CLibGit2
import Foundation

// Talking to other repositories: classifying remotes, fetching and pushing
// over libgit2's network transports, copying objects between repositories
// on this machine, and the few graph queries sharing needs.
//
// Why repositories on this machine are not reached through libgit2's own
// "local" transport: its push writes the remote's refs with a plain
// overwrite (no compare-and-swap against the value it advertised) and runs
// no checks, so two concurrent pushers could silently lose each other's
// updates. For those remotes the library opens the other repository
// directly, copies the missing objects and moves refs in one locked
// transaction (`updateReferences(_:message:verify:)`), with the same checks
// the server-side hook runs.

/// One reference update: the value the reference must hold before it
/// (nil: it must not exist yet) and the value it gets.
public struct ReferenceUpdate: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let expected: ObjectID?
    public let target: ObjectID

    public init(name: String, expected: ObjectID?, target: ObjectID) {
        self.name = name
        self.expected = expected
        self.target = target
    }

    public var description: String { "\(name) \(expected?.short ?? "(new)") -> \(target.short)" }
}

/// Where a remote lives: a repository on this machine (a path or a
/// `file://` URL), or a URL for libgit2's network transports (ssh, https,
/// git).
public enum RemoteLocation: Sendable, Equatable, CustomStringConvertible {
    case local(path: String)
    case network(url: String)

    /// Classifies a remote URL the way git does: `scheme://` is a URL (local
    /// only for `file://`), `host:path` with no slash before the colon is
    /// ssh's short form, anything else is a path (relative ones are taken
    /// from `base`).
    public static func classify(_ url: String, relativeTo base: String) -> RemoteLocation {
        if let separator = url.range(of: "://") {
            let scheme = url[..<separator.lowerBound].lowercased()
            guard scheme == "file" else { return .network(url: url) }
            var rest = String(url[separator.upperBound...])
            if rest.hasPrefix("localhost/") { rest.removeFirst("localhost".count) }
            return .local(path: rest.removingPercentEncoding ?? rest)
        }
        if let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/"), url.distance(from: url.startIndex, to: colon) > 1 {
            return .network(url: url)
        }
        let path = url.hasPrefix("/") ? url : (base as NSString).appendingPathComponent(url)
        return .local(path: (path as NSString).standardizingPath)
    }

    public var description: String {
        switch self {
        case .local(let path): return path
        case .network(let url): return url
        }
    }
}

/// What a network push learnt from the remote: refs it refused (its hooks
/// or its rules, with the reason it gave) and everything it printed (hook
/// messages arrive this way).
public struct PushReport: Sendable {
    public let refused: [String: String]
    public let remoteMessages: String
}

/// The kinds of git object.
public enum GitObjectKind: Sendable, Equatable {
    case commit, tree, blob, tag
}

/// State shared with libgit2's C callbacks through their payload pointer.
private final class TransferContext {
    var expected: [String: ObjectID?] = [:]
    var staleReference: String?
    var refused: [String: String] = [:]
    var messages = ""
    var credentialAttempts = 0
    /// The remote's URL (an ssh host key is looked up for its host and port).
    var url = ""
    /// Why the ssh server's host key was refused, when it was.
    var hostKeyError: HostKeyError?
}

extension Repository {
    // MARK: Remotes

    /// The URL of the configured remote `name`, or nil when there is none.
    public func remoteURL(named name: String) throws -> String? {
        var valid: Int32 = 0
        guard git_remote_name_is_valid(&valid, name) == 0, valid == 1 else { return nil }
        var remote: OpaquePointer?
        let result = git_remote_lookup(&remote, handle, name)
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EINVALIDSPEC.rawValue { return nil }
        try check("git_remote_lookup", result)
        defer { git_remote_free(remote) }
        guard let url = git_remote_url(remote) else { return nil }
        return String(cString: url)
    }

    /// The names of the configured remotes.
    public func remoteNames() throws -> [String] {
        var names = git_strarray()
        try check("git_remote_list", git_remote_list(&names, handle))
        defer { git_strarray_dispose(&names) }
        return (0..<names.count).compactMap { names.strings[$0].map { String(cString: $0) } }
    }

    /// Connects to a network remote, lists its references whose names start
    /// with one of `prefixes`, and downloads the objects they need (refs of
    /// this repository are not touched; FETCH_HEAD is not written).
    /// Returns the remote's references as they were at that connection.
    public func fetchReferences(from url: String, refspecs: [String], prefixes: [String]) throws -> [String: ObjectID] {
        try loadCertificates(for: url)
        var remote: OpaquePointer?
        try check("git_remote_create_anonymous", git_remote_create_anonymous(&remote, handle, url))
        defer { git_remote_free(remote) }
        let context = TransferContext()
        context.url = url
        let box = Unmanaged.passRetained(context)
        defer { box.release() }
        var callbacks = try makeCallbacks(payload: box.toOpaque())
        try checkTransfer("git_remote_connect", git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nil, nil), context)
        defer { git_remote_disconnect(remote) }
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try check("git_remote_ls", git_remote_ls(&heads, &count, remote))
        var result: [String: ObjectID] = [:]
        for index in 0..<count {
            guard let head = heads?[index] else { continue }
            let name = String(cString: head.pointee.name)
            guard !name.hasSuffix("^{}"), prefixes.contains(where: { name.hasPrefix($0) }) else { continue }
            result[name] = ObjectID(head.pointee.oid)
        }
        guard result.values.contains(where: { !hasObject($0) }) else { return result }
        var options = git_fetch_options()
        try check("git_fetch_options_init", git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)))
        options.callbacks = callbacks
        options.update_fetchhead = 0
        options.prune = GIT_FETCH_NO_PRUNE
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        try withStringArray(refspecs) { array in
            _ = try checkTransfer("git_remote_download", git_remote_download(remote, &array, &options), context)
        }
        return result
    }

    /// Pushes `updates` to a network remote. Each update is compare-and-swap:
    /// if the remote's reference no longer holds `expected` when the push
    /// is negotiated, nothing is sent and a lost-race `GitError` is thrown.
    /// References the remote refused (its hooks, or a lost race on its side)
    /// are reported, with everything the remote printed.
    public func pushReferences(to url: String, _ updates: [ReferenceUpdate]) throws -> PushReport {
        try loadCertificates(for: url)
        var remote: OpaquePointer?
        try check("git_remote_create_anonymous", git_remote_create_anonymous(&remote, handle, url))
        defer { git_remote_free(remote) }
        let context = TransferContext()
        context.url = url
        for update in updates { context.expected[update.name] = .some(update.expected) }
        let box = Unmanaged.passRetained(context)
        defer { box.release() }
        var options = git_push_options()
        try check("git_push_options_init", git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)))
        options.callbacks = try makeCallbacks(payload: box.toOpaque())
        options.callbacks.push_negotiation = { updates, count, payload in
            guard let payload else { return 0 }
            let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
            for index in 0..<count {
                guard let update = updates?[index]?.pointee, let name = update.dst_refname else { continue }
                let refName = String(cString: name)
                guard let expected = context.expected[refName] else { continue }
                let current = ObjectID(update.src)
                if current != (expected ?? .zero) {
                    context.staleReference = refName
                    return GIT_EUSER.rawValue
                }
            }
            return 0
        }
        options.callbacks.push_update_reference = { name, status, payload in
            guard let payload, let name, let status else { return 0 }
            let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
            context.refused[String(cString: name)] = String(cString: status)
            return 0
        }
        // libgit2 1.5 pushes from references only: name each target with a
        // short-lived reference outside everyone's namespaces (flat, so
        // removing it leaves no directory behind).
        let scratch = "refs/quorum-push-\(UUID().uuidString.lowercased())-"
        defer {
            for index in updates.indices { _ = git_reference_remove(handle, scratch + String(index)) }
        }
        for (index, update) in updates.enumerated() {
            var oid = update.target.raw
            var ref: OpaquePointer?
            try check("git_reference_create", git_reference_create(&ref, handle, scratch + String(index), &oid, 1, "quorum: push"))
            git_reference_free(ref)
        }
        let refspecs = updates.enumerated().map { "\(scratch)\($0.offset):\($0.element.name)" }
        let result = try withStringArray(refspecs) { array in
            git_remote_push(remote, &array, &options)
        }
        if result < 0, let refused = context.hostKeyError { throw refused }
        if let stale = context.staleReference {
            throw GitError(function: "git_remote_push", code: GIT_EMODIFIED.rawValue, errorClass: 0, message: "\(stale) moved on the remote since it was fetched")
        }
        if result == GIT_ENONFASTFORWARD.rawValue {
            // The remote holds commits we have not fetched: someone pushed first.
            throw GitError(function: "git_remote_push", code: GIT_EMODIFIED.rawValue, errorClass: 0, message: "the remote moved since it was fetched")
        }
        try check("git_remote_push", result)
        // receive-pack's own compare-and-swap failing is a lost race, not a refusal.
        let raced = context.refused.filter { _, status in
            ["lock", "failed to update", "stale", "expected"].contains { status.contains($0) }
        }
        if let (name, status) = raced.first {
            throw GitError(function: "git_remote_push", code: GIT_EMODIFIED.rawValue, errorClass: 0, message: "\(name): \(status)")
        }
        return PushReport(refused: context.refused, remoteMessages: context.messages)
    }

    private func makeCallbacks(payload: UnsafeMutableRawPointer) throws -> git_remote_callbacks {
        var callbacks = git_remote_callbacks()
        try check("git_remote_init_callbacks", git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION)))
        callbacks.payload = payload
        callbacks.sideband_progress = { text, length, payload in
            guard let payload, let text, length > 0 else { return 0 }
            let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: text, count: Int(length))
            context.messages += String(decoding: bytes, as: UTF8.self)
            return 0
        }
        // ssh: the server's host key must be listed for it in a known_hosts
        // file (HostKeys.swift); libgit2 refuses any other key itself too,
        // but cannot say why. TLS certificates are left to libgit2 (with a
        // callback set, it would drop the TLS library's reason and the
        // certificate error code).
        if SSHEndpoint(url: Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue().url) != nil {
            callbacks.certificate_check = { cert, _, host, payload in
                guard let cert, let payload, cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else { return GIT_PASSTHROUGH.rawValue }
                let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
                let hostkey = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self)
                guard let refused = KnownHosts.check(hostkey, url: context.url, fallbackHost: host.map { String(cString: $0) }) else { return 0 }
                context.hostKeyError = refused
                return GIT_ECERTIFICATE.rawValue
            }
        }
        // ssh: keys from the ssh agent, once; anything else: libgit2's defaults.
        callbacks.credentials = { out, _, username, allowed, payload in
            guard let payload else { return GIT_PASSTHROUGH.rawValue }
            let context = Unmanaged<TransferContext>.fromOpaque(payload).takeUnretainedValue()
            context.credentialAttempts += 1
            guard context.credentialAttempts == 1 else { return GIT_EAUTH.rawValue }
            if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
                if let username { return git_credential_ssh_key_from_agent(out, username) }
                return git_credential_ssh_key_from_agent(out, "git")
            }
            return GIT_PASSTHROUGH.rawValue
        }
        return callbacks
    }

    /// `check`, except that a connection refused for its ssh host key
    /// throws the `HostKeyError` saying why.
    @discardableResult
    private func checkTransfer(_ function: String, _ result: Int32, _ context: TransferContext) throws -> Int32 {
        if result < 0, let refused = context.hostKeyError { throw refused }
        return try check(function, result)
    }

    func withStringArray<T>(_ strings: [String], _ body: (inout git_strarray) throws -> T) throws -> T {
        let pointers = strings.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        var mutable = pointers
        return try mutable.withUnsafeMutableBufferPointer { buffer in
            var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            return try body(&array)
        }
    }

    // MARK: Objects

    /// Whether the object database holds `id`.
    public func hasObject(_ id: ObjectID) -> Bool {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else { return false }
        defer { git_odb_free(odb) }
        var raw = id.raw
        return git_odb_exists(odb, &raw) == 1
    }

    /// The kind of object `id` is, or nil when it is not here.
    public func objectKind(_ id: ObjectID) throws -> GitObjectKind? {
        var odb: OpaquePointer?
        try check("git_repository_odb", git_repository_odb(&odb, handle))
        defer { git_odb_free(odb) }
        var raw = id.raw
        var size = 0
        var type = GIT_OBJECT_INVALID
        let result = git_odb_read_header(&size, &type, odb, &raw)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_odb_read_header", result)
        switch type {
        case GIT_OBJECT_COMMIT: return .commit
        case GIT_OBJECT_TREE: return .tree
        case GIT_OBJECT_BLOB: return .blob
        case GIT_OBJECT_TAG: return .tag
        default: return nil
        }
    }

    /// Copies every object reachable from `tips` that `destination` lacks,
    /// children before the objects that name them, so that whenever
    /// `destination` holds an object it holds everything the object needs.
    /// Returns how many objects were written.
    @discardableResult
    public func copyObjects(reachableFrom tips: [ObjectID], to destination: Repository) throws -> Int {
        var source: OpaquePointer?
        try check("git_repository_odb", git_repository_odb(&source, handle))
        defer { git_odb_free(source) }
        var target: OpaquePointer?
        try check("git_repository_odb", git_repository_odb(&target, destination.handle))
        defer { git_odb_free(target) }
        var written = 0
        var visited: Set<ObjectID> = []
        var stack: [(id: ObjectID, expanded: Bool)] = tips.map { ($0, false) }
        while let (id, expanded) = stack.popLast() {
            var raw = id.raw
            if expanded {
                var object: OpaquePointer?
                try check("git_odb_read", git_odb_read(&object, source, &raw))
                defer { git_odb_object_free(object) }
                var out = git_oid()
                try check("git_odb_write", git_odb_write(&out, target, git_odb_object_data(object), git_odb_object_size(object), git_odb_object_type(object)))
                written += 1
                continue
            }
            guard visited.insert(id).inserted, git_odb_exists(target, &raw) != 1 else { continue }
            stack.append((id, true))
            for child in try children(of: id) where !visited.contains(child) {
                stack.append((child, false))
            }
        }
        return written
    }

    /// The objects an object names: a commit's tree and parents, a tree's
    /// entries (not submodule commits), a tag's target.
    private func children(of id: ObjectID) throws -> [ObjectID] {
        var raw = id.raw
        var object: OpaquePointer?
        try check("git_object_lookup", git_object_lookup(&object, handle, &raw, GIT_OBJECT_ANY))
        defer { git_object_free(object) }
        switch git_object_type(object) {
        case GIT_OBJECT_COMMIT:
            var result = [ObjectID(git_commit_tree_id(object).pointee)]
            for index in 0..<git_commit_parentcount(object) {
                if let parent = git_commit_parent_id(object, index) { result.append(ObjectID(parent.pointee)) }
            }
            return result
        case GIT_OBJECT_TREE:
            var result: [ObjectID] = []
            for index in 0..<git_tree_entrycount(object) {
                guard let entry = git_tree_entry_byindex(object, index), git_tree_entry_type(entry) != GIT_OBJECT_COMMIT else { continue }
                result.append(ObjectID(git_tree_entry_id(entry).pointee))
            }
            return result
        case GIT_OBJECT_TAG:
            return [ObjectID(git_tag_target_id(object).pointee)]
        default:
            return []
        }
    }

    // MARK: References in one transaction

    /// Moves several references at once, each compare-and-swap: all of them
    /// are locked, their current values compared with `expected`, `verify`
    /// runs (it may throw to abandon everything), and only then are they
    /// written. Throws a lost-race `GitError` when a lock is held or a value
    /// moved; nothing is changed then.
    public func updateReferences(_ updates: [ReferenceUpdate], message: String, verify: () throws -> Void) throws {
        var transaction: OpaquePointer?
        try check("git_transaction_new", git_transaction_new(&transaction, handle))
        defer { git_transaction_free(transaction) }
        for update in updates.sorted(by: { $0.name < $1.name }) {
            try check("git_transaction_lock_ref", try writingPastStaleLocks(lockFiles(for: update.name)) { git_transaction_lock_ref(transaction, update.name) })
        }
        for update in updates {
            let current = try referenceTarget(update.name)
            guard current == update.expected else {
                throw GitError(
                    function: "git_transaction_lock_ref", code: GIT_EMODIFIED.rawValue, errorClass: 0,
                    message: "\(update.name) is at \(current?.short ?? "nothing"), not \(update.expected?.short ?? "nothing")")
            }
        }
        try verify()
        for update in updates {
            var oid = update.target.raw
            try check("git_transaction_set_target", git_transaction_set_target(transaction, update.name, &oid, nil, message))
        }
        try check("git_transaction_commit", git_transaction_commit(transaction))
    }

    // MARK: History

    /// The best common ancestor of two commits, or nil when they share no history.
    public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws -> ObjectID? {
        var out = git_oid()
        var one = a.raw
        var two = b.raw
        let result = git_merge_base(&out, handle, &one, &two)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_merge_base", result)
        return ObjectID(out)
    }

    /// The commits reachable from `tip` but from none of `excluded`, parents
    /// before children.
    public func commits(from tip: ObjectID, excluding excluded: [ObjectID]) throws -> [ObjectID] {
        try commits(from: [tip], excluding: excluded)
    }

    /// The commits reachable from any of `tips` and from none of
    /// `excluded`, parents first: one walk for many refs.
    public func commits(from tips: [ObjectID], excluding excluded: [ObjectID]) throws -> [ObjectID] {
        var walk: OpaquePointer?
        try check("git_revwalk_new", git_revwalk_new(&walk, handle))
        defer { git_revwalk_free(walk) }
        try check("git_revwalk_sorting", git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue))
        for tip in tips {
            var start = tip.raw
            try check("git_revwalk_push", git_revwalk_push(walk, &start))
        }
        for id in excluded {
            var raw = id.raw
            let result = git_revwalk_hide(walk, &raw)
            if result == GIT_ENOTFOUND.rawValue { continue }
            try check("git_revwalk_hide", result)
        }
        var result: [ObjectID] = []
        var oid = git_oid()
        while true {
            let status = git_revwalk_next(&oid, walk)
            if status == GIT_ITEROVER.rawValue { break }
            try check("git_revwalk_next", status)
            result.append(ObjectID(oid))
        }
        return result
    }

    /// The paths whose content differs between two trees (nil: the empty tree).
    public func changedPaths(from old: ObjectID?, to new: ObjectID) throws -> [String] {
        var oldTree: OpaquePointer?
        if let old {
            var raw = old.raw
            try check("git_tree_lookup", git_tree_lookup(&oldTree, handle, &raw))
        }
        defer { if oldTree != nil { git_tree_free(oldTree) } }
        var newRaw = new.raw
        var newTree: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&newTree, handle, &newRaw))
        defer { git_tree_free(newTree) }
        var diff: OpaquePointer?
        try check("git_diff_tree_to_tree", git_diff_tree_to_tree(&diff, handle, oldTree, newTree, nil))
        defer { git_diff_free(diff) }
        var paths: [String] = []
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
            for file in [delta.old_file, delta.new_file] {
                if let path = file.path {
                    let text = String(cString: path)
                    if !paths.contains(text) { paths.append(text) }
                }
            }
        }
        return paths
    }
}
