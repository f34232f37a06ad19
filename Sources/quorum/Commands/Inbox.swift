import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Inbox: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inbox",
            abstract: "What waits for you: approvals you owe, your suggestions to merge or fix, objections to resolve.",
            discussion: """
                Oldest first. You are who git says you are (GIT_AUTHOR_EMAIL, then user.email).

                Examples:
                  quorum inbox
                """)

        @OptionGroup var options: CommonOptions

        func run() throws {
            let (person, items, damaged) = try options.open().inbox()
            Output.page()  // long output: through the pager on a terminal (never for JSON)
            if options.json {
                struct Result: Encodable {
                    let person: PersonJSON
                    let items: [InboxItem]
                    /// The events that could not be read (what they belong to is left out).
                    let damaged: [DamagedEvent]?
                }
                try Output.json(Result(person: PersonJSON(name: Output.names?()[person.lowercased()], email: person), items: items, damaged: damaged.isEmpty ? nil : damaged))
            } else if items.isEmpty {
                Output.line("Nothing waits for \(person)\(damaged.isEmpty ? "" : " among what could be read").")
            } else {
                let verbs: [InboxItem.Reason: String] = [
                    .approve: "approve?", .merge: "merge", .revise: "revise", .objected: "answer", .resolve: "resolve?",
                ]
                for item in items {
                    let s = item.suggestion
                    Output.line("\(Output.short(s.id))  \(Output.pad(verbs[item.reason] ?? "", 9)) \(Output.pad(s.slug, 16)) \(s.title) - \(item.detail)")
                }
            }
            try Output.endReportingDamage(damaged)
        }
    }
}
