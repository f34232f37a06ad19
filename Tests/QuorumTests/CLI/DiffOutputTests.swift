import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// What a reviewer reads when a change is shown (issue 12): word by word,
/// coloured on a terminal and marked `[-…-]{+…+}` elsewhere, through a
/// pager on a terminal; git's unified diff with --line-diff; the change
/// since one's approval and between two revisions. Through the real
/// binary, with a pseudo-terminal where the terminal matters.
final class DiffOutputTests: RoundsTestCase {
    private let esc = "\u{1B}"

    /// Ana's career-steps with Ben, Cai and Dee; Ben's suggestion changes
    /// "grow" to "develop" in line 5's paragraph. Returns its id.
    private func review() throws -> String {
        try runOK(["init", repo.path])
        for person in [Person.ben, .cai, .dee] { try runOK(["member", "add", person.email, "--name", person.name]) }
        let sample = try write(TestEnvironment.framework, to: "framework.md")
        try runOK(["propose", slug, "--title", "Engineering Career Steps", "--file", "framework.md=\(sample)"])
        return try suggestEdit(line: 5, "grow", "develop", as: .ben)
    }

    @discardableResult
    private func suggestEdit(line number: Int, _ old: String, _ new: String, as person: Person, on text: String? = nil) throws -> String {
        let base = text ?? TestEnvironment.framework
        let edited = try write(replacingLine(number, of: base, with: line(number, of: base).replacingOccurrences(of: old, with: new)), to: "edit-\(UUID().uuidString).md")
        let json = try runOK(["suggest", slug, "-m", "\(old) to \(new)", "--file", "framework.md=\(edited)", "--json"], as: person).json
        return try XCTUnwrap(json?["id"] as? String)
    }

    private func run(_ args: [String], as person: Person = .ana, extra: [String: String]) throws -> RunResult {
        var env = environment(for: person)
        for (key, value) in extra { env[key] = value }
        return try execute(TestEnvironment.binary, args, environment: env)
    }

    /// Fails unless every ESC in `text` starts one of Quorum's own colour sequences.
    private func assertOnlyOurColours(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let ours = ["[31m", "[32m", "[36m", "[1m", "[41m", "[42m", "[m"]
        for piece in text.components(separatedBy: esc).dropFirst() where !ours.contains(where: { piece.hasPrefix($0) }) {
            XCTFail("an escape that is not Quorum's colour: \(piece.prefix(20).debugDescription)", file: file, line: line)
        }
    }

    func testShowDiffMarksTheChangedWordsInPlainText() throws {
        let id = try review()
        let out = try runOK(["show", id, "--diff"]).stdout
        XCTAssertTrue(out.contains("engineers [-grow-]{+develop+} in our organisation"), out)
        XCTAssertEqual(out.components(separatedBy: "not to act as a checklist").count - 1, 1, "the unchanged paragraph once: \(out)")
        XCTAssertTrue(out.contains("diff --git a/Proposals/\(slug)/framework.md b/Proposals/\(slug)/framework.md"), out)
        XCTAssertTrue(out.contains("\n@@ -2,7 +2,7 @@\n"), out)
        XCTAssertFalse(out.contains(esc), "no colour in a pipe")
        // JSON: the same change as word operations, beside git's unified diff.
        let json = try XCTUnwrap(try runOK(["show", id, "--diff", "--json"]).json)
        let files = try XCTUnwrap(json["wordDiff"] as? [[String: Any]])
        XCTAssertEqual(files.first?["document"] as? String, "framework.md")
        XCTAssertEqual(files.first?["status"] as? String, "modified")
        let operations = try XCTUnwrap((files.first?["hunks"] as? [[String: Any]])?.first?["operations"] as? [[String: String]])
        XCTAssertEqual(operations.filter { $0["op"] != "equal" }, [["op": "delete", "text": "grow"], ["op": "insert", "text": "develop"]])
        XCTAssertTrue((json["diff"] as? String)?.contains("\n-This framework describes how engineers grow") ?? false)
    }

    func testLineDiffIsGitsUnifiedDiff() throws {
        let id = try review()
        let out = try runOK(["show", id, "--line-diff"]).stdout
        let detail = try XCTUnwrap(try runOK(["show", id, "--json"]).json)
        let git = try gitOK(["diff", try XCTUnwrap(detail["base"] as? String), try XCTUnwrap(detail["revisionCommit"] as? String)])
        XCTAssertTrue(out.hasSuffix(git), "show --line-diff ends with git diff's text:\n\(out)\n---\n\(git)")
        XCTAssertFalse(out.contains("{+"), out)
    }

