import Foundation
import XCTest

/// Messages as git takes them: `-m` repeated, each a paragraph; with none
/// where one is required, the editor (`GIT_EDITOR`, `core.editor`,
/// `VISUAL`, `EDITOR`) on a template of comment lines; an empty message
/// aborts; with no terminal and no editor, a usage error instead of waiting.
final class MessageTests: QuorumTestCase {
    private let slug = "career-steps"

    private func text(_ line: Int) throws -> String {
        try write(replacingLine(line, of: TestEnvironment.framework, with: "Edited line \(line)."), to: "edit-\(line).md")
    }

    /// Runs quorum as Ben with `editor` as GIT_EDITOR (nil: none set).
    private func runWithEditor(_ args: [String], editor: String?) throws -> RunResult {
        var environment = environment(for: .ben)
        if let editor { environment["GIT_EDITOR"] = editor }
        return try execute(TestEnvironment.binary, args, environment: environment, in: repo)
    }

    /// A shell script that acts as an editor: writes `body` over the file it is given.
    private func editor(writing body: String, exit status: Int = 0) throws -> String {
        let script = try write("#!/bin/sh\ncp \"$1\" \"$1.template\"\nprintf '%s' '\(body)' > \"$1\"\nexit \(status)\n", to: "editor-\(UUID().uuidString).sh")
        chmod(script, 0o755)
        return script
    }

    func testRepeatedMessagesAreParagraphs() throws {
        try careerSteps()
        let json = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Title", "-m", "Why it matters.", "--file", "framework.md=\(try text(3))", "--json"], as: .ben).json)
        let shown = try XCTUnwrap(try runOK(["show", try XCTUnwrap(json["id"] as? String), "--json"]).json)
        XCTAssertEqual(shown["title"] as? String, "Title")
        XCTAssertTrue(try gitOK(["log", "-1", "--format=%B", try XCTUnwrap(json["revisionCommit"] as? String)]).hasPrefix("Title\n\nWhy it matters."))
    }

    func testWithoutMessageTheEditorWritesIt() throws {
        try careerSteps()
        let written = try runWithEditor(["suggest", slug, "--file", "framework.md=\(try text(5))", "--json"], editor: try editor(writing: "# a comment line\nFrom the editor\n\nIts body.\n"))
        XCTAssertEqual(written.status, 0, written.stderr)
        let id = try XCTUnwrap(written.json?["id"] as? String)
        XCTAssertEqual(try XCTUnwrap(try runOK(["show", id, "--json"]).json)["title"] as? String, "From the editor")
        let template = try String(contentsOfFile: repo.appendingPathComponent(".git/QUORUM_EDITMSG.template").path, encoding: .utf8)
        XCTAssertTrue(template.contains("# Write what your suggestion to \(slug) does and why"), template)
        // core.editor when GIT_EDITOR is not set.
        try gitOK(["config", "core.editor", try editor(writing: "Configured editor comment")])
        let configured = try runWithEditor(["comment", slug, "--json"], editor: nil)
        XCTAssertEqual(configured.status, 0, configured.stderr)
    }

    func testAnEmptyMessageOrAFailingEditorAbortsAndNothingIsWritten() throws {
        try careerSteps()
        let refs = try allRefs()
        let empty = try runWithEditor(["suggest", slug, "--file", "framework.md=\(try text(7))"], editor: try editor(writing: "# only comments\n\n"))
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains("the message is empty"), empty.stderr)
        let failing = try runWithEditor(["object", "abcd"], editor: try editor(writing: "x", exit: 3))
        XCTAssertEqual(failing.status, 1)
        XCTAssertTrue(failing.stderr.contains("exited 3"), failing.stderr)
        XCTAssertEqual(try allRefs(), refs)
    }

    func testNoTerminalAndNoEditorIsAUsageErrorNotAWait() throws {
        try careerSteps()
        let refs = try allRefs()
        let result = try runWithEditor(["suggest", slug, "--file", "framework.md=\(try text(9))"], editor: nil)
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("-m MESSAGE"), result.stderr)
        // Said as Quorum's own errors are, with the command's help, not
        // the usage of quorum itself (ArgumentParser's for an error thrown
        // while a command runs).
        XCTAssertTrue(result.stderr.hasPrefix("quorum: no message given"), result.stderr)
        XCTAssertTrue(result.stderr.contains("hint: see 'quorum suggest --help'") && !result.stderr.contains("quorum <subcommand>"), result.stderr)
        XCTAssertEqual(try allRefs(), refs)
        // Optional messages never open an editor.
        let approve = try runWithEditor(["member", "list"], editor: "false")
        XCTAssertEqual(approve.status, 0)
    }
}
