import Foundation
import QuorumGit
#if canImport(Glibc)
import Glibc
#endif

/// A checked-out round as `suggest` and `edit` with no --file read it: the
/// round commit the work tree was checked out from, and every document
/// under `Proposals/<slug>/` as it is now.
///
/// Read as git reads a work tree:
/// - only regular files count, and nothing is followed: a symbolic link,
///   a fifo, a socket or a device under `Proposals/<slug>/` (or
///   `Proposals` or the proposal's folder being one) is refused, naming it.
///   Hidden files and folders (a leading `.`) are not documents and are
///   passed over, and so are new files that git ignores (an editor's
///   `framework.md~`, by `.gitignore` or `.git/info/exclude`).
/// - the text is the work tree's, staged or not (`git add` changes nothing).
/// - the base is found through the index and HEAD, in this order: a
///   detached HEAD in the round's history is what was checked out; else
///   the newest round commit whose documents the index holds exactly
///   (edits not staged); else the round commit the index differs from
///   least (fewest documents, then fewest lines; the older of equals, so
///   that a wrong guess shows as a conflict rather than silently undoing
///   what was merged since). The round branch may have moved on under a
///   checked-out work tree (someone merged), so its head is not the answer.
///
/// `changes` compares the two; deletions are reported as such, so that
/// rename detection can pair a deleted document with an added one later.
struct WorkTree {
    /// One document that differs between the base and the work tree.
    enum Change: Equatable {
        case added(String, Data)
        case modified(String, Data)
        case deleted(String)
    }

    /// The round commit the work tree was checked out from.
    let base: ObjectID
    /// The base's documents: path below `Proposals/<slug>/` → blob.
    let baseDocuments: [String: ObjectID]
    /// Every regular file below `Proposals/<slug>/`: path below it → text.
    let files: [String: Data]

    /// What differs from the base, sorted by path. `blobID` gives a text's
    /// blob id without writing it.
    func changes() -> [Change] {
        var result: [Change] = []
        for (path, text) in files {
            guard let blob = baseDocuments[path] else {
                result.append(.added(path, text))
                continue
            }
            if Repository.blobID(of: text) != blob { result.append(.modified(path, text)) }
        }
        for path in baseDocuments.keys where files[path] == nil { result.append(.deleted(path)) }
        return result.sorted { $0.path < $1.path }
    }
}

extension WorkTree.Change {
    var path: String {
        switch self {
        case .added(let path, _), .modified(let path, _), .deleted(let path): return path
        }
    }
}

extension ReviewRepository {
    /// Reads the work tree of a checked-out round of `slug` (see `WorkTree`).
    /// Throws a usage error when there is no work tree, when it was not
    /// checked out from the open round (the index holds no document of the
    /// proposal, or holds files the round does not have), when the index
    /// has unresolved conflicts there, and when anything under
    /// `Proposals/<slug>/` is not a regular file or a folder. `command`
    /// names the command for the hints.
    func readWorkTree(slug: String, command: String) throws -> WorkTree {
        guard let workTree = git.workDirectory, let index = try git.indexEntries() else {
            throw QuorumError.usage("this repository has no work tree", remedy: "give the text with --file DOC=PATH")
        }
        let proposal = try proposal(slug)
        guard let round = proposal.openRound else { throw QuorumError.refused("proposal '\(slug)' has no open round", remedy: "see 'quorum rounds \(slug)'") }
        let branch = Layout.branchName(round.branch)
        let checkOut = "check out the round ('git checkout \(branch)': git keeps your edits, or refuses when they are in the way), edit the documents there and run 'quorum \(command)' again; or give the text with --file DOC=PATH"
        let (base, staged) = try checkedOutCommit(slug: slug, round: round, index: index, remedy: checkOut)
        guard var files = try readProposalFolder(workTree: workTree, slug: slug, command: command) else {
            throw QuorumError.usage(
                "there is no folder Proposals/\(slug) in the work tree \(workTree)", remedy: checkOut)
        }
        let baseDocuments = try documents(in: git.commit(base).tree, slug: slug)
        for path in files.keys where baseDocuments[path] == nil && staged[path] == nil {
            if try git.isIgnored("Proposals/\(slug)/\(path)") { files[path] = nil }
        }
        return WorkTree(base: base, baseDocuments: baseDocuments, files: files)
    }

