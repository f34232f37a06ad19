import Foundation
import XCTest

@testable import QuorumCore

/// Several quorum processes at the same moment on one repository: every
/// event must land, every command must succeed, and git must find the
/// repository sound afterwards.
final class ConcurrencyTests: QuorumTestCase {
    private let slug = "career-steps"
    private var original: String { TestEnvironment.framework }

    /// One shell loop per person, all started together (they wait for a
    /// "go" file), each recording failures on stdout. Returns each loop's
    /// result, in order.
    private func runTogether(_ scripts: [(person: Person, commands: [[String]])]) throws -> [RunResult] {
        let go = tmp.appendingPathComponent("go")
        let quorum = TestEnvironment.binary
        guard FileManager.default.isExecutableFile(atPath: quorum) else { throw XCTSkip("no quorum binary at \(quorum)") }
        var processes: [(Process, URL, URL)] = []
        for (index, script) in scripts.enumerated() {
            var lines = ["while [ ! -e '\(go.path)' ]; do sleep 0.01; done"]
            for command in script.commands {
                let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
                lines.append("'\(quorum)' \(quoted) >/dev/null 2>>'\(tmp.path)/err-\(index)' || echo \"FAIL $? \(quoted)\"")
            }
            let out = tmp.appendingPathComponent("out-\(index)")
            let err = tmp.appendingPathComponent("err-\(index)")
            try Data().write(to: out)
            try Data().write(to: err)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", lines.joined(separator: "\n")]
            process.environment = environment(for: script.person)
            process.currentDirectoryURL = repo
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            processes.append((process, out, err))
        }
        try Data().write(to: go)
        return try processes.map { process, out, err in
            process.waitUntilExit()
            return RunResult(
                status: process.terminationStatus, stdoutData: try Data(contentsOf: out),
                stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
        }
    }

    private func assertAllSucceeded(_ results: [RunResult], file: StaticString = #filePath, line: UInt = #line) {
        for (index, result) in results.enumerated() {
            XCTAssertEqual(result.status, 0, "loop \(index)", file: file, line: line)
            XCTAssertEqual(result.stdout, "", "loop \(index) had failing commands:\n\(result.stdout)\(result.stderr)", file: file, line: line)
            XCTAssertEqual(result.stderr, "", "loop \(index) wrote errors", file: file, line: line)
        }
    }

    private func assertFsckClean(file: StaticString = #filePath, line: UInt = #line) throws {
        let fsck = try git(["fsck", "--strict", "--no-dangling"])
        XCTAssertEqual(fsck.status, 0, fsck.stdout + fsck.stderr, file: file, line: line)
        XCTAssertFalse((fsck.stdout + fsck.stderr).lowercased().contains("error"), fsck.stdout + fsck.stderr, file: file, line: line)
    }

    /// Four approvers approve the same eight suggestions in the same order
    /// (so they race for each chain) while each also suggests two new texts.
    func testFourProcessesApprovingAndSuggestingAtOnceLoseNoEvent() throws {
        let approvers: [Person] = [.ben, .cai, .dee, .eve]
        try careerSteps(members: approvers + [.fay])
        // Eight suggestions by Fay, so that all four may approve each.
        var ids: [String] = []
        for (index, number) in frameworkParagraphLines.prefix(8).enumerated() {
            let s = try suggest(replacingLine(number, of: original, with: "Fay's edit \(index)."), message: "Fay \(index)", as: .fay)
            ids.append(s.id)
        }
        var scripts: [(person: Person, commands: [[String]])] = []
        for (p, person) in approvers.enumerated() {
            var commands: [[String]] = []
            for (k, id) in ids.enumerated() {
                commands.append(["approve", id])
                if k == 3 || k == 7 {
                    let n = k / 4
                    let file = try write(
                        replacingLine(frameworkParagraphLines[8 + n], of: original, with: "\(person.name)'s edit \(n)."),
                        to: "new-\(p)-\(n).md")
                    commands.append(["suggest", slug, "-m", "\(person.name) \(n)", "--file", "framework.md=\(file)"])
                }
            }
            XCTAssertEqual(commands.count, 10)
            scripts.append((person, commands))
        }

        let started = Date()
        let results = try runTogether(scripts)
        assertAllSucceeded(results)
        print("4 loops of 10 quorum commands took \(String(format: "%.1f", Date().timeIntervalSince(started)))s")

        // Every approval is recorded, once, and counts.
        for id in ids {
            let shown = try runOK(["show", id, "--json"])
            let approvals = try XCTUnwrap(shown.json?["approvals"] as? [[String: Any]], shown.stdout)
            XCTAssertEqual(Set(approvals.compactMap { email($0["by"]) }), Set(approvers.map(\.email)), "suggestion \(id)")
            XCTAssertEqual(approvals.count, 4, "suggestion \(id)")
            XCTAssertEqual(approvals.filter { $0["counts"] as? Bool == true }.count, 4, "suggestion \(id)")
            XCTAssertEqual(shown.json?["state"] as? String, "approved")
            // suggest + four approvals, in one straight line.
            let chain = "refs/quorum/proposals/\(slug)/suggestions/\(id)/meta"
            XCTAssertEqual(try gitOK(["rev-list", "--count", chain]).trimmed, "5", id)
            XCTAssertEqual(try gitOK(["rev-list", "--count", "--merges", chain]).trimmed, "0", id)
        }

        // Every suggestion is there: Fay's eight and two from each approver.
        let listed = try XCTUnwrap(try runOK(["list", "--json"]).jsonArray)
        XCTAssertEqual(listed.count, 16)
        var byAuthor: [String: Int] = [:]
        for item in listed { byAuthor[email(item["author"]) ?? "?", default: 0] += 1 }
        XCTAssertEqual(byAuthor, Dictionary(uniqueKeysWithValues: [(Person.fay.email, 8)] + approvers.map { ($0.email, 2) }))
        XCTAssertEqual(Set(listed.compactMap { $0["title"] as? String }).count, 16)
        XCTAssertEqual(try runOK(["list", "--json", "--state", "approved"]).jsonArray?.count, 8)
        // Each suggestion has its chain and its revision pin.
        let refs = try gitOK(["for-each-ref", "--format=%(refname)", "refs/quorum/proposals/\(slug)/suggestions/"])
            .split(separator: "\n")
        XCTAssertEqual(refs.filter { $0.hasSuffix("/meta") }.count, 16)
        XCTAssertEqual(refs.filter { $0.hasSuffix("/revs/1") }.count, 16)
        try assertFsckClean()
    }

    /// Four people merge eight approved, non-overlapping suggestions at once:
    /// the round branch must end up with all eight, one merge each.
    func testFourProcessesMergingAtOnceKeepEveryChange() throws {
        let people: [Person] = [.ben, .cai, .dee, .eve]
        let lead = try careerSteps(members: people)
        var ids: [String] = []
        var expected = original
        for (index, number) in frameworkParagraphLines.prefix(8).enumerated() {
            let author = people[index % 4]
            let replacement = "Edit \(index) by \(author.name)."
            expected = replacingLine(number, of: expected, with: replacement)
            let s = try suggest(replacingLine(number, of: original, with: replacement), message: "Edit \(index)", as: author)
            for approver in people where approver.email != author.email {
                _ = try open(as: approver).approve(s.id, message: nil)
            }
            ids.append(s.id)
        }
        let base = try gitOK(["rev-parse", "quorum/\(slug)/1"]).trimmed
        let scripts = people.enumerated().map { index, person in
            (person: person, commands: [["merge", ids[index]], ["merge", ids[index + 4]]])
        }
        let results = try runTogether(scripts)
        assertAllSucceeded(results)

        XCTAssertEqual(try runOK(["cat", slug]).stdoutData, Data(expected.utf8), "every change is in the final text")
        let firstParents = try gitOK(["rev-list", "--first-parent", "quorum/\(slug)/1"]).split(separator: "\n")
        XCTAssertEqual(firstParents.count, 9, "eight merges on top of the proposal")
        XCTAssertEqual(firstParents.last.map(String.init), base)
        let merged = try gitOK(["log", "--first-parent", "--format=%(trailers:key=Suggestion,valueonly)", "quorum/\(slug)/1"])
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(Set(merged), Set(ids))
        XCTAssertEqual(merged.count, 8, "each suggestion merged once")
        for summary in try lead.list() {
            XCTAssertEqual(summary.state, .merged, summary.id)
        }
        try assertFsckClean()
    }
}
