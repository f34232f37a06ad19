import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve",
            abstract: "Approve the current revision of a suggestion.",
            discussion: """
                Only approvers of the suggestion's round may approve, never its author, \
                and each person counts once. An approval is of one revision: it stops \
                counting if the text changes.

                Examples:
                  quorum approve 8a49c2 -m "Clear and fair"
                  quorum approve --revoke 8a49c2
                """)

        @Argument(help: "The suggestion's id (a unique prefix will do).", completion: Completions.ids)
        var id: String

        @Option(name: .shortAndLong, help: "An optional note with the approval. Repeat -m for more paragraphs.")
        var message: [String] = []

        @Flag(help: "Take back your approval instead.")
        var revoke = false

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            if revoke {
                let result = try repo.revoke(id, message: Message.optional(message))
                if options.json { return try Output.json(result) }
                return Output.line("Revoked your approval of \(Output.short(result.suggestion)); it is \(result.state.rawValue)")
            }
            let result = try repo.approve(id, message: Message.optional(message))
            if options.json { return try Output.json(result) }
            let short = Output.short(result.suggestion)
            Output.line("Approved \(short): \(result.approvals) of \(result.quorum) approvals")
            if result.state == .approved { Output.line("Quorum met; merge it with: quorum merge \(short)") }
        }
    }
}
