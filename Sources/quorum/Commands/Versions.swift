import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Versions: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "versions", abstract: "List a proposal's official versions.", discussion: """
                Examples:
                  quorum versions career-steps
                """)

        @Argument(help: "The proposal.", completion: Completions.slugs)
        var slug: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let versions = try options.open().versions(slug: slug)
            Output.page()  // long output: through the pager on a terminal (never for JSON)
            if options.json { return try Output.json(versions) }
            if versions.isEmpty { Output.line("No versions of \(slug) yet; a lead cuts one with: quorum cut \(slug) v1") }
            for v in versions {
                Output.line("\(Output.pad(v.version, 10)) \(Output.date(v.date))  \(Output.short(v.commit))  round \(v.round.map(String.init) ?? "?")  by \(v.by)")
            }
            for v in versions where v.round == nil {
                Output.error("quorum: note: no cut recorded version \(v.version) (a cut interrupted after tagging leaves it so): \(v.by), running 'quorum cut \(slug) \(v.version)' again, records it")
            }
        }
    }
}
