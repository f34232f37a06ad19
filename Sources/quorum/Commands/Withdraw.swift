import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "withdraw",
            abstract: "Take back your own suggestion. It stays in the history and can no longer merge.", discussion: """
                Examples:
                  quorum withdraw 8a49c2 -m "Superseded by 91c0"
                """)

        @Argument(help: "The suggestion's id (a unique prefix will do).", completion: Completions.ids)
        var id: String

        @Option(name: .shortAndLong, help: "Why (optional). Repeat -m for more paragraphs.")
        var message: [String] = []

        @OptionGroup var options: CommonOptions

        func run() throws {
            let result = try options.open().withdraw(id, reason: Message.optional(message))
            if options.json { return try Output.json(result) }
            Output.line("Withdrew \(Output.short(result.suggestion))")
        }
    }
}
