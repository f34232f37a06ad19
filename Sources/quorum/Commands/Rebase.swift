import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Rebase: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rebase",
            abstract: "Move a suggestion onto its round's current text.",
            discussion: """
                Makes a three-way merge of the suggestion onto the round head. When the \
                change stays the same (same patch id) its approvals carry over. When it \
                conflicts, the suggestion becomes conflicted (exit 1), the documents and \
                lines are named, and its author resolves it with 'quorum revise'.

                Examples:
                  quorum rebase 8a49c2
                """)

        @Argument(help: "The suggestion's id (a unique prefix will do).", completion: Completions.ids)
        var id: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let result = try options.open().rebase(id)
            if options.json { return try Output.json(result) }
            Output.revision(result, verb: "Rebased")
        }
    }
}
