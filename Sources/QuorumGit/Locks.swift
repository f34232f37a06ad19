import CLibGit2
import Foundation

// Git's lock files. Before writing a ref (or `packed-refs`, or the config)
// git and libgit2 create `<file>.lock` with O_CREAT|O_EXCL, write the new
// value into it and rename it into place. A process killed in between
// leaves the lock behind, and every later write of that file fails with
// GIT_ELOCKED until someone removes it. The lock names no owner, so the
// only evidence that it is stale is its age: Quorum holds a ref's lock for
// well under a millisecond.

extension Repository {
    /// How old (seconds since the lock file was last written) a lock must
    /// be before Quorum takes it for one that a killed process left.
    public static let staleLockAge: Double = 5

    /// The lock files a write of `ref` may meet: the ref's own and `packed-refs`'.
    func lockFiles(for ref: String) -> [String] {
        [gitDirectory + ref + ".lock", gitDirectory + "packed-refs.lock"]
    }

    /// Runs a libgit2 write that takes the lock files `locks`, getting past
    /// a lock that a killed process left:
    /// - while a lock is younger than `staleLockAge`, waits for its owner
    ///   to finish and runs the write again;
    /// - a lock older than that is removed and the write run again, in a
    ///   repository with a work tree (a clone: only this user's commands
    ///   write there), with a notice naming it (see `Notices`);
    /// - in a bare repository, where a live `git receive-pack` may own it,
    ///   it is never removed: the `GitError` names it (`lockFiles`, `lockAge`): every stale lock there.
    /// Returns the write's last result code.
    func writingPastStaleLocks(_ locks: [String], _ write: () -> Int32) throws -> Int32 {
        try Self.writingPastStaleLocks(locks, in: gitDirectory, clearing: !isBare, retryingVanishedDirectory(write), { retryingVanishedDirectory(write) })
    }

    /// `writingPastStaleLocks` in the git directory `root` (with a trailing
    /// slash), for a write whose first result is `first` and which `again`
    /// runs again; stale locks are removed only when `clearing` (see there).
    static func writingPastStaleLocks(_ locks: [String], in root: String, clearing: Bool, _ first: Int32, _ again: () -> Int32) throws -> Int32 {
        var result = first
        var attempts = 0
        while result == GIT_ELOCKED.rawValue, attempts < 2_000 {
            attempts += 1
            // One look per lock file: a lazy compactMap would stat each
            // twice, and a lock that vanished in between crashed it.
            var held: (String, Double)?
            for path in locks {
                if let age = Self.lockAge(path) {
                    held = (path, age)
                    break
                }
            }
            guard let (lock, age) = held else {
                // The lock went away between the write and our look: try again.
                result = again()
                continue
            }
            if age < Self.staleLockAge {
                usleep(UInt32(5_000 + Int.random(in: 0..<5_000)))
            } else if !clearing {
                // Name every stale lock there at once (a transaction killed
                // while holding several leaves several), not one per run.
                let all = [lock] + Self.staleLocks(in: root).filter { $0 != lock }
                throw GitError(
                    function: "git lock", code: GIT_ELOCKED.rawValue, errorClass: 0,
                    message: "\(lock) has been held for \(Int(age)) s", lockFiles: all, lockAge: Int(age))
            } else {
                guard unlink(lock) == 0 || errno == ENOENT else {
                    throw GitError(
                        function: "unlink", code: GIT_ELOCKED.rawValue, errorClass: 0,
                        message: "cannot remove \(lock): \(String(cString: strerror(errno)))", lockFiles: [lock], lockAge: Int(age))
                }
                Notices.post("removed \(lock), a lock file left \(Int(age)) s ago by an interrupted command")
            }
            result = again()
        }
        return result
    }

    /// Every lock file older than `staleLockAge` in the git directory
    /// `root` (with a trailing slash): in its `refs/` tree, and those of
    /// `packed-refs`, `config` and `HEAD`. Walked only when a stale lock
    /// was met.
    static func staleLocks(in root: String) -> [String] {
        var found: [String] = []
        for name in ["packed-refs.lock", "config.lock", "HEAD.lock"] {
            let path = root + name
            if let age = lockAge(path), age >= staleLockAge { found.append(path) }
        }
        if let walk = FileManager.default.enumerator(atPath: root + "refs") {
            while let relative = walk.nextObject() as? String {
                guard relative.hasSuffix(".lock") else { continue }
                let path = root + "refs/" + relative
                if let age = lockAge(path), age >= staleLockAge { found.append(path) }
            }
        }
        return found.sorted()
    }

    /// Seconds since the file at `path` was last modified; nil when it does not exist.
    static func lockAge(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        return max(0, Date().timeIntervalSince1970 - modified)
    }
}

/// Things a command did on the side that its user should hear about (a
/// stale lock removed), collected by the library and printed by the CLI
/// on standard error. Safe to use from any thread.
public enum Notices {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var pending: [String] = []

    public static func post(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        pending.append(text)
    }

    /// Every notice posted since the last call, oldest first.
    public static func drain() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        defer { pending = [] }
        return pending
    }
}
