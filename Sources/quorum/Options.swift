import ArgumentParser
import Foundation
import QuorumCore
import QuorumGit

/// `--repo` and `--json`, taken by every command.
struct CommonOptions: ParsableArguments {
    // Optional, so that the help says the default once (ArgumentParser would
    // add "(default: .)" to a default value).
    @Option(name: .customLong("repo"), help: ArgumentHelp("The repository to work in (default: the one containing the current directory).", valueName: "PATH"))
    var repository: String?

    /// `--repo`, or the current directory.
    var repo: String { repository ?? "." }

    @Flag(name: .long, help: "Print the result as JSON (the shapes of docs/json.md).")
    var json = false

    @Option(name: .long, help: ArgumentHelp(
        "With --json: only these top-level fields, comma-separated (of each element, for a list), as gh's --json FIELDS.",
        valueName: "FIELDS"))
    var fields: String?

    /// The fields `--fields` names, checked: a usage error without
    /// `--json`, or when one is empty.
    func selectedFields() throws -> [String]? {
        guard let fields else { return nil }
        guard json else { throw ValidationError("--fields goes with --json\nhint: add --json, e.g. --json --fields id,state,author") }
        let names = fields.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.contains(where: \.isEmpty) else {
            throw ValidationError("--fields: a field name is empty in '\(fields)'\nhint: separate names by single commas, e.g. --fields id,state,author")
        }
        return names
    }

    func validate() throws {
        Output.fields = try selectedFields()
    }

    @Option(name: .long, help: ArgumentHelp(
        "When to colour the output: auto (on a terminal, unless git's color.ui or NO_COLOR says otherwise), always, never.",
        valueName: "WHEN"))
    var color: ColorWhen?

    @Flag(name: .customLong("no-pager"), help: "Do not send long output through a pager (GIT_PAGER, core.pager, PAGER, less).")
    var noPager = false

    func open() throws -> ReviewRepository {
        CommonOptions.repository = repo
        let opened = try ReviewRepository.open(at: repo)
        CommonOptions.repository = opened.git.workDirectory ?? opened.git.gitDirectory
        // Colour and paging, decided once, with the repository's git config.
        Output.configure(color: color, paging: !noPager, json: json, config: { key in (try? opened.git.configString(key)) ?? nil })
        if json {
            // Held until the command has run (`Quorum.main` lets it go
            // then, so that the repository is released and flushes its
            // signature checks: `SignatureStore`).
            Output.names = {
                guard let roster = try? opened.roster() else { return [:] }
                var names: [String: String] = [:]
                for member in roster.members { names[member.email.lowercased()] = member.name }
                return names
            }
        }
        return opened
    }

    /// The repository this process works in, once a command has named it:
    /// errors whose cause is the machine's name it (`QuorumError.explained`).
    nonisolated(unsafe) static var repository: String?
}

/// What the shell completes where a command takes a proposal, a
/// suggestion or a document: read from the repository of the current
/// directory (or the `--repo` on the command line) when the shell asks
/// (ArgumentParser calls these through `quorum ---completion`). Nothing
/// when there is no repository there.
enum Completions {
    /// The repository the command line names, or the current directory's.
    private static func repository(_ words: [String]) -> ReviewRepository? {
        let path = words.firstIndex(of: "--repo").flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil } ?? "."
        return try? ReviewRepository.open(at: path)
    }

    private static func slugs(in repository: ReviewRepository?) -> [String] {
        (try? repository?.proposals().map(\.slug)) ?? []
    }

    private static func openIDs(in repository: ReviewRepository?) -> [String] {
        guard let summaries = try? repository?.list() else { return [] }
        return summaries.filter { [.open, .approved, .conflicted].contains($0.state) }.map { String($0.id.prefix(8)) }
    }

    /// Every proposal's slug.
    static let slugs = CompletionKind.custom { words in slugs(in: repository(words)) }

    /// The open suggestions (open, approved or conflicted), by the first
    /// eight digits of their ids.
    static let ids = CompletionKind.custom { words in openIDs(in: repository(words)) }

    /// Slugs, and the open suggestions' ids (for commands taking either).
    static let slugsOrIds = CompletionKind.custom { words in
        let repository = repository(words)
        return slugs(in: repository) + openIDs(in: repository)
    }

    /// The documents of the proposal named on the command line (the first
    /// word after the command that is a slug).
    static let documents = CompletionKind.custom { words in
        guard let repository = repository(words), let proposals = try? repository.proposals() else { return [] }
        let slugs = Set(proposals.map(\.slug))
        guard let slug = words.first(where: { slugs.contains($0) }),
              let text = try? repository.commit(of: .current, slug: slug),
              let tree = try? repository.git.commit(text).tree,
              let blobs = try? repository.git.blobs(in: tree, under: "Proposals/\(slug)") else { return [] }
        return blobs.keys.sorted()
    }
}

