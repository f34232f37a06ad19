import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Suggest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "suggest",
            abstract: "Suggest a change to a proposal.",
            discussion: """
                Give the new full text of each changed document with --file DOC=PATH \
                ('-' reads stdin). When the proposal has a single document, DOC= may be \
                left out. --rename OLD=NEW moves a document to a new name and --delete \
                DOC removes one. With none of these, the documents you changed, added, \
                moved or removed in the work tree under Proposals/SLUG/ are suggested, as \
                git commit would: check out the round first ('git checkout \
                quorum/SLUG/N'), edit, then suggest. Prints \
                the new suggestion's id; any unique prefix of it works wherever an id \
                is taken.

                --file text is taken as edited from the open round's current text. If \
                you edited an older copy (say 'quorum cat' output, before others \
                merged), name it with --base so their changes are kept; text that looks \
                older than the round and would undo merged changes is refused, with \
                the --base to use.

                Examples:
                  quorum suggest career-steps -m "Name the craft" --file framework.md=new.md
                  quorum suggest career-steps -m "Name the craft"     # from the work tree
                  quorum suggest career-steps -m "Rename" --rename framework.md=steps.md
                """)

        @Argument(help: "The proposal to change.", completion: Completions.slugs)
        var slug: String

        @Option(name: .shortAndLong, help: "What the change does and why (first line: its title). Repeat -m for more paragraphs. Without -m, your editor opens (GIT_EDITOR, core.editor, VISUAL, EDITOR).")
        var message: [String] = []

        @Option(name: .customLong("file"), help: DocumentOptions.file)
        var files: [FileArgument] = []

        @Option(name: .customLong("rename"), help: DocumentOptions.rename)
        var renames: [RenameArgument] = []

        @Option(name: .customLong("delete"), help: DocumentOptions.delete)
        var deletions: [String] = []

        @Option(help: DocumentOptions.base)
        var base: String?

        @Option(help: ArgumentHelp("Someone who wrote it with you (they cannot approve it either); repeat for several.", valueName: "EMAIL"))
        var pair: [String] = []

        @Flag(help: "Leave your edits in the work tree after a suggestion from it (by default the work tree is back on the round's text, as after git commit: the edits are in the suggestion).")
        var keepEdits = false

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            let message = try Message.required(self.message, in: repo, purpose: "Write what your suggestion to \(slug) does and why (first line: its title).")
            let given = DocumentOptions.given(files: files, renames: renames, deletions: deletions)
            let base = try DocumentOptions.resolve(base: base, in: repo, withFiles: given)
            let result = given
                ? try repo.suggest(
                    slug: slug, message: message, documents: try files.readAll(), renames: renames.documentRenames,
                    deletions: deletions, coAuthors: pair, base: base)
                : try repo.suggestFromWorkTree(slug: slug, message: message, coAuthors: pair, keepEdits: keepEdits)
            if options.json { return try Output.json(result) }
            Output.line("Suggested \(result.shortId) on \(result.slug) round \(result.round): \(result.title)")
            if !given && !keepEdits {
                Output.line("The work tree under Proposals/\(result.slug)/ is back on the round's text; your edits are in the suggestion ('quorum show \(result.shortId) --diff').")
            }
            Output.line(result.shortId)
        }
    }
}
