import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit",
            abstract: "Commit a pair edit straight to the open round.",
            discussion: """
                For changes two people wrote together at one keyboard. Recorded with a \
                Co-authored-by: trailer. Allowed only when the round's policy allows \
                pair edits (by default: the first round only); otherwise make a \
                suggestion with 'quorum suggest --pair EMAIL'. With no --file, the \
                documents changed in the work tree under Proposals/SLUG/ are committed, \
                merged three-way from the checked-out round commit. --file text edited \
                from an older copy needs --base, as for 'quorum suggest'.

                Examples:
                  quorum edit career-steps -m "Fix typos together" --pair cai@example.com --file framework.md=fixed.md
                """)

        @Argument(help: "The proposal.", completion: Completions.slugs)
        var slug: String

        @Option(name: .shortAndLong, help: "What the edit does. Repeat -m for more paragraphs. Without -m, your editor opens (GIT_EDITOR, core.editor, VISUAL, EDITOR).")
        var message: [String] = []

        @Option(help: ArgumentHelp("The email of the person you wrote it with.", valueName: "EMAIL"))
        var pair: String

        @Option(name: .customLong("file"), help: DocumentOptions.file)
        var files: [FileArgument] = []

        @Option(name: .customLong("rename"), help: DocumentOptions.rename)
        var renames: [RenameArgument] = []

        @Option(name: .customLong("delete"), help: DocumentOptions.delete)
        var deletions: [String] = []

        @Option(help: DocumentOptions.base)
        var base: String?

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            let message = try Message.required(self.message, in: repo, purpose: "Write what this pair edit of \(slug) does (first line: its title).")
            let given = DocumentOptions.given(files: files, renames: renames, deletions: deletions)
            let base = try DocumentOptions.resolve(base: base, in: repo, withFiles: given)
            let result = given
                ? try repo.pairEdit(
                    slug: slug, message: message, pair: pair, documents: try files.readAll(), renames: renames.documentRenames,
                    deletions: deletions, base: base)
                : try repo.pairEditFromWorkTree(slug: slug, message: message, pair: pair)
            if options.json { return try Output.json(result) }
            Output.line("Committed pair edit \(Output.short(result.id)) with \(result.coAuthor) to \(Layout.branchName(result.branch))\(result.threeWay ? " (three-way merge)" : "")")
            if let workTree = result.workTree { Output.line(workTree) }
        }
    }
}
