import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Cut: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cut",
            abstract: "Cut an official RFC version of a proposal (leads only).",
            discussion: """
                Makes the immutable annotated tag rfc/SLUG/VERSION on the open round's \
                head. Its message holds the changelog since the previous version (each \
                merged suggestion with its title, author and approvers) and the credits: \
                everyone who suggested, approved or commented. Refused while the round \
                has approved suggestions that are not merged, unless --force.

                Examples:
                  quorum cut career-steps v1 -m "First official version"
                """)

        @Argument(help: "The proposal.", completion: Completions.slugs)
        var slug: String

        @Argument(help: "The version's name, e.g. v1.")
        var version: String

        @Option(name: .shortAndLong, help: "Release notes for the tag message. Repeat -m for more paragraphs.")
        var message: [String] = []

        @Flag(help: "Cut even though approved suggestions are not merged yet.")
        var force = false

        @OptionGroup var options: CommonOptions

        func run() throws {
            let result = try options.open().cut(slug: slug, version: version, notes: Message.optional(message), force: force)
            if options.json { return try Output.json(result) }
            Output.line("Cut \(result.slug) \(result.version): tag \(result.tag.replacingOccurrences(of: "refs/tags/", with: "")) on \(Output.short(result.commit)) (round \(result.round))")
            Output.line("")
            Output.lines(result.message)
        }
    }
}
