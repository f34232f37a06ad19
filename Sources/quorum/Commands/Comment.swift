import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Comment: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "comment",
            abstract: "Comment on a proposal or a suggestion, a line range or a section, or reply to a comment.",
            discussion: """
                TARGET is a proposal's slug or a suggestion's id. --lines and --section \
                anchor the comment to the text as it is now; 'quorum show TARGET' maps \
                the anchor onto later text, or marks it outdated when those lines changed.

                Examples:
                  quorum comment career-steps -m "Too long" --section Delivery
                  quorum comment 8a49c2 -m "Why step 3?" --lines 40-44
                  quorum comment 8a49c2 --reply 3c1f -m "Agreed"
                """)

        @Argument(help: "A proposal's slug or a suggestion's id.", completion: Completions.slugsOrIds)
        var target: String

        @Option(name: .shortAndLong, help: "The comment. Repeat -m for more paragraphs. Without -m, your editor opens (GIT_EDITOR, core.editor, VISUAL, EDITOR).")
        var message: [String] = []

        @Option(help: "The document commented on (default: the only one).")
        var doc: String?

        @Option(help: ArgumentHelp("A line range, e.g. 12-15 (or one line, 12).", valueName: "A-B"))
        var lines: String?

        @Option(help: ArgumentHelp("A Markdown section, by its heading's text.", valueName: "HEADING"))
        var section: String?

        @Option(help: ArgumentHelp("The comment this answers (a unique id prefix).", valueName: "COMMENT"))
        var reply: String?

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if lines != nil && section != nil { throw ValidationError("give --lines or --section, not both") }
            if let lines, Self.parse(lines) == nil { throw ValidationError("--lines takes A-B with 1 <= A <= B, e.g. 12-15") }
        }

        static func parse(_ text: String) -> ClosedRange<Int>? {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            if parts.count == 1, let a = parts[0], a >= 1 { return a...a }
            guard parts.count == 2, let a = parts[0], let b = parts[1], a >= 1, a <= b else { return nil }
            return a...b
        }

        func run() throws {
            let repo = try options.open()
            let text = try Message.required(message, in: repo, purpose: "Write your comment on \(target).")
            let result = try repo.comment(
                on: target, text: text, document: doc, lines: lines.flatMap(Self.parse), section: section, reply: reply)
            if options.json { return try Output.json(result) }
            var place = ""
            if let anchor = result.anchor {
                place = " on \(anchor.document)"
                if let a = anchor.firstLine, let b = anchor.lastLine { place += a == b ? " line \(a)" : " lines \(a)-\(b)" }
                if let s = anchor.section { place += " section \"\(s)\"" }
            }
            Output.line("Comment \(Output.short(result.id))\(place)\(result.replyTo.map { " (reply to \(Output.short($0)))" } ?? "")")
        }
    }
}
