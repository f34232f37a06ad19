import Foundation

/// The files Quorum keeps beside git's own: the local caches and notes in
/// `<git dir>/quorum/` (summaries, signature checks, the folded roster,
/// the rounds' lines, verified refs, the last suggest's note) and a shared
/// repository's hooks.
///
/// One design for every cache: derived data only (deleting it is always
/// safe), a first line naming its format and version, then lines keyed
/// by what they were computed from (a commit id, with a digest of the
/// roster and proposal heads when those change the answer). A cache that
/// grows with the history (`summaries`, the files of `signature-checks/`
/// and `round-lines/`) is only appended to (`append`), so a command pays
/// for what changed and concurrent writers lose nothing; a line cut short
/// by a crash is skipped; when most lines are outdated it is written anew
/// (`replace`). The one whose lines must follow on from each other
/// (`round-lines/`, a round's commits in order) is read and appended to
/// under a lock on its directory (`whileLocking`).
/// Files that hold one state (`roster`, `verified`, hooks) are replaced
/// whole. Either way a reader sees whole lines, never half a file. The
/// one exception is the last suggest's note, a hint every reader checks
/// against the objects: it is written in place (`overwrite`). Damaged
/// events are never cached: they are found again on every read.
enum LocalFile {
    /// Appends `data` (whole lines) to `path` with one write(2) on a file
    /// opened with O_APPEND, so that lines of concurrent writers never
    /// interleave; creates the file when missing. A symbolic link at
    /// `path` is not followed (ELOOP): a cache writes only its own file.
    /// Throws a POSIX error.
    static func append(_ path: String, _ data: Data) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError() }
        defer { close(fd) }
        try write(data, to: fd)
    }

    /// Writes `data` to `<path>.<pid>.tmp` (with `permissions` when given,
    /// e.g. 0o755) and renames it over `path`, making the directory when
    /// it is missing; on failure the temporary file is removed and the
    /// error thrown. Either way, temporary files that a killed writer left
    /// beside `path` are removed (see `removeLeftovers`). Plain system
    /// calls: every write command replaces a file or two.
    static func replace(_ path: String, with data: Data, permissions: Int? = nil) throws {
        let temporary = path + ".\(getpid()).tmp"
        defer { removeLeftovers(beside: path) }
        do {
            let (directory, _) = split(path)
            if access(directory, F_OK) != 0 {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            // 0o666 less the umask, as Data.write made it: a group-shared
            // repository's members may then append to it.
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw posixError() }
            defer { close(fd) }
            if let permissions, fchmod(fd, mode_t(permissions)) != 0 { throw posixError() }
            try write(data, to: fd)
            guard rename(temporary, path) == 0 else { throw posixError() }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Writes `data` over the start of `path` (made when missing, with its
    /// directory; 0o666 less the umask), then cuts the file to `data`'s length: no new
    /// file and no rename, each of which costs a file-system allocation
    /// or release. Only for a note that every reader checks before use:
    /// a reader may meet it half-written. A file this user may not write
    /// (another member of a group-shared clone made it) or a symbolic link
    /// is replaced instead (`replace`), as the directory allows. Throws a
    /// POSIX error.
    static func overwrite(_ path: String, with data: Data) throws {
        let flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC
        var fd = open(path, flags, 0o666)
        if fd < 0, errno == ENOENT {
            try FileManager.default.createDirectory(atPath: split(path).directory, withIntermediateDirectories: true)
            fd = open(path, flags, 0o666)
        }
        if fd < 0, [EACCES, EPERM, ELOOP].contains(errno) { return try replace(path, with: data) }
        guard fd >= 0 else { throw posixError() }
        defer { close(fd) }
        try write(data, to: fd)
        guard ftruncate(fd, off_t(data.count)) == 0 else { throw posixError() }
    }

    /// Runs `body` holding an exclusive `flock` on `directory` (made when
    /// missing), so that writers of a file in it that read, decide and
    /// write take turns: for a cache whose next line depends on the ones
    /// before (`RoundLineIndex`). The lock is the directory's, not the
    /// file's, so a file may be renamed over while it is held; the kernel
    /// drops it with the process. When the directory cannot be made or
    /// opened (a read-only repository), `body` runs without it: its
    /// writes fail there too.
    static func whileLocking<T>(_ directory: String, _ body: () throws -> T) rethrows -> T {
        var fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0, errno == ENOENT, (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil {
            fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard fd >= 0 else { return try body() }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0, errno == EINTR {}
        return try body()
    }

    /// Removes the temporary files (`<path>.<anything>.tmp`) that a writer
    /// killed before its rename left beside `path`: only those older than
    /// a minute, so never a live writer's.
    static func removeLeftovers(beside path: String) {
        let (directory, name) = split(path)
        let prefix = name + "."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let file = directory + "/" + name
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            #if canImport(Darwin)
            let modified = info.st_mtimespec.tv_sec
            #else
            let modified = info.st_mtim.tv_sec
            #endif
            if time(nil) - modified > 60 {
                unlink(file)
            }
        }
    }

    /// The directory and the name of `path` (`.` for a bare name).
    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (slash == path.startIndex ? "/" : String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    /// All of `data` written to `fd`, retrying short writes and EINTR.
    private static func write(_ data: Data, to fd: Int32) throws {
        var offset = 0
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            while offset < raw.count {
                let written = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw posixError()
                }
                offset += written
            }
        }
    }

    private static func posixError() -> POSIXError { POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}
