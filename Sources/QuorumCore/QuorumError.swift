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
        QuorumError(.failure, "could not \(what)", cause: cause)
    }
}
