import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a suggestion: its state, revisions and approvals (and with --diff, its change).")

        @Argument(help: "The suggestion's id (a unique prefix will do).")
        var id: String

        @Flag(help: "Include the change as a unified diff against the text it was written on.")
        var diff = false

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            let d = try repo.show(id, diff: diff)
            if options.json { return try Output.json(d) }
            print("suggestion \(d.id)")
            print("Proposal:  \(d.slug), round \(d.round)")
            print("Author:    \(d.authorName) <\(d.author)>")
            print("Date:      \(Output.date(d.created))")
            print("State:     \(d.state.rawValue)\(d.mergedAs.map { " as \(Output.short($0)) by \(d.mergedBy ?? "?")" } ?? "")")
            print("Revision:  \(d.revision) (\(Output.short(d.revisionCommit)), written on \(Output.short(d.base)))")
            print("Documents: \(d.documents.joined(separator: ", "))")
            let counting = d.approvals.filter(\.counts).count
            print("Approvals: \(counting) of \(d.quorum)")
            for a in d.approvals {
                let note = a.counts ? "counts" : "does not count: \(a.reason ?? "")"
                print("  \(a.name) <\(a.email)> on \(Output.short(a.revision)) - \(note)\(a.message.map { " - \"\($0)\"" } ?? "")")
            }
            print("")
            for line in d.message.split(separator: "\n", omittingEmptySubsequences: false) { print("    \(line)") }
            if let patch = d.diff {
                print("")
                print(patch, terminator: "")
            }
        }
    }

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the accepted changes of a proposal's round, newest first.")

        @Argument(help: "The proposal.")
        var slug: String

        @Option(help: "A round number (default: the open round).")
        var round: Int?

        @OptionGroup var options: CommonOptions

        func run() throws {
            let entries = try options.open().history(slug: slug, round: round)
            if options.json { return try Output.json(entries) }
            for e in entries {
                print("\(Output.short(e.commit))  \(Output.date(e.date))  \(e.title)")
                if let by = e.suggestedBy {
                    print("          suggestion \(Output.short(e.suggestion ?? "")) by \(by); approved by \(e.approvedBy.joined(separator: ", "))")
                }
            }
        }
    }

    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the current text of a proposal's document, byte for byte.")

        @Argument(help: "The proposal.")
        var slug: String

        @Argument(help: "The document (may be left out when there is only one).")
        var document: String?

        @Option(help: "Read the text at the head of this round (default: the open round).")
        var round: Int?

        @OptionGroup var options: CommonOptions

        func run() throws {
            let data = try options.open().text(slug: slug, document: document, round: round)
            if options.json {
                struct Result: Encodable { let slug: String; let document: String?; let text: String }
                return try Output.json(Result(slug: slug, document: document, text: String(decoding: data, as: UTF8.self)))
            }
            FileHandle.standardOutput.write(data)
        }
    }
}
