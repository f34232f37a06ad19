import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Revise: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revise",
            abstract: "Add a revision to a suggestion (its author or a co-author).",
            discussion: """
                Give the new full text of each changed document with --file DOC=PATH \
                (--rename OLD=NEW and --delete DOC move and remove documents). \
                The revision is written on the same base as the suggestion — or, when \
                the suggestion is conflicted, on the round's current text (get it with \
                'quorum cat SLUG'), which resolves the conflict. Approvals of earlier \
                revisions stop counting (shown as stale) unless the change is exactly \
                the same.

                Examples:
                  quorum revise 8a49c2 -m "Shorter wording" --file framework.md=edited.md
                """)

        @Argument(help: "The suggestion's id (a unique prefix will do).", completion: Completions.ids)
        var id: String

        @Option(name: .shortAndLong, help: "What changed in this revision (first line: the suggestion's new title). Repeat -m for more paragraphs. Without -m, your editor opens (GIT_EDITOR, core.editor, VISUAL, EDITOR).")
        var message: [String] = []

        @Option(name: .customLong("file"), help: DocumentOptions.file)
        var files: [FileArgument] = []

        @Option(name: .customLong("rename"), help: DocumentOptions.rename)
        var renames: [RenameArgument] = []

        @Option(name: .customLong("delete"), help: DocumentOptions.delete)
        var deletions: [String] = []

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if !DocumentOptions.given(files: files, renames: renames, deletions: deletions) { throw ValidationError("give the new text with --file DOC=PATH (or --rename OLD=NEW, --delete DOC)") }
        }

        func run() throws {
            let repo = try options.open()
            let written = try Message.required(message, in: repo, purpose: "Write what changed in this revision of \(id) (first line: the suggestion's new title).")
            let result = try repo.revise(
                id, message: written, documents: try files.readAll(), renames: renames.documentRenames, deletions: deletions)
            if options.json { return try Output.json(result) }
            Output.revision(result, verb: "Revised")
        }
    }
}
