import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Nothing one user types reaches another user's terminal as anything but
/// text (issue 10, point 7): every command's text output shows control
/// characters as `\xHH`, whether the text came from an honest body or a
/// forged event; JSON keeps them as JSON escapes; `cat` prints the
/// document byte for byte.
final class HostileOutputTests: QuorumTestCase {
    private let slug = "career-steps"
    private let esc = "\u{1B}"

    /// Fails when `data` holds a byte a terminal would obey: C0 but newline
    /// and tab, DEL, or a C1 character (UTF-8 0xC2 0x80–0x9F).
    private func assertNoControls(_ data: Data, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        var previous: UInt8 = 0
        for (offset, byte) in data.enumerated() {
            let bad = (byte < 0x20 && byte != 0x0A && byte != 0x09) || byte == 0x7F || (previous == 0xC2 && (0x80...0x9F).contains(byte))
            if bad {
                XCTFail("\(what): control byte 0x\(String(byte, radix: 16)) at \(offset) in «\(String(decoding: data, as: UTF8.self))»", file: file, line: line)
                return
            }
            previous = byte
        }
    }

    /// A review with an honest suggestion by Ben and, forged with libgit2
    /// straight into the refs (as a clone without hooks can receive it), a
    /// suggestion by "Ben" whose title and author name hold escapes.
    private func hostileReview() throws -> (honest: String, forged: String) {
        try runOK(["init", repo.path])
        for person in [Person.ben, .cai, .dee] { try runOK(["member", "add", person.email, "--name", person.name]) }
        let sample = try write(TestEnvironment.framework, to: "framework.md")
        try runOK(["propose", slug, "--title", "Engineering Career Steps", "--file", "framework.md=\(sample)"])
        let edited = try write(replacingLine(5, of: TestEnvironment.framework, with: "Edited."), to: "edited.md")
        let honest = try runOK(["suggest", slug, "-m", "Plain title\n\nA body with \(esc)[31mcolour\(esc)[0m in it", "--file", "framework.md=\(edited)", "--json"], as: .ben)
        let honestID = try XCTUnwrap((try JSONSerialization.jsonObject(with: honest.stdoutData) as? [String: Any])?["id"] as? String)

        let git = try Repository.open(at: repo.path)
        let base = try XCTUnwrap(try git.referenceTarget("refs/heads/quorum/\(slug)/1"))
        let text = replacingLine(13, of: TestEnvironment.framework, with: "Forged.")
        let tree = try git.updateTree(try git.commit(base).tree, [.upsert(path: "Proposals/\(slug)/framework.md", blob: try git.writeBlob(Data(text.utf8)))])
        let forger = Signature(name: "Ben \(esc)]0;pwned\u{07}Okafor", email: "ben@example.com", time: 1_800_000_000, offsetMinutes: 0)
        let revision = try git.createCommit(tree: tree, parents: [base], author: forger, committer: forger, message: "Edit\n")
        var record = EventRecord(type: .suggest)
        record.slug = slug
        record.round = 1
        record.title = "Urgent \(esc)[2J\(esc)[8mhidden\u{9B}31m\rApproved\u{08}"
        record.message = record.title! + "\n\nSee \(esc)]8;;http://evil.example\(esc)\\the policy\(esc)]8;;\(esc)\\"
        record.revision = revision.hex
        record.base = base.hex
        let json = try JSONEncoder().encode(record)
        let eventTree = try git.updateTree(nil, [.upsert(path: "event.json", blob: try git.writeBlob(json))])
        let event = try git.createCommit(tree: eventTree, parents: [], author: forger, committer: forger, message: "Suggest\n\nQuorum-Format: 1\n")
        try git.updateReference("refs/quorum/proposals/\(slug)/suggestions/\(event.hex)/revs/1", to: revision, expected: nil, message: "forged")
        try git.updateReference("refs/quorum/proposals/\(slug)/suggestions/\(event.hex)/meta", to: event, expected: nil, message: "forged")
        historyBreaksTheRules = true
        return (honestID, event.hex)
    }

