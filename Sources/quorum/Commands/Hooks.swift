import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Hooks: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hooks",
            abstract: "Install or check the server-side hooks of a shared bare repository.", discussion: """
                Examples:
                  quorum hooks install /srv/git/career-framework.git
                """,
            subcommands: [Install.self, Check.self])

        struct Install: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "install",
                abstract: "Install the pre-receive and post-receive hooks into a bare repository.",
                discussion: """
                    The hooks run this quorum executable (or the one given with \
                    --binary), which must stay where it is. A hook that is not \
                    Quorum's is left alone unless --force.

                    Examples:
                      quorum hooks install /srv/git/career-framework.git
                    """)

            @Argument(help: "The shared bare repository.")
            var bare: String

            @Option(help: "The quorum executable the hooks run (default: this one).")
            var binary: String?

            @Flag(help: "Replace hooks that are not Quorum's.")
            var force = false

            @Flag(name: .long, help: "Print the result as JSON.")
            var json = false

            func run() throws {
                let program = try binary.map { path -> String in
                    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
                    guard FileManager.default.isExecutableFile(atPath: absolute) else {
                        throw ValidationError("--binary \(path) is not an executable file")
                    }
                    return absolute
                } ?? Self.runningExecutable()
                let statuses = try ServerHooks.install(into: bare, binary: program, force: force)
                if json { return try Output.json(statuses) }
                for status in statuses { Output.line("Installed \(status.path) (runs \(status.binary ?? program))") }
            }

            static func runningExecutable() -> String {
                if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return link }
                return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
            }
        }

        struct Check: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "check",
                abstract: "Say whether a bare repository's hooks are installed and current (exit 1 if not).", discussion: """
                    Examples:
                      quorum hooks check /srv/git/career-framework.git
                    """)

            @Argument(help: "The shared bare repository.")
            var bare: String

            @Flag(name: .long, help: "Print the result as JSON.")
            var json = false

            func run() throws {
                let statuses = try ServerHooks.check(bare)
                if json {
                    try Output.json(statuses)
                } else {
                    for status in statuses {
                        Output.line("\(Output.pad(status.name, 13)) \(describe(status))")
                    }
                }
                if statuses.contains(where: { $0.state != .current }) { throw ExitCode(1) }
            }

            private func describe(_ status: ServerHooks.Status) -> String {
                switch status.state {
                case .current: return "installed and current (runs \(status.binary ?? "quorum"))"
                case .missing: return "missing: run 'quorum hooks install \(bare)'"
                case .outdated: return "outdated or edited: run 'quorum hooks install \(bare)' to renew it"
                case .foreign: return "\(status.path) is not Quorum's hook"
                case .notExecutable: return "not executable: chmod +x \(status.path)"
                case .binaryMissing: return "the quorum it runs (\(status.binary ?? "?")) is missing: run 'quorum hooks install \(bare)'"
                }
            }
        }
    }
}
