import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// `suggest` and `edit` with no --file: the documents changed in a checked-out
/// round, written on the commit they were checked out from.
final class WorkTreeTests: QuorumTestCase {
    private let slug = "career-steps"
    private var document: URL { repo.appendingPathComponent("Proposals/career-steps/framework.md") }

    /// Checks out round 1, then moves the round branch under it (HEAD with
    /// it) to a merge of a change to line 5, while the work tree stays at
    /// the proposed text: what git commands that move a branch without
    /// its work tree leave (Quorum's own merge and sync bring a checked-out
    /// round along; so the merge is made with HEAD detached, and HEAD is
    /// then pointed at the branch again, as `git symbolic-ref` would).
    private func checkedOutRoundThatMovedOn() throws -> (proposed: String, merged: String) {
        let lead = try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        let proposed = try XCTUnwrap(try lead.git.referenceTarget(Layout.roundBranch(slug, 1))).hex
        let change = try suggest(replacingLine(5, of: TestEnvironment.framework, with: "Merged while you were editing."), message: "Line 5", as: .ben)
        _ = try open(as: .cai).approve(change.id, message: nil)
        _ = try open(as: .dee).approve(change.id, message: nil)
        try gitOK(["checkout", "-q", "--detach"])
        let merged = try open(as: .ana).merge(change.id).commit
        try gitOK(["symbolic-ref", "HEAD", "refs/heads/quorum/career-steps/1"])
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
        XCTAssertTrue(result.stderr.contains("[work-tree.not-checked-out]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("git checkout quorum/career-steps/1"), result.stderr)
        assertNoHintDiscardsWork(result.stderr)
        XCTAssertEqual(try allRefs(), before)
    }

    func testAWorkTreeWithNoChangesIsRefused() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        let before = try allRefs()
        let result = try run(["suggest", slug, "-m", "Nothing"], as: .ben)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("[work-tree.unchanged]"), result.stderr)
        XCTAssertEqual(try allRefs(), before)
    }

    // MARK: Staged edits

    func testAStagedEditIsWrittenOnTheCheckedOutCommitAndKeepsLaterMerges() throws {
        let (proposed, _) = try checkedOutRoundThatMovedOn()
        try editWorkTree(line: 100, with: "Edited and staged.")
        try gitOK(["add", "Proposals/career-steps/framework.md"])

        let result = try runOK(["suggest", slug, "-m", "Staged", "--json"], as: .cai)
        let json = try XCTUnwrap(result.json)
        XCTAssertEqual(json["base"] as? String, proposed, "git add does not lose track of the commit the work tree came from")
        let id = try XCTUnwrap(json["id"] as? String)
        try runOK(["approve", id], as: .ben)
        try runOK(["approve", id], as: .dee)
        try runOK(["merge", id], as: .cai)
        let text = try runOK(["cat", slug]).stdout
        XCTAssertEqual(line(5, of: text), "Merged while you were editing.", "the change merged meanwhile is kept")
        XCTAssertEqual(line(100, of: text), "Edited and staged.")
    }

    func testStagedAndUnstagedEditsBothCount() throws {
        let (proposed, _) = try checkedOutRoundThatMovedOn()
        try editWorkTree(line: 100, with: "Staged first.")
        try gitOK(["add", "-A"])
        try editWorkTree(line: 120, with: "Then edited again, not staged.")

        let result = try open(as: .cai).suggestFromWorkTree(slug: slug, message: "Both")
        XCTAssertEqual(result.base, proposed)
        let revision = try open(as: .cai).text(slug: slug, document: nil, in: XCTUnwrap(ObjectID(hex: result.revision)))
        let text = String(decoding: revision, as: UTF8.self)
        XCTAssertEqual(line(100, of: text), "Staged first.")
        XCTAssertEqual(line(120, of: text), "Then edited again, not staged.")
        XCTAssertEqual(line(5, of: text), line(5, of: TestEnvironment.framework), "written on the checked-out text, not the moved head")
    }

