import CLibGit2
import Foundation

/// What libgit2 said when a call failed: the function, its return code,
/// and the error class and message read from `git_error_last()` at once,
/// on the same thread; for an operating-system failure, the `errno` it
/// left (read at the same moment).
public struct GitError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let code: Int32
    public let errorClass: Int32
    public let message: String
    /// The stale lock files that stopped a write, when some did (see
    /// `writingPastStaleLocks`): the one it met first, then any others.
    public var lockFiles: [String] = []
    /// How long (seconds) the first of `lockFiles` had been held.
    public var lockAge: Int? = nil

    /// `errno` when libgit2 reports an operating-system error (class
    /// `GIT_ERROR_OS`): ENOSPC, EACCES, EROFS… nil otherwise.
    public let systemError: Int32?

    public init(
        function: String, code: Int32, errorClass: Int32, message: String, systemError: Int32? = nil,
        lockFiles: [String] = [], lockAge: Int? = nil
    ) {
        self.function = function
        self.code = code
        self.errorClass = errorClass
        self.message = message
        self.lockFiles = lockFiles
        self.lockAge = lockAge
        self.systemError = systemError
    }

    public var description: String {
        "\(function) failed (\(code)): \(message)"
    }

    /// libgit2 reports a stale compare-and-swap expectation or a held lock:
    /// the caller should re-read and retry.
    /// A lock older than `Repository.staleLockAge` (`lockFiles`) is no race:
    /// waiting will not end it.
    public var isLostRace: Bool {
        code == GIT_EMODIFIED.rawValue || (code == GIT_ELOCKED.rawValue && lockFiles.isEmpty)
    }

    public var isExists: Bool { code == GIT_EEXISTS.rawValue }

    /// A checkout found a file changed or untracked in its way (and wrote nothing).
    public var isConflict: Bool { code == GIT_ECONFLICT.rawValue }

    /// A short id or name that matches more than one object.
    public var isAmbiguous: Bool { code == GIT_EAMBIGUOUS.rawValue }

    /// Nothing there: no repository at a path, no such object or reference.
    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }

    /// git's "dubious ownership" check (`safe.directory`): the repository
    /// belongs to another user.
    public var isOwnership: Bool { code == GIT_EOWNER.rawValue }

    /// A server's TLS certificate could not be verified (none of the CA
    /// certificates loaded vouches for it, or it does not name the host).
    public var isCertificate: Bool { code == GIT_ECERTIFICATE.rawValue }

    /// The server accepted none of the credentials offered (for ssh: no
    /// key in the agent it knows, or no agent).
    public var isAuthentication: Bool { code == GIT_EAUTH.rawValue }

    /// libgit2 says the operating system refused (class `GIT_ERROR_OS`),
    /// whether or not `systemError` kept its reason.
    public var isSystemError: Bool { errorClass == Int32(GIT_ERROR_OS.rawValue) }

    /// The device is full, or the user's quota is (ENOSPC, EDQUOT).
    public var isNoSpace: Bool { systemError == ENOSPC || systemError == EDQUOT }

    /// The file system is mounted read-only (EROFS).
    public var isReadOnly: Bool { systemError == EROFS }

    /// The operating system refused access to a file (EACCES, EPERM).
    public var isPermissionDenied: Bool { systemError == EACCES || systemError == EPERM }
}

/// Runs one libgit2 call and turns a negative return into a thrown `GitError`.
@discardableResult
func check(_ function: String, _ result: Int32) throws -> Int32 {
    guard result < 0 else { return result }
    // Read first: nothing below may touch errno before it is kept.
    let systemError = errno
    var message = "unknown error"
    var klass: Int32 = 0
    if let last = git_error_last() {
        if let text = last.pointee.message { message = String(cString: text) }
        klass = last.pointee.klass
    }
    throw GitError(function: function, code: result, errorClass: klass, message: message,
                   systemError: klass == Int32(GIT_ERROR_OS.rawValue) ? osReason(errno: systemError, message: message) : nil)
}

/// The system errors a person can act on, which `GitError` names.
private let actionableSystemErrors: [Int32] = [ENOSPC, EDQUOT, EROFS, EACCES, EPERM]

/// Why the operating system refused, for an error of class `GIT_ERROR_OS`:
/// `errno` when it still holds one of the reasons a person can act on;
/// otherwise the one whose text (`strerror`) libgit2 appended to its
/// message, as it does for every system error ("…: No space left on
/// device"), since libgit2 may call the system again (cleaning up a
/// temporary file, say) before it returns, which can change `errno`.
private func osReason(errno code: Int32, message: String) -> Int32? {
    if actionableSystemErrors.contains(code) { return code }
    for candidate in actionableSystemErrors {
        guard let text = strerror(candidate) else { continue }
        if message.hasSuffix(": " + String(cString: text)) { return candidate }
    }
    return code == 0 ? nil : code
}
