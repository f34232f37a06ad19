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
    /// The merge algorithm version a quorum merge was made with
    /// (`ProseMerge`); a merge commit without one was made by the line
    /// merge, version 0. The hook and `verify` recompute the merge with it.
    static let mergeVersion = "Merge-Version"
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
        // The last paragraph: what follows the last blank line.
        let text = Array(message.trimming(.spacesAndNewlines).utf8)
        guard text.count >= 2, let cut = (0...(text.count - 2)).last(where: { text[$0] == 10 && text[$0 + 1] == 10 }) else {
            return Trailers(pairs: [])
        }
        let last = String(decoding: text[(cut + 2)...], as: UTF8.self)
        let pairs = last.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let key = line[..<colon]
            guard !key.isEmpty, !key.contains(" ") else { return nil }
            return (String(key), line[line.index(after: colon)...].trimming(.spaces))
        }
        return Trailers(pairs: pairs)
    }

    func first(_ key: String) -> String? { pairs.first { $0.0 == key }?.1 }

    /// The merge version a round-branch merge commit names: 0 without a
    /// `Merge-Version:` trailer, nil when the trailer is not a number.
    var mergeVersion: Int? {
        guard let value = first(Trailers.mergeVersion) else { return ProseMerge.lineMergeVersion }
        guard !value.isEmpty, value.allSatisfy(\.isASCII), value.allSatisfy(\.isNumber), value.count < 6 else { return nil }
        return Int(value)
    }

    /// `message` (a merge commit's, ending in its trailers) naming merge
    /// version `version`: its `Merge-Version:` trailer replaced, or added.
    static func settingMergeVersion(_ version: Int, in message: String) -> String {
        var lines = message.components(separatedBy: "\n")
        let line = "\(mergeVersion): \(version)"
        if let index = lines.lastIndex(where: { $0.hasPrefix(mergeVersion + ":") }) {
            lines[index] = line
            return lines.joined(separator: "\n")
        }
        while lines.last == "" { lines.removeLast() }
        return (lines + [line]).joined(separator: "\n") + "\n"
    }
    func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }
}
