import Foundation
import XCTest

/// The built `quorum` binary run as a user would, checked with the real
/// git CLI. Nothing here reaches into the library.
final class EndToEndTests: QuorumTestCase {
    private let slug = "career-steps"
    private var sample: String { TestEnvironment.packageRoot.appendingPathComponent("Proposals/career-steps/framework.md").path }
    private var original: String { TestEnvironment.framework }

    /// `quorum init` as Ana, Ben, Cai and Dee in the working group, and
    /// career-steps proposed with framework.md. Returns the propose JSON.
    @discardableResult
    private func setUpReview() throws -> [String: Any] {
        try runOK(["init", repo.path])
        for person in [Person.ben, .cai, .dee] {
            try runOK(["member", "add", person.email, "--name", person.name])
        }
        let proposed = try runOK(["propose", slug, "--title", "Engineering Career Steps", "--file", "framework.md=\(sample)", "--json"])
        return try XCTUnwrap(proposed.json, proposed.stdout)
    }

    /// Writes a changed framework.md and suggests it as `person`; returns the JSON.
    private func suggestLine(_ number: Int, _ text: String, as person: Person = .ben, message: String = "Edit") throws -> [String: Any] {
        let file = try write(replacingLine(number, of: original, with: text), to: "\(person.email)-\(number).md")
        let result = try runOK(["suggest", slug, "-m", message, "--file", "framework.md=\(file)", "--json"], as: person)
        return try XCTUnwrap(result.json, result.stdout)
    }

    private func id(_ json: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let id = try XCTUnwrap(json["id"] as? String, "no id in \(json)", file: file, line: line)
        XCTAssertEqual(id.count, 40, file: file, line: line)
        XCTAssertTrue(id.allSatisfy(\.isHexDigit), id, file: file, line: line)
        return id
    }

    /// Runs quorum, expects `status`, and checks that no ref changed.
    @discardableResult
    private func assertExit(
        _ status: Int32, _ args: [String], as person: Person? = .ana, stdin: Data? = nil, stderrMentions: String? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> RunResult {
        let before = FileManager.default.fileExists(atPath: repo.path) ? try allRefs() : ""
        let result = try run(args, as: person, stdin: stdin)
        XCTAssertEqual(result.status, status, "quorum \(args.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        if let stderrMentions {
            XCTAssertTrue(result.stderr.contains(stderrMentions), "«\(stderrMentions)» not in stderr: \(result.stderr)", file: file, line: line)
        }
        if FileManager.default.fileExists(atPath: repo.path) {
            XCTAssertEqual(try allRefs(), before, "refs changed after quorum \(args.joined(separator: " "))", file: file, line: line)
        }
        return result
    }

    // MARK: A whole cycle

    /// A command named in full is parsed straight into itself
    /// (`FastParse`); help, usage errors and validation read exactly as
    /// ArgumentParser's whole way writes them.
    func testCommandsParsedStraightReadAsTheWholeWay() throws {
        try careerSteps()
        XCTAssertEqual(try runOK(["--version"]).stdout, "0.1.0\n")
        let bogus = try run(["member", "list", "--bogus"])
        XCTAssertEqual(bogus.status, 64)
        XCTAssertEqual(bogus.stderr.components(separatedBy: "\n").first, "quorum: Unknown option '--bogus'", bogus.stderr)
        XCTAssertTrue(bogus.stderr.contains("\nusage: quorum member list") && bogus.stderr.contains("\nhint: see 'quorum member list --help'"), bogus.stderr)
        // gh's habit of naming fields after --json points to --fields.
        let fields = try run(["list", "--json", "id,state"])
        XCTAssertEqual(fields.status, 64)
        XCTAssertTrue(fields.stderr.contains("hint: to choose fields, name them with --fields"), fields.stderr)
        XCTAssertTrue(try runOK(["suggest", "--help"]).stdout.contains("USAGE: quorum suggest [<options>] <slug>"))
        XCTAssertTrue(try runOK(["help", "member", "list"]).stdout.contains("USAGE: quorum member list"))
        let missing = try run(["suggest"])
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.contains("Missing expected argument '<slug>'"), missing.stderr)
        let invalid = try run(["revise", "abcd", "-m", "x"])
        XCTAssertEqual(invalid.status, 64)
        XCTAssertTrue(invalid.stderr.contains("give the new text with --file"), "validate() runs: \(invalid.stderr)")
        XCTAssertTrue(try runOK(["member", "list"]).stdout.contains(Person.ben.email))
    }