    func testColourIsDecidedOnceAndNeverReachesJSON() throws {
        let id = try review()
        let red = "\(esc)[31mgrow\(esc)[m", green = "\(esc)[32mdevelop\(esc)[m"
        let always = try runOK(["show", id, "--diff", "--color=always"]).stdout
        XCTAssertTrue(always.contains("engineers \(red)\(green) in our"), always)
        XCTAssertFalse(always.contains("[-grow-]"), "colour replaces the marks, as git --color-words")
        XCTAssertTrue(always.contains("\(esc)[36m@@ -2,7 +2,7 @@\(esc)[m"), always)
        XCTAssertTrue(always.contains("\(esc)[1mdiff --git "), always)
        assertOnlyOurColours(always)
        // JSON is never coloured.
        let json = try runOK(["show", id, "--diff", "--json", "--color=always"])
        XCTAssertFalse(json.stdout.contains(esc))
        XCTAssertNotNil(json.json)
        // git's color.ui counts (always: even in a pipe, as git); --color beats it; NO_COLOR does not beat either.
        try gitOK(["config", "color.ui", "always"])
        XCTAssertTrue(try run(["show", id, "--diff"], extra: ["NO_COLOR": "1"]).stdout.contains(red))
        XCTAssertFalse(try runOK(["show", id, "--diff", "--color=never"]).stdout.contains(esc))
        try gitOK(["config", "color.ui", "never"])
        XCTAssertFalse(try runOK(["show", id, "--diff"]).stdout.contains(esc))
        XCTAssertTrue(try runOK(["show", id, "--diff", "--color", "always"]).stdout.contains(green))
        try gitOK(["config", "color.ui", "auto"])
        XCTAssertFalse(try runOK(["show", id, "--diff"]).stdout.contains(esc), "auto: a pipe is not a terminal")
        XCTAssertEqual(try run(["show", id, "--color=sometimes"]).status, 64)
        // --line-diff in colour: removed red, added green, as git.
        let lines = try runOK(["show", id, "--line-diff", "--color=always"]).stdout
        XCTAssertTrue(lines.contains("\(esc)[31m-This framework describes how engineers grow"), lines)
        XCTAssertTrue(lines.contains("\(esc)[32m+This framework describes how engineers develop"), lines)
    }

    /// Text people wrote reaches the terminal escaped, then coloured: an
    /// escape sequence typed into a document shows as `\x1b`, inside the
    /// colour of the words it belongs to.
    func testControlCharactersInAChangeAreEscapedThenColoured() throws {
        try runOK(["init", repo.path])
        try runOK(["member", "add", Person.ben.email, "--name", Person.ben.name])
        let doc = "# Policy\n\nPage the primary first.\n"
        try runOK(["propose", slug, "--file", "policy.md=\(try write(doc, to: "p.md"))"])
        let hostile = doc.replacingOccurrences(of: "primary", with: "\(esc)[2J\(esc)]0;pwned\u{07}secondary\u{9B}31m")
        let suggested = try runOK(["suggest", slug, "-m", "Hostile", "--file", "policy.md=\(try write(hostile, to: "h.md"))", "--json"], as: .ben).json
        let id = try XCTUnwrap(suggested?["id"] as? String)
        for args in [["show", id, "--diff", "--color=always"], ["show", id, "--line-diff", "--color=always"], ["diff", slug, "r1", "r1", "--color=always"]] {
            let out = try runOK(args).stdout
            assertOnlyOurColours(out)
            XCTAssertFalse(out.contains("\u{9B}"), args.joined(separator: " "))
        }
        let out = try runOK(["show", id, "--diff", "--color=always"]).stdout
        XCTAssertTrue(out.contains("\(esc)[32m\\x1b[2J\\x1b]0;pwned\\x07secondary\\x9b31m\(esc)[m"), out)
        let plain = try runOK(["show", id, "--diff"]).stdout
        XCTAssertTrue(plain.contains("{+\\x1b[2J\\x1b]0;pwned\\x07secondary\\x9b31m+}"), plain)
    }

