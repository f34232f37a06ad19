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

    public let kind: Kind
    public let message: String
    public let remedy: String?
    public let cause: GitError?
    /// The rule that refused, when a rule did (see `Refusal.Code`).
    public let code: Refusal.Code?

    public init(_ kind: Kind, _ message: String, remedy: String? = nil, cause: GitError? = nil, code: Refusal.Code? = nil) {
        self.kind = kind
        self.message = message
        self.remedy = remedy
        self.cause = cause
        self.code = code
    }

    /// A rule's refusal as the error a command throws (exit 1).
    public init(_ refusal: Refusal) {
        self.init(.refused, refusal.message, remedy: refusal.remedy, code: refusal.code)
    }

    static func usage(_ message: String, remedy: String? = nil) -> QuorumError {
        QuorumError(.usage, message, remedy: remedy)
    }

    static func refused(_ message: String, remedy: String? = nil) -> QuorumError {
        QuorumError(.refused, message, remedy: remedy)
    }

    public var exitCode: Int32 {
        switch kind {
        case .usage: return 64
        case .refused: return 1
        case .failure: return 70
        }
    }

    public var description: String {
        var text = code.map { "[\($0.rawValue)] " } ?? ""
        text += message
        if let remedy { text += "\nhint: " + remedy }
        if let cause { text += "\ncause: " + cause.description }
        return text
    }
}

extension QuorumError {
    /// Wraps a libgit2 failure in the domain's terms.
    static func storage(_ what: String, _ cause: GitError) -> QuorumError {
        if let lock = cause.lockFile {
            return QuorumError(
                .failure, "could not \(what): \(lock) has been locked for \(cause.lockAge ?? 0) s, probably by a git or quorum command that was interrupted",
                remedy: "if no git or quorum command is working on this repository now, remove it ('rm \(lock)') and run the command again")
        }
        return QuorumError(.failure, "could not \(what)", cause: cause)
    }
}
