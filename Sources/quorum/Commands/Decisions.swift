import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Object: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Object to a suggestion: it cannot merge until you resolve the objection.")

        @Argument(help: "The suggestion's id (a unique prefix will do).")
        var id: String

        @Option(name: .shortAndLong, help: "Why: what would have to change.")
        var message: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let result = try options.open().object(id, reason: message)
            if options.json { return try Output.json(result) }
            print("Objection \(Output.short(result.id)) raised on \(Output.short(result.suggestion)); it blocks merging until you run: quorum resolve \(Output.short(result.suggestion))")
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift an objection you raised.")

        @Argument(help: "The suggestion's id (a unique prefix will do).")
        var id: String

        @Argument(help: "The objection's id (default: your one open objection on it).")
        var objection: String?

        @OptionGroup var options: CommonOptions

        func run() throws {
            let result = try options.open().resolve(id, objection: objection)
            if options.json { return try Output.json(result) }
            print("Objection resolved on \(Output.short(result.suggestion)); \(result.openObjections) still open; it is \(result.state.rawValue)")
        }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take back your own suggestion. It stays in the history and can no longer merge.")

        @Argument(help: "The suggestion's id (a unique prefix will do).")
        var id: String

        @Option(name: .shortAndLong, help: "Why (optional).")
        var message: String?

        @OptionGroup var options: CommonOptions

        func run() throws {
            let result = try options.open().withdraw(id, reason: message)
            if options.json { return try Output.json(result) }
            print("Withdrew \(Output.short(result.suggestion))")
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn a suggestion down (approvers of its round and leads). It stays in the history and can no longer merge.")

        @Argument(help: "The suggestion's id (a unique prefix will do).")
        var id: String

        @Option(name: .shortAndLong, help: "Why it is turned down.")
        var message: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let result = try options.open().reject(id, reason: message)
            if options.json { return try Output.json(result) }
            print("Rejected \(Output.short(result.suggestion))")
        }
    }
}
