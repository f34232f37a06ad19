import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resolve",
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
}
