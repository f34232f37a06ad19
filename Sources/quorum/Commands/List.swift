import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List suggestions, oldest first.", discussion: """
                Examples:
                  quorum list --state approved
                  quorum list --proposal career-steps --json --fields id,state,author
                """)

        @Option(help: ArgumentHelp("Only suggestions in this state: \(SuggestionState.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "STATE"),
                completion: .list(SuggestionState.allCases.map(\.rawValue)))
        var state: String?

        @Option(help: "Only suggestions on this proposal.")
        var proposal: String?

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if let state, SuggestionState(rawValue: state) == nil {
                throw ValidationError("unknown state '\(state)'; use one of: \(SuggestionState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let repo = try options.open()
            let listing = try repo.listing(slug: proposal, state: state.flatMap(SuggestionState.init(rawValue:)))
            Output.page()  // long output: through the pager on a terminal (never for JSON)
            if options.json {
                try Output.json(listing.items)
            } else {
                var out = ""
                for item in listing.items { out += Output.summaryLine(item, showSlug: true) + "\n" }
                Output.lines(out)
            }
            try Output.endReportingDamage(listing.damaged)
        }
    }
}