    /// The documents changed in the work tree under `Proposals/<slug>/`
    /// (new texts, and documents gone from it: a document moved to another
    /// name is both, which is how git stores a rename too), and the commit
    /// of the open round they were edited from, so that a three-way merge
    /// keeps what was merged since (see `WorkTree`). Refused when nothing
    /// changed.
    func workTreeChanges(slug: String, command: String) throws -> (base: ObjectID, inputs: [DocumentInput], deletions: [String], added: [String]) {
        let tree = try readWorkTree(slug: slug, command: command)
        let changes = tree.changes()
        let deletions = changes.compactMap { change -> String? in
            if case .deleted(let path) = change { return path }
            return nil
        }
        let inputs = changes.compactMap { change -> DocumentInput? in
            switch change {
            case .added(let path, let text), .modified(let path, let text):
                return DocumentInput(name: path, text: text, source: "Proposals/\(slug)/\(path)")
            case .deleted:
                return nil
            }
        }
        guard !inputs.isEmpty || !deletions.isEmpty else {
            throw QuorumError(
                .refused, "nothing changed under Proposals/\(slug)/ since \(tree.base.short)",
                remedy: "edit the documents there first, or give --file DOC=PATH", code: .workTreeUnchanged)
        }
        let added = changes.compactMap { change -> String? in
            if case .added(let path, _) = change { return path }
            return nil
        }
        return (tree.base, inputs, deletions, added)
    }

    /// After a suggestion or pair edit made from the work tree: the files
    /// under `Proposals/<slug>/`, in the index and the work tree, made
    /// HEAD's again (HEAD's branch may have moved: a pair edit moves it,
    /// someone's merge may have), and the new documents that were saved
    /// (`added`) removed, as `git commit` leaves a clean tree. Nothing is
    /// lost: every regular file there was read into what was just
    /// written (hidden and ignored new files are not touched).
    func restoreWorkTree(slug: String, added: [String]) throws {
        guard let workTree = git.workDirectory, let head = try git.referenceTarget("HEAD") else { return }
        let folder = "Proposals/\(slug)/"
        try git.checkOut(head, baseline: nil, paths: [folder], safe: false)
        let kept = try documents(in: git.commit(head).tree, slug: slug)
        for path in added where kept[path] == nil {
            unlink((workTree as NSString).appendingPathComponent(folder + path))
        }
    }

    /// Runs `body`, which may move round branches (`sync`, `merge`, a pair
    /// edit), so that a round branch checked out here moves as `git pull
    /// --ff-only` would move it: with a clean index and work tree they
    /// follow it; with changes in them, HEAD is detached first at the
    /// commit they were made on (the files untouched, and `suggest` still
    /// finds where they started), and put back when the branch did not
    /// move after all. A file git does not track in the way of the changes
    /// detaches HEAD too, rather than be overwritten. Returns `body`'s
    /// result and, when the checked-out branch moved, what happened to the
    /// work tree (a sentence for the command's report). When `body` throws
    /// after the branch moved (a merge through the shared repository syncs
    /// first, then is refused), the work tree follows all the same, the
    /// sentence is posted as a notice, and the error is rethrown.
    func followingCheckedOutRound<T>(_ body: () throws -> T) throws -> (T, String?) {
        guard git.workDirectory != nil, let branch = git.headReferenceName(), branch.hasPrefix("refs/heads/quorum/"),
              let old = try git.referenceTarget(branch) else { return (try body(), nil) }
        let dirty = try git.hasUncommittedChanges()
        if dirty { try git.detachHead(at: old) }
        let result: T
        do {
            result = try body()
        } catch {
            if let followed = try? follow(branch, from: old, dirty: dirty) { Notices.post(followed) }
            throw error
        }
        return (result, try follow(branch, from: old, dirty: dirty))
    }

    /// Brings the index and work tree (or, with changes in them, a HEAD
    /// detached at `old`) along with `branch`, checked out at `old` before
    /// a command that may have moved it; what happened, or nil when it did
    /// not move.
    private func follow(_ branch: String, from old: ObjectID, dirty: Bool) throws -> String? {
        let name = Layout.branchName(branch)
        guard let new = try git.referenceTarget(branch), new != old else {
            if dirty { try git.setHead(to: branch) }
            return nil
        }
        if dirty {
            return "Round branch \(name) had changes in the index or work tree: HEAD is now detached at \(old.short), your files as they were, and \(name) moved to \(new.short) ('quorum suggest' records your edits; then 'git checkout \(name)')"
        }
        do {
            try git.checkOut(new, baseline: old, safe: true)
            return "The checked-out round branch \(name) moved to \(new.short): index and work tree updated"
        } catch let error as GitError where error.isConflict {
            try git.detachHead(at: old)
            return "Round branch \(name) moved to \(new.short), but a file git does not track is in the way of its changes: HEAD is now detached at \(old.short), your files as they were ('git status' shows what is in the way; move it, then 'git checkout \(name)')"
        }
    }