    func testEveryListingShowsForgedEscapesAsText() throws {
        let (honest, forged) = try hostileReview()
        // A comment whose body (beyond its first line) holds every hostile sequence.
        try runOK(["comment", honest, "-m", "Plain first line\n\(esc)]8;;http://x\(esc)\\link\(esc)]8;;\(esc)\\ \u{9B}2J back\u{08}\u{08} over\rwrite"], as: .cai)
        let commands: [([String], Person)] = [
            (["list"], .ana), (["status"], .ana), (["status", slug], .ana), (["inbox"], .cai),
            (["show", String(forged.prefix(8))], .ana), (["show", String(forged.prefix(8)), "--diff"], .ana),
            (["show", honest], .ana), (["show", slug], .ana), (["log", slug], .ana), (["rounds", slug], .ana),
            (["versions", slug], .ana), (["member", "list"], .ana), (["verify"], .ana),
        ]
        var seenEscaped = false
        for (args, person) in commands {
            let result = try run(args, as: person)
            XCTAssertTrue(result.status == 0 || args == ["verify"], "quorum \(args.joined(separator: " ")): \(result.stderr)")
            assertNoControls(result.stdoutData, "quorum \(args.joined(separator: " "))")
            assertNoControls(Data(result.stderr.utf8), "quorum \(args.joined(separator: " ")) (stderr)")
            if result.stdout.contains("\\x1b[2J") { seenEscaped = true }
        }
        XCTAssertTrue(seenEscaped, "the forged title is shown, escaped")
        let list = try runOK(["list"]).stdout
        XCTAssertTrue(list.contains("Urgent \\x1b[2J\\x1b[8mhidden\\x9b31m\\x0dApproved\\x08"), list)
        let shown = try runOK(["show", honest]).stdout
        XCTAssertTrue(shown.contains("\\x1b]8;;http://x\\x1b\\link"), shown)
        XCTAssertTrue(shown.contains("A body with \\x1b[31mcolour"), shown)

        // `verify` names the forged event's rule.
        let verified = try run(["verify", "--json"])
        let violations = (try JSONSerialization.jsonObject(with: verified.stdoutData) as? [String: Any])?["violations"] as? [[String: Any]] ?? []
        XCTAssertEqual(violations.compactMap { $0["code"] as? String }, ["text.control"], verified.stdout)
        XCTAssertEqual(verified.status, 1)
        // The forged suggestion never merges, whatever its approvals.
        try runOK(["approve", String(forged.prefix(8))], as: .cai)
        try runOK(["approve", String(forged.prefix(8))], as: .dee)
        let merge = try run(["merge", String(forged.prefix(8))], as: .cai)
        XCTAssertEqual(merge.status, 1, merge.stderr)
        XCTAssertTrue(merge.stderr.contains("[text.control]"), merge.stderr)
        XCTAssertTrue(merge.stderr.contains("hint: "), merge.stderr)
    }

    func testJSONKeepsControlsAsJSONEscapes() throws {
        let (_, forged) = try hostileReview()
        for args in [["list", "--json"], ["show", String(forged.prefix(8)), "--json"]] {
            let result = try runOK(args)
            assertNoControls(result.stdoutData, args.joined(separator: " "))
            XCTAssertTrue(result.stdout.contains("\\u001b[2J"), result.stdout)
            XCTAssertTrue(result.stdout.contains("\\u009b31m"), result.stdout)
            // …and decodes back to exactly what was stored.
            XCTAssertTrue(String(decoding: result.stdoutData, as: UTF8.self).contains("Urgent"))
        }
        let shown = try runOK(["show", String(forged.prefix(8)), "--json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: shown.stdoutData) as? [String: Any])
        XCTAssertEqual(object["title"] as? String, "Urgent \(esc)[2J\(esc)[8mhidden\u{9B}31m\rApproved\u{08}")
    }

    func testCatPrintsTheDocumentByteForByte() throws {
        try runOK(["init", repo.path])
        let document = "# Policy\n\nA line with \(esc)[1mbold\(esc)[0m and a CRLF\r\n"
        let path = try write(document, to: "doc.md")
        try runOK(["propose", slug, "--file", "framework.md=\(path)"])
        XCTAssertEqual(try runOK(["cat", slug]).stdoutData, Data(document.utf8))
    }

    func testRefusalsQuotingWhatWasTypedAreEscaped() throws {
        try runOK(["init", repo.path])
        let refused = try run(["show", "\(esc)[2J\(esc)]0;x\u{07}abcd"])
        XCTAssertEqual(refused.status, 64)
        assertNoControls(Data(refused.stderr.utf8), "show's refusal")
        XCTAssertTrue(refused.stderr.contains("\\x1b[2J"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("hint: "), refused.stderr)
    }

    func testMemberAddRefusesANameWithEscapes() throws {
        try runOK(["init", repo.path])
        let before = try allRefs()
        let refused = try run(["member", "add", "eve@example.com", "--name", "Esc \(esc)[31mName"])
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("[text.control]"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("\nhint: "), refused.stderr)
        assertNoControls(Data(refused.stderr.utf8), "member add's refusal")
        XCTAssertEqual(try allRefs(), before)
    }

    /// The CLI writes to standard output and standard error only through
    /// `Output` (Sources/quorum/Output.swift), which escapes control
    /// characters: a command that printed on its own would bypass it.
    func testEveryCommandPrintsThroughOutput() throws {
        let sources = TestEnvironment.packageRoot.appendingPathComponent("Sources/quorum")
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        XCTAssertGreaterThan(files.count, 10)
        let forbidden = ["print(", "FileHandle.standardOutput", "FileHandle.standardError", "fputs(", "putchar(", "FileHandle(fileDescriptor"]
        for file in files where file != "Output.swift" {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for pattern in forbidden where line.contains(pattern) {
                    XCTFail("Sources/quorum/\(file):\(number + 1) writes without Output: \(line)")
                }
            }
        }
    }
}
