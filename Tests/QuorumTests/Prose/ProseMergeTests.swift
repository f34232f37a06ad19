import QuorumGit
import XCTest
@testable import QuorumCore

/// The prose merge of one document, in process: what merges, what
/// conflicts and what a conflict names.
final class ProseMergeTests: XCTestCase {
    private func merge(_ base: String, _ ours: String, _ theirs: String, version: Int = ProseMerge.version) throws -> ProseMerge.Outcome {
        try ProseMerge.merge(ancestor: Array(base.utf8), ours: Array(ours.utf8), theirs: Array(theirs.utf8), version: version)
    }

    private func merged(_ base: String, _ ours: String, _ theirs: String, file: StaticString = #filePath, line: UInt = #line) throws -> String? {
        let outcome = try merge(base, ours, theirs)
        guard case .clean(let text) = outcome else {
            XCTFail("expected a clean merge, got \(outcome)", file: file, line: line)
            return nil
        }
        return String(decoding: text, as: UTF8.self)
    }

    private let paragraph = "# Accountability\n\nTakes responsibility for their actions. Recognises their own mistakes. Speaks up when others break working agreements.\n\nSecond paragraph stays.\n"

    func testEditsToDifferentSentencesOfOneParagraphBothMerge() throws {
        let ours = paragraph.replacingOccurrences(of: "Takes responsibility for their actions.", with: "Takes ownership of their actions and outcomes.")
        let theirs = paragraph.replacingOccurrences(of: "Speaks up when", with: "Raises it kindly when")
        XCTAssertFalse(try TextMerge.merge(ancestor: Array(paragraph.utf8)[...], ours: Array(ours.utf8)[...], theirs: Array(theirs.utf8)[...]).automergeable,
                       "git's line merge conflicts here")
        XCTAssertEqual(try merged(paragraph, ours, theirs),
                       "# Accountability\n\nTakes ownership of their actions and outcomes. Recognises their own mistakes. Raises it kindly when others break working agreements.\n\nSecond paragraph stays.\n")
        XCTAssertEqual(try merged(paragraph, theirs, ours), try merged(paragraph, ours, theirs), "the same either way round")
    }

    func testEditsToDifferentWordsOfOneSentenceMerge() throws {
        let base = "It is meant to support conversations at any given time, not to rank people.\n"
        let ours = "It is meant to support honest conversations at any given time, not to rank people.\n"
        let theirs = "It is meant to support conversations at the same time, not to rank people.\n"
        XCTAssertEqual(try merged(base, ours, theirs), "It is meant to support honest conversations at the same time, not to rank people.\n")
    }

    func testTheSameWordsChangedConflictNamingLineAndWords() throws {
        let base = "# Handbook\n\n## Craft\n\nWrites code. Reviews others' work with care and keeps the team's conventions in every change it makes.\n"
        let ours = base.replacingOccurrences(of: "Writes code.", with: "Writes tested code.")
        let theirs = base.replacingOccurrences(of: "Writes code.", with: "Writes readable code.")
        guard case .conflicts(let conflicts) = try merge(base, ours, theirs) else { return XCTFail("two insertions at the same place must conflict") }
        XCTAssertEqual(conflicts.count, 1)
        let conflict = try XCTUnwrap(conflicts.first)
        XCTAssertEqual(conflict.lines, 5...5)
        XCTAssertEqual(String(decoding: conflict.ours[conflict.oursChanged], as: UTF8.self), "tested ")
        XCTAssertEqual(String(decoding: conflict.theirs[conflict.theirsChanged], as: UTF8.self), "readable ")
        XCTAssertEqual(String(decoding: conflict.ours, as: UTF8.self), "Writes tested code. ", "the sentence holding it, not the paragraph")
    }

    func testAConflictInTheMiddleOfALongLineQuotesTheWordsThatDiffer() throws {
        let base = "Takes responsibility for their actions and outcomes, including the ones nobody else notices, and follows through on what they promised the team at any given time, even when others break working agreements.\n"
        let ours = base.replacingOccurrences(of: "at any given time", with: "at the same time")
        let theirs = base.replacingOccurrences(of: "at any given time", with: "at every time")
        guard case .conflicts(let conflicts) = try merge(base, ours, theirs), let conflict = conflicts.first else { return XCTFail("expected a conflict") }
        let current = ConflictRegion.quote(conflict.ours, changed: conflict.oursChanged)
        let suggested = ConflictRegion.quote(conflict.theirs, changed: conflict.theirsChanged)
        XCTAssertTrue(current.contains("the same"), current)
        XCTAssertTrue(suggested.contains("every"), suggested)
        XCTAssertNotEqual(current, suggested)
        XCTAssertLessThanOrEqual(current.count, 110)
    }