    /// The commit of the round's history the work tree was checked out
    /// from, judged from HEAD and the index (see `WorkTree`), and the
    /// index's documents of the proposal (path below its folder → blob).
    private func checkedOutCommit(slug: String, round: Round, index: [IndexEntry], remedy: String) throws -> (ObjectID, staged: [String: ObjectID]) {
        let head = try roundHead(round)
        let prefix = "Proposals/\(slug)/"
        let notCheckedOut = "the work tree was not checked out from round \(round.number) of '\(slug)', so Quorum cannot tell what you changed"
        var staged: [String: ObjectID] = [:]
        var outside: [String: ObjectID] = [:]
        for entry in index {
            if entry.stage != 0, entry.path.hasPrefix(prefix) {
                throw QuorumError(
                    .usage, "the index has an unresolved conflict in \(entry.path)",
                    remedy: "resolve it (edit the file, then 'git add \(entry.path)'), then run the command again", code: .workTreeUnmerged)
            }
            if entry.path.hasPrefix(prefix) {
                staged[String(entry.path.dropFirst(prefix.count))] = entry.id
            } else {
                outside[entry.path] = entry.id
            }
        }
        guard !staged.isEmpty else {
            throw QuorumError(.usage, notCheckedOut + " (git's index holds no document of it)", remedy: remedy, code: .workTreeNotCheckedOut)
        }
        // Everything outside the proposal's folder must be as the round has
        // it (a round's tree holds that folder only).
        let roundOutside = try git.blobs(in: git.commit(head).tree, under: "").filter { !$0.key.hasPrefix(prefix) }
        if let stray = outside.keys.sorted().first(where: { outside[$0] != roundOutside[$0] }) ?? roundOutside.keys.sorted().first(where: { outside[$0] == nil }) {
            throw QuorumError(
                .usage, notCheckedOut + " (git's index holds \(stray), which the round does not)",
                remedy: remedy + "; a file staged by mistake can be taken out of the index with 'git rm --cached \(stray)', which keeps it in the work tree",
                code: .workTreeNotCheckedOut)
        }
        // A detached HEAD never moves by itself: it is what was checked out.
        if let detached = try git.detachedHead(), try git.isAncestor(detached, of: head) {
            return (detached, staged)
        }
        var best: (commit: ObjectID, documents: Int, lines: Int)?
        var stagedLines: [ObjectID: Lines] = [:]
        var roundLines: [ObjectID: Lines] = [:]
        var cursor: ObjectID? = head
        var steps = 0
        while let id = cursor, steps < 100_000 {
            let commit = try git.commit(id)
            let docs = try documents(in: commit.tree, slug: slug)
            let differing = Set(docs.keys).union(staged.keys).filter { docs[$0] != staged[$0] }
            if differing.isEmpty { return (id, staged) }  // the index holds exactly this commit's text: edits are not staged
            if best == nil || differing.count <= best!.documents {
                var lines = 0
                for path in differing {
                    let mine = try staged[path].map { blob in try stagedLines[blob] ?? Lines(git.readBlob(blob)) } ?? Lines(Data())
                    if let blob = staged[path] { stagedLines[blob] = mine }
                    let theirs = try docs[path].map { blob in try roundLines[blob] ?? Lines(git.readBlob(blob)) } ?? Lines(Data())
                    if let blob = docs[path] { roundLines[blob] = theirs }
                    lines += mine.distance(to: theirs)
                }
                // Walking back in time, so `<=` keeps the older of equals.
                if best == nil || (differing.count, lines) <= (best!.documents, best!.lines) {
                    best = (id, differing.count, lines)
                }
            }
            cursor = commit.parents.first
            steps += 1
        }
        guard let best else {
            throw QuorumError(.usage, notCheckedOut, remedy: remedy, code: .workTreeNotCheckedOut)
        }
        return (best.commit, staged)
    }

