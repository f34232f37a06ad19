import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge an approved suggestion into its round.",
            discussion: """
                Refused (exit 1) until the round's quorum of independent approvals of \
                the current revision exists. The round branch then advances to a commit \
                whose parents are the old round head and the suggestion's revision, with \
                Suggestion:, Suggested-by: and Approved-by: trailers. If the round moved \
                since the suggestion was written, a three-way merge is made; if that \
                conflicts, nothing changes and the conflicting lines are named.
                """)

        @Argument(help: "The suggestion's id (a unique prefix will do).")
        var id: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            let result = try repo.merge(id)
            if options.json { return try Output.json(result) }
            print("Merged \(Output.short(result.suggestion)) as \(Output.short(result.commit)) on \(result.branch.replacingOccurrences(of: "refs/heads/", with: ""))\(result.threeWay ? " (three-way merge)" : "")")
            print("Approved by: \(result.approvedBy.joined(separator: ", "))")
        }
    }
}
