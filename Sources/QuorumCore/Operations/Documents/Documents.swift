import Foundation
import QuorumGit

/// New full text for one document of a proposal, as given with
/// `--file DOC=PATH`. `name` is nil when the user left `DOC=` out.
public struct DocumentInput: Sendable {
    public var name: String?
    public var text: Data
    /// Where the text came from, for error messages ("stdin", a path).
    public var source: String

    public init(name: String?, text: Data, source: String) {
        self.name = name
        self.text = text
        self.source = source
    }
}

/// A document moved to a new name within a proposal (`--rename OLD=NEW`),
/// keeping its text unless new text is given for `to` as well.
public struct DocumentRename: Sendable, Equatable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }
}

/// One change to a proposal's tree: a document's new text (with the name
/// it had before when it was renamed), or a deletion (`blob` nil).
struct DocumentUpdate {
    let name: String
    /// The new text's blob; nil when the document is deleted.
    let blob: ObjectID?
    /// The name the document had before, when this renames it.
    let renamedFrom: String?
    let update: TreeUpdate
}

extension ReviewRepository {
    /// Checks names and texts and turns new texts, renames and deletions
    /// into tree updates under `Proposals/<slug>/`. `existing` are the
    /// documents the proposal has, by name (a single input may then leave
    /// its name out); renamed and deleted documents must be among them, a new name
    /// must not be, and at least one document must remain. Throws a usage
    /// error naming what is wrong.
    ///
    /// Names are compared in NFC (Swift's String equality): a document to
    /// delete or rename is found however its name is normalised and is
    /// removed under the name the tree spells; a name given for text or as
    /// a rename's new name that differs from another only by normalisation
    /// is refused (`Rules.documentName`).
    func documentUpdates(
        _ inputs: [DocumentInput], renames givenRenames: [DocumentRename] = [], deletions givenDeletions: [String] = [],
        slug: String, existing documents: [String: ObjectID]
    ) throws -> [DocumentUpdate] {
        let existing = documents.keys.sorted()
        func spelled(_ name: String) -> String { existing.first { $0 == name } ?? name }
        let deletions = givenDeletions.map(spelled)
        let renames = givenRenames.map { DocumentRename(from: spelled($0.from), to: $0.to) }
        let named = existing + renames.map(\.to) + inputs.compactMap(\.name)
        guard !inputs.isEmpty || !renames.isEmpty || !deletions.isEmpty else {
            throw QuorumError.usage("no document text given", remedy: "pass --file DOC=PATH (or DOC=- for stdin)")
        }
        let renamedTo = Dictionary(renames.map { ($0.to, $0.from) }, uniquingKeysWith: { first, _ in first })
        // Names as they are after the renames and deletions: what a new or
        // renamed document may not clash with.
        let gone = Set(deletions).union(renames.map(\.from))
        var after = Set(existing).subtracting(gone).union(renames.map(\.to))
        var touched: Set<String> = []
        func touch(_ name: String, _ how: String) throws {
            guard touched.insert(name).inserted else {
                throw QuorumError.usage("document '\(name)' is \(how) and changed another way too", remedy: "change each document once: its text (--file), its name (--rename) or its removal (--delete)")
            }
        }
        var updates: [DocumentUpdate] = []
        for name in deletions {
            try touch(name, "deleted")
            guard existing.contains(name) else { throw Self.noSuchDocument(name, slug: slug, existing: existing, doing: "delete") }
            updates.append(DocumentUpdate(name: name, blob: nil, renamedFrom: nil, update: .remove(path: Layout.documentPath(slug, name))))
        }
        let given = Dictionary(inputs.compactMap { input in input.name.map { ($0, input) } }, uniquingKeysWith: { first, _ in first })
        for rename in renames {
            try touch(rename.from, "renamed")
            guard existing.contains(rename.from) else { throw Self.noSuchDocument(rename.from, slug: slug, existing: existing, doing: "rename") }
            guard rename.from != rename.to else { throw QuorumError.usage("'\(rename.from)' would be renamed to itself", remedy: "give a new name: --rename OLD=NEW") }
            guard !existing.contains(rename.to) || gone.contains(rename.to) else {
                throw QuorumError.usage("cannot rename '\(rename.from)' to '\(rename.to)': the proposal has a document of that name", remedy: "delete it in the same suggestion (--delete \(rename.to)) or choose another name")
            }
            if given[rename.from] != nil {
                throw QuorumError.usage("--file gives text for '\(rename.from)', which is renamed to '\(rename.to)'", remedy: "give the new text under its new name: --file \(rename.to)=PATH")
            }
            try checkNewName(rename.to, among: after)
            try enforce(Rules.documentName(rename.to, besides: named))
            updates.append(DocumentUpdate(name: rename.from, blob: nil, renamedFrom: nil, update: .remove(path: Layout.documentPath(slug, rename.from))))
            if given[rename.to] == nil {
                let blob = documents[rename.from]!
                updates.append(DocumentUpdate(name: rename.to, blob: blob, renamedFrom: rename.from, update: .upsert(path: Layout.documentPath(slug, rename.to), blob: blob)))
            }
        }
        var seen: Set<String> = []
        let remaining = Set(existing).subtracting(gone)
        for input in inputs {
            let name: String
            if let named = input.name {
                name = named
            } else if remaining.count == 1 && renames.isEmpty {
                name = remaining.first!
            } else if existing.isEmpty {
                name = (input.source as NSString).lastPathComponent
            } else {
                throw QuorumError.usage(
                    "proposal '\(slug)' has \(existing.count) documents; say which one \(input.source) replaces",
                    remedy: "use --file DOC=PATH with DOC one of: \(existing.joined(separator: ", "))")
            }
            try enforce(Rules.documentName(name, besides: named))
            guard seen.insert(name).inserted else {
                throw QuorumError.usage("document '\(name)' is given twice", remedy: "give each document's text once")
            }
            if deletions.contains(name) {
                throw QuorumError.usage("--file gives text for '\(name)', which is deleted", remedy: "either delete it or give its new text, not both")
            }
            if renamedTo[name] == nil && !existing.contains(name) {
                after.insert(name)
                try checkNewName(name, among: after)
            }
            try Validation.checkText(input.text, source: input.source)
            let blob = try git.writeBlob(input.text)
            updates.append(DocumentUpdate(name: name, blob: blob, renamedFrom: renamedTo[name], update: .upsert(path: Layout.documentPath(slug, name), blob: blob)))
        }
        guard !existing.isEmpty, after.isEmpty else { return updates }
        throw QuorumError.usage(
            "this would delete every document of '\(slug)'; a proposal keeps at least one",
            remedy: "keep a document, or give the new text of one with --file DOC=PATH")
    }

    /// A new document name must be legal and neither a folder of another
    /// document nor inside one (`after`: every name once the change is made).
    private func checkNewName(_ name: String, among after: Set<String>) throws {
        try Validation.checkDocumentPath(name)
        for other in after where other != name {
            if other.hasPrefix(name + "/") || name.hasPrefix(other + "/") {
                throw QuorumError.usage(
                    "document '\(name)' clashes with '\(other)': one name cannot be both a document and a folder",
                    remedy: "choose another name for the new document")
            }
        }
    }

    private static func noSuchDocument(_ name: String, slug: String, existing: [String], doing: String) -> QuorumError {
        QuorumError.usage(
            "cannot \(doing) '\(name)': proposal '\(slug)' has no such document",
            remedy: "its documents: \(existing.joined(separator: ", "))")
    }

    /// The documents of a proposal in a tree, by name.
    func documents(in tree: ObjectID, slug: String) throws -> [String: ObjectID] {
        try git.blobs(in: tree, under: "Proposals/\(slug)")
    }
}
