import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reject",
            abstract: "Turn a suggestion down (approvers of its round and leads). It stays in the history and can no longer merge.", discussion: """
                Examples:
                  quorum reject 8a49c2 -m "Out of scope for this framework"
                """)

        @Argument(help: "The suggestion's id (a unique prefix will do).", completion: Completions.ids)
        var id: String

        @Option(name: .shortAndLong, help: "Why it is turned down. Repeat -m for more paragraphs. Without -m, your editor opens (GIT_EDITOR, core.editor, VISUAL, EDITOR).")
        var message: [String] = []

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            let result = try repo.reject(id, reason: try Message.required(message, in: repo, purpose: "Write why suggestion \(id) is turned down."))
            if options.json { return try Output.json(result) }
            Output.line("Rejected \(Output.short(result.suggestion))")
        }
    }
}
