import Foundation
import XCTest

/// Every command's `--json` output, and the post-receive notification
/// lines, checked against the schema files in docs/schema by a real JSON
/// Schema validator (scripts/validate-json.py, the jsonschema package):
/// the shapes documented in docs/json.md are the shapes printed.
final class JSONSchemaTests: SharedRepositoryTestCase {
    /// Output files and the schema each must satisfy.
    private var checks: [(schema: String, file: URL)] = []
    private var counter = 0

    /// Runs a command with --json as `who`, expects it to succeed, keeps its
    /// output for `schema`, and returns it parsed.
    @discardableResult
    private func json(_ schema: String, _ args: [String], as who: Teammate = .ana, in directory: URL, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let outcome = try quorum(args + ["--json"], as: who, in: directory)
        XCTAssertEqual(outcome.status, 0, "quorum \(args.joined(separator: " ")): \(outcome.errors)", file: file, line: line)
        counter += 1
        let saved = root.appendingPathComponent("json/\(counter)-\(args.first ?? "")-\(schema)")
        try FileManager.default.createDirectory(at: saved.deletingLastPathComponent(), withIntermediateDirectories: true)
        try outcome.output.write(to: saved)
        checks.append((schema, saved))
        return outcome.object ?? [:]
    }

    private func validate(file: StaticString = #filePath, line: UInt = #line) throws {
        let script = Self.packageRoot.appendingPathComponent("scripts/validate-json.py").path
        let schemas = Self.packageRoot.appendingPathComponent("docs/schema").path
        let outcome = try start("/usr/bin/env", ["python3", script, schemas] + checks.map { "\($0.schema)=\($0.file.path)" }, as: nil, in: root).finish()
        XCTAssertEqual(outcome.status, 0, "\(outcome.text)\(outcome.errors)", file: file, line: line)
        // Every output file, and each notification line, was a document checked.
        let summary = outcome.text.split(separator: "\n").last.map(String.init) ?? ""
        let checked = Int(summary.split(separator: " ").dropFirst().first ?? "") ?? 0
        XCTAssertTrue(summary.hasSuffix(" documents checked, 0 failures") && checked > checks.count, outcome.text, file: file, line: line)
    }

    private func writeText(_ text: String) throws -> String {
        let path = root.appendingPathComponent("text-\(UUID().uuidString).md")
        try Data(text.utf8).write(to: path)
        return path.path
    }

    /// framework.md as the round has it now, with line `number` replaced.
    private func edited(_ number: Int, _ text: String, in directory: URL) throws -> String {
        var lines = try quorumOK(["cat", slug, "framework.md"], in: directory).text.components(separatedBy: "\n")
        lines[number - 1] = text
        return try writeText(lines.joined(separator: "\n"))
    }