    func testDiffBetweenAVersionAndTheRoundIsWordByWord() throws {
        let id = try review()
        try runOK(["cut", slug, "v1", "-m", "First"])
        try runOK(["approve", id], as: .cai)
        try runOK(["approve", id], as: .dee)
        try runOK(["merge", id], as: .ben)
        let out = try runOK(["diff", slug, "v1", "r1"]).stdout
        XCTAssertTrue(out.contains("engineers [-grow-]{+develop+} in our"), out)
        XCTAssertTrue(try runOK(["diff", slug, "v1", "r1", "--line-diff"]).stdout.contains("\n+This framework describes how engineers develop"))
        let json = try XCTUnwrap(try runOK(["diff", slug, "v1", "r1", "--json"]).json)
        XCTAssertNotNil(json["diff"] as? String)
        XCTAssertEqual((json["wordDiff"] as? [[String: Any]])?.count, 1)
    }

    func testSinceApprovalShowsOnlyWhatChangedAfterIt() throws {
        let id = try review()
        try runOK(["approve", id], as: .cai)
        let same = try runOK(["show", id, "--since-approval"], as: .cai).stdout
        XCTAssertTrue(same.contains("you approved revision 1"), same)
        XCTAssertTrue(same.contains("nothing has changed since"), same)
        // Ben revises: a second word in another paragraph.
        var text = replacingLine(5, of: TestEnvironment.framework, with: line(5, of: TestEnvironment.framework).replacingOccurrences(of: "grow", with: "develop"))
        text = replacingLine(13, of: text, with: line(13, of: text).replacingOccurrences(of: "clear", with: "readable"))
        try runOK(["revise", id, "-m", "And clearer", "--file", "framework.md=\(try write(text, to: "r2.md"))"], as: .ben)
        let since = try runOK(["show", id, "--since-approval"], as: .cai).stdout
        XCTAssertTrue(since.contains("since your approval of revision 1"), since)
        XCTAssertTrue(since.contains("to revision 2"), since)
        XCTAssertTrue(since.contains("Writes [-clear-]{+readable+}, tested code"), since)
        XCTAssertFalse(since.contains("{+develop+}"), "what Cai approved is not shown again: \(since)")
        let json = try XCTUnwrap(try runOK(["show", id, "--since-approval", "--json"], as: .cai).json)
        XCTAssertEqual((json["from"] as? [String: Any])?["revision"] as? Int, 1)
        XCTAssertEqual((json["to"] as? [String: Any])?["revision"] as? Int, 2)
        XCTAssertEqual(json["comparison"] as? String, "same-base")
        XCTAssertEqual((json["wordDiff"] as? [[String: Any]])?.count, 1)
        // Dee never approved: refused, with a hint, nothing changed.
        let refused = try expectExit(1, ["show", id, "--since-approval"], as: .dee, mentioning: ["have not approved", "hint: ", "--interdiff 1..2"])
        XCTAssertEqual(refused.stdout, "")
        try expectExit(64, ["show", slug, "--since-approval"], mentioning: ["is a proposal", "hint: "])
        try expectExit(64, ["show", id, "--since-approval", "--diff"], as: .cai)
    }

    func testInterdiffComparesTwoRevisions() throws {
        let id = try review()
        var text = replacingLine(5, of: TestEnvironment.framework, with: line(5, of: TestEnvironment.framework).replacingOccurrences(of: "grow", with: "progress"))
        text += "\nA closing line.\n"
        try runOK(["revise", id, "-m", "progress", "--file", "framework.md=\(try write(text, to: "r2.md"))"], as: .ben)
        let out = try runOK(["show", id, "--interdiff", "1..2"]).stdout
        XCTAssertTrue(out.contains("from revision 1"), out)
        XCTAssertTrue(out.contains("engineers [-develop-]{+progress+} in"), out)
        XCTAssertTrue(out.contains("{+A closing line.+}"), out)
        XCTAssertTrue(try runOK(["show", id, "--interdiff", "r2..r1"]).stdout.contains("[-progress-]{+develop+}"))
        XCTAssertTrue(try runOK(["show", id, "--interdiff", "1..2", "--line-diff"]).stdout.contains("\n+A closing line.\n"))
        XCTAssertTrue(try runOK(["show", id, "--interdiff", "2..2"]).stdout.contains("No change"))
        try expectExit(64, ["show", id, "--interdiff", "1..3"], mentioning: ["no revision 3", "hint: its revisions are 1 to 2"])
        try expectExit(64, ["show", id, "--interdiff", "1-2"])
        try expectExit(64, ["show", id, "--interdiff", "0..1"])
    }

