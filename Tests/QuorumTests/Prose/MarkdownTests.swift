import Foundation
import XCTest

@testable import QuorumCore

/// The Markdown engine (cmark-gfm) and lines as a reader sees them, with no
/// repository: documents as people write them (CRLF, mixed endings, a byte
/// order mark, no final newline, tabs), headings of both kinds and their
/// sections, and the HTML export's safe mode (issue 12).
final class MarkdownTests: XCTestCase {
    private let bom = "\u{FEFF}"

    // MARK: Lines

    func testLinesEndAtLFCRLFAndCRAndTheBytesAreKept() {
        let stored = Data("# Title\r\nIntro.\nMac line\rlast".utf8)
        let lines = DocumentLines(stored)
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines.lines.map(\.text), ["# Title", "Intro.", "Mac line", "last"])
        XCTAssertEqual(lines.lines.map(\.ending), [.crlf, .lf, .cr, .none])
        XCTAssertFalse(lines.endsWithNewline)
        XCTAssertEqual(lines.readerText, "# Title\nIntro.\nMac line\nlast")
        XCTAssertEqual(lines.bytes, stored, "byte for byte")
        XCTAssertEqual(lines.lines.map(\.offset), [0, 9, 16, 25])
    }

    func testAByteOrderMarkIsNotTextAndIsKept() {
        let stored = Data((bom + "# Career steps\n\nIntro.\n").utf8)
        let lines = DocumentLines(stored)
        XCTAssertTrue(lines.hasByteOrderMark)
        XCTAssertEqual(lines.text(ofLine: 1), "# Career steps")
        XCTAssertEqual(lines.count, 3)
        XCTAssertFalse(lines.readerText.hasPrefix(bom))
        XCTAssertEqual(lines.bytes, stored)
        XCTAssertEqual(lines.lines[0].offset, 3, "line 1 starts after the mark")
    }

    func testLineCountsOfEdgeTexts() {
        XCTAssertEqual(DocumentLines("").count, 0)
        XCTAssertTrue(DocumentLines("").endsWithNewline)
        XCTAssertEqual(DocumentLines("a").count, 1)
        XCTAssertEqual(DocumentLines("a\n").count, 1)
        XCTAssertEqual(DocumentLines("a\n\n").count, 2)
        XCTAssertEqual(DocumentLines("\r\n\r\n").count, 2)
        XCTAssertEqual(DocumentLines("a\r\r\nb").lines.map(\.ending), [.cr, .crlf, .none])
        XCTAssertEqual(DocumentLines(bom).count, 0)
        XCTAssertNil(DocumentLines("a\n").text(ofLine: 2))
        XCTAssertTrue(DocumentLines("a\n \t\n").isBlank(2))
    }

    // MARK: Headings and sections

    private let handbook = """
        Handbook
        ========

        Intro.

        Delivery
        --------

        Ships things.

        ### Estimates

        Gives ranges.


        ## Craft ##

        Writes *clear* code.

        """

    func testHeadingsOfBothKindsOpenSections() {
        let doc = MarkdownDocument(handbook)
        XCTAssertEqual(doc.headings.map(\.text), ["Handbook", "Delivery", "Estimates", "Craft"])
        XCTAssertEqual(doc.headings.map(\.level), [1, 2, 3, 2])
        XCTAssertEqual(doc.headings.map(\.lines), [1...2, 6...7, 11...11, 16...16], "a setext heading is its text line and its underline")
        XCTAssertEqual(doc.heading(named: "Delivery")?.section, 6...13, "up to the next heading of the same or a higher level, blank lines trimmed")
        XCTAssertEqual(doc.heading(named: "Estimates")?.section, 11...13)
        XCTAssertEqual(doc.heading(named: "Craft")?.section, 16...18, "the last section runs to the end")
        XCTAssertEqual(doc.heading(named: "Handbook")?.section, 1...18, "the level-1 heading holds everything")
        XCTAssertEqual(doc.heading(named: "Craft ##")?.text, "Craft", "the text after the #s as typed still names an ATX heading")
        XCTAssertEqual(doc.heading(named: "  Delivery ")?.text, "Delivery", "spaces around a name do not matter")
        XCTAssertNil(doc.heading(named: "Salaries"))
    }

    func testHeadingTextIsWhatAReaderSees() {
        let doc = MarkdownDocument("## *Delivery* and `code`\n\n#No heading\n\n    # indented code, not a heading\n\n> ## Quoted\n")
        XCTAssertEqual(doc.headings.map(\.text), ["Delivery and code", "Quoted"])
        XCTAssertNotNil(doc.heading(named: "*Delivery* and `code`"), "as typed after the #s (anchors recorded before cmark-gfm)")
    }

    func testCRLFAByteOrderMarkAndTabsGiveTheSameSections() {
        let lf = "# Career steps\n\n## Delivery\n\nShips\tthings.\n\n## Craft\n\nWrites code."
        let variants = [
            lf,
            lf.replacingOccurrences(of: "\n", with: "\r\n"),
            bom + lf.replacingOccurrences(of: "\n", with: "\r\n"),
            lf.replacingOccurrences(of: "\n\n## Craft", with: "\r\n\r## Craft"),
            "#\tCareer steps\n\n##\tDelivery\n\nShips\tthings.\n\n## Craft\n\nWrites code.\n",
        ]
        for text in variants {
            let doc = MarkdownDocument(Data(text.utf8))
            XCTAssertEqual(doc.headings.map(\.text), ["Career steps", "Delivery", "Craft"], text.debugDescription)
            XCTAssertEqual(doc.headings.map(\.section), [1...9, 3...5, 7...9], text.debugDescription)
            XCTAssertEqual(doc.lines.count, 9, text.debugDescription)
        }
    }

    // MARK: HTML

    func testRawHTMLIsOmittedAndWhatFollowsStillRenders() {
        let doc = MarkdownDocument("# On-call\n\nIntro.\n\n<br>\n\n## Rules\n\n- Page the secondary.\n\n<img src=x onerror=alert(1)>\n\nText <span onclick=x>inline</span>.\n<script>alert(1)</script>\n")
        let html = doc.html()
        XCTAssertTrue(html.contains("<h2>Rules</h2>\n<ul>\n<li>Page the secondary.</li>\n</ul>"), html)
        for unsafe in ["<br>", "<img", "onerror", "<span", "onclick", "<script"] {
            XCTAssertFalse(html.contains(unsafe), "\(unsafe) passed through: \(html)")
        }
        XCTAssertTrue(html.contains("<!-- raw HTML omitted -->"), html)
    }

    func testGitHubTablesStrikethroughAndAutolinks() {
        let html = MarkdownDocument("| Step | Scope |\n|:--|--:|\n| 1 | team |\n\n~~old~~ new, see www.example.com or https://example.org/x.\n").html()
        XCTAssertTrue(html.contains("<table>"), html)
        XCTAssertTrue(html.contains("<th align=\"left\">Step</th>"), html)
        XCTAssertTrue(html.contains("<td align=\"right\">team</td>"), html)
        XCTAssertTrue(html.contains("<del>old</del>"), html)
        XCTAssertTrue(html.contains("<a href=\"http://www.example.com\">www.example.com</a>"), html)
        XCTAssertTrue(html.contains("<a href=\"https://example.org/x\">https://example.org/x</a>"), html)
    }

    func testSelfContainedPagesLoadNothingAndLinkOnlyToTheWebOrThePage() {
        let doc = MarkdownDocument("![logo *big*](https://example.com/l.png) [site](https://example.com) [mail](mailto:a@example.com) [here](#rules) [file](other.md) [js](javascript:alert(1))\n")
        doc.makeSelfContained()
        let html = doc.html()
        XCTAssertTrue(html.contains("[image: logo big]"), html)
        XCTAssertFalse(html.contains("<img"), html)
        XCTAssertTrue(html.contains("<a href=\"https://example.com\">site</a>"), html)
        XCTAssertTrue(html.contains("<a href=\"mailto:a@example.com\">mail</a>"), html)
        XCTAssertTrue(html.contains("<a href=\"#rules\">here</a>"), html)
        XCTAssertTrue(html.contains(" file "), html)
        XCTAssertFalse(html.contains("other.md"), html)
        XCTAssertFalse(html.contains("javascript"), html)
    }

    func testImagesInsideImagesAndLinksInsideImagesBecomeText() {
        let doc = MarkdownDocument("![outer ![inner](https://e.com/i.png) and [a link](other.md)](https://e.com/o.png)\n")
        doc.makeSelfContained()
        XCTAssertEqual(doc.html(), "<p>[image: outer [image: inner] and a link]</p>\n")
    }

    func testAByteOrderMarkNeverReachesTheHTML() {
        let html = MarkdownDocument(Data((bom + "# Career steps\r\n\r\nIntro.\r\n").utf8)).html()
        XCTAssertEqual(html, "<h1>Career steps</h1>\n<p>Intro.</p>\n")
    }

    func testTheLeadingTitleIsRemovedOnlyWhenItRepeatsTheTitle() {
        let doc = MarkdownDocument("Career  Steps\n===\n\n## Delivery\n")
        XCTAssertNil(doc.removeLeadingTitle("Delivery"))
        XCTAssertEqual(doc.removeLeadingTitle("career steps"), 1...2)
        XCTAssertEqual(doc.html(), "<h2>Delivery</h2>\n")
        XCTAssertNil(MarkdownDocument("Intro.\n\n# Career steps\n").removeLeadingTitle("Career steps"), "only a first block")
        XCTAssertNil(MarkdownDocument("## Career steps\n").removeLeadingTitle("Career steps"), "only level 1")
    }

    func testParsingIsFastEnoughForEveryShowAndComment() {
        let paragraph = String(repeating: "Takes responsibility for their actions and speaks up. ", count: 6)
        let text = (1...200).map { "## Section \($0)\n\n\(paragraph)\n" }.joined(separator: "\n")
        let start = Date()
        let doc = MarkdownDocument(text)
        XCTAssertEqual(doc.headings.count, 200)
        _ = doc.html()
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, "a 200-section document parsed and rendered")
    }
}
