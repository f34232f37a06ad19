import ArgumentParser
import Foundation
import QuorumCore
import QuorumGit

@main
struct Quorum: ParsableCommand {
    /// `quorum --version` prints it (before any parsing: see `main`). Not
    /// the configuration's `version`, which ArgumentParser would list as
    /// a `--version` option of every command, beside the `--version V` of
    /// `cat` and `export`.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "quorum",
        abstract: "RFC-style review of documents stored in git.",
        discussion: """
            A working group proposes a document, suggests edits, and merges each \
            suggestion once two people other than its author have approved it. \
            Everything is stored in the git repository as ordinary commits and refs.

            The version: quorum --version.

            Exit status: 0 success, 1 refused (a rule said no), 3 a listing \
            (list, status, inbox, show) met events it could not read and shows \
            what they belong to as damaged, 64 bad usage or input, 70 the \
            repository could not be read or written.
            """,
        subcommands: [
            Init.self, Members.self, Propose.self, Suggest.self, Revise.self, Rebase.self, Approve.self,
            Object.self, Resolve.self, Withdraw.self, Reject.self, Merge.self, Edit.self, Comment.self,
            Fork.self, Rounds.self, Cut.self, Versions.self, Diff.self, Export.self,
            Status.self, List.self, Inbox.self, Show.self, Log.self, Cat.self,
            Sync.self, Hooks.self, Hook.self, Verify.self, PolicyCommand.self, AllowedSigners.self,
        ]
    )

    /// What the library did on the side (a stale lock removed), on standard error.
    static func printNotices() {
        for notice in Notices.drain() { Output.error("quorum: note: \(notice)") }
    }

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        // `quorum --version` needs nothing but the version (as git's does).
        if arguments == ["--version"] {
            Output.line(version)
            return
        }
        keepFreedMemoryUntilExit()
        if let unknown = FastParse.unknownCommand(arguments) {
            Output.error("quorum: \(unknown)")
            Foundation.exit(64)
        }
        var parsed = false
        do {
            var command = try FastParse.leaf(arguments) ?? parseAsRoot()
            parsed = true
            if Output.fields != nil, !(((command as? FastParse.Parsed)?.parsed ?? command) is ReadsOnly) {
                Output.error("quorum: --fields selects from what a command that only reads prints\nhint: leave --fields out here (the JSON names what was done); use it with list, status, show, inbox, log, rounds, versions, cat, diff, export, verify, member list")
                Foundation.exit(64)
            }
            defer { printNotices() }
            try command.run()
            // The last hold on the repository (the JSON's roster names):
            // letting it go releases it, which writes its caches.
            Output.names = nil
        } catch let error as QuorumError {
            // A full disk or an unwritable repository is said as what it is.
            let explained = error.explained(repository: CommonOptions.repository)
            Output.error("quorum: \(explained)")
            Foundation.exit(explained.exitCode)
        } catch let error as GitError {
            if let explained = QuorumError.explaining(error, repository: CommonOptions.repository) {
                Output.error("quorum: \(explained)")
                Foundation.exit(explained.exitCode)
            }
            Output.error("quorum: git error: \(error)")
            Foundation.exit(70)
        } catch {
            // Help and --version as ArgumentParser prints them (exit 0).
            guard exitCode(for: error) != .success else { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty {
                Output.error(parsed
                    ? UsageError.afterParsing(error, command: FastParse.path(arguments))
                    : UsageError.fromParser(message, arguments: arguments))
            }
            Foundation.exit(exitCode(for: error).rawValue)
        }
    }
}

/// ArgumentParser's errors (a usage error, a failed validation) said as
/// Quorum says its own, as git says its usage errors: `quorum: what was
/// wrong`, the usage line, and `hint:` what to do.
enum UsageError {
    /// `message` as ArgumentParser writes it while parsing (`Error: …`,
    /// `Usage: …`, `  See 'quorum X --help' for more information.`).
    static func fromParser(_ message: String, arguments: [String]) -> String {
        var lines: [String] = []
        var hints: [String] = []
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Error: ") {
                lines.append("quorum: " + line.dropFirst("Error: ".count))
            } else if line.hasPrefix("Usage: ") {
                lines.append("usage: " + line.dropFirst("Usage: ".count))
            } else if trimmed.hasPrefix("See '"), let help = trimmed.split(separator: "'").dropFirst().first {
                hints.append("see '\(help)' for its arguments and options")
            } else if !trimmed.isEmpty {
                lines.append(String(line))
            }
        }
        // gh's habit: `--json id,state` selects fields; here --fields does.
        if let json = arguments.firstIndex(where: { $0 == "--json" || $0.hasPrefix("--json=") }),
           arguments[json].hasPrefix("--json=") || (json + 1 < arguments.count && arguments[json + 1].contains(",") && !arguments[json + 1].hasPrefix("-")) {
            hints.insert("to choose fields, name them with --fields: '--json --fields id,state' (gh's '--json id,state')", at: 0)
        }
        return (lines + hints.map { "hint: " + $0 }).joined(separator: "\n")
    }

    /// An error a command threw while it ran (a `ValidationError` of its
    /// input), which ArgumentParser would print with the root's usage.
    static func afterParsing(_ error: Error, command: String?) -> String {
        let text = (error as? ValidationError)?.message ?? String(describing: error)
        return "quorum: \(text)" + (command.map { "\nhint: see '\($0) --help'" } ?? "")
    }
}

