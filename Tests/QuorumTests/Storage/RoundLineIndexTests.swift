import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// The round-line index (`.git/quorum/round-lines/<slug>/<round>`): what
/// `merge` asks whether the round merged a revision already. It must list
/// the round's line as git does, grow by appending, be written anew when
/// the branch no longer holds what it lists, and never make `merge` take
/// a merge the round does not hold. (Every test's teardown also checks
/// each index left against the commits: `assertRoundLineIndexesHoldTheLines`.)
final class RoundLineIndexTests: QuorumTestCase {
    private let slug = "career-steps"
    private var branch: String { Layout.roundBranch(slug, 1) }
    private var indexPath: String { repo.appendingPathComponent(".git/quorum/round-lines/career-steps/1").path }

    /// Suggestions by Ben, all on the round's current head, each rewriting
    /// one paragraph of the framework, approved by Cai and Dee: merged one
    /// after another, each after the first is a three-way merge.
    private func approved(_ count: Int, from first: Int = 0) throws -> [SuggestResult] {
        try frameworkParagraphLines[first..<first + count].map { number in
            let s = try suggest(replacingLine(number, of: TestEnvironment.framework, with: "Paragraph \(number), rewritten."), message: "Rewrite paragraph \(number)", as: .ben)
            for approver in [Person.cai, .dee] { _ = try open(as: approver).approve(s.id, message: nil) }
            return s
        }
    }