    /// Every command's help shows examples, as git's manual pages do.
    func testEveryCommandsHelpHasExamples() throws {
        let commands = ["init", "member add", "member import", "member list", "member key add", "policy", "allowed-signers",
                        "propose", "suggest", "revise", "rebase", "approve", "object", "resolve", "withdraw", "reject", "merge",
                        "edit", "comment", "fork", "rounds", "cut", "versions", "diff", "export", "status", "list", "inbox",
                        "show", "log", "cat", "sync", "hooks install", "hooks check", "verify"]
        for command in commands {
            let help = try runOK(command.split(separator: " ").map(String.init) + ["--help"]).stdout
            XCTAssertTrue(help.contains("Examples:\n  quorum ") || help.contains("Examples:\n  git "), "\(command): \(help.suffix(300))")
        }
    }

    /// A name that matches nothing says what it is close to, as git does.
    func testDidYouMeanForCommandsSlugsAndIds() throws {
        try careerSteps()
        let s = try XCTUnwrap(try runOK(["suggest", slug, "-m", "x", "--file", "framework.md=\(try write(original + "More.\n", to: "x.md"))", "--json"], as: .ben).json?["id"] as? String)
        let cases: [([String], String)] = [
            (["approv", s], "'approv' is not a 'quorum' command\nhint: did you mean 'approve'?"),
            (["member", "lsit"], "'lsit' is not a 'quorum member' command\nhint: did you mean 'list'?"),
            (["help", "sugest"], "'sugest' is not a 'quorum' command\nhint: did you mean 'suggest'?"),
            (["frobnicate"], "hint: see 'quorum --help' for the commands there are"),
            (["cat", "career-step"], "no proposal 'career-step'\nhint: did you mean 'career-steps'?"),
            (["status", "carer-steps"], "did you mean 'career-steps'?"),
        ]
        for (arguments, expected) in cases {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
        // One digit slipped: the id it was meant to be.
        var typo = Array(s.prefix(8))
        typo[5] = typo[5] == "0" ? "1" : "0"
        let slipped = try run(["approve", String(typo)], as: .cai)
        XCTAssertEqual(slipped.status, 64)
        XCTAssertTrue(slipped.stderr.contains("did you mean '\(s.prefix(8))'?"), slipped.stderr)
        XCTAssertEqual(try run(["help", "suggest"]).status, 0)
    }

    func testAWholeCycleLeavesAValidRepositoryWithTrailersAndTwoParentMerges() throws {
        let proposed = try setUpReview()
        XCTAssertEqual(try id(proposed), try gitOK(["rev-parse", "refs/quorum/proposals/career-steps/meta"]).trimmed)
        let base = try XCTUnwrap(proposed["commit"] as? String)
        XCTAssertEqual(try gitOK(["rev-parse", "quorum/career-steps/1"]).trimmed, base)

        let edited = replacingLine(3, of: original, with: "Status: under review by the working group")
        let editedPath = try write(edited, to: "edited.md")
        let suggested = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Say who reviews the draft", "--file", "framework.md=\(editedPath)", "--json"], as: .ben).json)
        let suggestion = try id(suggested)
        let revision = try XCTUnwrap(suggested["revisionCommit"] as? String)
        XCTAssertEqual(suggested["base"] as? String, base)

        let first = try XCTUnwrap(try runOK(["approve", String(suggestion.prefix(8)), "-m", "Clear", "--json"], as: .cai).json)
        XCTAssertNotEqual(try id(first), suggestion)
        XCTAssertEqual(first["approvals"] as? Int, 1)
        XCTAssertEqual(first["state"] as? String, "open")
        let second = try XCTUnwrap(try runOK(["approve", suggestion, "--json"], as: .dee).json)
        _ = try id(second)
        XCTAssertEqual(second["approvals"] as? Int, 2)
        XCTAssertEqual(second["state"] as? String, "approved")

        let merged = try XCTUnwrap(try runOK(["merge", String(suggestion.prefix(6)), "--json"], as: .ben).json)
        _ = try id(merged)
        XCTAssertEqual(merged["suggestion"] as? String, suggestion)
        let mergeCommit = try XCTUnwrap(merged["commit"] as? String)
        XCTAssertEqual(merged["threeWay"] as? Bool, false)

        // git agrees the repository is sound.
        let fsck = try git(["fsck", "--strict", "--no-dangling"])
        XCTAssertEqual(fsck.status, 0, fsck.stderr + fsck.stdout)
        for word in ["error", "warning", "missing", "broken", "bad"] {
            XCTAssertFalse((fsck.stdout + fsck.stderr).lowercased().contains(word), "fsck: \(fsck.stderr)\(fsck.stdout)")
        }

        // The round branch: head is the merge, with parents [old head, revision].
        XCTAssertEqual(try gitOK(["rev-parse", "quorum/career-steps/1"]).trimmed, mergeCommit)
        XCTAssertEqual(try gitOK(["show", "--format=%P", "-s", mergeCommit]).trimmed, "\(base) \(revision)")
        XCTAssertEqual(try gitOK(["show", "--format=%an <%ae>", "-s", mergeCommit]).trimmed, Person.ben.formatted)

        // The trailers, as git log shows them and as git itself parses them.
        let log = try gitOK(["log", "--format=%B", "quorum/career-steps/1"])
        XCTAssertTrue(log.contains("Suggestion: \(suggestion)\n"), log)
        XCTAssertTrue(log.contains("Suggested-by: Ben Okafor <ben@example.com>\n"), log)
        XCTAssertTrue(log.contains("Approved-by: Cai Wong <cai@example.com>\nApproved-by: Dee Park <dee@example.com>\n"), log)
        let approvedBy = try gitOK(["log", "-1", "--format=%(trailers:key=Approved-by,valueonly)", "quorum/career-steps/1"])
        XCTAssertEqual(approvedBy.trimmed, "Cai Wong <cai@example.com>\nDee Park <dee@example.com>")
        let suggestedBy = try gitOK(["log", "-1", "--format=%(trailers:key=Suggested-by,valueonly)", "quorum/career-steps/1"])
        XCTAssertEqual(suggestedBy.trimmed, Person.ben.formatted)

        // The merged text is in the tree, and `cat` prints it byte for byte.
        XCTAssertEqual(try git(["show", "quorum/career-steps/1:Proposals/career-steps/framework.md"]).stdoutData, Data(edited.utf8))
        XCTAssertEqual(try runOK(["cat", slug, "framework.md"], as: .eve).stdoutData, Data(edited.utf8))
        XCTAssertEqual(try runOK(["cat", slug]).stdoutData, Data(edited.utf8))
        XCTAssertEqual(try gitOK(["ls-tree", "-r", "--name-only", "quorum/career-steps/1"]).trimmed, "Proposals/career-steps/framework.md")

        // Each event commit holds event.json; the suggestion chain has four.
        let chain = "refs/quorum/proposals/career-steps/suggestions/\(suggestion)/meta"
        XCTAssertEqual(try gitOK(["rev-list", "--count", chain]).trimmed, "4")
        XCTAssertEqual(try gitOK(["rev-list", "--max-parents=0", chain]).trimmed, suggestion)
        XCTAssertEqual(try gitOK(["ls-tree", "--name-only", chain]).trimmed, "event.json")
        let event = try git(["show", "\(chain):event.json"])
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: event.stdoutData) as? [String: Any])
        XCTAssertEqual(record["type"] as? String, "merge")
        XCTAssertEqual(record["commit"] as? String, mergeCommit)

