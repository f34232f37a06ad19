import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write a proposal as a self-contained Markdown or HTML document.",
            discussion: """
                The text of the open round (or --round R, or --version V) with a header \
                (proposal, version or round, date, status), a version's release notes \
                (cut -m), the changelog since the previous version (each change dated) \
                and the credits by role (proposed, suggested, approved, commented). \
                People appear by name; --emails adds their addresses. HTML is one \
                complete page with its style inline and no external assets; the \
                Markdown is rendered by cmark-gfm with raw HTML omitted. With --changes, \
                the HTML marks what changed since the previous version (or, for the \
                first, since the draft): inserted words underlined in green, deleted \
                ones struck through in red, shown or hidden by a checkbox at the top \
                of the page (CSS only, no script).

                Examples:
                  quorum export career-steps --version v1 --format html --changes -o v1.html
                  quorum export career-steps --format md > draft.md
                """)

        @Argument(help: "The proposal.", completion: Completions.slugs)
        var slug: String

        @Option(help: "An official version to export.")
        var version: String?

        @Option(help: "A round to export.")
        var round: Int?

        @Option(help: ArgumentHelp("md or html.", valueName: "FORMAT"))
        var format: String = "md"

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "PATH"))
        var output: String?

        @Flag(help: "Show people's email addresses beside their names in the changelog and credits.")
        var emails = false

        @Flag(help: "HTML: mark what changed since the previous version (or the first draft) as inserted and deleted words, with a checkbox on the page to show or hide them.")
        var changes = false

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if version != nil && round != nil { throw ValidationError("give --version or --round, not both") }
            if ExportFormat(rawValue: format) == nil { throw ValidationError("--format takes md or html") }
            if changes && format != "html" { throw ValidationError("--changes marks changes in the HTML page: give --format html (for the changes as text: 'quorum diff SLUG FROM TO')") }
        }

        /// export.json: what was exported, and its text unless it went to a file.
        private struct Result: Encodable {
            let slug: String
            let format: String
            /// "version v1", "round 2 (managers)", …
            let label: String
            /// The length of the text in UTF-8 bytes.
            let bytes: Int
            let path: String?
            let text: String?
        }

        func run() throws {
            let snapshot: Snapshot = version.map(Snapshot.version) ?? round.map(Snapshot.round) ?? .current
            let document = try options.open().exportDocument(slug: slug, at: snapshot, changes: changes)
            let text = format == "html" ? document.html(emails: emails) : document.markdown(emails: emails)
            if let output {
                do {
                    try Data(utf8: text).write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw ValidationError("cannot write \(output): \(error.localizedDescription)")
                }
                if options.json {
                    return try Output.json(Result(slug: slug, format: format, label: document.label, bytes: text.utf8.count, path: output, text: nil))
                }
                Output.line("Wrote \(document.label) of \(slug) as \(format) to \(output)")
            } else if options.json {
                // The document inside JSON, never the document alone: a script
                // that asked for JSON parses what it gets.
                try Output.json(Result(slug: slug, format: format, label: document.label, bytes: text.utf8.count, path: nil, text: text))
            } else {
                Output.document(Data(utf8: text))
            }
        }
    }
}
