import Foundation
import QuorumGit

/// Why Quorum refused or failed: what went wrong, what to do about it,
/// and (for storage failures) what git said underneath.
public struct QuorumError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// Bad usage or input: unknown id, illegal slug, unreadable file… (exit 64)
        case usage
        /// A rule said no: quorum not met, self-approval, conflict… (exit 1)
        case refused
        /// The repository or libgit2 failed underneath us (exit 70)
        case failure
    }

    /// What the machine did, when that (not Quorum, not a rule) is why a
    /// command failed: printed in brackets like a rule's code, stable for
    /// scripts to match (`QuorumError.explaining` decides it).
    public enum Condition: String, Sendable, CaseIterable {
        /// The device holding the repository is full, or the quota is.
        case noSpace = "system.no-space"
        /// The repository is on a read-only file system.
        case readOnly = "system.read-only"
        /// The operating system refused this user access.
        case permission = "system.permission"
        /// git's "dubious ownership" check: another user owns the repository.
        case notOwned = "repository.not-owned"
    }

    public let kind: Kind
    public let message: String
    public let remedy: String?
    public let cause: GitError?
    /// The rule that refused, when a rule did (see `Refusal.Code`).
    public let code: Refusal.Code?
    /// What the machine did, when that is why it failed.
    public let condition: Condition?

    public init(_ kind: Kind, _ message: String, remedy: String? = nil, cause: GitError? = nil, code: Refusal.Code? = nil, condition: Condition? = nil) {
        self.kind = kind
        self.message = message
        self.remedy = remedy
        self.cause = cause
        self.code = code
        self.condition = condition
    }

    /// A rule's refusal as the error a command throws (exit 1).
    public init(_ refusal: Refusal) {
        self.init(.refused, refusal.message, remedy: refusal.remedy, code: refusal.code)
    }

    /// Bad usage or input (exit 64). The remedy is required: whoever typed
    /// it can always be told what to type instead.
    static func usage(_ message: String, remedy: String) -> QuorumError {
        QuorumError(.usage, message, remedy: remedy)
    }

    /// A refusal that no rule of `Rules` makes (exit 1): there is nothing to
    /// do, or it needs doing differently. The remedy is required, as a
    /// rule's is (`Refusal.Code.remedy`).
    static func refused(_ message: String, remedy: String) -> QuorumError {
        QuorumError(.refused, message, remedy: remedy)
    }

    /// A rule's refusal of what someone typed, as bad input (exit 64),
    /// keeping the rule's code: `Rules.plainText` and its kin.
    static func input(_ refusal: Refusal) -> QuorumError {
        QuorumError(.usage, refusal.message, remedy: refusal.remedy, code: refusal.code)
    }

    public var exitCode: Int32 {
        switch kind {
        case .usage: return 64
        case .refused: return 1
        case .failure: return 70
        }
    }

    public var description: String {
        var text = (code?.rawValue ?? condition?.rawValue).map { "[\($0)] " } ?? ""
        text += message
        if let remedy { text += "\nhint: " + remedy }
        if let cause { text += "\ncause: " + cause.description }
        return text
    }
}

extension QuorumError {
    /// Wraps a libgit2 failure in the domain's terms.
    static func storage(_ what: String, _ cause: GitError) -> QuorumError {
        if let lock = cause.lockFiles.first {
            let others = cause.lockFiles.count - 1
            return QuorumError(
                .failure,
                "could not \(what): \(lock) has been locked for \(cause.lockAge ?? 0) s, probably by a git or quorum command that was interrupted"
                    + (others > 0 ? " (with \(others) more lock file\(others == 1 ? "" : "s") as old there)" : ""),
                remedy: "if no git or quorum command is working on that repository now, remove \(others > 0 ? "them" : "it") ('rm \(cause.lockFiles.joined(separator: " "))') and run the command again")
        }
        return QuorumError(.failure, "could not \(what)", cause: cause)
    }

    /// This error said as what it is when the machine, not Quorum, is the
    /// cause: a full disk, a read-only or unwritable repository, one that
    /// git will not open because another user owns it. `repository` is
    /// the repository's directory when known (to name it, and to ask the
    /// file system when libgit2's error has lost the system's reason, as
    /// a failed write that surfaces later as "target OID doesn't exist").
    /// Other errors are returned as they are.
    public func explained(repository: String?) -> QuorumError {
        guard kind == .failure, let cause else { return self }
        return QuorumError.explaining(cause, repository: repository) ?? self
    }

    /// What a libgit2 failure means when its cause is the machine's, or nil.
    public static func explaining(_ cause: GitError, repository: String?) -> QuorumError? {
        let path = repository.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let place = path.map { "'\($0)'" } ?? "the repository"
        if cause.isOwnership {
            // safe.directory takes an absolute path.
            return QuorumError(
                .usage, "\(place) is owned by another user, and git refuses to use it (its 'dubious ownership' check)",
                remedy: "if you trust it, mark it safe: git config --global --add safe.directory \(path ?? "PATH") (the path itself: the libgit2 quorum uses does not take '*')",
                cause: cause, condition: .notOwned)
        }
        let disk = path.flatMap(FileSystemState.init(path:))
        if cause.isNoSpace || disk?.isFull == true {
            return QuorumError(
                .failure, "no space left on the device holding \(place)",
                remedy: "free some space (or raise your disk quota), then run the command again: what it had not finished was not recorded",
                cause: cause, condition: .noSpace)
        }
        // Read-only and unwritable are asked of the file system only for a
        // system error whose reason was lost: reading a repository one may
        // not write fails for other reasons too.
        let unexplained = cause.isSystemError && cause.systemError == nil
        if cause.isReadOnly || (unexplained && disk?.isReadOnly == true) {
            return QuorumError(
                .failure, "\(place) is on a read-only file system",
                remedy: "work in a clone on a writable disk ('git clone \(path ?? "PATH") DIR', then 'quorum sync' there), or mount it read-write",
                cause: cause, condition: .readOnly)
        }
        if cause.isPermissionDenied || (unexplained && disk?.isWritable == false) {
            return QuorumError(
                .failure, "permission denied: you may not write \(place)",
                remedy: "run quorum as a user who may write it (see 'ls -ld \(path ?? "PATH")'), or work in a clone of your own",
                cause: cause, condition: .permission)
        }
        return nil
    }
}

/// What the file system says about a repository's directory: how much
/// space is left to an unprivileged user, whether it is mounted
/// read-only, whether this process may write it.
private struct FileSystemState {
    let isFull: Bool
    let isReadOnly: Bool
    let isWritable: Bool

    init?(path: String) {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        // Less than one small object's worth (and its directory entry) left.
        isFull = UInt64(stats.f_bavail) * UInt64(stats.f_frsize) < 16 * 1024 || stats.f_favail == 0
        isReadOnly = stats.f_flag & UInt(ST_RDONLY) != 0
        isWritable = access(path, W_OK) == 0
    }
}
