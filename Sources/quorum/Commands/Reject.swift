import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reject",
            abstract: "Turn a suggestion down (approvers of its round and leads). It stays in the history and can no longer merge.")

        @Argument(help: "The suggestion's id (a unique prefix will do).")
        var id: String

        @Option(name: .shortAndLong, help: "Why it is turned down.")
        var message: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let result = try options.open().reject(id, reason: message)
            if options.json { return try Output.json(result) }
            Output.line("Rejected \(Output.short(result.suggestion))")
        }
    }
}
