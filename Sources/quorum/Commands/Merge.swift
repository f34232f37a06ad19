import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Merge an approved suggestion into its round.",
            discussion: """
                Refused (exit 1) until the round's quorum of independent approvals of \
                the current revision exists. The round branch then advances to a commit \
                whose parents are the old round head and the suggestion's revision, with \
                Suggestion:, Suggested-by: and Approved-by: trailers. If the round moved \
                since the suggestion was written, a three-way merge is made; if that \
                conflicts, nothing changes and the conflicting lines are named.

                In a clone of a shared repository (one with a remote 'origin', or \
                with --remote), the merge goes through it: sync, merge on the shared \
                round's head, push the round branch with compare-and-swap (made again \
                on the new head when another clone merged first), sync the merge \
                event. --local merges here only; 'quorum sync' shares it later.

                Examples:
                  quorum merge 8a49c2
                """)

        @Argument(help: "The suggestion's id (a unique prefix will do).", completion: Completions.ids)
        var id: String

        @Option(help: "The shared repository to merge through: a remote's name, a path or a URL (default: origin, when configured).")
        var remote: String?

        @Flag(help: "Merge in this repository only, even when it has a remote.")
        var local = false

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if local && remote != nil { throw ValidationError("give --local or --remote, not both") }
        }

        func run() throws {
            let repo = try options.open()
            let shared = local ? nil : try remote ?? repo.defaultRemote()
            let result = try shared.map { try repo.mergeShared(id, remote: $0) } ?? repo.merge(id)
            if options.json { return try Output.json(result) }
            Output.line("Merged \(Output.short(result.suggestion)) as \(Output.short(result.commit)) on \(Layout.branchName(result.branch))\(result.threeWay ? " (three-way merge)" : "")")
            Output.line("Approved by: \(result.approvedBy.joined(separator: ", "))")
            if let shared { Output.line("Pushed to \(shared)") }
            if let workTree = result.workTree { Output.line(workTree) }
        }
    }
}
