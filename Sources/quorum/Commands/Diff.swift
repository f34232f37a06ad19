import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Compare a proposal's text between two rounds or versions.",
            discussion: """
                FROM and TO are a round (r1, r2, … or a plain number: its text now), a version \
                name (v1), 'draft' (the text first proposed) or rN^ (the text round N started \
                from; r1^ is the draft). \
                Changes are shown word by word, as 'git diff --word-diff' shows them: in colour \
                on a terminal, else removed words as [-…-] and inserted ones as {+…+}; \
                --line-diff shows git's unified diff. Long output goes through a pager on a terminal.

                Examples:
                  quorum diff career-steps draft v1
                  quorum diff career-steps v1 r2 --line-diff
                """)

        @Argument(help: "The proposal.", completion: Completions.slugs)
        var slug: String

        @Argument(help: "A round (r1), a version (v1), draft, or rN^ (the text round N started from).")
        var from: String

        @Argument(help: "A round (r2), a version (v2), draft, or rN^.")
        var to: String

        @Flag(name: .customLong("line-diff"), help: "Show git's unified line diff instead of the change word by word.")
        var lineDiff = false

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            let old = Snapshot(parsing: from)
            let new = Snapshot(parsing: to)
            let patch = try repo.diff(slug: slug, from: old, to: new)
            if options.json {
                // `diff`: git's unified diff; `wordDiff`: the same change word by word (DocumentDiff).
                struct Result: Encodable { let slug: String; let from: String; let to: String; let diff: String; let wordDiff: [DocumentDiff] }
                return try Output.json(Result(slug: slug, from: from, to: to, diff: patch, wordDiff: try repo.documentDiffs(slug: slug, from: old, to: new)))
            }
            Output.page()
            if patch.isEmpty {
                Output.line("No differences between \(old) and \(new) of \(slug).")
                return
            }
            if lineDiff { return Output.lineDiff(patch) }
            Output.wordDiff(try repo.documentDiffs(slug: slug, from: old, to: new))
        }
    }
}
