import CLibGit2

/// What libgit2 said when a call failed: the function, its return code,
/// and the error class and message read from `git_error_last()` at once,
/// on the same thread.
public struct GitError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let code: Int32
    public let errorClass: Int32
    public let message: String
    /// The lock file that stopped a write, when one did (see `writingPastStaleLocks`).
    public var lockFile: String? = nil
    /// How long (seconds) `lockFile` had been held.
    public var lockAge: Int? = nil

    public init(function: String, code: Int32, errorClass: Int32, message: String, lockFile: String? = nil, lockAge: Int? = nil) {
        self.function = function
        self.code = code
        self.errorClass = errorClass
        self.message = message
        self.lockFile = lockFile
        self.lockAge = lockAge
    }

    public var description: String {
        "\(function) failed (\(code)): \(message)"
    }

    /// libgit2 reports a stale compare-and-swap expectation or a held lock:
    /// the caller should re-read and retry.
    /// A lock older than `Repository.staleLockAge` (`lockFile`) is no race:
    /// waiting will not end it.
    public var isLostRace: Bool {
        code == GIT_EMODIFIED.rawValue || (code == GIT_ELOCKED.rawValue && lockAge == nil)
    }

    /// A lock file stopped the write (held by a live process, or left by a killed one).
    public var isLocked: Bool { code == GIT_ELOCKED.rawValue }

    public var isExists: Bool { code == GIT_EEXISTS.rawValue }

    /// A short id or name that matches more than one object.
    public var isAmbiguous: Bool { code == GIT_EAMBIGUOUS.rawValue }
}

/// Runs one libgit2 call and turns a negative return into a thrown `GitError`.
@discardableResult
func check(_ function: String, _ result: Int32) throws -> Int32 {
    guard result < 0 else { return result }
    var message = "unknown error"
    var klass: Int32 = 0
    if let last = git_error_last() {
        if let text = last.pointee.message { message = String(cString: text) }
        klass = last.pointee.klass
    }
    throw GitError(function: function, code: result, errorClass: klass, message: message)
}