    func testAStagedEditOnARoundThatDidNotMoveIsWrittenOnItsHead() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        let head = try gitOK(["rev-parse", "quorum/career-steps/1"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try editWorkTree(line: 32, with: "Staged on the current text.")
        try gitOK(["add", "Proposals"])
        XCTAssertEqual(try open(as: .ben).suggestFromWorkTree(slug: slug, message: "Staged").base, head)
    }

    func testADetachedCheckoutIsTheBaseWhateverIsStaged() throws {
        let lead = try careerSteps()
        let proposed = try XCTUnwrap(try lead.git.referenceTarget(Layout.roundBranch(slug, 1))).hex
        try gitOK(["checkout", "-q", "--detach", "quorum/career-steps/1"])
        let change = try suggest(replacingLine(5, of: TestEnvironment.framework, with: "Merged meanwhile."), message: "Line 5", as: .ben)
        _ = try open(as: .cai).approve(change.id, message: nil)
        _ = try open(as: .dee).approve(change.id, message: nil)
        _ = try open(as: .ana).merge(change.id)
        // The same line, edited differently: the text alone cannot tell which commit it came from.
        try editWorkTree(line: 5, with: "Edited here, not merged.")
        try gitOK(["add", "-A"])
        XCTAssertEqual(try open(as: .cai).suggestFromWorkTree(slug: slug, message: "Detached").base, proposed)
    }

    func testAFileStagedOutsideTheProposalIsNamedAndKeptInTheWorkTree() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        try editWorkTree(line: 32, with: "Edited.")
        try Data("notes\n".utf8).write(to: repo.appendingPathComponent("notes.txt"))
        try gitOK(["add", "notes.txt"])
        let before = try allRefs()
        let result = try run(["suggest", slug, "-m", "With notes"], as: .ben)
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("[work-tree.not-checked-out]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("notes.txt"), result.stderr)
        assertNoHintDiscardsWork(result.stderr)
        XCTAssertEqual(try allRefs(), before)
    }

    func testNewFilesGitIgnoresAreNotDocuments() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        try editWorkTree(line: 32, with: "Edited.")
        try Data("*~\n".utf8).write(to: repo.appendingPathComponent(".git/info/exclude"))
        try Data("an editor's backup\n".utf8).write(to: repo.appendingPathComponent("Proposals/career-steps/framework.md~"))
        try Data("# New\n".utf8).write(to: repo.appendingPathComponent("Proposals/career-steps/new.md"))
        let result = try open(as: .ben).suggestFromWorkTree(slug: slug, message: "Edited")
        XCTAssertEqual(result.documents, ["framework.md", "new.md"], "a new file counts unless git ignores it")
    }

    // MARK: Only regular files

    /// Checks out round 1 with one real edit, so that only what `prepare`
    /// adds can be the reason for a refusal.
    private func expectNotAFile(_ named: String, file: StaticString = #filePath, line: UInt = #line, _ prepare: () throws -> Void) throws {
        try editWorkTree(line: 32, with: "A real edit.")
        try prepare()
        let review = try open(as: .ben)
        let error = try expectRefusal(.usage, mentioning: [named], in: review, review.suggestFromWorkTree(slug: slug, message: "Hostile"), file: file, line: line)
        XCTAssertEqual(error?.code, .workTreeNotAFile, flat(error?.description), file: file, line: line)
        XCTAssertNotNil(error?.remedy, file: file, line: line)
        let cli = try run(["suggest", slug, "-m", "Hostile"], as: .ben)
        XCTAssertEqual(cli.status, 64, cli.stderr, file: file, line: line)
        XCTAssertTrue(cli.stderr.contains("[work-tree.not-a-file]") && cli.stderr.contains("hint:"), cli.stderr, file: file, line: line)
        XCTAssertFalse(cli.stderr.contains("root:"), "the link's target was read", file: file, line: line)
    }

