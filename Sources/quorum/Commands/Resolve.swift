import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resolve",
            abstract: "Lift an objection you raised (or, as a lead, override one).",
            discussion: """
                Only the person who raised an objection lifts it. When they cannot (they \
                have left, say), a lead overrides it with --override and a reason, which is \
                recorded and shown by 'quorum show' and in the version's changelog.

                Examples:
                  quorum resolve 3f2a1c
                  quorum resolve 3f2a1c 9b8e --override -m "Dan left; finance agreed in writing"

                Examples:
                  quorum resolve 8a49c2
                  quorum resolve 8a49c2 5b2e --override -m "Dee has left the team"
                """)

        @Argument(help: "The suggestion's id (a unique prefix will do).", completion: Completions.ids)
        var id: String

        @Argument(help: "The objection's id (default: your one open objection on it).")
        var objection: String?

        @Flag(help: "Lift someone else's objection, as a lead; needs -m REASON.")
        var override = false

        @Option(name: .shortAndLong, help: "Why (required with --override). Repeat -m for more paragraphs.")
        var message: [String] = []

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if override && (Message.optional(message) ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError("--override needs the reason, recorded for everyone: -m REASON")
            }
            if override && objection == nil {
                throw ValidationError("--override needs the objection's id (see 'quorum show \(id)')")
            }
            if !override && !message.isEmpty {
                throw ValidationError("-m goes with --override (lifting your own objection needs no reason)")
            }
        }

        func run() throws {
            let result = try options.open().resolve(id, objection: objection, override: override, reason: Message.optional(message))
            if options.json { return try Output.json(result) }
            Output.line("Objection \(override ? "overridden" : "resolved") on \(Output.short(result.suggestion)); \(result.openObjections) still open; it is \(result.state.rawValue)")
        }
    }
}
