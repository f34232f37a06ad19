import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Compare a proposal's text between two rounds or versions.",
            discussion: "FROM and TO are a round (r1, r2, … or a plain number) or a version name (v1).")

        @Argument(help: "The proposal.")
        var slug: String

        @Argument(help: "A round (r1) or a version (v1).")
        var from: String

        @Argument(help: "A round (r2) or a version (v2).")
        var to: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let patch = try options.open().diff(slug: slug, from: Snapshot(parsing: from), to: Snapshot(parsing: to))
            if options.json {
                struct Result: Encodable { let slug: String; let from: String; let to: String; let diff: String }
                return try Output.json(Result(slug: slug, from: from, to: to, diff: patch))
            }
            Output.lines(patch)
        }
    }
}