    private func index() throws -> String {
        String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: indexPath), "no round-line index"), as: UTF8.self)
    }

    private func inode() throws -> Int {
        try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: indexPath)[.systemFileNumber] as? Int)
    }

    private func head() throws -> String {
        try gitOK(["rev-parse", branch]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The index git's own listing gives for the line ending at `mark`:
    /// `git rev-list --first-parent --parents`, each commit with its parents
    /// after the first, oldest first, back to the round's start.
    private func expectedIndex(mark: String, start: String) throws -> String {
        var lines: [String] = []
        for entry in try gitOK(["rev-list", "--first-parent", "--parents", mark]).split(separator: "\n") {
            let ids = entry.split(separator: " ")
            lines.append(([ids[0]] + ids.dropFirst(2)).joined(separator: " "))
            if ids[0] == start { break }
        }
        return "quorum-round-line 1 \(start)\n" + lines.reversed().map { $0 + "\n" }.joined()
    }

    func testTheIndexIsTheRoundsLineAsGitListsItAndGrowsByAppending() throws {
        let lead = try careerSteps()
        let start = try head()
        let suggestions = try approved(4)
        _ = try open(as: .ana).merge(suggestions[0].id)
        XCTAssertFalse(FileManager.default.fileExists(atPath: indexPath), "a merge onto its own base has no line to ask")

        // The first three-way merge lists the line up to the head it merged onto.
        let before = try head()
        let second = try open(as: .ana).merge(suggestions[1].id)
        XCTAssertTrue(second.threeWay)
        let first = try index()
        XCTAssertEqual(first, try expectedIndex(mark: before, start: start))
        XCTAssertEqual(first.split(separator: "\n").count, 3, "header, the round's start, the first merge: \(first)")

        // The next appends what the round gained: the previous file is kept
        // as it was (the same file, not one renamed over it).
        let third = try head()
        let file = try inode()
        _ = try open(as: .ana).merge(suggestions[2].id)
        let grown = try index()
        XCTAssertTrue(grown.hasPrefix(first), "the index was rewritten, not appended to:\n\(grown)")
        XCTAssertEqual(try inode(), file, "the index was written anew, not appended to")
        XCTAssertEqual(grown, try expectedIndex(mark: third, start: start))

        // It is a cache: gone, the next merge writes it again, whole.
        try FileManager.default.removeItem(atPath: indexPath)
        let fourth = try head()
        _ = try open(as: .ana).merge(suggestions[3].id)
        XCTAssertEqual(try index(), try expectedIndex(mark: fourth, start: start))
        XCTAssertEqual(try lead.git.parents(of: try XCTUnwrap(ObjectID(hex: try head()))).last?.hex, suggestions[3].revision)
    }

    /// A round branch moved back (here with git, by hand) no longer holds
    /// the index's mark: the next merge writes the index anew from the
    /// branch, and nothing of the line it dropped is left in it.
    func testARoundMovedBackIsIndexedAnew() throws {
        historyBreaksTheRules = true  // merge events name commits the moved-back round no longer holds
        try careerSteps()
        let start = try head()
        let suggestions = try approved(4)
        _ = try open(as: .ana).merge(suggestions[0].id)
        let kept = try head()
        _ = try open(as: .ana).merge(suggestions[1].id)
        let dropped = try head()
        _ = try open(as: .ana).merge(suggestions[2].id)
        XCTAssertTrue(try index().contains(dropped))

        try gitOK(["update-ref", branch, kept])
        let merged = try open(as: .ana).merge(suggestions[3].id)
        XCTAssertTrue(merged.threeWay)
        let rebuilt = try index()
        XCTAssertEqual(rebuilt, try expectedIndex(mark: kept, start: start))
        XCTAssertFalse(rebuilt.contains(dropped), rebuilt)
    }

    /// An index naming a merge of the revision that the round does not
    /// hold (a stale or planted line) is not believed: `merge` confirms
    /// what the index names on the round itself, and makes the merge.
    func testAMergeTheIndexNamesButTheRoundDoesNotHoldIsNotTaken() throws {
        let lead = try careerSteps()
        let suggestions = try approved(3)
        _ = try open(as: .ana).merge(suggestions[0].id)
        _ = try open(as: .ana).merge(suggestions[1].id)
        let planted = suggestions[0].id  // a commit that is not on the round's line
        let revision = suggestions[2].revision
        // The mark stays the round's head: the planted line is read as it stands.
        var text = try index()
        let mark = try head()
        text += "\(planted) \(revision)\n\(mark)\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: indexPath))

        let merged = try open(as: .ana).merge(suggestions[2].id)
        XCTAssertNotEqual(merged.commit, planted, "the planted merge was recorded")
        XCTAssertTrue(merged.threeWay)
        let parents = try lead.git.parents(of: try XCTUnwrap(ObjectID(hex: merged.commit)))
        XCTAssertEqual(parents.map(\.hex), [mark, revision])
        XCTAssertEqual(try lead.show(suggestions[2].id, diff: false).state, .merged)
        // Planted lines break the file's promise; this test's teardown would say so.
        try FileManager.default.removeItem(atPath: indexPath)
    }

    /// A file whose last line is cut short (an append that filled the
    /// disk) is written anew by the next reader, from the branch: nothing
    /// is appended after the broken line.
    func testAFileCutShortIsWrittenAnew() throws {
        try careerSteps()
        let start = try head()
        let suggestions = try approved(4)
        for suggestion in suggestions.prefix(3) { _ = try open(as: .ana).merge(suggestion.id) }
        let whole = try index()
        let lastLine = try XCTUnwrap(whole.dropLast().split(separator: "\n").last)
        // The last line written again, cut short after its commit id.
        try Data((whole + lastLine.prefix(40)).utf8).write(to: URL(fileURLWithPath: indexPath))
        XCTAssertEqual(RoundLine(bytes: Array(try index().utf8)).last?.hex, String(lastLine.prefix(40)), "the mark is the last whole line")

        let mark = try head()
        _ = try open(as: .ana).merge(suggestions[3].id)
        XCTAssertEqual(try index(), try expectedIndex(mark: mark, start: start))
    }

    /// Readers that extend the index at once take turns: eight threads,
    /// each with its own repository handle, bring it up to heads along the
    /// line (the file removed now and then, as a first build), and it is
    /// still the line, every commit once and in order.
    func testReadersAtOnceLeaveTheWholeLine() throws {
        try careerSteps()
        let start = try head()
        let suggestions = try approved(10)
        for suggestion in suggestions { _ = try open(as: .ana).merge(suggestion.id) }
        let line = try gitOK(["rev-list", "--first-parent", "--reverse", try head()]).split(separator: "\n").compactMap { ObjectID(hex: String($0)) }
        let startID = try XCTUnwrap(ObjectID(hex: start))
        let first = try XCTUnwrap(line.firstIndex(of: startID)) + 1
        let gitDirectory = repo.appendingPathComponent(".git").path
        let (path, slug) = (indexPath, slug)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            do {
                let handle = try Repository.open(at: gitDirectory)
                var rng = SystemRandomNumberGenerator()
                for step in 0..<150 {
                    if (thread + step) % 7 == 0 { try? FileManager.default.removeItem(atPath: path) }
                    let headAt = line[Int.random(in: first..<line.count, using: &rng)]
                    let known = try RoundLineIndex(git: handle).line(slug: slug, round: 1, head: headAt, start: startID)
                    if known.last != headAt, !known.contains(headAt) { failures.add("a line up to \(headAt.short) does not hold it") }
                }
            } catch {
                failures.add("\(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
        let text = try index()
        let mark = try XCTUnwrap(RoundLine(bytes: Array(text.utf8)).last)
        XCTAssertEqual(text, try expectedIndex(mark: mark.hex, start: start))
    }
}

/// Messages collected from several threads.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.lock(); messages.append(message); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }
}
