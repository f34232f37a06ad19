import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// `--rename OLD=NEW` and `--delete DOC`: a suggestion (revision, pair
/// edit) may move and remove documents; merges follow a rename.
final class DocumentMovesTests: QuorumTestCase {
    private let slug = "career-steps"

    /// Career-steps with a second document, glossary.md, merged.
    private func twoDocuments() throws {
        try careerSteps()
        let glossary = try write("# Glossary\n\nCraft: how well the work is done.\n", to: "glossary.md")
        let id = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Glossary", "--file", "glossary.md=\(glossary)", "--json"], as: .ben).json?["id"] as? String)
        try approveAndMerge(id)
    }

    private func approveAndMerge(_ id: String) throws {
        try runOK(["approve", id], as: .cai)
        try runOK(["approve", id], as: .dee)
        try runOK(["merge", id], as: .ana)
    }

    private func roundDocuments() throws -> [String: ObjectID] {
        let review = try open(as: .ana)
        let head = try XCTUnwrap(try review.git.referenceTarget(Layout.roundBranch(slug, 1)))
        return try review.git.blobs(in: review.git.commit(head).tree, under: "Proposals/\(slug)")
    }

    func testARenameKeepsTheTextAndFollowsChangesMergedMeanwhile() throws {
        try careerSteps()
        let proposed = try roundDocuments()["framework.md"]
        let rename = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Rename", "--rename", "framework.md=steps.md", "--json"], as: .ben).json)
        XCTAssertEqual(rename["documents"] as? [String], ["framework.md", "steps.md"])
        let renameID = try XCTUnwrap(rename["id"] as? String)
        let review = try open(as: .ben)
        let revision = try review.git.commit(XCTUnwrap(ObjectID(hex: XCTUnwrap(rename["revision"] as? String))))
        let moved = try XCTUnwrap(proposed)
        XCTAssertEqual(try review.git.blobs(in: revision.tree, under: "Proposals/\(slug)"), ["steps.md": moved], "moved byte for byte")

        // Another change to the old name is merged first.
        let edit = try suggest(replacingLine(5, of: TestEnvironment.framework, with: "Merged before the rename."), message: "Line 5", as: .ben)
        try approveAndMerge(edit.id)
        try approveAndMerge(renameID)
        XCTAssertEqual(Array(try roundDocuments().keys), ["steps.md"])
        XCTAssertEqual(line(5, of: try runOK(["cat", slug, "steps.md"]).stdout), "Merged before the rename.")
        XCTAssertEqual(try git(["fsck", "--strict"]).status, 0)
    }

    func testARenameWithNewTextAndADeletion() throws {
        try twoDocuments()
        let text = try write(replacingLine(3, of: TestEnvironment.framework, with: "Renamed and edited."), to: "steps.md")
        let id = try XCTUnwrap(try runOK([
            "suggest", slug, "-m", "Move and drop", "--rename", "framework.md=steps.md", "--file", "steps.md=\(text)", "--delete", "glossary.md", "--json",
        ], as: .ben).json?["id"] as? String)
        try approveAndMerge(id)
        XCTAssertEqual(Array(try roundDocuments().keys), ["steps.md"])
        XCTAssertEqual(line(3, of: try runOK(["cat", slug, "steps.md"]).stdout), "Renamed and edited.")
    }

    func testReviseAndPairEditTakeRenamesAndDeletions() throws {
        try twoDocuments()
        let id = try XCTUnwrap(try runOK(["suggest", slug, "-m", "Rename glossary", "--rename", "glossary.md=terms.md", "--json"], as: .ben).json?["id"] as? String)
        // A revision changes the suggestion's own text: here, terms.md.
        try runOK(["revise", id, "-m", "Another name", "--rename", "terms.md=words.md"], as: .ben)
        try approveAndMerge(id)
        XCTAssertEqual(Set(try roundDocuments().keys), ["framework.md", "words.md"])
        try runOK(["edit", slug, "-m", "Together: drop the terms", "--pair", Person.cai.email, "--delete", "words.md"], as: .ben)
        XCTAssertEqual(Array(try roundDocuments().keys), ["framework.md"])
    }

    func testBadMovesAreRefusedAndChangeNothing() throws {
        try twoDocuments()
        let refs = try allRefs()
        let other = try write("text\n", to: "other.md")
        let cases: [([String], String)] = [
            (["--rename", "nothing.md=x.md"], "no such document"),
            (["--rename", "framework.md=glossary.md"], "has a document of that name"),
            (["--rename", "framework.md=framework.md"], "renamed to itself"),
            (["--rename", "framework.md=../x.md"], "illegal document path"),
            (["--rename", "framework.md=glossary.md/x.md"], "clashes"),
            (["--rename", "framework.md=a.md", "--rename", "framework.md=b.md"], "changed another way too"),
            (["--rename", "framework.md=a.md", "--file", "framework.md=\(other)"], "give the new text under its new name"),
            (["--delete", "glossary.md", "--file", "glossary.md=\(other)"], "either delete it"),
            (["--delete", "nothing.md"], "no such document"),
            (["--delete", "framework.md", "--delete", "glossary.md"], "at least one"),
            (["--rename", "framework.md"], "OLD=NEW"),
        ]
        for (arguments, message) in cases {
            let result = try run(["suggest", slug, "-m", "Bad"] + arguments, as: .ben)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(flat(result.stderr).contains(message), "\(arguments): \(result.stderr)")
        }
        XCTAssertEqual(try allRefs(), refs, "a refused move changed nothing")
    }
}
