import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Object: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "object",
            abstract: "Object to a suggestion: it cannot merge until you resolve the objection.", discussion: """
                Examples:
                  quorum object 8a49c2 -m "Step 3 must keep the on-call duty"
                """)

        @Argument(help: "The suggestion's id (a unique prefix will do).", completion: Completions.ids)
        var id: String

        @Option(name: .shortAndLong, help: "Why: what would have to change. Repeat -m for more paragraphs. Without -m, your editor opens (GIT_EDITOR, core.editor, VISUAL, EDITOR).")
        var message: [String] = []

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            let result = try repo.object(id, reason: try Message.required(message, in: repo, purpose: "Write why you object to suggestion \(id): what would have to change."))
            if options.json { return try Output.json(result) }
            Output.line("Objection \(Output.short(result.id)) raised on \(Output.short(result.suggestion)); it blocks merging until you run: quorum resolve \(Output.short(result.suggestion))")
        }
    }
}
