import Foundation
import QuorumGit

/// The server-side git hooks Quorum ships (`hooks/pre-receive` and
/// `hooks/post-receive` in its sources, kept identical to `script(_:)`),
/// and installing them into a shared bare repository.
public enum ServerHooks {
    public static let names = ["pre-receive", "post-receive"]
    /// Bumped whenever the scripts change, so `check` can tell an old install.
    public static let format = 1

    /// The hook script `name`. With `binary`, it runs that quorum
    /// executable; without, the `quorum` found on the PATH (as shipped).
    public static func script(_ name: String, binary: String? = nil) -> String {
        let header: String
        switch name {
        case "pre-receive":
            header = """
                # Quorum pre-receive hook (hooks format \(format)).
                #
                # Refuses a push that breaks the review rules: deleting or rewinding
                # review refs or round branches; round-branch commits that are not merges
                # of suggestions holding enough independent approvals (or allowed pair
                # edits, or a lead's round or version action); malformed events; moving
                # or deleting version tags; writes to closed rounds.
                """
        default:
            header = """
                # Quorum post-receive hook (hooks format \(format)).
                #
                # Sends each new review event as one line of JSON to the standard input
                # of the command set with 'git config quorum.notify COMMAND' (run with
                # sh -c in this repository); does nothing when none is set.
                """
        }
        let program = binary.map(shellQuoted) ?? "quorum"
        return """
            #!/bin/sh
            \(header)
            #
            # Install with 'quorum hooks install BARE_REPO' (see the README, "Shared
            # repositories"); check with 'quorum hooks check BARE_REPO'.
            exec \(program) hook \(name)

            """
    }

    /// How one installed hook stands.
    public struct Status: Codable, Sendable {
        public enum State: String, Codable, Sendable {
            /// Installed, as this quorum would install it, and runnable.
            case current
            case missing
            /// Quorum's, from an older quorum, or edited since.
            case outdated
            /// Someone else's hook is there.
            case foreign
            case notExecutable = "not-executable"
            /// The quorum executable it runs is not there.
            case binaryMissing = "binary-missing"
        }
        public let name: String
        public let path: String
        public let state: State
        /// The quorum executable the hook runs.
        public let binary: String?
    }

    /// Installs both hooks into the bare repository at `path`, running the
    /// quorum executable `binary`. Refuses to replace a hook that is not
    /// Quorum's unless `force`.
    public static func install(into path: String, binary: String, force: Bool = false) throws -> [Status] {
        let directory = try hooksDirectory(path)
        for name in names {
            let file = (directory as NSString).appendingPathComponent(name)
            if !force, let existing = FileManager.default.contents(atPath: file),
               !String(decoding: existing, as: UTF8.self).contains("# Quorum \(name) hook") {
                throw QuorumError.refused(
                    "\(file) exists and is not Quorum's hook; it was left as it is",
                    remedy: "merge it by hand (it must run '\(binary) hook \(name)' with its standard input), or replace it with 'quorum hooks install --force'")
            }
        }
        for name in names {
            let file = (directory as NSString).appendingPathComponent(name)
            do {
                try LocalFile.replace(file, with: Data(utf8: script(name, binary: binary)), permissions: 0o755)
            } catch {
                let reason = (error as? POSIXError).map { String(cString: strerror($0.code.rawValue)) } ?? "\(error)"
                throw QuorumError(.failure, "could not write \(file): \(reason)")
            }
        }
        // A shared repository made with 'git init --bare' names an unborn
        // main: name a round instead, so a clone has something to check out.
        if let git = try? Repository.open(at: path) { SharedRepository(git: git).pointHeadAtActiveRound() }
        return try check(path)
    }

    /// Whether both hooks are installed in the bare repository at `path`,
    /// as this quorum would install them, and runnable.
    public static func check(_ path: String) throws -> [Status] {
        let directory = try hooksDirectory(path)
        return names.map { name in
            let file = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: file) else {
                return Status(name: name, path: file, state: .missing, binary: nil)
            }
            let text = String(decoding: data, as: UTF8.self)
            guard text.contains("# Quorum \(name) hook") else {
                return Status(name: name, path: file, state: .foreign, binary: nil)
            }
            let binary = execTarget(in: text, hook: name)
            guard let binary, text == script(name, binary: binary == "quorum" ? nil : binary) else {
                return Status(name: name, path: file, state: .outdated, binary: binary)
            }
            guard FileManager.default.isExecutableFile(atPath: file) else {
                return Status(name: name, path: file, state: .notExecutable, binary: binary)
            }
            guard isRunnable(binary) else {
                return Status(name: name, path: file, state: .binaryMissing, binary: binary)
            }
            return Status(name: name, path: file, state: .current, binary: binary)
        }
    }

    /// The hooks directory of the bare repository at `path` (honouring
    /// `core.hooksPath`). Throws a usage error when `path` is not a bare
    /// repository.
    private static func hooksDirectory(_ path: String) throws -> String {
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let git: Repository
        do {
            git = try Repository.open(at: resolved)
        } catch let error as GitError {
            if let explained = ReviewRepository.openFailure(error, at: resolved) { throw explained }
            throw QuorumError(.usage, "no git repository at \(path)", remedy: "create the shared repository with 'git init --bare \(path)'", cause: error)
        }
        let found = URL(fileURLWithPath: git.gitDirectory).standardizedFileURL.resolvingSymlinksInPath().path
        guard found == resolved else {
            throw QuorumError.usage("no git repository at \(path) (it is inside \(found))", remedy: "create the shared repository with 'git init --bare \(path)'")
        }
        guard git.isBare else {
            throw QuorumError.usage(
                "\(path) is not a bare repository",
                remedy: "hooks guard the shared bare repository everyone pushes to; make one with 'git clone --bare \(path) shared.git'")
        }
        if let configured = try git.configString("core.hooksPath"), !configured.isEmpty {
            return configured.hasPrefix("/") ? configured : (resolved as NSString).appendingPathComponent(configured)
        }
        return (resolved as NSString).appendingPathComponent("hooks")
    }

    /// The program of the script's `exec … hook NAME` line.
    private static func execTarget(in script: String, hook name: String) -> String? {
        guard let line = script.split(separator: "\n").last(where: { $0.hasPrefix("exec ") }) else { return nil }
        let suffix = " hook \(name)"
        guard line.hasSuffix(suffix) else { return nil }
        let program = String(line.dropFirst("exec ".count).dropLast(suffix.count))
        guard program.hasPrefix("'") else { return program }
        guard program.count >= 2, program.hasSuffix("'") else { return nil }
        return String(program.dropFirst().dropLast()).replacingOccurrences(of: "'\\''", with: "'")
    }

    private static func isRunnable(_ program: String) -> Bool {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    }

    private static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
