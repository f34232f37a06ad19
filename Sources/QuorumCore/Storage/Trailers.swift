import Foundation
import QuorumGit

/// Git trailers ("Key: value" lines in a message's last paragraph), and
/// the keys Quorum writes, named once for the writers and the readers.
struct Trailers {
    let pairs: [(String, String)]

    // On round-branch commits (merges and pair edits).
    static let suggestion = "Suggestion"
    /// The suggestion's chain head a merge was judged against.
    static let suggestionHead = "Suggestion-Head"
    static let suggestedBy = "Suggested-by"
    static let approvedBy = "Approved-by"
    static let coAuthoredBy = "Co-authored-by"
    static let pairEdit = "Pair-edit"
    /// An objection a lead lifted for the objector: "<objector> overridden by <lead>: <reason>".
    static let objectionOverridden = "Objection-overridden"
    // On event commits (for people reading `git log`; readers use event.json).
    static let event = "Event"
    static let format = "Quorum-Format"
    static let proposal = "Proposal"
    static let round = "Round"
    static let revision = "Revision"
    static let base = "Base"
    static let commit = "Commit"
    static let member = "Member"
    static let objection = "Objection"

    static func parse(_ message: String) -> Trailers {
        let paragraphs = message.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n\n")
        guard let last = paragraphs.last, paragraphs.count > 1 else { return Trailers(pairs: []) }
        let pairs = last.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let key = line[..<colon]
            guard !key.isEmpty, !key.contains(" ") else { return nil }
            return (String(key), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Trailers(pairs: pairs)
    }

    func first(_ key: String) -> String? { pairs.first { $0.0 == key }?.1 }
    func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }
}
