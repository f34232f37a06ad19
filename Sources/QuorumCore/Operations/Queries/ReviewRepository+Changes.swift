import Foundation
import QuorumGit

/// One file's change between two trees, word by word, as `show --diff`,
/// `diff`, `show --since-approval` and `show --interdiff` report it.
///
/// JSON: `path` (in the repository), `document` (the path inside the
/// proposal, or null outside it), `status` (`added`, `deleted`,
/// `modified`, `renamed`), for a rename `oldPath`, `oldDocument` and
/// `similarity` (0–100, git's similarity index), `oldBlob` / `newBlob` (object ids, null on the side where
/// the file is absent), `mode` (git's octal file mode, e.g. `"100644"`),
/// `binary` (true when either side holds a NUL byte: no hunks then), and
/// `hunks`: each `{oldStart, oldLines, newStart, newLines, heading,
/// operations}` (`heading`: what git prints after the `@@`),
/// lines 1-based, operations `[{op: "equal"|"delete"|"insert", text}]` in
/// order (see `WordDiff`).
public struct DocumentDiff: Sendable, Codable {
    public let path: String
    public let document: String?
    public let status: FileChange.Status
    public let oldPath: String?
    public let oldDocument: String?
    public let similarity: Int?
    public let oldBlob: String?
    public let newBlob: String?
    public let mode: String
    /// Set when the file's old mode differs (git's `old mode` line).
    public let oldMode: String?
    public let binary: Bool
    public let hunks: [WordDiff.Hunk]
}

extension WordDiff.Hunk: Codable {
    private enum Keys: String, CodingKey { case oldStart, oldLines, newStart, newLines, heading, operations }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        self.init(
            oldStart: try container.decode(Int.self, forKey: .oldStart), oldLines: try container.decode(Int.self, forKey: .oldLines),
            newStart: try container.decode(Int.self, forKey: .newStart), newLines: try container.decode(Int.self, forKey: .newLines),
            heading: try container.decodeIfPresent(String.self, forKey: .heading) ?? "",
            operations: try container.decode([WordDiff.Operation].self, forKey: .operations))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(oldStart, forKey: .oldStart)
        try container.encode(oldLines, forKey: .oldLines)
        try container.encode(newStart, forKey: .newStart)
        try container.encode(newLines, forKey: .newLines)
        try container.encode(heading, forKey: .heading)
        try container.encode(operations, forKey: .operations)
    }
}

extension WordDiff.Operation: Codable {
    private enum Keys: String, CodingKey { case op, text }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        self.init(try container.decode(WordDiff.Kind.self, forKey: .op), Array(try container.decode(String.self, forKey: .text).utf8))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(kind, forKey: .op)
        try container.encode(text, forKey: .text)
    }
}

/// Two revisions of one suggestion compared (`show --since-approval`,
/// `show --interdiff`).
///
/// JSON: `suggestion` (its id), `slug`, `from` and `to` (revisions as
/// `show` reports them: `number`, `commit`, `base`, `kind`, `by`, `date`),
/// `comparison`, `diff` (a unified diff of the same comparison) and
/// `wordDiff` (`DocumentDiff`s).
public struct RevisionComparison: Sendable, Encodable {
    /// How the texts were compared.
    public enum Method: String, Sendable, Encodable {
        /// Both revisions were written on the same round text: their texts are compared.
        case sameBase = "same-base"
        /// The revisions have different bases: the older revision's change
        /// was replayed onto the newer one's base first, so what the round
        /// merged in between is not shown as the author's.
        case replayed
        /// Different bases, and the older change does not replay cleanly
        /// onto the newer base: the texts are compared as they are, so the
        /// round's own changes in between show too.
        case texts
    }

    public let suggestion: String
    public let slug: String
    public let from: RevisionReport
    public let to: RevisionReport
    public let comparison: Method
    public let diff: String
    public let wordDiff: [DocumentDiff]
}

