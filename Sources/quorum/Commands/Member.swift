import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Members: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "member",
            abstract: "Manage the roster: who takes part, in which groups, and who leads.", discussion: """
                Examples:
                  quorum member list
                  quorum member add ben@example.com --name "Ben Okafor"
                """,
            subcommands: [Add.self, Import.self, List.self, Key.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add",
                abstract: "Add someone to the roster, or update them (leads only).",
                discussion: """
                    Adding someone who is already there updates them: a given --name or \
                    --group replaces the old value, --lead / --no-lead sets the lead flag, \
                    and what is not given stays as it was. A new member without --group \
                    joins 'working-group'. Every change is recorded with who made it.

                    Examples:
                      quorum member add ben@example.com --name "Ben Okafor"
                      quorum member add cai@example.com --group managers --lead
                    """)

            @Argument(help: "Their email, as in their git config.")
            var email: String

            @Option(help: "Their name (required for someone new).")
            var name: String?

            @Option(name: .customLong("group"), help: ArgumentHelp("A group they belong to; repeat for several.", valueName: "GROUP"))
            var groups: [String] = []

            @Flag(inversion: .prefixedNo, help: "Make them a lead (or, with --no-lead, no longer one).")
            var lead: Bool?

            @Option(name: .customLong("ssh-key"), help: ArgumentHelp("Their SSH public key, as one line ('ssh-ed25519 AAAA… comment'); repeat for several.", valueName: "KEY"))
            var sshKeys: [String] = []

            @Option(name: .customLong("ssh-key-file"), help: ArgumentHelp("A file holding their SSH public key (such as id_ed25519.pub); repeat for several.", valueName: "PATH"), completion: .file())
            var sshKeyFiles: [String] = []

            @OptionGroup var options: CommonOptions

            func run() throws {
                let repo = try options.open()
                let keys = try sshKeys.map(parseKey) + sshKeyFiles.map(readKeyFile)
                let result = try repo.addMember(email: email, name: name, groups: groups, lead: lead, keys: keys)
                if options.json {
                    struct Output_: Encodable { let id: String; let added: Bool; let member: QuorumCore.Member }
                    try Output.json(Output_(id: result.event.hex, added: result.added, member: result.member))
                } else {
                    let m = result.member
                    Output.line("\(result.added ? "Added" : "Updated") \(m.formatted): groups \(m.groups.joined(separator: ", "))\(m.lead ? ", lead" : "")")
                    for key in keys { Output.line("Added SSH key \(key.fingerprint) (\(key.algorithm)) for \(m.email)") }
                }
            }
        }

        struct Import: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "import",
                abstract: "Add or update many members from a CSV file, in one roster update (leads only).",
                discussion: """
                    The file's first row names its columns, in any order: email (required), \
                    name (required for someone new), groups (group names separated by ';' or \
                    spaces: the member's groups become exactly these) and lead (yes or no). An \
                    empty cell keeps what the roster has; a new member with no groups joins \
                    working-group. Every row is checked before anything is written: a bad row \
                    imports nothing. Spreadsheets write it with 'Save as CSV UTF-8'.

                    Example:
                      email,name,groups,lead
                      ana@example.com,Ana Lima,working-group;managers,yes
                      ben@example.com,Ben Okafor,everyone,

                    Examples:
                      quorum member import people.csv --dry-run
                      quorum member import people.csv
                    """)

            @Argument(help: ArgumentHelp("The CSV file ('-' for stdin).", valueName: "FILE"), completion: .file(extensions: ["csv"]))
            var file: String

            @Flag(help: "Say what would change, and write nothing.")
            var dryRun = false

            @OptionGroup var options: CommonOptions

            func run() throws {
                let repo = try options.open()
                let data: Data
                if file == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else {
                    guard let read = FileManager.default.contents(atPath: file) else {
                        throw ValidationError("cannot read \(file): give the path of a readable CSV file, or '-' for stdin")
                    }
                    data = read
                }
                let read = try ReviewRepository.memberRows(csv: data, source: file == "-" ? "stdin" : file)
                let result = try repo.importMembers(read, dryRun: dryRun)
                if options.json { return try Output.json(result) }
                let verb = result.dryRun ? "Would add" : "Added"
                Output.line("\(verb) \(result.added), \(result.dryRun ? "update" : "updated") \(result.updated); \(result.unchanged) unchanged\(result.dryRun ? " (dry run: nothing written)" : "")")
                let width = max(20, (result.changes.map { $0.member.email.count }.max() ?? 0) + 2)
                for change in result.changes where change.action != "unchanged" {
                    let m = change.member
                    Output.line("  \(change.action == "add" ? "+" : "~") \(Output.pad(m.email, width))\(Output.pad(m.name, 22))\(m.groups.joined(separator: ","))\(m.lead ? "  (lead)" : "")")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List the roster.", discussion: """
                    Examples:
                      quorum member list
                      quorum member list --keys
                    """)

            @Flag(help: "Show each member's SSH keys and when each is valid.")
            var keys = false

            @OptionGroup var options: CommonOptions

            func run() throws {
                let roster = try options.open().roster()
                Output.page()  // long output: through the pager on a terminal (never for JSON)
                if options.json {
                    struct Result: Encodable { let policy: Policy; let members: [QuorumCore.Member]; let keys: [MemberKey] }
                    try Output.json(Result(policy: roster.policy, members: roster.members, keys: roster.keys))
                    return
                }
                let width = max(20, (roster.members.map { $0.email.count }.max() ?? 0) + 2)
                for m in roster.members {
                    let held = roster.keys(of: m.email)
                    let signing = held.contains { $0.validBefore == nil } ? "" : (roster.requiresSignatures ? "  (no key: cannot sign)" : "")
                    Output.line("\(Output.pad(m.email, width))\(Output.pad(m.name, 22))\(m.groups.joined(separator: ","))\(m.lead ? "  (lead)" : "")\(signing)")
                    guard keys else { continue }
                    for key in held {
                        let window = key.validBefore.map { "revoked \(Output.date($0))" } ?? "since \(Output.date(key.validAfter))"
                        Output.line("    \(key.key.fingerprint) \(key.key.algorithm)  \(window)")
                    }
                }
                Output.line("Signatures: \(roster.requiresSignatures ? "required" : "not required")")
            }
        }

        struct Key: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "key",
                abstract: "Record or revoke a member's SSH signing key (leads only).",
                discussion: """
                    A key is valid from the moment it is added until it is revoked: what was \
                    signed with it before a revocation stays valid, nothing signed after is. \
                    KEY is a public key line ('ssh-ed25519 AAAA… comment', quoted) or a file \
                    holding one (such as ~/.ssh/id_ed25519.pub).

                    Examples:
                      quorum member key add ben@example.com ~/.ssh/id_ed25519.pub
                    """,
                subcommands: [AddKey.self, RevokeKey.self])
        }

        struct AddKey: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "add", abstract: "Record an SSH key as a member's, valid from now on.", discussion: """
                Examples:
                  quorum member key add ben@example.com ~/.ssh/id_ed25519.pub
                """)

            @Argument(help: "The member's email.")
            var email: String

            @Argument(help: ArgumentHelp("The public key line, or a file holding it.", valueName: "KEY"))
            var key: String

            @OptionGroup var options: CommonOptions

            func run() throws { try changeKey(email: email, key: key, options: options, revoke: false) }
        }

        struct RevokeKey: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a member's SSH key from now on.", discussion: """
                Examples:
                  quorum member key revoke ben@example.com ~/.ssh/id_ed25519.pub
                """)

            @Argument(help: "The member's email.")
            var email: String

            @Argument(help: ArgumentHelp("The public key line, or a file holding it.", valueName: "KEY"))
            var key: String

            @OptionGroup var options: CommonOptions

            func run() throws { try changeKey(email: email, key: key, options: options, revoke: true) }
        }
    }
}

/// `member key add` and `member key revoke`.
private func changeKey(email: String, key: String, options: CommonOptions, revoke: Bool) throws {
    let parsed = try keyArgument(key)
    let repo = try options.open()
    let event = revoke ? try repo.revokeKey(email: email, key: parsed) : try repo.addKey(email: email, key: parsed)
    if options.json {
        struct Result: Encodable { let id: String; let member: PersonJSON; let fingerprint: String; let revoked: Bool }
        try Output.json(Result(id: event.hex, member: PersonJSON(name: Output.names?()[email.lowercased()], email: email), fingerprint: parsed.fingerprint, revoked: revoke))
    } else if revoke {
        Output.line("Revoked SSH key \(parsed.fingerprint) of \(email); what it signed before stays valid, nothing signed with it from now on does")
    } else {
        Output.line("Added SSH key \(parsed.fingerprint) (\(parsed.algorithm)) for \(email)")
    }
}

/// A key given as a line, or as a file holding one.
func keyArgument(_ argument: String) throws -> SSHPublicKey {
    if !argument.contains(" "), FileManager.default.fileExists(atPath: argument) { return try readKeyFile(argument) }
    return try parseKey(argument)
}

func parseKey(_ line: String) throws -> SSHPublicKey {
    do {
        return try SSHPublicKey(line: line)
    } catch {
        throw ValidationError("'\(line.prefix(40))' is not an SSH public key Quorum takes (\(error)); give a line such as 'ssh-ed25519 AAAA… comment', as in ~/.ssh/id_ed25519.pub")
    }
}

func readKeyFile(_ path: String) throws -> SSHPublicKey {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    let text = String(decoding: data, as: UTF8.self)
    if text.contains("PRIVATE KEY") { throw ValidationError("\(path) is a private key; give the public one (\(path).pub)") }
    return try parseKey(text.trimmingCharacters(in: .whitespacesAndNewlines))
}
