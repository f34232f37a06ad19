import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Rounds: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rounds", abstract: "List a proposal's review rounds.", discussion: """
                Examples:
                  quorum rounds career-steps
                """)

        @Argument(help: "The proposal.", completion: Completions.slugs)
        var slug: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let rounds = try options.open().rounds(slug: slug)
            Output.page()  // long output: through the pager on a terminal (never for JSON)
            if options.json { return try Output.json(rounds) }
            for report in rounds {
                let r = report.round
                let when = "opened \(Output.date(Int64(r.opened.timeIntervalSince1970)))" + (r.closedAt.map { ", closed \(Output.date(Int64($0.timeIntervalSince1970)))" } ?? "")
                Output.line("\(r.number) \(Output.pad(r.name, 16)) \(r.closed ? "closed" : "open  ")  audience \(r.audience.joined(separator: ",")); approvers \(r.approvers.joined(separator: ",")); quorum \(r.quorum)")
                Output.line("  \(when); \(report.suggested) suggested, \(report.merged) merged, \(report.open) open\(r.pairEdits ? "; pair edits allowed" : "")")
                if !report.notYetCarried.isEmpty {
                    Output.line("  the fork that opened it was interrupted: \(report.notYetCarried.count) suggestion(s) still to carry (\(report.notYetCarried.map(Output.short).joined(separator: ", "))); finish it with 'quorum fork \(slug) --resume'")
                }
            }
        }
    }
}
