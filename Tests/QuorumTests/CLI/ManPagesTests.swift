import Foundation
import XCTest

/// The manual pages `make install` installs: generated from the command
/// definitions by scripts/man-pages.sh, named as git names its own.
final class ManPagesTests: QuorumTestCase {
    func testEveryCommandHasAPageNamedAsGitNamesItsOwn() throws {
        let binary = URL(fileURLWithPath: TestEnvironment.binary)
        let generate = binary.deletingLastPathComponent().appendingPathComponent("generate-manual").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: generate), "make test builds generate-manual beside quorum")
        let out = tmp.appendingPathComponent("man")
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/man-pages.sh").path
        let made = try execute("/bin/sh", [script, generate, binary.path, out.path], environment: environment(for: nil))
        XCTAssertEqual(made.status, 0, made.stderr)
        let pages = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        for page in ["quorum.1", "git-quorum.1", "quorum-suggest.1", "quorum-member-import.1", "quorum-member-key-add.1", "quorum-hooks-install.1"] {
            XCTAssertTrue(pages.contains(page), "\(page) in \(pages.sorted())")
        }
        XCTAssertFalse(pages.contains { $0.hasPrefix("quorum.") && $0 != "quorum.1" }, "no generator-style names: \(pages.sorted())")
        for page in pages {
            let text = try String(contentsOf: out.appendingPathComponent(page), encoding: .utf8)
            // Every page it points to exists.
            for line in text.split(separator: "\n") where line.hasPrefix(".Xr ") {
                let name = line.split(separator: " ")[1]
                XCTAssertTrue(pages.contains("\(name).1"), "\(page) refers to \(name)")
            }
            // groff renders it without a complaint.
            let rendered = try execute("/usr/bin/groff", ["-mandoc", "-Tutf8", "-ww", out.appendingPathComponent(page).path], environment: environment(for: nil))
            XCTAssertEqual(rendered.status, 0)
            XCTAssertEqual(rendered.stderr, "", "\(page): \(rendered.stderr)")
        }
        let suggest = try execute("/usr/bin/groff", ["-mandoc", "-Tutf8", out.appendingPathComponent("quorum-suggest.1").path], environment: environment(for: nil))
        XCTAssertTrue(suggest.stdout.contains("--rename") || suggest.stdout.contains("rename"), "the page documents the command's options")
    }
}

