import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "List the accepted changes of a proposal's round, newest first.", discussion: """
                Examples:
                  quorum log career-steps --round 1
                """)

        @Argument(help: "The proposal.", completion: Completions.slugs)
        var slug: String

        @Option(help: "A round number (default: the open round).")
        var round: Int?

        @OptionGroup var options: CommonOptions

        func run() throws {
            let entries = try options.open().history(slug: slug, round: round)
            Output.page()  // long output: through the pager on a terminal (never for JSON)
            if options.json { return try Output.json(entries) }
            for e in entries {
                Output.line("\(Output.short(e.commit))  \(Output.date(e.date))  \(e.title)")
                if let by = e.suggestedBy {
                    Output.line("          suggestion \(Output.short(e.suggestion ?? "")) by \(by); approved by \(e.approvedBy.joined(separator: ", "))")
                }
            }
        }
    }
}
