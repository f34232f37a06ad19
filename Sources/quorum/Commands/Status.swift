import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show proposals and their open rounds; with SLUG, that proposal's suggestions.", discussion: """
                Examples:
                  quorum status
                  quorum status career-steps --json
                """)

        @Argument(help: "A proposal (default: all of them, one line each).", completion: Completions.slugs)
        var slug: String?

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            let listing = try repo.statusListing(slug: slug)
            Output.page()  // long output: through the pager on a terminal (never for JSON)
            if options.json {
                if slug != nil, let one = listing.items.first {
                    // The suggestions the text lists: those still under review.
                    try Output.json(one.underReview)
                } else {
                    try Output.json(listing.items)
                }
            } else {
                printText(listing.items)
            }
            try Output.endReportingDamage(listing.damaged)
        }

        private func printText(_ statuses: [ProposalStatus]) {
            if statuses.isEmpty {
                Output.line("No proposals yet. Start one with: quorum propose SLUG --file DOC=PATH")
                return
            }
            for status in statuses {
                let round = status.round.map { "round \($0.number) (\($0.name)), quorum \($0.quorum)" } ?? "no open round"
                let counts = SuggestionState.allCases.map(\.rawValue)
                    .filter { ["open", "approved", "merged"].contains($0) || (status.counts[$0] ?? 0) > 0 }
                    .map { "\(status.counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
                if let damage = status.damaged {
                    Output.line("\(Output.pad(status.slug, 20)) damaged (event \(Output.short(damage.commit)) cannot be read): \(counts) - \(status.title)")
                    continue
                }
                if slug == nil {
                    Output.line("\(Output.pad(status.slug, 20)) \(round): \(counts) - \(status.title)")
                    continue
                }
                Output.line("\(status.slug): \(status.title)")
                if let r = status.round {
                    Output.line("Round \(r.number) \(r.name): audience \(r.audience.joined(separator: ", ")); approvers \(r.approvers.joined(separator: ", ")); quorum \(r.quorum)")
                    Output.line("Branch: \(Layout.branchName(r.branch)) at \(Output.short(status.head ?? ""))")
                }
                Output.line("Documents: \(status.documents.joined(separator: ", "))")
                Output.line("Suggestions: \(counts)")
                for s in status.underReview.suggestions ?? [] {
                    Output.line("  " + Output.summaryLine(s, showSlug: false))
                }
            }
        }
    }
}