    /// After a rebase, the round's own merged changes are not the
    /// author's: the older change is replayed onto the newer base first.
    func testInterdiffAcrossARebaseShowsOnlyTheAuthorsChange() throws {
        let id = try review()
        let other = try suggestEdit(line: 13, "tested", "checked", as: .dee)
        try runOK(["approve", other], as: .cai)
        try runOK(["approve", other], as: .ben)
        try runOK(["merge", other], as: .dee)
        try runOK(["rebase", id], as: .ben)
        let json = try XCTUnwrap(try runOK(["show", id, "--interdiff", "1..2", "--json"]).json)
        XCTAssertEqual(json["comparison"] as? String, "replayed")
        XCTAssertEqual((json["wordDiff"] as? [[String: Any]])?.count, 0, "a pure rebase changes nothing of Ben's")
        XCTAssertTrue(try runOK(["show", id, "--interdiff", "1..2"]).stdout.contains("replayed onto"))
    }

    /// A document that loses or gains its final newline says so, as git does.
    func testAMissingFinalNewlineIsSaid() throws {
        _ = try review()
        let without = String(TestEnvironment.framework.dropLast())
        let dropped = try XCTUnwrap(try runOK(["suggest", slug, "-m", "No final newline", "--file", "framework.md=\(try write(without, to: "n.md"))", "--json"], as: .ben).json?["id"] as? String)
        XCTAssertTrue(try runOK(["show", dropped, "--diff"]).stdout.hasSuffix("\\ No newline at end of file\n"))
        try runOK(["approve", dropped], as: .cai)
        try runOK(["approve", dropped], as: .dee)
        try runOK(["merge", dropped], as: .ben)
        let added = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Final newline", "--file", "framework.md=\(try write(without + "\n", to: "m.md"))", "--json"], as: .ben).json?["id"] as? String)
        XCTAssertTrue(try runOK(["show", added, "--diff"]).stdout.hasSuffix("\\ Newline added at end of file\n"))
    }

    /// A renamed document's change is shown as git shows a rename, with
    /// the words that changed in it.
    func testARenameShowsAsOneWithItsWords() throws {
        _ = try review()
        let text = replacingLine(5, of: TestEnvironment.framework, with: line(5, of: TestEnvironment.framework).replacingOccurrences(of: "grow", with: "develop"))
        let id = try XCTUnwrap(try runOK([
            "suggest", slug, "-m", "Rename", "--rename", "framework.md=steps.md", "--file", "steps.md=\(try write(text, to: "steps.md"))", "--json",
        ], as: .cai).json?["id"] as? String)
        let out = try runOK(["show", id, "--diff"]).stdout
        XCTAssertTrue(out.contains("diff --git a/Proposals/\(slug)/framework.md b/Proposals/\(slug)/steps.md\nsimilarity index "), out)
        XCTAssertTrue(out.contains("\nrename from Proposals/\(slug)/framework.md\nrename to Proposals/\(slug)/steps.md\n"), out)
        XCTAssertTrue(out.contains("engineers [-grow-]{+develop+} in"), out)
        let file = try XCTUnwrap((try runOK(["show", id, "--diff", "--json"]).json?["wordDiff"] as? [[String: Any]])?.first)
        XCTAssertEqual(file["status"] as? String, "renamed")
        XCTAssertEqual(file["oldDocument"] as? String, "framework.md")
        XCTAssertEqual(file["document"] as? String, "steps.md")
    }

    // MARK: On a terminal