    func testCRLFDocumentsMergeAndQuoteAsTheyAre() throws {
        let base = "# Handbook\r\n\r\nShips things. Writes code.\r\n"
        let ours = "# Handbook\r\n\r\nShips small things. Writes code.\r\n"
        let theirs = "# Handbook\r\n\r\nShips things. Writes tested code.\r\n"
        XCTAssertEqual(try merged(base, ours, theirs), "# Handbook\r\n\r\nShips small things. Writes tested code.\r\n")
        guard case .conflicts(let conflicts) = try merge(base, ours, base.replacingOccurrences(of: "Ships things", with: "Ships big things")) else {
            return XCTFail("expected a conflict")
        }
        XCTAssertEqual(conflicts.first?.lines, 3...3)
        XCTAssertEqual(conflicts.first.map { ConflictRegion.quote($0.ours, changed: $0.oursChanged) }, "Ships small things.")
    }

    func testACleanLineMergeIsGitsByteForByte() throws {
        // No final newline, a BOM and tabs: the line merge's result stands.
        let base = "\u{FEFF}# T\n\none\ttwo\n\nthree\n\nfour"
        let ours = "\u{FEFF}# T\n\none\tTWO\n\nthree\n\nfour"
        let theirs = "\u{FEFF}# T\n\none\ttwo\n\nthree\n\nFOUR"
        let git = try TextMerge.merge(ancestor: Array(base.utf8)[...], ours: Array(ours.utf8)[...], theirs: Array(theirs.utf8)[...])
        XCTAssertTrue(git.automergeable)
        XCTAssertEqual(try merge(base, ours, theirs), .clean(git.text))
    }

    func testInsertionsAndDeletions() throws {
        // A sentence added at a paragraph's end, another sentence's word changed.
        let base = "One two three. Four five six.\n"
        XCTAssertEqual(try merged(base, "One two three. Four five six. Seven.\n", "One 2 three. Four five six.\n"), "One 2 three. Four five six. Seven.\n")
        // A whole sentence removed on one side, a word changed in another.
        XCTAssertEqual(try merged(base, "Four five six.\n", "One two three. Four five 6.\n"), "Four five 6.\n")
        // Both add different sentences at the same place: a conflict.
        guard case .conflicts = try merge(base, "One two three. Four five six. Seven.\n", "One two three. Four five six. Eight.\n") else {
            return XCTFail("two insertions at the same place must conflict")
        }
        // Both make the same edit: taken once.
        XCTAssertEqual(try merged(base, "One two three. Four five 6.\n", "One two three. Four five 6.\n"), "One two three. Four five 6.\n")
        // One deletes a sentence the other edits: a conflict.
        guard case .conflicts = try merge(base, "Four five six.\n", "One 2 three. Four five six.\n") else {
            return XCTFail("an edit of a deleted sentence must conflict")
        }
    }

    func testTheLineMergeVersionMergesOnlyWhatGitDoes() throws {
        let ours = paragraph.replacingOccurrences(of: "Takes responsibility", with: "Takes ownership")
        let theirs = paragraph.replacingOccurrences(of: "Speaks up", with: "Raises it")
        guard case .conflicts(let conflicts) = try merge(paragraph, ours, theirs, version: 0) else { return XCTFail("version 0 is git's line merge") }
        XCTAssertEqual(conflicts.first?.lines, 3...3)
        XCTAssertNotNil(try merge(paragraph, ours, theirs, version: 1).text)
        XCTAssertThrowsError(try merge(paragraph, ours, theirs, version: 2)) { error in
            XCTAssertEqual(error as? ProseMerge.UnknownVersion, ProseMerge.UnknownVersion(version: 2))
        }
    }

    func testConflictsOnSeveralLinesOfOneRegionNameTheRange() throws {
        let base = "Intro.\n\n- Adds a new field to an endpoint.\n- Fixes a reported bug.\n\nEnd.\n"
        let ours = "Intro.\n\n- Adds a field.\n- Fixes a bug.\n\nEnd.\n"
        let theirs = "Intro.\n\n- Adds fields.\n- Fixes bugs quickly.\n\nEnd.\n"
        guard case .conflicts(let conflicts) = try merge(base, ours, theirs) else { return XCTFail("expected a conflict") }
        XCTAssertEqual(conflicts.map(\.lines), [3...4])
    }

    func testWordEditsIgnoreWhatSurroundsTheChange() throws {
        let earlier = try ProseMerge.wordEdits(from: Array(paragraph.utf8), to: Array(paragraph.replacingOccurrences(of: "Speaks up", with: "Raises it").utf8))
        let moved = paragraph.replacingOccurrences(of: "Takes responsibility", with: "Takes ownership")
        let current = try ProseMerge.wordEdits(from: Array(moved.utf8), to: Array(moved.replacingOccurrences(of: "Speaks up", with: "Raises it").utf8))
        XCTAssertEqual(earlier, current)
        XCTAssertEqual(earlier, [WordEdit(removed: Array("Speaks".utf8), inserted: Array("Raises".utf8)),
                                 WordEdit(removed: Array("up".utf8), inserted: Array("it".utf8))])
        let other = try ProseMerge.wordEdits(from: Array(moved.utf8), to: Array(moved.replacingOccurrences(of: "Speaks up", with: "Raises this").utf8))
        XCTAssertNotEqual(earlier, other)
    }
}