    /// Every regular file below `Proposals/<slug>/` of the work tree, by
    /// path below it; nil when that folder does not exist. Nothing is
    /// followed: each folder is opened relative to the one above it with
    /// `O_NOFOLLOW`, and each file too, so a symbolic link swapped in
    /// between looking and reading is refused as well.
    private func readProposalFolder(workTree: String, slug: String, command: String) throws -> [String: Data]? {
        let root = Glibc.open(workTree, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw Self.readError(workTree, errno) }
        defer { close(root) }
        var folder = root
        var opened: [Int32] = []
        defer { opened.forEach { close($0) } }
        var shown = ""
        for component in ["Proposals", slug] {
            shown += shown.isEmpty ? component : "/" + component
            let fd = openat(folder, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 {
                let error = errno
                if error == ENOENT { return nil }
                throw try Self.notAFolderOrFile(folder, component, shown: shown, error: error, command: command)
            }
            opened.append(fd)
            folder = fd
        }
        var files: [String: Data] = [:]
        try readFolder(folder, relative: "", shown: shown, into: &files, command: command)
        return files
    }

    private func readFolder(_ folder: Int32, relative: String, shown: String, into files: inout [String: Data], command: String) throws {
        // fdopendir takes over the descriptor it is given: give it a copy.
        let listing = dup(folder)
        guard listing >= 0, let directory = fdopendir(listing) else {
            if listing >= 0 { close(listing) }
            throw Self.readError(shown, errno)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let raw = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
            guard let name = String(validating: raw, as: UTF8.self) else {
                throw QuorumError(
                    .usage, "\(shown)/ holds a file whose name is not UTF-8",
                    remedy: "rename it (document names are UTF-8 text), then run 'quorum \(command)' again", code: .workTreeNotAFile)
            }
            if name.hasPrefix(".") { continue }  // hidden, and "." and "..": never documents
            names.append(name)
        }
        for name in names.sorted() {
            let path = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { throw Self.readError(shown + "/" + name, errno) }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                let fd = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard fd >= 0 else { throw try Self.notAFolderOrFile(folder, name, shown: shown + "/" + name, error: errno, command: command) }
                defer { close(fd) }
                try readFolder(fd, relative: path, shown: shown + "/" + name, into: &files, command: command)
            case S_IFREG:
                files[path] = try Self.readRegularFile(folder, name, shown: shown + "/" + name, command: command)
            default:
                throw Self.notAFile(shown + "/" + name, mode: info.st_mode, command: command)
            }
        }
    }

    /// A regular file's bytes, opened without following a link and without
    /// blocking on a fifo, and checked to be a regular file once open.
    private static func readRegularFile(_ folder: Int32, _ name: String, shown: String, command: String) throws -> Data {
        let fd = openat(folder, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw try notAFolderOrFile(folder, name, shown: shown, error: errno, command: command) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw readError(shown, errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw notAFile(shown, mode: info.st_mode, command: command) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw readError(shown, errno)
            }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// Why `name` in `folder` could not be opened: what it is when that is
    /// not a folder or regular file, else the system's reason.
    private static func notAFolderOrFile(_ folder: Int32, _ name: String, shown: String, error: Int32, command: String) throws -> QuorumError {
        var info = stat()
        if fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0 {
            let kind = info.st_mode & S_IFMT
            if kind != S_IFDIR && kind != S_IFREG { return notAFile(shown, mode: info.st_mode, command: command) }
        }
        return readError(shown, error)
    }

    private static func notAFile(_ shown: String, mode: mode_t, command: String) -> QuorumError {
        let kind: String
        switch mode & S_IFMT {
        case S_IFLNK: kind = "a symbolic link"
        case S_IFIFO: kind = "a named pipe (fifo)"
        case S_IFSOCK: kind = "a socket"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        default: kind = "not a regular file"
        }
        return QuorumError(
            .usage, "\(shown) is \(kind); Quorum reads only regular files and folders under Proposals/, and follows no links",
            remedy: "put a regular file holding the text there (or move it out of Proposals/), then run 'quorum \(command)' again; or give the text with --file DOC=PATH",
            code: .workTreeNotAFile)
    }

    private static func readError(_ shown: String, _ error: Int32) -> QuorumError {
        QuorumError(
            .failure, "cannot read \(shown) in the work tree: \(String(cString: strerror(error)))",
            remedy: "make it readable for you, then run the command again; or give the text with --file DOC=PATH")
    }
}