    /// Runs quorum on a pseudo-terminal (python3's pty module, 50×200),
    /// and returns what the terminal received.
    private func onTerminal(_ args: [String], as person: Person = .ana, extra: [String: String] = [:]) throws -> RunResult {
        var env = environment(for: person)
        env["TERM"] = "xterm"
        for (key, value) in extra { env[key] = value }
        let script = """
            import fcntl, json, os, pty, struct, sys, termios
            spec = json.loads(sys.argv[1])
            pid, fd = pty.fork()
            if pid == 0:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
                os.chdir(spec["cwd"])
                os.execve(spec["argv"][0], spec["argv"], spec["env"])
            out = b""
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                out += data
            _, status = os.waitpid(pid, 0)
            sys.stdout.buffer.write(out)
            sys.exit(os.waitstatus_to_exitcode(status))
            """
        let spec = try JSONSerialization.data(withJSONObject: ["argv": [TestEnvironment.binary] + args, "env": env, "cwd": repo.path])
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no python3 for a pseudo-terminal")
        }
        return try execute(python, ["-c", script, String(decoding: spec, as: UTF8.self)], environment: env)
    }

    /// A pager that keeps what it was given, and the LESS and LV it saw.
    private func capturingPager(_ name: String) -> (command: String, output: URL) {
        let output = tmp.appendingPathComponent("\(name).out")
        return ("echo \"LESS=$LESS LV=$LV\" > '\(output.path).env'; cat > '\(output.path)'", output)
    }

    func testATerminalGetsColourAndThePager() throws {
        let id = try review()
        let pager = capturingPager("pager")
        let shown = try onTerminal(["show", id, "--diff"], extra: ["PAGER": pager.command])
        XCTAssertEqual(shown.status, 0, shown.stdout)
        let paged = try String(contentsOf: pager.output, encoding: .utf8)
        XCTAssertTrue(paged.contains("engineers \(esc)[31mgrow\(esc)[m\(esc)[32mdevelop\(esc)[m in"), paged)
        XCTAssertTrue(paged.contains("Approvals: 0 of 2"), "the whole of show is paged")
        XCTAssertFalse(shown.stdout.contains("Approvals:"), "nothing reached the terminal but through the pager")
        XCTAssertEqual(try String(contentsOf: URL(fileURLWithPath: pager.output.path + ".env"), encoding: .utf8), "LESS=FRX LV=-c\n")
        // LESS and LV as the person set them are left alone.
        let own = capturingPager("own")
        _ = try onTerminal(["show", id, "--diff"], extra: ["PAGER": own.command, "LESS": "-R", "LV": "x"])
        XCTAssertEqual(try String(contentsOf: URL(fileURLWithPath: own.output.path + ".env"), encoding: .utf8), "LESS=-R LV=x\n")

        // NO_COLOR on a terminal: paged, not coloured.
        let plain = capturingPager("plain")
        _ = try onTerminal(["show", id, "--diff"], extra: ["PAGER": plain.command, "NO_COLOR": "1"])
        let plainText = try String(contentsOf: plain.output, encoding: .utf8)
        XCTAssertTrue(plainText.contains("[-grow-]{+develop+}"), plainText)
        XCTAssertFalse(plainText.contains(esc))
    }

    /// Every command whose output can be long pages it on a terminal.
    func testLongListingsArePagedOnATerminal() throws {
        _ = try review()
        for args in [["list"], ["log", slug], ["status", slug], ["inbox"], ["rounds", slug], ["versions", slug], ["cat", slug], ["member", "list"]] {
            let pager = capturingPager("pager-" + args.joined(separator: "-"))
            _ = try onTerminal(args, extra: ["PAGER": pager.command])
            XCTAssertTrue(FileManager.default.fileExists(atPath: pager.output.path), "\(args) went through the pager")
        }
    }

    func testThePagerIsGitsChoice() throws {
        let id = try review()
        let fromGit = capturingPager("git-pager"), fromConfig = capturingPager("core-pager"), fromEnv = capturingPager("pager")
        try gitOK(["config", "core.pager", fromConfig.command])
        // GIT_PAGER, then core.pager, then PAGER.
        _ = try onTerminal(["show", id, "--diff"], extra: ["GIT_PAGER": fromGit.command, "PAGER": fromEnv.command])
        XCTAssertTrue(FileManager.default.fileExists(atPath: fromGit.output.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: fromConfig.output.path))
        _ = try onTerminal(["show", id, "--diff"], extra: ["PAGER": fromEnv.command])
        XCTAssertTrue(FileManager.default.fileExists(atPath: fromConfig.output.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: fromEnv.output.path))
        try gitOK(["config", "--unset", "core.pager"])
        _ = try onTerminal(["diff", slug, "r1", "r1"], extra: ["PAGER": fromEnv.command])
        XCTAssertTrue(FileManager.default.fileExists(atPath: fromEnv.output.path))

        // No pager: --no-pager, an empty GIT_PAGER, cat; JSON; a pipe.
        let never = capturingPager("never")
        for (args, extra) in [
            (["show", id, "--diff", "--no-pager"], ["PAGER": never.command]),
            (["show", id, "--diff"], ["GIT_PAGER": "", "PAGER": never.command]),
            (["show", id, "--diff"], ["GIT_PAGER": "cat", "PAGER": never.command]),
            (["show", id, "--diff", "--json"], ["PAGER": never.command]),
        ] {
            let direct = try onTerminal(args, extra: extra)
            XCTAssertEqual(direct.status, 0)
            XCTAssertTrue(direct.stdout.contains("develop"), "printed straight to the terminal: \(args) \(extra)")
            XCTAssertEqual(direct.stdout.contains(esc), !args.contains("--json"), "coloured on the terminal, except JSON: \(args)")
        }
        XCTAssertEqual(try run(["show", id, "--diff"], extra: ["PAGER": never.command]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: never.output.path), "no pager ran")
    }
}
