import Foundation

/// The files Quorum keeps beside git's own: the local caches and notes in
/// `<git dir>/quorum/` (summaries, signature checks, the folded roster,
/// verified refs, the last suggest's note) and a shared repository's hooks.
///
/// One design for every cache: derived data only (deleting it is always
/// safe), a first line naming its format and version, then lines keyed
/// by what they were computed from (a commit id, with a digest of the
/// roster and proposal heads when those change the answer). A cache that
/// grows with the history (`summaries`, the files of `signature-checks/`)
/// is only appended to (`append`), so a command pays for what changed
/// and concurrent writers lose nothing; a line cut short by a crash is
/// skipped; when most lines are outdated it is written anew (`replace`).
/// Files that hold one state (`roster`, `verified`, the suggest note,
/// hooks) are replaced whole.
/// Either way a reader sees whole lines, never half a file. Damaged
/// events are never cached: they are found again on every read.
enum LocalFile {
    /// Appends `data` (whole lines) to `path` with one write(2) on a file
    /// opened with O_APPEND, so that lines of concurrent writers never
    /// interleave; creates the file when missing. Throws a POSIX error.
    static func append(_ path: String, _ data: Data) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var offset = 0
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                offset += written
            }
        }
    }

    /// Writes `data` to `<path>.<pid>.tmp` (with `permissions` when given,
    /// e.g. 0o755) and renames it over `path`, making the directory when
    /// it is missing; on failure the temporary file is removed and the
    /// error thrown. Either way, temporary files that a killed writer left
    /// beside `path` are removed (see `removeLeftovers`).
    static func replace(_ path: String, with data: Data, permissions: Int? = nil) throws {
        let temporary = path + ".\(getpid()).tmp"
        defer { removeLeftovers(beside: path) }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: temporary))
            if let permissions { try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: temporary) }
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Removes the temporary files (`<path>.<anything>.tmp`) that a writer
    /// killed before its rename left beside `path`: only those older than
    /// a minute, so never a live writer's.
    static func removeLeftovers(beside path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + "."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let file = directory + "/" + name
            if let modified = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date,
               modified.timeIntervalSinceNow < -60 {
                unlink(file)
            }
        }
    }
}