    func testADocumentThatIsASymbolicLinkIsRefusedAndNotFollowed() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        try expectNotAFile("Proposals/career-steps/framework.md") {
            try FileManager.default.removeItem(at: document)
            try FileManager.default.createSymbolicLink(atPath: document.path, withDestinationPath: "/etc/passwd")
        }
    }

    func testANewFileThatIsASymbolicLinkIsRefused() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        try expectNotAFile("Proposals/career-steps/extra.md") {
            try FileManager.default.createSymbolicLink(
                atPath: repo.appendingPathComponent("Proposals/career-steps/extra.md").path, withDestinationPath: "/etc/passwd")
        }
    }

    func testAFolderThatIsASymbolicLinkIsNotFollowed() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        let outside = tmp.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("secret\n".utf8).write(to: outside.appendingPathComponent("secret.md"))
        try expectNotAFile("Proposals/career-steps/parts") {
            try FileManager.default.createSymbolicLink(
                atPath: repo.appendingPathComponent("Proposals/career-steps/parts").path, withDestinationPath: outside.path)
        }
    }

    func testTheProposalFolderOrProposalsItselfBeingASymbolicLinkIsRefused() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        // An edited copy elsewhere, linked in place of the proposal's folder.
        let copy = tmp.appendingPathComponent("copy/career-steps")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try expectNotAFile("Proposals/career-steps") {
            let folder = repo.appendingPathComponent("Proposals/career-steps")
            try FileManager.default.moveItem(at: folder, to: copy)
            try FileManager.default.createSymbolicLink(atPath: folder.path, withDestinationPath: copy.path)
        }
        let proposals = repo.appendingPathComponent("Proposals")
        try FileManager.default.removeItem(at: proposals.appendingPathComponent("career-steps"))
        try FileManager.default.moveItem(at: proposals, to: tmp.appendingPathComponent("copy-proposals"))
        try FileManager.default.moveItem(at: copy, to: tmp.appendingPathComponent("copy-proposals/career-steps"))
        try FileManager.default.createSymbolicLink(atPath: proposals.path, withDestinationPath: tmp.appendingPathComponent("copy-proposals").path)
        let review = try open(as: .ben)
        let error = try expectRefusal(.usage, mentioning: ["Proposals is a symbolic link"], in: review, review.suggestFromWorkTree(slug: slug, message: "Linked"))
        XCTAssertEqual(error?.code, .workTreeNotAFile)
    }

    func testAFifoIsRefusedWithoutWaitingOnIt() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        try expectNotAFile("Proposals/career-steps/pipe.md") {
            XCTAssertEqual(mkfifo(repo.appendingPathComponent("Proposals/career-steps/pipe.md").path, 0o644), 0)
        }
    }

    // MARK: Renamed and deleted documents

    /// Approves a suggestion twice and merges it; returns the round's documents.
    private func mergeAndList(_ id: String) throws -> [String: ObjectID] {
        try runOK(["approve", id], as: .cai)
        try runOK(["approve", id], as: .dee)
        try runOK(["merge", id], as: .ana)
        let review = try open(as: .ana)
        let head = try XCTUnwrap(try review.git.referenceTarget(Layout.roundBranch(slug, 1)))
        return try review.git.blobs(in: review.git.commit(head).tree, under: "Proposals/\(slug)")
    }

    func testAFileMovedWithMvIsARenameNotACopy() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        let before = try Data(contentsOf: document)
        try FileManager.default.moveItem(at: document, to: repo.appendingPathComponent("Proposals/career-steps/steps.md"))
        let json = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Rename", "--json"], as: .ben).json)
        XCTAssertEqual(json["documents"] as? [String], ["framework.md", "steps.md"])
        let documents = try mergeAndList(try XCTUnwrap(json["id"] as? String))
        XCTAssertEqual(Array(documents.keys), ["steps.md"], "the old name is gone after the merge")
        XCTAssertEqual(documents["steps.md"], Repository.blobID(of: before), "the text is kept byte for byte")
        let diff = try runOK(["show", try XCTUnwrap(json["id"] as? String), "--diff"]).stdout
        XCTAssertTrue(diff.contains("rename from Proposals/career-steps/framework.md") && diff.contains("rename to Proposals/career-steps/steps.md"), diff)
        XCTAssertEqual(try git(["fsck", "--strict"]).status, 0)
    }

    func testAFileMovedWithGitMvAndEditedKeepsChangesMergedMeanwhile() throws {
        _ = try checkedOutRoundThatMovedOn()
        try gitOK(["mv", "Proposals/career-steps/framework.md", "Proposals/career-steps/steps.md"])
        let moved = repo.appendingPathComponent("Proposals/career-steps/steps.md")
        let text = try String(contentsOf: moved, encoding: .utf8)
        try replacingLine(100, of: text, with: "Edited after the move.").write(to: moved, atomically: true, encoding: .utf8)
        let id = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Rename and edit", "--json"], as: .ben).json?["id"] as? String)
        let documents = try mergeAndList(id)
        XCTAssertEqual(Array(documents.keys), ["steps.md"])
        let merged = try runOK(["cat", slug, "steps.md"]).stdout
        XCTAssertEqual(line(5, of: merged), "Merged while you were editing.", "the merge followed the rename and kept the change merged since")
        XCTAssertEqual(line(100, of: merged), "Edited after the move.")
    }

    func testADeletedDocumentIsSuggestedAsADeletion() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        try Data("# Extra\n".utf8).write(to: repo.appendingPathComponent("Proposals/career-steps/extra.md"))
        try runOK(["suggest", slug, "-m", "Add extra"], as: .ben)
        let review = try open(as: .ana)
        let added = try XCTUnwrap(review.list(slug: slug).first { $0.title == "Add extra" })
        _ = try mergeAndList(added.id)
        // The suggestion left the work tree clean; the merge moved the
        // branch under it: check out its new head.
        try gitOK(["checkout", "-q", "-f", "--detach", "quorum/career-steps/1"])
        try FileManager.default.removeItem(at: repo.appendingPathComponent("Proposals/career-steps/extra.md"))
        let id = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Drop extra", "--json"], as: .ben).json?["id"] as? String)
        XCTAssertEqual(Array(try mergeAndList(id).keys), ["framework.md"])
    }

    func testASuggestionFromTheWorkTreeLeavesItCleanSoTheNextHoldsOnlyNewEdits() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        try editWorkTree(line: 100, with: "First edit.")
        try Data("# Extra\n".utf8).write(to: repo.appendingPathComponent("Proposals/career-steps/extra.md"))
        try Data("my notes\n".utf8).write(to: repo.appendingPathComponent("Proposals/career-steps/.notes"))
        let first = try runOK(["suggest", slug, "-m", "First"], as: .ben)
        XCTAssertTrue(first.stdout.contains("back on the round's text"), first.stdout)
        XCTAssertEqual(try gitOK(["status", "--porcelain", "--untracked-files=no"]), "", "index and work tree are HEAD's again")
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo.appendingPathComponent("Proposals/career-steps/extra.md").path), "the saved new document is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: repo.appendingPathComponent("Proposals/career-steps/.notes").path), "a hidden file was never read, and stays")
        try editWorkTree(line: 120, with: "Second edit.")
        let second = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Second", "--json"], as: .ben).json)
        let diff = try runOK(["show", try XCTUnwrap(second["id"] as? String), "--diff"]).stdout
        XCTAssertTrue(diff.contains("Second edit") && !diff.contains("First edit") && !diff.contains("Extra"), diff)
        // --keep-edits leaves them.
        try editWorkTree(line: 130, with: "Kept edit.")
        try runOK(["suggest", slug, "-m", "Third", "--keep-edits"], as: .ben)
        XCTAssertTrue(try String(contentsOf: document, encoding: .utf8).contains("Kept edit."))
    }

    func testAMergeHereBringsTheCheckedOutRoundAlong() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        try editWorkTree(line: 100, with: "Merged from here.")
        let id = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Line 100", "--json"], as: .ben).json?["id"] as? String)
        try runOK(["approve", id], as: .cai)
        try runOK(["approve", id], as: .dee)
        let merged = try runOK(["merge", id], as: .ana)
        XCTAssertTrue(merged.stdout.contains("index and work tree updated"), merged.stdout)
        XCTAssertEqual(try gitOK(["status", "--porcelain"]), "", "HEAD, index and work tree agree")
        XCTAssertEqual(line(100, of: try String(contentsOf: document, encoding: .utf8)), "Merged from here.")
        // With an edit in progress, HEAD detaches instead; the edit stays.
        try editWorkTree(line: 120, with: "In progress.")
        let other = try suggest(replacingLine(5, of: try runOK(["cat", slug]).stdout, with: "Merged meanwhile."), message: "Line 5", as: .ben)
        _ = try open(as: .cai).approve(other.id, message: nil)
        _ = try open(as: .dee).approve(other.id, message: nil)
        let second = try runOK(["merge", other.id], as: .ana)
        XCTAssertTrue(second.stdout.contains("HEAD is now detached"), second.stdout)
        XCTAssertEqual(line(120, of: try String(contentsOf: document, encoding: .utf8)), "In progress.")
    }

    func testDeletingEveryDocumentIsRefused() throws {
        try careerSteps()
        try gitOK(["checkout", "-q", "quorum/career-steps/1"])
        try FileManager.default.removeItem(at: document)
        let review = try open(as: .ben)
        let error = try expectRefusal(.usage, mentioning: ["every document", "at least one"], in: review, review.suggestFromWorkTree(slug: slug, message: "Gone"))
        assertNoHintDiscardsWork(error?.description ?? "")
    }

    private func assertNoHintDiscardsWork(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for discarding in ["reset --hard", "checkout --", "checkout .", "restore", "stash", "clean -"] {
            XCTAssertFalse(text.contains(discarding), "a hint suggests '\(discarding)', which throws work away: \(flat(text))", file: file, line: line)
        }
    }
}