/// Tab completion (`make install` installs the scripts): subcommands,
/// slugs, open suggestions' ids, a proposal's documents and `--state`
/// values, read from the repository the shell is in.
final class CompletionTests: QuorumTestCase {
    /// What bash completes for `words` (the last one being typed) in the repository.
    private func complete(_ words: [String]) throws -> [String] {
        let script = try write(try runOK(["--generate-completion-script", "bash"]).stdout, to: "quorum.bash")
        let quoted = (["quorum"] + words).map { "'\($0)'" }.joined(separator: " ")
        let previous = words.count >= 2 ? words[words.count - 2] : "quorum"
        let program = """
            source '\(script)'
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count)
            COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
            _quorum quorum '\(words.last ?? "")' '\(previous)'
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        var environment = environment(for: .ana)
        environment["PATH"] = URL(fileURLWithPath: TestEnvironment.binary).deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
        let result = try execute("/bin/bash", ["-c", program], environment: environment, in: repo)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.split(separator: "\n").map(String.init)
    }

    func testSlugsIdsDocumentsAndStatesComplete() throws {
        try careerSteps()
        let id = try suggest(replacingLine(3, of: TestEnvironment.framework, with: "Completed."), message: "X", as: .ben).id
        XCTAssertTrue(try complete(["sugg"]).contains("suggest"))
        XCTAssertEqual(try complete(["status", ""]), ["career-steps"])
        XCTAssertEqual(try complete(["approve", ""]), [String(id.prefix(8))])
        XCTAssertEqual(Set(try complete(["show", ""])), ["career-steps", String(id.prefix(8))])
        XCTAssertEqual(try complete(["cat", "career-steps", ""]), ["framework.md"])
        XCTAssertTrue(try complete(["list", "--state", ""]).contains("conflicted"))
    }

    /// What git's own bash completion (the git package's) completes for
    /// `words` (as bash splits them: at spaces, and at '=' and ':'), with
    /// the completions installed as `make install` installs them: quorum's
    /// generated script as completions/quorum, scripts/git-quorum-completion.bash
    /// as completions/git-quorum. With `loader`, bash-completion's framework
    /// finds git-quorum as it does for a user; without, it is sourced by
    /// hand, as the README says for a shell without bash-completion.
    private func gitComplete(_ words: [String], loader: Bool) throws -> [String] {
        let share = tmp.appendingPathComponent("share")
        let completions = share.appendingPathComponent("bash-completion/completions")
        let bin = tmp.appendingPathComponent("bin")
        if !FileManager.default.fileExists(atPath: completions.path) {
            try FileManager.default.createDirectory(at: completions, withIntermediateDirectories: true)
            try Data(try runOK(["--generate-completion-script", "bash"]).stdoutData).write(to: completions.appendingPathComponent("quorum"))
            try FileManager.default.copyItem(
                at: TestEnvironment.packageRoot.appendingPathComponent("scripts/git-quorum-completion.bash"),
                to: completions.appendingPathComponent("git-quorum"))
            // `git quorum` runs git-quorum from PATH, a link to quorum as make install makes it.
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("git-quorum").path, withDestinationPath: TestEnvironment.binary)
        }
        let git = "/usr/share/bash-completion/completions/git"
        XCTAssertTrue(FileManager.default.fileExists(atPath: git), "git's bash completion, from the git package")
        let framework = "/usr/share/bash-completion/bash_completion"
        XCTAssertTrue(!loader || FileManager.default.fileExists(atPath: framework), "bash-completion (make deps installs it)")
        let quoted = words.map { "'\($0)'" }.joined(separator: " ")
        let setUp = loader
            ? "source '\(framework)'; _completion_loader git"
            : "source '\(completions.path)/git-quorum'; source '\(git)'"
        let program = """
            \(setUp)
            \(loader ? "declare -F _git_quorum >/dev/null && echo 'loaded too early' >&2" : "")
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1)
            COMP_LINE='\(words.joined(separator: " ").replacingOccurrences(of: " = ", with: "="))'; COMP_POINT=${#COMP_LINE}
            __git_wrap__git_main git '\(words.last ?? "")' '\(words.count >= 2 ? words[words.count - 2] : "")'
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        var environment = environment(for: .ana)
        environment["PATH"] = bin.path + ":" + URL(fileURLWithPath: TestEnvironment.binary).deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
        environment["XDG_DATA_DIRS"] = share.path + ":/usr/share"
        let result = try execute("/bin/bash", ["-c", program], environment: environment, in: repo)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "git-quorum is loaded when git's completion asks for it, not before")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    func testGitQuorumCompletesAsQuorumDoes() throws {
        try careerSteps()
        let id = try suggest(replacingLine(3, of: TestEnvironment.framework, with: "Completed."), message: "X", as: .ben).id
        for loader in [true, false] {
            // git offers quorum among its commands (git-quorum is on PATH)…
            XCTAssertEqual(try gitComplete(["git", "quo"], loader: loader), ["quorum "], "loader: \(loader)")
            // …and after it, what `quorum` itself offers.
            let commands = try gitComplete(["git", "quorum", ""], loader: loader)
            XCTAssertTrue(commands.contains("suggest") && commands.contains("approve") && commands.contains("member"), "\(commands)")
            XCTAssertEqual(commands, try complete([""]))
            XCTAssertEqual(try gitComplete(["git", "quorum", "sugg"], loader: loader), ["suggest"])
            XCTAssertEqual(try gitComplete(["git", "quorum", "approve", ""], loader: loader), [String(id.prefix(8))])
            XCTAssertEqual(Set(try gitComplete(["git", "quorum", "show", ""], loader: loader)), ["career-steps", String(id.prefix(8))])
            XCTAssertEqual(try gitComplete(["git", "quorum", "cat", "career-steps", ""], loader: loader), ["framework.md"])
            XCTAssertEqual(try gitComplete(["git", "quorum", "list", "--state", ""], loader: loader), try complete(["list", "--state", ""]))
            XCTAssertEqual(try gitComplete(["git", "quorum", "member", "list", "--"], loader: loader), try complete(["member", "list", "--"]))
            // git's options before the command: bash splits `a=b` into three words, git joins them.
            XCTAssertEqual(try gitComplete(["git", "-c", "a", "=", "b", "quorum", "cat", "career-steps", ""], loader: loader), ["framework.md"])
        }
    }
}
