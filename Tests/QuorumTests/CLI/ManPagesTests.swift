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
}
