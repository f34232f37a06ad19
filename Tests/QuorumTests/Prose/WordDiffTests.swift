import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// The word diff shown wherever a change is shown (issue 12): git's line
/// hunks, and within them the words removed and inserted.
final class WordDiffTests: QuorumTestCase {
    private func diff(_ old: String, _ new: String, context: Int = 3) throws -> WordDiff {
        try WordDiff(from: Array(old.utf8), to: Array(new.utf8), context: context)
    }

    private func ops(_ hunk: WordDiff.Hunk) -> [String] {
        hunk.operations.map { op in
            switch op.kind {
            case .equal: return "=\(op.text)"
            case .delete: return "-\(op.text)"
            case .insert: return "+\(op.text)"
            }
        }
    }

    private let paragraph = "This framework describes how engineers grow in our organisation. It is meant to support conversations between engineers and their managers, not to act as a checklist. Most people will sit at different steps for different characteristics at any given time."

    func testAThreeWordChangeInALongParagraphIsThoseWords() throws {
        let old = "# Steps\n\n\(paragraph)\n"
        let new = "# Steps\n\n\(paragraph.replacingOccurrences(of: "any given", with: "the same"))\n"
        let hunks = try diff(old, new).hunks
        XCTAssertEqual(hunks.count, 1)
        XCTAssertEqual([hunks[0].oldStart, hunks[0].oldLines, hunks[0].newStart, hunks[0].newLines], [1, 3, 1, 3])
        let prefix = "# Steps\n\n" + paragraph.components(separatedBy: "any given")[0]
        // The space between the two changed words stays inside the change, as in git.
        XCTAssertEqual(ops(hunks[0]), ["=\(prefix)", "-any given", "+the same", "= time.\n"])
    }

    func testSpacesAndPunctuationAreOperationsToo() throws {
        XCTAssertEqual(ops(try diff("a  b.\n", "a b!\n").hunks[0]), ["=a", "-  ", "+ ", "=b", "-.", "+!", "=\n"])
        // Changes with only spaces and punctuation between them read as one.
        XCTAssertEqual(ops(try diff("at any given time\n", "at the, same time\n").hunks[0]), ["=at ", "-any given", "+the, same", "= time\n"])
        XCTAssertEqual(ops(try diff("one two\n", "one\ttwo\n").hunks[0]), ["=one", "- ", "+\t", "=two\n"])
        // A line added or removed whole is one operation.
        XCTAssertEqual(ops(try diff("a\n", "a\nb\n").hunks[0]), ["=a\n", "+b\n"])
        XCTAssertEqual(ops(try diff("a\nb\n", "b\n").hunks[0]), ["-a\n", "=b\n"])
        XCTAssertEqual(try diff("same\n", "same\n").hunks, [])
    }

    /// In every hunk, equal + delete operations are exactly the old lines
    /// it covers and equal + insert the new ones; applying the hunks to
    /// the old text gives the new text, byte for byte.
    func testOperationsKeepEveryByte() throws {
        let framework = TestEnvironment.framework
        let edited = replacingLine(13, of: replacingLine(5, of: framework, with: line(5, of: framework).replacingOccurrences(of: "grow", with: "develop")), with: "New text entirely.")
        let cases: [(String, [UInt8], [UInt8])] = [
            ("CRLF", Array("# T\r\n\r\nOne two three.\r\n".utf8), Array("# T\r\n\r\nOne 2 three.\r\nAdded.\r\n".utf8)),
            ("BOM", Array("\u{FEFF}# Title\nText here.\n".utf8), Array("\u{FEFF}# Title changed\nText here.\n".utf8)),
            ("no final newline", Array("a\nlast words".utf8), Array("a\nlast word".utf8)),
            ("newline added at end", Array("a\nb".utf8), Array("a\nb\n".utf8)),
            ("tabs", Array("\tindented\tcell\n".utf8), Array("\tindented  cell\n".utf8)),
            ("invalid UTF-8", [0x61, 0x20, 0xFF, 0xFE, 0x20, 0x62, 0x0A], [0x61, 0x20, 0xC3, 0x28, 0x20, 0x62, 0x0A]),
            ("from nothing", [], Array("new\ntext\n".utf8)),
            ("to nothing", Array("old\ntext\n".utf8), []),
            ("framework, two paragraphs", Array(framework.utf8), Array(edited.utf8)),
        ]
        for (name, old, new) in cases {
            let hunks = try WordDiff(from: old, to: new).hunks
            XCTAssertFalse(hunks.isEmpty, name)
            let oldLines = ProseTokens.lines(old[...])
            let newLines = ProseTokens.lines(new[...])
            var rebuilt: [UInt8] = []
            var next = 0  // 0-based index of the next old line not yet copied
            for hunk in hunks {
                let first = hunk.oldLines == 0 ? hunk.oldStart : hunk.oldStart - 1
                XCTAssertEqual(hunk.oldBytes, Array(oldLines[first..<(first + hunk.oldLines)].joined()), "\(name): old side of a hunk")
                let newFirst = hunk.newLines == 0 ? hunk.newStart : hunk.newStart - 1
                XCTAssertEqual(hunk.newBytes, Array(newLines[newFirst..<(newFirst + hunk.newLines)].joined()), "\(name): new side of a hunk")
                rebuilt += oldLines[next..<first].joined()
                rebuilt += hunk.newBytes
                next = first + hunk.oldLines
                for (a, b) in zip(hunk.operations, hunk.operations.dropFirst()) { XCTAssertNotEqual(a.kind, b.kind, "\(name): runs are joined") }
            }
            rebuilt += oldLines[next...].joined()
            XCTAssertEqual(rebuilt, new, name)
        }
    }