    func testEveryCommandsJSONAndTheNotificationLinesMatchTheSchema() throws {
        try gitOK(["init", "-q", "--bare", bare.path], in: root)
        let sent = root.appendingPathComponent("notifications")
        try gitOK(["config", "quorum.notify", "cat >> '\(sent.path)'"], in: bare)
        try json("command-hooks.json", ["hooks", "install", bare.path], in: root)
        try json("command-hooks.json", ["hooks", "check", bare.path], in: root)
        let repo = clone("ana")
        let made = try json("command-init.json", ["init", repo.path], in: root)
        XCTAssertEqual((made["lead"] as? [String: Any])?["email"] as? String, Teammate.ana.email)
        try json("command-member-add.json", ["member", "add", Teammate.ben.email, "--name", Teammate.ben.name], in: repo)
        for who in [Teammate.cai, .dee] { try quorumOK(["member", "add", who.email, "--name", who.name], in: repo) }
        let csv = root.appendingPathComponent("people.csv")
        try Data("email,name,groups\n\(Teammate.eve.email),\(Teammate.eve.name),everyone\n".utf8).write(to: csv)
        try json("command-member-import.json", ["member", "import", csv.path], in: repo)
        let key = root.appendingPathComponent("key")
        let keygen = try start("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key.path], as: nil, in: root).finish()
        XCTAssertEqual(keygen.status, 0, keygen.errors)
        try json("command-member-key.json", ["member", "key", "add", Teammate.ben.email, key.path + ".pub"], in: repo)
        try json("command-member-key.json", ["member", "key", "revoke", Teammate.ben.email, key.path + ".pub"], in: repo)
        try json("command-member-list.json", ["member", "list"], in: repo)
        try json("command-policy.json", ["policy"], in: repo)
        try json("command-allowed-signers.json", ["allowed-signers"], in: repo)
        try json("command-allowed-signers.json", ["allowed-signers", "-o", root.appendingPathComponent("signers").path], in: repo)
        let sample = Self.packageRoot.appendingPathComponent("Proposals/career-steps/framework.md").path
        try json("command-propose.json", ["propose", slug, "--title", "Engineering Career Steps", "--file", "framework.md=\(sample)"], in: repo)
        try gitOK(["remote", "add", "origin", bare.path], in: repo)
        try json("command-sync.json", ["sync"], in: repo)

        // A suggestion through its whole life, each step's JSON kept.
        let first = try json("command-suggest.json", ["suggest", slug, "-m", "Five", "--file", "framework.md=\(try edited(5, "Line five, changed.", in: repo))"], as: .ben, in: repo)
        let id = try XCTUnwrap(first["id"] as? String)
        XCTAssertEqual(first["revision"] as? Int, 1)
        try json("command-inbox.json", ["inbox"], as: .cai, in: repo)
        try json("command-approve.json", ["approve", id], as: .cai, in: repo)
        let objection = try XCTUnwrap(try json("command-decision.json", ["object", id, "-m", "Why?"], as: .dee, in: repo)["id"] as? String)
        try json("command-comment.json", ["comment", id, "-m", "A note"], as: .dee, in: repo)
        try json("command-comment.json", ["comment", slug, "-m", "On lines", "--doc", "framework.md", "--lines", "3-4"], as: .dee, in: repo)
        try json("command-inbox.json", ["inbox"], as: .ben, in: repo)
        try json("command-decision.json", ["resolve", id, objection], as: .dee, in: repo)
        try json("command-approve.json", ["approve", id], as: .dee, in: repo)
        try json("command-show.json", ["show", id], in: repo)
        try json("command-merge.json", ["merge", id], as: .ben, in: repo)
        try json("command-show.json", ["show", id, "--diff"], in: repo)

        let second = try XCTUnwrap(try json("command-suggest.json", ["suggest", slug, "-m", "Thirteen", "--file", "framework.md=\(try edited(13, "Thirteen.", in: repo))"], as: .cai, in: repo)["id"] as? String)
        try json("command-revise.json", ["revise", second, "-m", "Again", "--file", "framework.md=\(try edited(13, "Thirteen again.", in: repo))"], as: .cai, in: repo)
        let compared = try json("command-show-comparison.json", ["show", second, "--interdiff", "1..2"], in: repo)
        XCTAssertEqual((compared["to"] as? [String: Any])?["revision"] as? Int, 2)
        try json("command-decision.json", ["withdraw", second], as: .cai, in: repo)
        let third = try XCTUnwrap(try json("command-suggest.json", ["suggest", slug, "-m", "Thirty-two", "--file", "framework.md=\(try edited(32, "Thirty-two.", in: repo))"], as: .dee, in: repo)["id"] as? String)
        try json("command-decision.json", ["reject", third, "-m", "No"], in: repo)
        let fourth = try XCTUnwrap(try json("command-suggest.json", ["suggest", slug, "-m", "Ninety-three", "--file", "framework.md=\(try edited(93, "Ninety-three.", in: repo))"], as: .ben, in: repo)["id"] as? String)
        try json("command-edit.json", ["edit", slug, "--pair", Teammate.ben.email, "-m", "Pair", "--file", "framework.md=\(try edited(51, "Pair edit.", in: repo))"], in: repo)
        try json("command-revise.json", ["rebase", fourth], as: .ben, in: repo)
        try json("command-cut.json", ["cut", slug, "v1", "-m", "First"], in: repo)
        let forked = try json("command-fork.json", ["fork", slug, "--name", "managers", "--audience", "working-group"], in: repo)
        XCTAssertEqual(forked["round"] as? Int, 2)

        // The read commands.
        try json("command-list.json", ["list"], in: repo)
        try json("command-status.json", ["status"], in: repo)
        let status = try json("proposal-status.json", ["status", slug], in: repo)
        // status SLUG lists, as JSON, the suggestions its text lists.
        let listed = try XCTUnwrap(status["suggestions"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        let text = try quorumOK(["status", slug], in: repo).text
        XCTAssertEqual(listed.count, text.split(separator: "\n").filter { $0.hasPrefix("  ") }.count, text)
        for shown in listed { XCTAssertTrue(text.contains(String(shown.prefix(8))), text) }
        try json("command-show-proposal.json", ["show", slug], in: repo)
        try json("command-log.json", ["log", slug, "--round", "1"], in: repo)
        try json("command-rounds.json", ["rounds", slug], in: repo)
        try json("command-versions.json", ["versions", slug], in: repo)
        try json("command-cat.json", ["cat", slug], in: repo)
        try json("command-diff.json", ["diff", slug, "r1", "v1"], in: repo)
        try json("command-export.json", ["export", slug], in: repo)
        try json("command-export.json", ["export", slug, "--format", "html", "-o", root.appendingPathComponent("v.html").path], in: repo)
        try json("command-verify.json", ["verify"], in: repo)
        try json("command-sync.json", ["sync"], in: repo)

        // --fields: only those fields, of each element for a list.
        let selected = try quorumOK(["list", "--json", "--fields", "id,state,author"], in: repo)
        let elements = try XCTUnwrap((try JSONSerialization.jsonObject(with: selected.output)) as? [[String: Any]])
        XCTAssertFalse(elements.isEmpty)
        for element in elements { XCTAssertEqual(Set(element.keys), ["id", "state", "author"]) }

        // The post-receive hook's lines for everything the syncs sent.
        let lines = try String(contentsOf: sent, encoding: .utf8).split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 10)
        checks.append(("notification.json:lines", sent))
        try validate()
    }

    func testFieldsRefusesWhatItCannotSelect() throws {
        let repo = try makeSharedReview()
        let unknown = try quorum(["status", "--json", "--fields", "slug,colour"], in: repo)
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.errors.contains("unknown field 'colour'") && unknown.errors.contains("hint: the fields here are: ") && unknown.errors.contains("openRound"), unknown.errors)
        XCTAssertEqual(try quorum(["list", "--fields", "id"], in: repo).status, 64, "--fields without --json")
        // A command that changes something refuses --fields before it runs.
        let before = try gitOK(["for-each-ref"], in: repo)
        let write = try quorum(["member", "add", Teammate.eve.email, "--name", Teammate.eve.name, "--json", "--fields", "id"], in: repo)
        XCTAssertEqual(write.status, 64)
        XCTAssertTrue(write.errors.contains("hint:"), write.errors)
        XCTAssertEqual(try gitOK(["for-each-ref"], in: repo), before)
        // Every command either takes --json or refuses it as bad usage.
        let hook = try quorum(["hook", "pre-receive", "--json"], in: repo)
        XCTAssertEqual(hook.status, 64, hook.errors)
    }
}
