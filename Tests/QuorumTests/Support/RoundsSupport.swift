import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Fixtures shared by LivingSuggestionTests and RoundsTests: a suggestion's
/// life after the core loop (revisions, objections, comments, inbox) and
/// review rounds with official versions. A subclass of QuorumTestCase (not
/// an extension of it) so that its helper names never clash with the
/// private helpers of the other test classes.
class RoundsTestCase: QuorumTestCase {
    let slug = "career-steps"
    var roundOne: String { Layout.roundBranch(slug, 1) }
    var roundTwo: String { Layout.roundBranch(slug, 2) }
    var original: String { TestEnvironment.framework }
    var samplePath: String { TestEnvironment.packageRoot.appendingPathComponent("Proposals/career-steps/framework.md").path }

    /// framework.md with line `number` replaced (on `text`, default the original).
    func withLine(_ number: Int, _ replacement: String, of text: String? = nil) -> String {
        replacingLine(number, of: text ?? original, with: replacement)
    }

    /// A suggestion's own event chain ref.
    func chainRef(_ id: String) -> String {
        "refs/quorum/proposals/\(slug)/suggestions/\(id)/meta"
    }

    // MARK: In-process

    /// Suggests framework.md with one line replaced, in-process.
    @discardableResult
    func suggestLineChange(_ number: Int, _ replacement: String, as person: Person, message: String? = nil, on text: String? = nil) throws -> SuggestResult {
        try suggest(withLine(number, replacement, of: text), message: message ?? "Edit line \(number)", as: person)
    }

    /// Approves as each of `people`, in-process.
    func approve(_ id: String, by people: [Person]) throws {
        for person in people { _ = try open(as: person).approve(id, message: nil) }
    }

    /// One document input of framework.md.
    func framework(_ text: String) -> [DocumentInput] {
        [DocumentInput(name: "framework.md", text: Data(text.utf8), source: "test")]
    }

    /// Forks round 2 of career-steps in-process, as Ana.
    @discardableResult
    func forkRoundTwo(
        _ lead: ReviewRepository, name: String = "managers", audience: [String] = ["working-group", "managers"],
        approvers: [String]? = nil, carry: CarryChoice = .all
    ) throws -> ForkResult {
        try lead.fork(slug: slug, name: name, audience: audience, approvers: approvers, quorum: nil, carry: carry, strict: false)
    }

    // MARK: Through the binary

    /// `quorum init` as Ana, `members` added (each with its groups, or to
    /// the working group when none are given), and career-steps proposed.
    func startReview(
        members: [(Person, [String])] = [(.ben, []), (.cai, []), (.dee, [])], title: String = "Engineering Career Steps"
    ) throws {
        try runOK(["init", repo.path])
        for (person, groups) in members {
            try runOK(["member", "add", person.email, "--name", person.name] + groups.flatMap { ["--group", $0] })
        }
        try runOK(["propose", slug, "--title", title, "--file", "framework.md=\(samplePath)"])
    }

    /// Writes `text` to a fresh file in the test directory and returns its path.
    func textFile(_ text: String) throws -> String {
        try write(text, to: "texts/\(UUID().uuidString).md")
    }

    /// The `id` of a `--json` result: 40 hex digits.
    func jsonID(_ result: RunResult, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let json = try XCTUnwrap(result.json, "not a JSON object: \(result.stdout)", file: file, line: line)
        let id = try XCTUnwrap(json["id"] as? String, "no id in \(json)", file: file, line: line)
        XCTAssertEqual(id.count, 40, id, file: file, line: line)
        XCTAssertTrue(id.allSatisfy(\.isHexDigit), id, file: file, line: line)
        return id
    }

    /// `quorum suggest` of framework.md with one line replaced (of `text`,
    /// or else of the open round's current text); returns the id.
    func suggestCLI(_ number: Int, _ replacement: String, as person: Person, message: String? = nil, on text: String? = nil, extra: [String] = []) throws -> String {
        let current = try text ?? runOK(["cat", slug, "framework.md"], as: person).stdout
        let path = try textFile(withLine(number, replacement, of: current))
        let result = try runOK(["suggest", slug, "-m", message ?? "Edit line \(number)", "--file", "framework.md=\(path)", "--json"] + extra, as: person)
        return try jsonID(result)
    }

    /// `quorum approve` as each of `people`.
    func approveCLI(_ id: String, by people: [Person], file: StaticString = #filePath, line: UInt = #line) throws {
        for person in people { try runOK(["approve", id], as: person, file: file, line: line) }
    }

    /// Every ref as `git for-each-ref` lists it, as name → object.
    func refMap() throws -> [String: String] {
        var map: [String: String] = [:]
        for row in try allRefs().split(separator: "\n") {
            let parts = row.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { map[String(parts[1])] = String(parts[0]) }
        }
        return map
    }

    /// Runs quorum, expects `status`, checks that stderr mentions each of
    /// `phrases`, and that no ref changed (but those in `allowing`).
    @discardableResult
    func expectExit(
        _ status: Int32, _ args: [String], as person: Person? = .ana, mentioning phrases: [String] = [], allowing: Set<String> = [],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> RunResult {
        let before = try refMap().filter { !allowing.contains($0.key) }
        let result = try run(args, as: person)
        XCTAssertEqual(result.status, status, "quorum \(args.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        for phrase in phrases {
            XCTAssertTrue(result.stderr.contains(phrase), "«\(phrase)» not in stderr of quorum \(args.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        }
        XCTAssertEqual(try refMap().filter { !allowing.contains($0.key) }, before, "refs changed after quorum \(args.joined(separator: " "))", file: file, line: line)
        return result
    }

    /// `quorum show ID --json`.
    func shown(_ id: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let result = try runOK(["show", id, "--json"], file: file, line: line)
        return try XCTUnwrap(result.json, result.stdout, file: file, line: line)
    }

    /// `git rev-parse` of a ref or revision, trimmed.
    func revParse(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try gitOK(["rev-parse", name], file: file, line: line).trimmed
    }

    /// `git fsck --strict` passes and reports nothing wrong.
    func assertFsckStrictClean(file: StaticString = #filePath, line: UInt = #line) throws {
        let fsck = try git(["fsck", "--strict", "--no-dangling"])
        XCTAssertEqual(fsck.status, 0, fsck.stdout + fsck.stderr, file: file, line: line)
        for word in ["error", "warning", "missing", "broken", "bad"] {
            XCTAssertFalse((fsck.stdout + fsck.stderr).lowercased().contains(word), "fsck: \(fsck.stdout)\(fsck.stderr)", file: file, line: line)
        }
    }
}