extension ReviewRepository {
    /// Each file that differs from `old` to `new` (trees; nil: empty),
    /// with its word diff (`context` lines around each change), in git's
    /// path order. Documents of proposal `slug` are named relative to it.
    public func documentDiffs(from old: ObjectID?, to new: ObjectID, slug: String? = nil, context: Int = 3) throws -> [DocumentDiff] {
        let prefix = slug.map { "Proposals/\($0)/" }
        return try git.changedFiles(from: old, to: new).map { file in
            let before = try file.oldBlob.map { try git.readBlob($0) } ?? Data()
            let after = try file.newBlob.map { try git.readBlob($0) } ?? Data()
            // As git: a NUL in the first 8000 bytes of either side makes it binary.
            let binary = before.hasNUL(inFirst: 8000) || after.hasNUL(inFirst: 8000)
            let path = file.status == .deleted ? file.oldPath : file.newPath
            let mode = file.status == .deleted ? file.oldMode : file.newMode
            func document(_ path: String) -> String? { prefix.flatMap { path.hasPrefix($0) ? String(path.dropFirst($0.count)) : nil } }
            let renamed = file.status == .renamed
            return DocumentDiff(
                path: path, document: document(path), status: file.status,
                oldPath: renamed ? file.oldPath : nil, oldDocument: renamed ? document(file.oldPath) : nil, similarity: file.similarity,
                oldBlob: file.oldBlob?.hex, newBlob: file.newBlob?.hex,
                mode: String(mode, radix: 8),
                oldMode: (file.status == .modified || renamed) && file.oldMode != file.newMode ? String(file.oldMode, radix: 8) : nil,
                binary: binary,
                hunks: binary ? [] : try WordDiff(from: [UInt8](before), to: [UInt8](after), context: context).hunks)
        }
    }

    /// The change in suggestion `idPrefix` since the caller last approved
    /// it: from the revision their latest approval names (revoked or not)
    /// to the current one. Refused when the caller never approved
    /// it, with a hint to its whole diff (exit 1).
    public func sinceApproval(_ idPrefix: String) throws -> RevisionComparison {
        let me = try identity()
        let (slug, id) = try resolve(idPrefix)
        let suggestion = try suggestion(slug, id)
        let key = me.email.lowercased()
        guard let approved = suggestion.approvalEvents.last(where: { $0.actor.email.lowercased() == key && $0.revision != nil })?.revision,
              let from = suggestion.revisions.first(where: { $0.commit == approved }) else {
            throw QuorumError.refused(
                "you (\(me.email)) have not approved suggestion \(id.short)",
                remedy: "'quorum show \(id.short) --diff' shows its whole change"
                    + (suggestion.revisions.count > 1 ? "; 'quorum show \(id.short) --interdiff 1..\(suggestion.currentRevision.number)' compares its revisions" : ""))
        }
        return try compare(suggestion, slug: slug, from: from, to: suggestion.currentRevision)
    }

    /// Revision `from` of suggestion `idPrefix` compared with revision
    /// `to` (1-based numbers, as `show` lists them). A usage error names
    /// the revisions there are when either does not exist.
    public func interdiff(_ idPrefix: String, from: Int, to: Int) throws -> RevisionComparison {
        let (slug, id) = try resolve(idPrefix)
        let suggestion = try suggestion(slug, id)
        func revision(_ number: Int) throws -> Revision {
            guard let found = suggestion.revisions.first(where: { $0.number == number }) else {
                let count = suggestion.revisions.count
                throw QuorumError.usage(
                    "suggestion \(id.short) has no revision \(number)",
                    remedy: count == 1 ? "it has one revision, 1" : "its revisions are 1 to \(count) (see 'quorum show \(id.short)')")
            }
            return found
        }
        return try compare(suggestion, slug: slug, from: revision(from), to: revision(to))
    }

    private func compare(_ suggestion: Suggestion, slug: String, from old: Revision, to new: Revision) throws -> RevisionComparison {
        let newTree = try git.commit(new.commit).tree
        var oldTree = try git.commit(old.commit).tree
        var method = RevisionComparison.Method.sameBase
        if old.base != new.base {
            method = .texts
            // Replay the older change onto the newer base; a merge that
            // cannot be written (a read-only repository) compares the texts.
            if case .clean(let replayed)? = try? git.mergeTrees(ancestor: git.commit(old.base).tree, ours: git.commit(new.base).tree, theirs: oldTree) {
                oldTree = replayed
                method = .replayed
            }
        }
        func report(_ r: Revision) -> RevisionReport {
            RevisionReport(number: r.number, commit: r.commit.hex, base: r.base.hex, kind: r.kind.rawValue, by: r.by.email, date: r.by.time)
        }
        return RevisionComparison(
            suggestion: suggestion.id.hex, slug: slug, from: report(old), to: report(new), comparison: method,
            diff: try git.diff(from: oldTree, to: newTree), wordDiff: try documentDiffs(from: oldTree, to: newTree, slug: slug))
    }

    /// The word diff of a proposal's text between two snapshots (`diff`).
    public func documentDiffs(slug: String, from: Snapshot, to: Snapshot) throws -> [DocumentDiff] {
        let old = try git.commit(commit(of: from, slug: slug)).tree
        let new = try git.commit(commit(of: to, slug: slug)).tree
        return try documentDiffs(from: old, to: new, slug: slug)
    }
}
