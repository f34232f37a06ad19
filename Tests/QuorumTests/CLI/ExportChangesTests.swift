import Foundation
import XCTest

@testable import QuorumCore

/// `quorum export --format html --changes`: what changed since the previous
/// version (or the first draft) marked as <ins> and <del>, shown or hidden
/// by a checkbox; and `draft` / `rN^` as names for points in history.
final class ExportChangesTests: QuorumTestCase {
    private let slug = "oncall"
    private let draft = "# On-call\n\nIntro text here.\n\n## Rules\n\n- Page the secondary.\n- Wait ten minutes.\n\nOld closing paragraph.\n\nLast paragraph stays.\n"

    /// Proposes `draft`, then merges `text` as Ben's suggestion (approved by Cai and Dee).
    private func merge(_ text: String, message: String) throws {
        let file = try write(text, to: "\(UUID().uuidString).md")
        let id = try XCTUnwrap(try runOK(["suggest", slug, "-m", message, "--file", "oncall.md=\(file)", "--json"], as: .ben).json?["id"] as? String)
        try runOK(["approve", id], as: .cai)
        try runOK(["approve", id], as: .dee)
        try runOK(["merge", id])
    }

    private func exported(_ arguments: [String]) throws -> String {
        let out = tmp.appendingPathComponent("\(UUID().uuidString).html").path
        try runOK(["export", slug, "--format", "html", "--changes", "-o", out] + arguments)
        let page = try String(contentsOfFile: out, encoding: .utf8)
        return String(page[page.range(of: "<main>")!.lowerBound..<page.range(of: "</main>")!.upperBound])
    }

    private func setUpHistory() throws {
        let lead = try careerSteps()
        _ = lead
        try runOK(["propose", slug, "--title", "On-call", "--file", "oncall.md=\(try write(draft, to: "draft.md"))"])
        try merge(draft.replacingOccurrences(of: "Wait ten minutes", with: "Wait five minutes")
            .replacingOccurrences(of: "Intro text here.", with: "Intro text is **new** here.")
            .replacingOccurrences(of: "Old closing paragraph.\n\n", with: "") + "\nA new paragraph.\n", message: "First round of edits")
        try runOK(["cut", slug, "v1", "-m", "First"])
    }

    func testTheFirstVersionMarksWhatChangedSinceTheDraft() throws {
        try setUpHistory()
        let main = try exported(["--version", "v1"])
        XCTAssertTrue(main.contains("<li>Wait <del>ten</del><ins>five</ins> minutes.</li>"), main)
        XCTAssertTrue(main.contains("<p>Intro text <ins>is <strong>new</strong></ins> here.</p>"), main)
        XCTAssertTrue(main.contains("<p><del>Old closing paragraph.</del></p>"), main)
        XCTAssertTrue(main.contains("<p><ins>A new paragraph.</ins></p>"), main)
        XCTAssertTrue(main.contains("<h2>Rules</h2>") && main.contains("<li>Page the secondary.</li>"), "unchanged blocks as they were: \(main)")
        let out = tmp.appendingPathComponent("page.html").path
        try runOK(["export", slug, "--version", "v1", "--format", "html", "--changes", "-o", out])
        let page = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(page.contains("<input type=\"checkbox\" id=\"show-changes\""), "a checkbox shows or hides them")
        XCTAssertTrue(page.contains("Show changes since the first draft"))
        XCTAssertTrue(page.contains("#show-changes:not(:checked) ~ main del { display: none; }"), "CSS alone hides them")
        XCTAssertFalse(page.contains("<script"))
        // Without --changes, no marks.
        try runOK(["export", slug, "--version", "v1", "--format", "html", "-o", out])
        let plain = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertFalse(plain.contains("<ins>") || plain.contains("<del>") || plain.contains("show-changes\""))
    }

    func testALaterVersionMarksOnlyWhatChangedSinceThePreviousAndRawHTMLStaysOut() throws {
        try setUpHistory()
        let v1 = try runOK(["cat", slug, "oncall.md", "--version", "v1"]).stdout
        try merge(v1.replacingOccurrences(of: "Page the secondary.", with: "Page the [secondary](https://example.com/rota) <img src=x onerror=alert(1)>."), message: "Link")
        try runOK(["cut", slug, "v2"])
        let main = try exported(["--version", "v2"])
        XCTAssertFalse(main.contains("<del>ten</del>"), "v1's changes are not marked again: \(main)")
        XCTAssertTrue(main.contains("<ins>"), main)
        XCTAssertFalse(main.contains("<img") || main.contains("onerror"), "raw HTML stays omitted: \(main)")
        XCTAssertTrue(main.contains("href=\"https://example.com/rota\""), "no mark inside an address: \(main)")
        XCTAssertFalse(main.unicodeScalars.contains { $0.value >= 0xE000 && $0.value <= 0xF8FF }, "no mark character left")
        let out = tmp.appendingPathComponent("v2.html").path
        try runOK(["export", slug, "--version", "v2", "--format", "html", "--changes", "-o", out])
        XCTAssertTrue(try String(contentsOfFile: out, encoding: .utf8).contains("Show changes since v1"))
    }

    func testChangesAreForHTMLAndDraftNamesTheFirstText() throws {
        try setUpHistory()
        let markdown = try run(["export", slug, "--changes"])
        XCTAssertEqual(markdown.status, 64)
        XCTAssertTrue(markdown.stderr.contains("--format html"), markdown.stderr)
        let diff = try runOK(["diff", slug, "draft", "v1", "--color=never"]).stdout
        XCTAssertTrue(diff.contains("[-ten-]{+five+}"), diff)
        XCTAssertEqual(try runOK(["diff", slug, "r1^", "draft"]).stdout, "No differences between the first draft and the first draft of \(slug).\n")
        XCTAssertEqual(try runOK(["diff", slug, "v1", "r1"]).stdout, "No differences between version v1 and round 1 of \(slug).\n")
    }

    func testMarksNeverCollideWithTheDocumentsOwnCharacters() throws {
        let old = "Uses \u{E000} and \u{E001} already.\n"
        let new = "Uses \u{E000} and \u{E001} and more.\n"
        let marks = try ChangeMarks(from: old, to: new)
        XCTAssertTrue(marks.changed)
        let html = marks.html(MarkdownDocument(marks.markdown).html())
        XCTAssertTrue(html.contains("\u{E000}") && html.contains("\u{E001}"), "the document's own characters are kept: \(html)")
        XCTAssertTrue(html.contains("<del>already</del>") || html.contains("<ins>more</ins>"), html)
        XCTAssertFalse(try ChangeMarks(from: old, to: old).changed)
    }
}