    /// The line hunks are the ones `git diff` prints (the real git CLI).
    func testHunksAreGits() throws {
        let framework = TestEnvironment.framework
        var edited = framework
        for number in [5, 13, 16, 17, 74, 158] {
            edited = replacingLine(number, of: edited, with: line(number, of: edited).replacingOccurrences(of: "the", with: "a"))
        }
        edited = replacingLine(100, of: edited, with: "")
        let a = try write(framework, to: "a.md")
        let b = try write(edited, to: "b.md")
        let git = try execute(TestEnvironment.gitBinary, ["diff", "--no-index", "--no-color", a, b], environment: environment(for: nil), in: tmp)
        let gitHeaders = git.stdout.split(separator: "\n").filter { $0.hasPrefix("@@") }.map(String.init)
        XCTAssertGreaterThan(gitHeaders.count, 2, git.stdout)
        let ours = try diff(framework, edited).hunks.map { h in
            func range(_ s: Int, _ n: Int) -> String { n == 1 ? "\(s)" : "\(s),\(n)" }
            return "@@ -\(range(h.oldStart, h.oldLines)) +\(range(h.newStart, h.newLines)) @@" + (h.heading.isEmpty ? "" : " \(h.heading)")
        }
        XCTAssertEqual(ours, gitHeaders)
        XCTAssertTrue(ours.contains { !$0.hasSuffix("@@") }, "some hunks have a heading after their @@, as in git: \(ours)")
    }

    /// A 200-paragraph document with a word changed in every fourth
    /// paragraph (50 changes). The target is 5 ms in a release build
    /// (`make bench` prints it); a debug build on a busy machine is allowed twenty times that.
    func testTwoHundredParagraphsDiffQuickly() throws {
        let (old, new) = WordDiffTests.twoHundredParagraphs()
        var times: [Double] = []
        var hunks = 0
        for _ in 0..<7 {
            let start = DispatchTime.now().uptimeNanoseconds
            hunks = try WordDiff(from: old, to: new).hunks.count
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        }
        let median = times.sorted()[times.count / 2]
        print("word diff of 200 paragraphs (50 changed), debug build: median \(String(format: "%.2f", median)) ms")
        XCTAssertEqual(hunks, 50)
        XCTAssertLessThan(median, 100)
    }

    /// 200 paragraphs of about 300 characters, blank lines between, and
    /// the same with one word changed in every fourth paragraph.
    static func twoHundredParagraphs() -> (old: [UInt8], new: [UInt8]) {
        var old = "# Framework\n\n"
        var new = old
        for index in 0..<200 {
            let text = "Paragraph \(index) describes how engineers grow in our organisation. It is meant to support conversations between engineers and their managers, not to act as a checklist. Most people will sit at different steps for different characteristics at any given time, and that is expected."
            old += text + "\n\n"
            new += (index % 4 == 0 ? text.replacingOccurrences(of: "any given", with: "the same") : text) + "\n\n"
        }
        return (Array(old.utf8), Array(new.utf8))
    }
}
