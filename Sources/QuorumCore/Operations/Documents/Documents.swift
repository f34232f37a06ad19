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

extension ReviewRepository {
    /// Checks names and texts and turns them into tree updates under
    /// `Proposals/<slug>/`. `existing` are the documents the proposal has,
    /// used when a single input leaves its name out.
    func documentUpdates(_ inputs: [DocumentInput], slug: String, existing: [String]) throws -> [(name: String, blob: ObjectID, update: TreeUpdate)] {
        guard !inputs.isEmpty else {
            throw QuorumError.usage("no document text given", remedy: "pass --file DOC=PATH (or DOC=- for stdin)")
        }
        var seen: Set<String> = []
        return try inputs.map { input in
            let name: String
            if let given = input.name {
                name = given
            } else if existing.count == 1 {
                name = existing[0]
            } else if existing.isEmpty {
                name = (input.source as NSString).lastPathComponent
            } else {
                throw QuorumError.usage(
                    "proposal '\(slug)' has \(existing.count) documents; say which one \(input.source) replaces",
                    remedy: "use --file DOC=PATH with DOC one of: \(existing.joined(separator: ", "))")
            }
            try Validation.checkDocumentPath(name)
            try enforce(Rules.documentName(name, besides: existing + inputs.compactMap(\.name)))
            for other in Set(existing).union(inputs.compactMap(\.name)) where other != name {
                if other.hasPrefix(name + "/") || name.hasPrefix(other + "/") {
                    throw QuorumError.usage(
                        "document '\(name)' clashes with '\(other)': one name cannot be both a document and a folder",
                        remedy: "choose another name for the new document")
                }
            }
            try Validation.checkText(input.text, source: input.source)
            guard seen.insert(name).inserted else {
                throw QuorumError.usage("document '\(name)' is given twice", remedy: "give each document's text once")
            }
            let blob = try git.writeBlob(input.text)
            return (name, blob, .upsert(path: Layout.documentPath(slug, name), blob: blob))
        }
    }

    /// The documents of a proposal in a tree, by name.
    func documents(in tree: ObjectID, slug: String) throws -> [String: ObjectID] {
        try git.blobs(in: tree, under: "Proposals/\(slug)")
    }
}