/// The options of the commands that write text, declared in each command
/// (`propose`: --file; `revise`: and --rename, --delete; `suggest`, `edit`:
/// and --base) with the help given here, so that it is written once.
/// Not an option group each: ArgumentParser reflects on every group type
/// it meets, which costs a command about 0.2 ms per group at start.
enum DocumentOptions {
    /// `--file DOC=PATH…` (`[FileArgument]`).
    static let file = ArgumentHelp("A document and the file holding its full text ('-' for stdin); repeat for several.", valueName: "DOC=PATH")
    /// `--rename OLD=NEW…` (`[RenameArgument]`).
    static let rename = ArgumentHelp("Rename a document (its text is kept unless --file NEW=PATH gives new text); repeat for several.", valueName: "OLD=NEW")
    /// `--delete DOC…` (`[String]`).
    static let delete = ArgumentHelp("Delete a document; repeat for several.", valueName: "DOC")
    /// `--base REV` (`String?`): the commit full text given with --file was edited from.
    static let base = ArgumentHelp(
        "The commit the --file text was edited from: a commit id, a round branch (quorum/SLUG/N) or a version tag (rfc/SLUG/VERSION). Changes merged since are kept (three-way). Without it, text that looks edited from an older copy is refused, since it would undo them.",
        valueName: "REV")

    /// Whether any document change was given on the command line (text,
    /// a rename or a deletion); without one, `suggest` and `edit` take the
    /// work tree's changes and `revise` has nothing to do.
    static func given(files: [FileArgument], renames: [RenameArgument], deletions: [String]) -> Bool {
        !files.isEmpty || !renames.isEmpty || !deletions.isEmpty
    }

    /// The commit `--base` names, or nil without one; a usage error when
    /// it comes without --file, --rename or --delete (the work tree's base
    /// is found from the index).
    static func resolve(base: String?, in repo: ReviewRepository, withFiles: Bool) throws -> ObjectID? {
        guard let base else { return nil }
        guard withFiles else {
            throw ValidationError("--base goes with --file, --rename or --delete; for the work tree, Quorum finds the commit you checked out by itself")
        }
        return try repo.commit(named: base)
    }
}

/// `OLD=NEW`, both document names below the proposal's folder.
struct RenameArgument: ExpressibleByArgument {
    let from: String
    let to: String

    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        from = String(parts[0])
        to = String(parts[1])
    }
}

extension Array where Element == RenameArgument {
    var documentRenames: [DocumentRename] { map { DocumentRename(from: $0.from, to: $0.to) } }
}

/// New document text given as `--file DOC=PATH`, `--file PATH`, or `DOC=-` for stdin.
struct FileArgument: ExpressibleByArgument {
    let document: String?
    let path: String

    init?(argument: String) {
        if let equals = argument.firstIndex(of: "=") {
            let name = String(argument[..<equals])
            document = name.isEmpty ? nil : name
            path = String(argument[argument.index(after: equals)...])
        } else {
            document = nil
            path = argument
        }
        if path.isEmpty { return nil }
    }

    static var defaultCompletionKind: CompletionKind { .file() }

    func read() throws -> DocumentInput {
        if path == "-" {
            return DocumentInput(name: document, text: FileHandle.standardInput.readDataToEndOfFile(), source: "stdin")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("cannot read \(path): no such file")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path): not a readable file")
        }
        return DocumentInput(name: document, text: data, source: path)
    }
}

extension Array where Element == FileArgument {
    func readAll() throws -> [DocumentInput] {
        if filter({ $0.path == "-" }).count > 1 { throw ValidationError("only one --file may read stdin ('-')") }
        return try map { try $0.read() }
    }
}
