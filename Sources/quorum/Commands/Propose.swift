import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Propose: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "propose",
            abstract: "Put documents under review as a new proposal.",
            discussion: """
                The documents are stored under Proposals/SLUG/ on the round branch \
                quorum/SLUG/1, and round 1 opens with 'working-group' as its audience \
                and approvers. --file DOC=PATH names a document and where its text is \
                read from ('-' for stdin); --file PATH names the document after the file.

                Examples:
                  quorum propose career-steps --title "Engineering Career Steps" --file framework.md=draft.md
                """)

        @Argument(help: "The proposal's name: lower-case letters, digits and dashes, e.g. career-steps.")
        var slug: String

        @Option(name: .customLong("file"), help: DocumentOptions.file)
        var files: [FileArgument] = []

        @Option(help: "A title (default: the slug).")
        var title: String?

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one document with --file DOC=PATH") }
        }

        func run() throws {
            let repo = try options.open()
            let result = try repo.propose(slug: slug, title: title, documents: try files.readAll())
            if options.json { return try Output.json(result) }
            Output.line("Proposed \(result.slug): \(result.title)")
            Output.line("Documents: \(result.documents.joined(separator: ", "))")
            Output.line("Round 1 is open on \(Layout.branchName(result.branch))")
        }
    }
}
