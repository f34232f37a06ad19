import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Members: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "member",
            abstract: "Manage the roster: who takes part, in which groups, and who leads.",
            subcommands: [Add.self, List.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add",
                abstract: "Add someone to the roster, or update them (leads only).",
                discussion: """
                    Adding someone who is already there updates them: a given --name or \
                    --group replaces the old value, --lead / --no-lead sets the lead flag, \
                    and what is not given stays as it was. A new member without --group \
                    joins 'working-group'. Every change is recorded with who made it.
                    """)

            @Argument(help: "Their email, as in their git config.")
            var email: String

            @Option(help: "Their name (required for someone new).")
            var name: String?

            @Option(name: .customLong("group"), help: ArgumentHelp("A group they belong to; repeat for several.", valueName: "GROUP"))
            var groups: [String] = []

            @Flag(inversion: .prefixedNo, help: "Make them a lead (or, with --no-lead, no longer one).")
            var lead: Bool?

            @OptionGroup var options: CommonOptions

            func run() throws {
                let repo = try options.open()
                let result = try repo.addMember(email: email, name: name, groups: groups, lead: lead)
                if options.json {
                    struct Output_: Encodable { let id: String; let added: Bool; let member: QuorumCore.Member }
                    try Output.json(Output_(id: result.event.hex, added: result.added, member: result.member))
                } else {
                    let m = result.member
                    print("\(result.added ? "Added" : "Updated") \(m.formatted): groups \(m.groups.joined(separator: ", "))\(m.lead ? ", lead" : "")")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List the roster.")

            @OptionGroup var options: CommonOptions

            func run() throws {
                let roster = try options.open().roster()
                if options.json {
                    struct Result: Encodable { let policy: Policy; let members: [QuorumCore.Member] }
                    try Output.json(Result(policy: roster.policy, members: roster.members))
                    return
                }
                let width = max(20, (roster.members.map { $0.email.count }.max() ?? 0) + 2)
                for m in roster.members {
                    print("\(Output.pad(m.email, width))\(Output.pad(m.name, 22))\(m.groups.joined(separator: ","))\(m.lead ? "  (lead)" : "")")
                }
            }
        }
    }
}
