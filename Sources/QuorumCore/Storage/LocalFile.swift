import Foundation

/// The files Quorum keeps beside git's own: the local caches and notes in
/// `<git dir>/quorum/` (summaries, verified refs, the last suggest's note)
/// and a shared repository's hooks. Each is replaced whole, so a reader
/// sees the old file or the new one, never half of one.
enum LocalFile {
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
