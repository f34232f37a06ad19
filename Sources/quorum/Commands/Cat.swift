import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cat",
            abstract: "Print the current text of a proposal's document, byte for byte.",
            discussion: """
                With --json, also prints the commit the text was read from: pass it as \
                --base to 'quorum suggest' if others may merge while you edit a copy.

                Examples:
                  quorum cat career-steps
                  quorum cat career-steps framework.md --version v1 > v1.md
                """)

        @Argument(help: "The proposal.", completion: Completions.slugs)
        var slug: String

        @Argument(help: "The document (may be left out when there is only one).", completion: Completions.documents)
        var document: String?

        @Option(help: "Read the text at the head of this round (default: the open round).")
        var round: Int?

        @Option(help: "Read the text of this official version.")
        var version: String?

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if version != nil && round != nil { throw ValidationError("give --version or --round, not both") }
        }

        func run() throws {
            let snapshot: Snapshot = version.map(Snapshot.version) ?? round.map(Snapshot.round) ?? .current
            let repo = try options.open()
            // Resolved once, so that the text and the commit --json names agree.
            let commit = try repo.commit(of: snapshot, slug: slug)
            let data = try repo.text(slug: slug, document: document, in: commit)
            Output.page()  // long output: through the pager on a terminal (never for JSON)
            if options.json {
                // The commit is what to pass as --base when suggesting an edit of this text.
                struct Result: Encodable { let slug: String; let document: String?; let commit: String; let text: String }
                return try Output.json(Result(slug: slug, document: document, commit: commit.hex, text: String(decoding: data, as: UTF8.self)))
            }
            Output.document(data)
        }
    }
}