        // show --json: approvals with email and counts.
        let shown = try XCTUnwrap(try runOK(["show", suggestion, "--json"]).json)
        XCTAssertEqual(shown["state"] as? String, "merged")
        XCTAssertEqual(shown["mergedAs"] as? String, mergeCommit)
        let approvals = try XCTUnwrap(shown["approvals"] as? [[String: Any]])
        XCTAssertEqual(approvals.compactMap { email($0["by"]) }, ["cai@example.com", "dee@example.com"])
        XCTAssertEqual(approvals.compactMap { $0["counts"] as? Bool }, [true, true])
        XCTAssertEqual(approvals.first?["message"] as? String, "Clear")

        // The human-readable commands name things too.
        let list = try runOK(["list"])
        XCTAssertTrue(list.stdout.contains(String(suggestion.prefix(8))), list.stdout)
        XCTAssertTrue(list.stdout.contains("merged"), list.stdout)
        let history = try runOK(["log", slug])
        XCTAssertTrue(history.stdout.contains("Say who reviews the draft"), history.stdout)
        XCTAssertTrue(history.stdout.contains("approved by Cai Wong <cai@example.com>, Dee Park <dee@example.com>"), history.stdout)
    }

    func testJSONOfEveryWritingCommandIncludesAnId() throws {
        let initialized = try XCTUnwrap(try runOK(["init", repo.path, "--json"]).json)
        XCTAssertEqual(try id(initialized), try gitOK(["rev-parse", "refs/quorum/roster"]).trimmed)
        XCTAssertEqual(initialized["quorum"] as? Int, 2)
        let added = try XCTUnwrap(try runOK(["member", "add", Person.ben.email, "--name", Person.ben.name, "--json"]).json)
        XCTAssertEqual(try id(added), try gitOK(["rev-parse", "refs/quorum/roster"]).trimmed)
        XCTAssertEqual(added["added"] as? Bool, true)
        try runOK(["member", "add", Person.cai.email, "--name", Person.cai.name])
        let members = try XCTUnwrap(try runOK(["member", "list", "--json"]).json)
        XCTAssertEqual((members["members"] as? [[String: Any]])?.compactMap { $0["email"] as? String }, ["ana@example.com", "ben@example.com", "cai@example.com"])

        let proposed = try XCTUnwrap(try runOK(["propose", slug, "--file", "framework.md=\(sample)", "--json"]).json)
        XCTAssertEqual(try id(proposed), try gitOK(["rev-parse", "refs/quorum/proposals/career-steps/meta"]).trimmed)
        let s = try suggestLine(5, "A shorter introduction.")
        let sid = try id(s)
        XCTAssertEqual(try gitOK(["rev-parse", "refs/quorum/proposals/career-steps/suggestions/\(sid)/meta"]).trimmed, sid)
        XCTAssertEqual(s["shortId"] as? String, String(sid.prefix(8)))
        let a1 = try XCTUnwrap(try runOK(["approve", sid, "--json"], as: .cai).json)
        let a2 = try XCTUnwrap(try runOK(["approve", sid, "--json"], as: .ana).json)
        XCTAssertEqual(try id(a2), try gitOK(["rev-parse", "refs/quorum/proposals/career-steps/suggestions/\(sid)/meta"]).trimmed)
        XCTAssertNotEqual(try id(a1), try id(a2))
        let merged = try XCTUnwrap(try runOK(["merge", sid, "--json"], as: .ben).json)
        XCTAssertEqual(try id(merged), try gitOK(["rev-parse", "refs/quorum/proposals/career-steps/suggestions/\(sid)/meta"]).trimmed)
        XCTAssertEqual(Set(emails(merged["approvedBy"]) ?? []), ["cai@example.com", "ana@example.com"])

        let listed = try XCTUnwrap(try runOK(["list", "--json"]).jsonArray)
        XCTAssertEqual(listed.compactMap { $0["id"] as? String }, [sid])
        XCTAssertEqual(listed.first?["state"] as? String, "merged")
        let status = try XCTUnwrap(try runOK(["status", slug, "--json"]).json)
        XCTAssertEqual((status["counts"] as? [String: Int])?["merged"], 1)
        XCTAssertEqual(status["head"] as? String, merged["commit"] as? String)
    }

    func testShowJSONReportsWhichApprovalsCount() throws {
        try setUpReview()
        try runOK(["member", "add", Person.eve.email, "--name", Person.eve.name, "--group", "observers"])
        let sid = try id(try suggestLine(3, "Status: x"))
        try runOK(["approve", sid], as: .cai)
        try assertExit(1, ["approve", sid], as: .eve, stderrMentions: "[approve.not-approver]")
        let shown = try XCTUnwrap(try runOK(["show", sid, "--json", "--diff"]).json)
        XCTAssertEqual(shown["state"] as? String, "open")
        XCTAssertEqual(shown["quorum"] as? Int, 2)
        XCTAssertEqual(email(shown["author"]), Person.ben.email)
        XCTAssertEqual(shown["documents"] as? [String], ["framework.md"])
        let approvals = try XCTUnwrap(shown["approvals"] as? [[String: Any]])
        XCTAssertEqual(approvals.count, 1)
        XCTAssertEqual(email(approvals.first?["by"]), Person.cai.email)
        XCTAssertEqual(approvals.first?["counts"] as? Bool, true)
        let diff = try XCTUnwrap(shown["diff"] as? String)
        XCTAssertTrue(diff.contains("+Status: x"), diff)

        // Cai leaves the approvers: the approval stays, but no longer counts.
        try runOK(["member", "add", Person.cai.email, "--group", "observers"])
        let after = try XCTUnwrap(try runOK(["show", sid, "--json"]).json)
        let judged = try XCTUnwrap((after["approvals"] as? [[String: Any]])?.first)
        XCTAssertEqual(judged["counts"] as? Bool, false)
        XCTAssertEqual(judged["reason"] as? String, "not an approver of round 1")
    }

    func testEverythingStillWorksAfterGitPacksAndCollectsGarbage() throws {
        try setUpReview()
        let sid = try id(try suggestLine(3, "Status: x"))
        try runOK(["approve", String(sid.prefix(5))], as: .cai)
        // What a user's git does in the background: pack every ref, drop every loose object.
        try gitOK(["pack-refs", "--all"])
        try gitOK(["gc", "--prune=now", "--quiet"])
        XCTAssertEqual(try git(["count-objects", "-v"]).stdout.contains("count: 0"), true, "gc left loose objects")
        XCTAssertEqual(try gitOK(["for-each-ref", "refs/quorum/", "--format=%(refname)"]).split(separator: "\n").count, 4)
        try runOK(["approve", String(sid.prefix(5))], as: .dee)
        let merged = try XCTUnwrap(try runOK(["merge", String(sid.prefix(5)), "--json"], as: .ben).json)
        XCTAssertEqual(merged["suggestion"] as? String, sid)
        XCTAssertEqual(try runOK(["list", "--json"]).jsonArray?.first?["state"] as? String, "merged")
        XCTAssertEqual(try runOK(["cat", slug]).stdoutData, Data(replacingLine(3, of: original, with: "Status: x").utf8))
        try gitOK(["gc", "--prune=now", "--quiet"])
        let fsck = try git(["fsck", "--strict", "--no-dangling"])
        XCTAssertEqual(fsck.status, 0, fsck.stdout + fsck.stderr)
        XCTAssertEqual(try runOK(["show", sid, "--json"]).json?["state"] as? String, "merged")
    }

    // MARK: Giving text

    func testFileDashReadsStandardInput() throws {
        try setUpReview()
        let text = replacingLine(3, of: original, with: "Status: from stdin ✓")
        let result = try runOK(["suggest", slug, "-m", "From stdin", "--file", "framework.md=-", "--json"], as: .ben, stdin: Data(text.utf8))
        let revision = try XCTUnwrap(result.json?["revisionCommit"] as? String)
        XCTAssertEqual(try git(["show", "\(revision):Proposals/career-steps/framework.md"]).stdoutData, Data(text.utf8))
        // Only one document can come from stdin.
        try assertExit(64, ["suggest", slug, "-m", "Twice", "--file", "framework.md=-", "--file", "other.md=-"], as: .ben, stdin: Data(text.utf8), stderrMentions: "stdin")
    }

    func testFileWithoutADocumentNameWorksForASingleDocumentProposal() throws {
        try setUpReview()
        let path = try write(replacingLine(5, of: original, with: "A new introduction."), to: "my-edit.txt")
        let result = try runOK(["suggest", slug, "-m", "New introduction", "--file", path, "--json"], as: .ben)
        let revision = try XCTUnwrap(result.json?["revisionCommit"] as? String)
        XCTAssertEqual(result.json?["documents"] as? [String], ["framework.md"])
        XCTAssertEqual(try gitOK(["ls-tree", "-r", "--name-only", revision]).trimmed, "Proposals/career-steps/framework.md")
        XCTAssertEqual(try git(["show", "\(revision):Proposals/career-steps/framework.md"]).stdoutData, try Data(contentsOf: URL(fileURLWithPath: path)))

        // propose --file PATH names the document after the file.
        let policy = TestEnvironment.packageRoot.appendingPathComponent("Proposals/on-call-policy/policy.md").path
        let proposed = try XCTUnwrap(try runOK(["propose", "on-call-policy", "--file", policy, "--json"]).json)
        XCTAssertEqual(proposed["documents"] as? [String], ["policy.md"])
        XCTAssertEqual(try runOK(["cat", "on-call-policy"]).stdoutData, TestEnvironment.sample("Proposals/on-call-policy/policy.md"))
    }

    // MARK: Exit codes

    func testBadInputExits64AndChangesNothing() throws {
        try setUpReview()
        let good = try write(replacingLine(3, of: original, with: "Status: x"), to: "good.md")
        var binary = Data("# Title\n".utf8)
        binary.append(contentsOf: [0, 1, 2, 0])
        let binaryPath = try write(binary, to: "picture.md")
        let latin1Path = try write(Data([0x43, 0x61, 0x66, 0xE9, 0x0A]), to: "latin1.md")  // "Café" in Latin-1

        try assertExit(64, ["suggest", "../x", "-m", "m", "--file", "framework.md=\(good)"], as: .ben, stderrMentions: "illegal slug")
        try assertExit(64, ["propose", "A B", "--file", "framework.md=\(good)"], stderrMentions: "illegal slug")
        try assertExit(64, ["suggest", slug, "-m", "m", "--file", "framework.md=\(tmp.path)/missing.md"], as: .ben, stderrMentions: "missing.md")
        try assertExit(64, ["suggest", slug, "-m", "m", "--file", "framework.md=\(tmp.path)"], as: .ben)
        try assertExit(64, ["suggest", slug, "-m", "m", "--file", "framework.md=\(binaryPath)"], as: .ben, stderrMentions: "binary")
        try assertExit(64, ["suggest", slug, "-m", "m", "--file", "framework.md=\(latin1Path)"], as: .ben, stderrMentions: "UTF-8")
        // An empty file (or white space only) is the wrong path far more
        // often than a wish to empty a document, which --delete removes.
        try assertExit(64, ["suggest", slug, "-m", "m", "--file", "framework.md=\(try write(Data(), to: "empty.md"))"], as: .ben, stderrMentions: "is empty")
        try assertExit(64, ["propose", "blank", "--file", "framework.md=\(try write(Data(" \n\n".utf8), to: "blank.md"))"], stderrMentions: "white space or invisible characters only")
        // A byte order mark is not text, nor are Unicode's other spaces and invisible characters.
        for (index, invisible) in ["\u{FEFF}", "\u{FEFF}\r\n", "\u{00A0}\u{3000}\n", "\u{200B}", "\u{0B}\u{0C}\u{2028}"].enumerated() {
            try assertExit(64, ["suggest", slug, "-m", "m", "--file", "framework.md=\(try write(Data(invisible.utf8), to: "invisible\(index).md"))"], as: .ben, stderrMentions: "is empty")
        }
        try assertExit(64, ["suggest", slug, "-m", "m", "--file", "../escape.md=\(good)"], as: .ben, stderrMentions: "illegal document path")
        try assertExit(64, ["suggest", "nope", "-m", "m", "--file", good], as: .ben, stderrMentions: "no proposal")
        try assertExit(64, ["approve", "deadbeef"], as: .cai, stderrMentions: "no suggestion with id deadbeef")
        try assertExit(64, ["approve", "xyz"], as: .cai, stderrMentions: "not a suggestion id")
        try assertExit(64, ["merge", "0000000000000000000000000000000000000000"], stderrMentions: "no suggestion")
        try assertExit(64, ["show", "deadbeef"], stderrMentions: "no suggestion")
        try assertExit(64, ["frobnicate"])
        try assertExit(64, ["list", "--state", "pending"])
        try assertExit(64, ["member", "add", "not-an-email", "--name", "X"], stderrMentions: "illegal email")
        XCTAssertEqual(try runOK(["list", "--json"]).jsonArray?.count, 0, "none of that made a suggestion")
    }

    func testANewDocumentInsideAnExistingDocumentsNameExits64() throws {
        try setUpReview()
        let path = try write("nested\n", to: "extra.md")
        // framework.md is a file, so framework.md/extra.md cannot exist: bad input, not an internal failure.
        try assertExit(64, ["suggest", slug, "-m", "Nest", "--file", "framework.md/extra.md=\(path)"], as: .ben, stderrMentions: "framework.md")
        try assertExit(64, ["propose", "handbook", "--file", "parts=\(path)", "--file", "parts/delivery.md=\(sample)"])
    }

    func testJSONDatesAreUnixSecondsLikeEveryOtherTime() throws {
        try setUpReview()
        let sid = try id(try suggestLine(3, "Status: x"))
        let now = Date().timeIntervalSince1970
        let created = try XCTUnwrap(seconds(try runOK(["show", sid, "--json"]).json?["createdAt"]))
        XCTAssertEqual(created, now, accuracy: 600, "show --json: created")
        let status = try XCTUnwrap(try runOK(["status", slug, "--json"]).json)
        let round = try XCTUnwrap(status["openRound"] as? [String: Any])
        let opened = try XCTUnwrap(seconds(round["openedAt"]), "openRound.openedAt is \(String(describing: round["openedAt"]))")
        XCTAssertEqual(opened, now, accuracy: 600, "status --json: round.opened is \(opened), which as Unix time is \(Date(timeIntervalSince1970: opened))")
    }

    func testNoIdentityExits64() throws {
        try setUpReview()
        let sid = try id(try suggestLine(3, "Status: x"))
        let good = try write(replacingLine(5, of: original, with: "x"), to: "good.md")
        // No GIT_AUTHOR_*, an empty HOME, and a repository config without user.*.
        XCTAssertNotEqual(try git(["config", "user.email"], as: nil).status, 0, "no user.email should be configured")
        try assertExit(64, ["approve", sid], as: nil, stderrMentions: "who you are")
        try assertExit(64, ["merge", sid], as: nil, stderrMentions: "who you are")
        try assertExit(64, ["suggest", slug, "-m", "m", "--file", good], as: nil, stderrMentions: "who you are")
        try assertExit(64, ["member", "add", Person.fay.email, "--name", "Fay"], as: nil, stderrMentions: "who you are")
        let fresh = tmp.appendingPathComponent("fresh")
        try assertExit(64, ["init", fresh.path], as: nil, stderrMentions: "who you are")
        // Reading needs nobody.
        XCTAssertEqual(try run(["cat", slug], as: nil).status, 0)
        // The repository's own config is enough, as for git.
        try gitOK(["config", "user.name", Person.cai.name])
        try gitOK(["config", "user.email", Person.cai.email])
        XCTAssertEqual(try run(["approve", sid], as: nil).status, 0)
        let shown = try XCTUnwrap(try runOK(["show", sid, "--json"]).json)
        XCTAssertEqual((shown["approvals"] as? [[String: Any]])?.compactMap { email($0["by"]) }, [Person.cai.email])
    }

    func testNotAQuorumRepositoryExits64() throws {
        let plain = tmp.appendingPathComponent("plain")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        let outside = try run(["status", "--repo", plain.path])
        XCTAssertEqual(outside.status, 64, outside.stderr)
        XCTAssertTrue(outside.stderr.contains("not a git repository"), outside.stderr)

        let gitOnly = tmp.appendingPathComponent("git-only")
        XCTAssertEqual(try git(["init", "-q", gitOnly.path], in: tmp).status, 0)
        for args in [["status"], ["list"], ["approve", "deadbeef"], ["member", "list"]] {
            let result = try run(args + ["--repo", gitOnly.path])
            XCTAssertEqual(result.status, 64, "\(args): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("not a Quorum repository"), result.stderr)
        }
        XCTAssertEqual(try git(["for-each-ref"], in: gitOnly).stdout, "", "nothing was written to the plain git repository")
        // Run from inside it, with no --repo, too.
        let inside = try run(["list"], in: gitOnly)
        XCTAssertEqual(inside.status, 64, inside.stderr)
    }

    func testRefusalsExit1AndChangeNothing() throws {
        try setUpReview()
        let sid = try id(try suggestLine(3, "Status: x"))
        try assertExit(1, ["approve", sid], as: .ben, stderrMentions: "[approve.self]")
        try assertExit(1, ["merge", sid], as: .ben, stderrMentions: "[merge.quorum]")
        try runOK(["approve", sid], as: .cai)
        try assertExit(1, ["approve", sid], as: .cai, stderrMentions: "[approve.twice]")
        let refused = try assertExit(1, ["merge", sid], as: .ben, stderrMentions: "needs 1 more approval")
        XCTAssertTrue(refused.stderr.contains("cai@example.com"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("hint:"), refused.stderr)
        try assertExit(1, ["member", "add", Person.fay.email, "--name", Person.fay.name], as: .ben, stderrMentions: "[roster.not-lead]")
        try assertExit(1, ["propose", slug, "--file", "framework.md=\(sample)"], stderrMentions: "exists already")
        try assertExit(1, ["init", repo.path], stderrMentions: "already a Quorum repository")
        try runOK(["approve", sid], as: .dee)
        try runOK(["merge", sid], as: .ben)
        try assertExit(1, ["merge", sid], as: .ben, stderrMentions: "[suggestion.over]")
    }

    func testAConflictingMergeExits1AndNamesTheLine() throws {
        try setUpReview()
        // Three suggestions on the same base: two edit line 13, one line 168.
        let first = try id(try suggestLine(13, "Writes clear code.", as: .ben))
        let second = try id(try suggestLine(13, "Writes clear, well-tested code.", as: .cai))
        let third = try id(try suggestLine(168, "Shapes the strategy of the organisation.", as: .cai))
        for (sid, approvers) in [(first, [Person.cai, .dee]), (second, [Person.ben, .dee]), (third, [Person.ben, .dee])] {
            for approver in approvers { try runOK(["approve", sid], as: approver) }
        }
        try runOK(["merge", first], as: .ben)
        // The round must not move; only the suggestion's own chain may record the conflict.
        let ownChain = "refs/quorum/proposals/career-steps/suggestions/\(second)/meta"
        let others = { try self.allRefs().split(separator: "\n").filter { !$0.hasSuffix(" " + ownChain) } }
        let before = try others()
        let round = try gitOK(["rev-parse", "quorum/career-steps/1"])
        let refused = try run(["merge", second], as: .cai)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("framework.md line 13:"), refused.stderr)
        XCTAssertEqual(try gitOK(["rev-parse", "quorum/career-steps/1"]), round)
        XCTAssertEqual(try others(), before)
        XCTAssertNotEqual(try runOK(["show", second, "--json"]).json?["state"] as? String, "merged")
        // The far-apart edit from the same base merges three-way.
        let merged = try XCTUnwrap(try runOK(["merge", third, "--json"], as: .cai).json)
        XCTAssertEqual(merged["threeWay"] as? Bool, true)
        let expected = replacingLine(168, of: replacingLine(13, of: original, with: "Writes clear code."), with: "Shapes the strategy of the organisation.")
        XCTAssertEqual(try runOK(["cat", slug]).stdoutData, Data(expected.utf8))
        XCTAssertEqual(try git(["fsck", "--strict", "--no-dangling"]).status, 0)
    }

    // MARK: Help

    func testHelpExits0AndSaysWhatCommandsDo() throws {
        let top = try run(["--help"], in: tmp)
        XCTAssertEqual(top.status, 0, top.stderr)
        XCTAssertTrue(top.stdout.contains("review of documents stored in git"), top.stdout)
        for command in ["init", "propose", "suggest", "approve", "merge", "show", "cat"] {
            XCTAssertTrue(top.stdout.contains(command), "\(command) missing from --help")
        }
        let merge = try run(["merge", "--help"], in: tmp)
        XCTAssertEqual(merge.status, 0, merge.stderr)
        XCTAssertTrue(merge.stdout.contains("Merge an approved suggestion into its round"), merge.stdout)
        XCTAssertTrue(merge.stdout.contains("Approved-by"), merge.stdout)
        let suggest = try run(["suggest", "--help"], in: tmp)
        XCTAssertEqual(suggest.status, 0)
        XCTAssertTrue(suggest.stdout.contains("--file"), suggest.stdout)
        XCTAssertEqual(try run(["--version"], in: tmp).status, 0)
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
