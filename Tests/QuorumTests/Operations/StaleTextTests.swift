import Foundation
import XCTest

@testable import QuorumCore

/// Full text given with --file that was edited from an older copy of the
/// round: refused by default (it would undo merged changes), merged
/// three-way with --base, written as given with --base on the round branch.
final class StaleTextTests: QuorumTestCase {
    private let slug = "career-steps"

    /// Merges a change to line 5 after the returned copy of the text was
    /// taken, as happens when someone else merges while you edit.
    private func copyTakenBeforeAMerge() throws -> (copy: String, copyCommit: String, merged: String) {
        let lead = try careerSteps()
        let copyCommit = try XCTUnwrap(try lead.git.referenceTarget(Layout.roundBranch(slug, 1))).hex
        let copy = try runOK(["cat", slug]).stdout
        let change = try suggest(replacingLine(5, of: copy, with: "Merged while you were editing."), message: "Reword line 5", as: .ben)
        _ = try open(as: .cai).approve(change.id, message: nil)
        _ = try open(as: .dee).approve(change.id, message: nil)
        let merged = try open(as: .ana).merge(change.id).commit
        return (copy, copyCommit, merged)
    }

    func testTextEditedFromAnOlderCopyIsRefusedNamingWhatItWouldUndoAndChangesNothing() throws {
        let (copy, copyCommit, _) = try copyTakenBeforeAMerge()
        let edited = try write(replacingLine(100, of: copy, with: "My edit."), to: "edited.md")
        let refs = try allRefs()

        let result = try run(["suggest", slug, "-m", "My edit", "--file", "framework.md=\(edited)"], as: .cai)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("looks edited from an older copy"), result.stderr)
        XCTAssertTrue(result.stderr.contains("Reword line 5"), "names the merged change it would undo: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("--base \(copyCommit.prefix(8))"), "gives the --base that keeps it: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("--base quorum/career-steps/1"), "and the one that undoes it on purpose: \(result.stderr)")
        XCTAssertEqual(try allRefs(), refs, "a refusal changes nothing")

        let pair = try run(["edit", slug, "-m", "Pair", "--pair", Person.ben.email, "--file", edited], as: .cai)
        XCTAssertEqual(pair.status, 1, "pair edits are checked the same way: \(pair.stderr)")
        XCTAssertTrue(pair.stderr.contains("looks edited from an older copy"), pair.stderr)
        XCTAssertEqual(try allRefs(), refs)
    }

    func testWithBaseTheEditIsMergedThreeWayAndKeepsTheMergedChange() throws {
        let (copy, copyCommit, _) = try copyTakenBeforeAMerge()
        let edited = try write(replacingLine(100, of: copy, with: "My edit."), to: "edited.md")

        let json = try XCTUnwrap(try runOK(["suggest", slug, "-m", "My edit", "--file", edited, "--base", String(copyCommit.prefix(10)), "--json"], as: .cai).json)
        XCTAssertEqual(json["base"] as? String, copyCommit)
        let id = try XCTUnwrap(json["id"] as? String)
        try runOK(["approve", id], as: .ben)
        try runOK(["approve", id], as: .dee)
        try runOK(["merge", id], as: .cai)

        let text = try runOK(["cat", slug]).stdout
        XCTAssertEqual(line(5, of: text), "Merged while you were editing.", "the change merged meanwhile is kept")
        XCTAssertEqual(line(100, of: text), "My edit.")
        XCTAssertEqual(try git(["fsck", "--strict"]).status, 0)
    }

    func testCatJSONNamesTheCommitToUseAsBase() throws {
        let (_, _, merged) = try copyTakenBeforeAMerge()
        let json = try XCTUnwrap(try runOK(["cat", slug, "--json"]).json)
        XCTAssertEqual(json["commit"] as? String, merged)
        XCTAssertEqual(json["text"] as? String, try runOK(["cat", slug]).stdout)
        let first = try XCTUnwrap(try runOK(["cat", slug, "--round", "1", "--json"]).json)
        XCTAssertEqual(first["commit"] as? String, merged, "round 1 is the open round")
    }

    func testBaseOnTheRoundBranchUndoesAMergedChangeOnPurpose() throws {
        let (copy, _, _) = try copyTakenBeforeAMerge()
        let reverted = try write(copy, to: "reverted.md")
        let json = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Undo line 5", "--file", reverted, "--base", "quorum/career-steps/1", "--json"], as: .cai).json)
        let id = try XCTUnwrap(json["id"] as? String)
        try runOK(["approve", id], as: .ben)
        try runOK(["approve", id], as: .dee)
        try runOK(["merge", id], as: .cai)
        XCTAssertEqual(try runOK(["cat", slug]).stdout, copy, "the text is exactly as given")
    }

    func testAnEditOfTheCurrentTextIsNotRefused() throws {
        let (copy, _, _) = try copyTakenBeforeAMerge()
        let current = try runOK(["cat", slug]).stdout
        let edited = try write(replacingLine(100, of: current, with: "My edit."), to: "edited.md")
        try runOK(["suggest", slug, "-m", "My edit", "--file", edited], as: .cai)
        // Putting one line back as it was is taken as meant: it cannot be
        // told from a deliberate edit.
        let putBack = try write(replacingLine(5, of: current, with: line(5, of: copy)), to: "put-back.md")
        try runOK(["suggest", slug, "-m", "Old wording of line 5", "--file", putBack], as: .dee)
    }

    func testABadBaseIsAUsageErrorAndChangesNothing() throws {
        let (copy, _, _) = try copyTakenBeforeAMerge()
        let edited = try write(replacingLine(100, of: copy, with: "My edit."), to: "edited.md")
        let refs = try allRefs()
        for (base, phrase) in [("no-such-thing", "names no commit"), ("", "needs a commit")] {
            let result = try run(["suggest", slug, "-m", "My edit", "--file", edited, "--base", base], as: .cai)
            XCTAssertEqual(result.status, 64, "--base '\(base)': \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(phrase), result.stderr)
        }
        // A commit outside the round's history (the roster chain's head).
        let roster = try gitOK(["rev-parse", "refs/quorum/roster"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let outside = try run(["suggest", slug, "-m", "My edit", "--file", edited, "--base", roster], as: .cai)
        XCTAssertEqual(outside.status, 64, outside.stderr)
        XCTAssertTrue(outside.stderr.contains("is not in the history of round 1"), outside.stderr)
        // --base without --file: the work tree's base comes from the index.
        let alone = try run(["suggest", slug, "-m", "My edit", "--base", "quorum/career-steps/1"], as: .cai)
        XCTAssertEqual(alone.status, 64, alone.stderr)
        XCTAssertTrue(alone.stderr.contains("--base goes with --file"), alone.stderr)
        XCTAssertEqual(try allRefs(), refs)
    }
}