/// Parsing a command line straight into the command it names.
///
/// ArgumentParser's `parseAsRoot` reflects on the root command, on the
/// pseudo-commands of `--generate-completion-script` (on every run) and on
/// the command named, and each reflection asks the Swift runtime about
/// protocol conformances, which scans every conformance record in the
/// binary: a third of `quorum member list`'s start-up. Naming the command
/// by its position (`member list`, `suggest`) and parsing only it, as a
/// root that has a super-command (which ArgumentParser spares the
/// completion check), costs a fraction of that. Anything unusual (help,
/// completion scripts, a name that is no command) and any error take the
/// whole way, so that help, usage and error messages are ArgumentParser's
/// own.
enum FastParse {
    /// The command `arguments` name, parsed; nil when they should take the
    /// whole way.
    static func leaf(_ arguments: [String]) -> ParsableCommand? {
        guard case .command(let command, _, let rest) = walk(arguments[...]) else { return nil }
        // An array, not a Set: a Set<String> costs a conformance scan of
        // the binary (String: Hashable) that nothing else on the way needs.
        let special = ["-h", "--help", "-help", "help", "--version", "--experimental-dump-help"]
        if rest.contains(where: { special.contains($0) || $0.hasPrefix("--generate-completion-script") }) { return nil }
        return parse(command, Array(rest))
    }

    /// The words naming the command `arguments` name (`quorum member
    /// list`), or nil when they name none.
    static func path(_ arguments: [String]) -> String? {
        guard case .command(_, let path, _) = walk(arguments[...]) else { return nil }
        return path
    }

    /// What to say when `arguments` name a command that does not exist
    /// (`quorum approv 8a49`), with the commands it is close to, as git
    /// does; nil when they name one, or name none (help, options).
    static func unknownCommand(_ arguments: [String]) -> String? {
        // `quorum help NAME…` names a command too.
        if arguments.first == "help" { return unknownCommand(Array(arguments.dropFirst())) }
        guard case .unknown(let name, let path, let names) = walk(arguments[...]) else { return nil }
        let hint = DidYouMean.hint(for: name, among: names) ?? "see '\(path) --help' for the commands there are"
        return "'\(name)' is not a '\(path)' command\nhint: \(hint)"
    }

    /// Where the words of a command line lead through the commands.
    private enum Walk {
        /// A command with no subcommands, the words naming it
        /// (`quorum member list`), and the words after its name.
        case command(ParsableCommand.Type, path: String, ArraySlice<String>)
        /// A word that names none of the subcommands of `path` (`quorum member`).
        case unknown(String, path: String, subcommands: [String])
        /// No word where a subcommand's name was due (an option, or nothing).
        case open
    }

    private static func walk(_ arguments: ArraySlice<String>) -> Walk {
        var command: ParsableCommand.Type = Quorum.self
        var path = ["quorum"]
        var rest = arguments
        while !command.configuration.subcommands.isEmpty {
            guard let name = rest.first, !name.hasPrefix("-") else { return .open }
            let subcommands = command.configuration.subcommands
            guard let next = subcommands.first(where: { $0.configuration.commandName == name }) else {
                return .unknown(name, path: path.joined(separator: " "), subcommands: subcommands.compactMap { $0.configuration.commandName })
            }
            command = next
            path.append(name)
            rest = rest.dropFirst()
        }
        return .command(command, path: path.joined(separator: " "), rest)
    }

    private static func parse<C: ParsableCommand>(_ type: C.Type, _ arguments: [String]) -> ParsableCommand? {
        guard let parsed = try? Leaf<C>.parseAsRoot(arguments) as? Leaf<C> else { return nil }
        return parsed
    }

    /// A command parsed the fast way: the command inside.
    protocol Parsed { var parsed: ParsableCommand { get } }

    /// A command parsed as a root with a super-command.
    struct Leaf<C: ParsableCommand>: ParsableCommand, Parsed {
        var parsed: ParsableCommand { command }

        static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: C.configuration.commandName, _superCommandName: "quorum")
        }

        @OptionGroup var command: C

        // ArgumentParser has validated `command` while decoding the group.
        mutating func run() throws {
            try command.run()
        }
    }
}

/// A command that only reads, whose `--json` output `--fields` may select
/// from. A command that changes something would meet an unknown field only
/// after making its change, so `--fields` is refused there before it runs.
protocol ReadsOnly {}

extension Quorum.List: ReadsOnly {}
extension Quorum.Status: ReadsOnly {}
extension Quorum.Show: ReadsOnly {}
extension Quorum.Inbox: ReadsOnly {}
extension Quorum.Log: ReadsOnly {}
extension Quorum.Rounds: ReadsOnly {}
extension Quorum.Versions: ReadsOnly {}
extension Quorum.Cat: ReadsOnly {}
extension Quorum.Diff: ReadsOnly {}
extension Quorum.Export: ReadsOnly {}
extension Quorum.Verify: ReadsOnly {}
extension Quorum.Members.List: ReadsOnly {}
