import Foundation
import XCTest

@testable import QuorumCore

/// `suggest` and `edit` with no --file: the documents changed in a checked-out
/// round, written on the commit they were checked out from.
final class WorkTreeTests: QuorumTestCase {
    private let slug = "career-steps"
    private var document: URL { repo.appendingPathComponent("Proposals/career-steps/framework.md") }

    /// Checks out round 1, then merges a change to line 5 in-process, so
    /// the round branch (and HEAD with it) moves while the work tree stays
    /// at the proposed text.
    private func checkedOutRoundThatMovedOn() throws -> (proposed: String, merged: String) {
        let lead = try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        let proposed = try XCTUnwrap(try lead.git.referenceTarget(Layout.roundBranch(slug, 1))).hex
        let change = try suggest(replacingLine(5, of: TestEnvironment.framework, with: "Merged while you were editing."), message: "Line 5", as: .ben)
        _ = try open(as: .cai).approve(change.id, message: nil)
        _ = try open(as: .dee).approve(change.id, message: nil)
        let merged = try open(as: .ana).merge(change.id).commit
        return (proposed, merged)
    }

    private func editWorkTree(line number: Int, with text: String) throws {
        let current = try String(contentsOf: document, encoding: .utf8)
        try replacingLine(number, of: current, with: text).write(to: document, atomically: true, encoding: .utf8)
    }

    func testASuggestionFromTheWorkTreeIsWrittenOnTheCheckedOutCommitAndKeepsLaterMerges() throws {
        let (proposed, _) = try checkedOutRoundThatMovedOn()
        XCTAssertFalse(try String(contentsOf: document, encoding: .utf8).contains("Merged while you were editing."), "the work tree is stale, as after a merge by someone else")
        try editWorkTree(line: 100, with: "Edited in the work tree.")

        let result = try runOK(["suggest", slug, "-m", "From the work tree", "--json"], as: .cai)
        let json = try XCTUnwrap(result.json)
        XCTAssertEqual(json["base"] as? String, proposed, "written on the commit the work tree came from, not the moved round head")
        XCTAssertEqual(json["documents"] as? [String], ["framework.md"])
        let id = try XCTUnwrap(json["id"] as? String)
        try runOK(["approve", id], as: .ben)
        try runOK(["approve", id], as: .dee)
        try runOK(["merge", id], as: .cai)

        let text = try runOK(["cat", slug]).stdout
        XCTAssertEqual(line(5, of: text), "Merged while you were editing.", "the three-way merge kept the change merged meanwhile")
        XCTAssertEqual(line(100, of: text), "Edited in the work tree.")
        XCTAssertEqual(try git(["fsck", "--strict"]).status, 0)
    }

    func testAPairEditFromTheWorkTreeKeepsLaterMerges() throws {
        _ = try checkedOutRoundThatMovedOn()
        try editWorkTree(line: 120, with: "Written together.")
        let result = try runOK(["edit", slug, "-m", "Pair edit from the work tree", "--pair", Person.ben.email, "--json"], as: .cai)
        XCTAssertEqual(result.json?["threeWay"] as? Bool, true)
        let text = try runOK(["cat", slug]).stdout
        XCTAssertEqual(line(5, of: text), "Merged while you were editing.", "the pair edit did not undo the merged change")
        XCTAssertEqual(line(120, of: text), "Written together.")
        XCTAssertTrue(try gitOK(["log", "-1", "--format=%B", "quorum/career-steps/1"]).contains("Co-authored-by: Ben Okafor <ben@example.com>"))
    }

    func testAWorkTreeNotCheckedOutFromTheRoundIsRefusedAndChangesNothing() throws {
        try careerSteps()
        let dir = repo.appendingPathComponent("Proposals/career-steps")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(TestEnvironment.framework.utf8).write(to: dir.appendingPathComponent("framework.md"))
        let before = try allRefs()
        let result = try run(["suggest", slug, "-m", "Unknown base"], as: .ben)
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("was not checked out from round 1"), result.stderr)
        XCTAssertTrue(result.stderr.contains("git checkout quorum/career-steps/1"), result.stderr)
        XCTAssertEqual(try allRefs(), before)
    }

    func testAWorkTreeWithNoChangesIsRefused() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        let before = try allRefs()
        let result = try run(["suggest", slug, "-m", "Nothing"], as: .ben)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("nothing changed under Proposals/career-steps/"), result.stderr)
        XCTAssertEqual(try allRefs(), before)
    }
}
