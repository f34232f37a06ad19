import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Documents as people write them (issue 12), through the binary: CRLF and
/// mixed line endings, a UTF-8 byte order mark, no final newline, tabs,
/// setext headings, raw HTML, non-ASCII names. Lines and sections are the
/// ones a reader sees (`comment --lines`, `--section`, anchors in `show`,
/// `export`); the stored bytes are kept byte for byte (checked with git).
final class DocumentsAsWrittenTests: RoundsTestCase {
    private let bom = Data([0xEF, 0xBB, 0xBF])

    /// A repository with Ben, Cai and Dee, and proposal `slug` holding one
    /// document `name` with exactly `bytes`.
    private func propose(_ bytes: Data, slug: String = "hb", name: String = "hb.md", title: String = "Handbook") throws {
        try runOK(["init", repo.path])
        for person in [Person.ben, .cai, .dee] { try runOK(["member", "add", person.email, "--name", person.name]) }
        let path = try write(bytes, to: "texts/\(UUID().uuidString).md")
        try runOK(["propose", slug, "--title", title, "--file", "\(name)=\(path)"])
    }

    /// The document's bytes on the round branch, as git reads them.
    private func stored(_ slug: String = "hb", _ name: String = "hb.md", round: Int = 1) throws -> Data {
        try git(["cat-file", "blob", "quorum/\(slug)/\(round):Proposals/\(slug)/\(name)"]).stdoutData
    }

    /// Suggests `bytes` for hb.md as Ben, approves (Cai, Dee) and merges.
    private func mergeText(_ bytes: Data, message: String) throws {
        let path = try write(bytes, to: "texts/\(UUID().uuidString).md")
        let id = try jsonID(try runOK(["suggest", "hb", "-m", message, "--file", "hb.md=\(path)", "--json"], as: .ben))
        try approveCLI(id, by: [.cai, .dee])
        try runOK(["merge", id], as: .ben)
    }

    private func comments(_ slug: String = "hb") throws -> [[String: Any]] {
        try XCTUnwrap(try runOK(["show", slug, "--json"]).json?["comments"] as? [[String: Any]])
    }

    private func crlf(_ text: String) -> Data { Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    // MARK: Line endings

    /// prose-06 (its lines and sections half).
    func testACRLFDocumentHasTheLinesAndSectionsAReaderSees() throws {
        let text = crlf("# Handbook\n\n## Delivery\n\nShips things.\n\n## Craft\n\nWrites code.\n")
        try propose(text)
        XCTAssertEqual(try stored(), text, "CRLF kept byte for byte")
        XCTAssertEqual(try runOK(["cat", "hb"]).stdoutData, text)

        let onLine = try runOK(["comment", "hb", "-m", "Vague", "--lines", "5", "--json"], as: .ben)
        XCTAssertEqual((onLine.json?["anchor"] as? [String: Any])?["firstLine"] as? Int, 5)
        try runOK(["comment", "hb", "-m", "Vague", "--lines", "9"], as: .ben)
        try expectExit(64, ["comment", "hb", "-m", "Past the end", "--lines", "10"], as: .ben, mentioning: ["which has 9 lines"])
        let onSection = try runOK(["comment", "hb", "-m", "Which things?", "--section", "Delivery", "--json"], as: .ben)
        XCTAssertEqual((onSection.json?["anchor"] as? [String: Any])?["section"] as? String, "Delivery")

        let shown = try comments()
        XCTAssertEqual(shown.map { $0["firstLine"] as? Int }, [5, 9, 3])
        XCTAssertEqual(shown.map { $0["lastLine"] as? Int }, [5, 9, 5], "the section Delivery is lines 3-5")
        XCTAssertEqual(shown.map { $0["outdated"] as? Bool }, [false, false, false])
    }

    func testMixedEndingsAndALoneCRAreLinesToo() throws {
        let text = Data("# Handbook\r\n\n## Delivery\r\rShips things.\n## Craft\r\nWrites code.".utf8)
        try propose(text)
        XCTAssertEqual(try stored(), text)
        // "# Handbook" CRLF, "" LF, "## Delivery" CR, "" CR, "Ships things." LF, "## Craft" CRLF, "Writes code.".
        try runOK(["comment", "hb", "-m", "ok", "--lines", "7"], as: .ben)
        try expectExit(64, ["comment", "hb", "-m", "no", "--lines", "8"], as: .ben, mentioning: ["which has 7 lines"])
        try runOK(["comment", "hb", "-m", "ok", "--section", "Delivery"], as: .ben)
        XCTAssertEqual(try comments().map { $0["firstLine"] as? Int }, [7, 3])
        XCTAssertEqual(try comments().map { $0["lastLine"] as? Int }, [7, 5])
    }

    func testAnchorsOnACRLFDocumentFollowTheirLinesAndGoOutdatedWhenTheyChange() throws {
        let text = "# Handbook\n\n## Delivery\n\nShips things.\n\n## Craft\n\nWrites code.\n"
        try propose(crlf(text))
        try runOK(["comment", "hb", "-m", "Which code?", "--lines", "9"], as: .cai)
        try runOK(["comment", "hb", "-m", "Which things?", "--lines", "5"], as: .cai)

        // Two lines inserted above both, with CRLF endings: both move down.
        try mergeText(crlf(text.replacingOccurrences(of: "## Delivery\n", with: "## Delivery\n\nOwns delivery.\n")), message: "Owner")
        XCTAssertEqual(try comments().map { $0["firstLine"] as? Int }, [11, 7])
        XCTAssertEqual(try comments().map { $0["outdated"] as? Bool }, [false, false])

        // Endings changed alone (CRLF to LF): nothing a reader sees moved.
        let lf = text.replacingOccurrences(of: "## Delivery\n", with: "## Delivery\n\nOwns delivery.\n")
        try mergeText(Data(lf.utf8), message: "Unix endings")
        XCTAssertEqual(try comments().map { $0["firstLine"] as? Int }, [11, 7])
        XCTAssertEqual(try comments().map { $0["outdated"] as? Bool }, [false, false])

        // The line itself changed: that anchor is outdated, the other stays.
        try mergeText(Data(lf.replacingOccurrences(of: "Writes code.", with: "Writes tested code.").utf8), message: "Tested")
        XCTAssertEqual(try comments().map { $0["outdated"] as? Bool }, [true, false])
    }

    // MARK: A byte order mark, no final newline, tabs

    /// prose-07.
    func testTheFirstHeadingAfterAByteOrderMarkIsAHeading() throws {
        let text = bom + Data("# Career steps\n\nIntro.\n\n## Delivery\n\nShips things.\n".utf8)
        try propose(text, slug: "cs", name: "cs.md", title: "Career steps")
        XCTAssertEqual(try stored("cs", "cs.md"), text, "the byte order mark is kept")
        let section = try runOK(["comment", "cs", "-m", "Title too broad", "--section", "Career steps", "--json"], as: .ben)
        XCTAssertEqual((section.json?["anchor"] as? [String: Any])?["section"] as? String, "Career steps")
        XCTAssertEqual(try comments("cs").first?["lastLine"] as? Int, 7)

        let html = try runOK(["export", "cs", "--format", "html"]).stdoutData
        XCTAssertNil(html.range(of: bom), "no byte order mark in the page")
        let page = String(decoding: html, as: UTF8.self)
        XCTAssertFalse(page.contains("# Career steps"), "the heading shows as text")
        XCTAssertEqual(page.components(separatedBy: "<h1>Career steps</h1>").count, 2, "the title once: \(page)")
        XCTAssertTrue(page.contains("<h2>Delivery</h2>"), page)
        let md = try runOK(["export", "cs", "--format", "md"]).stdoutData
        XCTAssertNil(md.range(of: bom), "no byte order mark in the Markdown export")
    }

    func testNoFinalNewlineAndTabsAreKeptAndTheLastLineCounts() throws {
        let text = Data("# Handbook\n\n##\tDelivery\n\n-\tShips things.\n\tIndented.\n\n## Craft\n\nWrites code.".utf8)
        try propose(text)
        XCTAssertEqual(try stored(), text)
        XCTAssertEqual(try runOK(["cat", "hb"]).stdoutData, text, "no newline added")
        try runOK(["comment", "hb", "-m", "Last line", "--lines", "10"], as: .ben)
        try expectExit(64, ["comment", "hb", "-m", "no", "--lines", "11"], as: .ben, mentioning: ["which has 10 lines"])
        try runOK(["comment", "hb", "-m", "Tab heading", "--section", "Delivery"], as: .ben)
        XCTAssertEqual(try comments().map { $0["lastLine"] as? Int }, [10, 6])

        // A change that keeps the missing newline and the tabs merges as given.
        let changed = Data("# Handbook\n\n##\tDelivery\n\n-\tShips tested things.\n\tIndented.\n\n## Craft\n\nWrites code.".utf8)
        try mergeText(changed, message: "Tested")
        XCTAssertEqual(try stored(), changed)
    }

    // MARK: Headings and HTML

    func testSetextHeadingsAreSectionsAndRenderAsHeadings() throws {
        try propose(Data("Handbook\n========\n\nDelivery\n--------\n\nShips things.\n\nCraft\n-----\n\nWrites code.\n".utf8))
        try runOK(["comment", "hb", "-m", "Which things?", "--section", "Delivery"], as: .ben)
        XCTAssertEqual(try comments().first?["firstLine"] as? Int, 4)
        XCTAssertEqual(try comments().first?["lastLine"] as? Int, 7)
        let html = try runOK(["export", "hb", "--format", "html"]).stdout
        XCTAssertTrue(html.contains("<h2>Delivery</h2>\n<p>Ships things.</p>\n<h2>Craft</h2>"), html)
        XCTAssertFalse(html.contains("<hr />\n<p>Ships"), "not a paragraph and a rule")
        try expectExit(64, ["comment", "hb", "-m", "no", "--section", "Salaries"], as: .ben, mentioning: ["no section 'Salaries'", "Handbook; Delivery; Craft"])
    }

    /// prose-04.
    func testRawHTMLIsOmittedAndTheRestStillRenders() throws {
        try propose(Data("# On-call\n\nIntro.\n\n<br>\n\n## Rules\n\n- Page the secondary.\n\n<img src=x onerror=alert(1)>\n\n<script>alert(1)</script>\n".utf8),
                    slug: "oncall", name: "oncall.md", title: "On-call")
        let html = try runOK(["export", "oncall", "--format", "html"]).stdout
        let article = try XCTUnwrap(html.components(separatedBy: "<article").last)
        XCTAssertTrue(article.contains("<h2>Rules</h2>\n<ul>\n<li>Page the secondary.</li>\n</ul>"), article)
        for unsafe in ["<br", "<img", "onerror", "<script"] { XCTAssertFalse(article.contains(unsafe), "\(unsafe) passed through: \(article)") }
        XCTAssertTrue(article.contains("<!-- raw HTML omitted -->"), article)
    }

    // MARK: Names

    func testNonASCIINamesAreStoredAsGivenAndComparedInNFC() throws {
        let nfc = "políticas/guardia-café.md"
        let nfd = nfc.decomposedStringWithCanonicalMapping
        XCTAssertNotEqual(Array(nfc.utf8), Array(nfd.utf8))
        try propose(Data("# Guardia\n".utf8), slug: "guardia", name: nfc, title: "Guardia")
        let listed = try git(["-c", "core.quotePath=false", "ls-tree", "-r", "--name-only", "quorum/guardia/1"]).stdoutData
        XCTAssertEqual(listed, Data("Proposals/guardia/\(nfc)\n".utf8), "stored as given (NFC bytes)")
        XCTAssertEqual(try runOK(["cat", "guardia", nfd]).stdout, "# Guardia\n", "an NFD name finds the NFC document")

        // A new document whose name differs only by normalisation: refused, nothing written.
        let path = try textFile("# Other\n")
        let refused = try expectExit(1, ["suggest", "guardia", "-m", "Twin", "--file", "\(nfd)=\(path)"], as: .ben,
                                     mentioning: ["[document.normalisation]", "only in Unicode normalisation", "NFD against NFC"])
        XCTAssertTrue(refused.stderr.contains("hint: "), refused.stderr)
        // Only its folder differs by normalisation: refused too.
        try expectExit(1, ["suggest", "guardia", "-m", "Twin folder", "--file", "\("políticas".decomposedStringWithCanonicalMapping)/otra.md=\(path)"],
                       as: .ben, mentioning: ["[document.normalisation]"])
        // The same name, byte for byte, is the same document.
        try runOK(["suggest", "guardia", "-m", "Edit", "--file", "\(nfc)=\(path)"], as: .ben)
        // An NFD name where no NFC one exists is stored as given.
        let other = "notas-añadidas.md".decomposedStringWithCanonicalMapping
        try runOK(["suggest", "guardia", "-m", "Notes", "--file", "\(other)=\(path)"], as: .ben)
        // A rename finds the document however its name is normalised, and moves the name the tree spells.
        let moved = try jsonID(try runOK(["suggest", "guardia", "-m", "Move", "--rename", "\(nfd)=guardia.md", "--json"], as: .ben))
        let movedTree = try git(["-c", "core.quotePath=false", "ls-tree", "-r", "--name-only", "refs/quorum/proposals/guardia/suggestions/\(moved)/revs/1"]).stdout
        XCTAssertEqual(movedTree, "Proposals/guardia/guardia.md\n", "the NFC file renamed, no NFD twin left behind")
        // Invisible and space characters are not names.
        try expectExit(64, ["suggest", "guardia", "-m", "Trick", "--file", "a\u{202E}dm.exe=\(path)"], as: .ben, mentioning: ["illegal document path"])
        try expectExit(64, ["suggest", "guardia", "-m", "Space", "--file", "a\u{00A0}b.md=\(path)"], as: .ben, mentioning: ["illegal document path"])
    }

    func testTheNormalisationRuleComparesFolderByFolder() {
        let cafe = "café.md", cafeNFD = "café.md".decomposedStringWithCanonicalMapping
        XCTAssertEqual(Rules.documentName(cafeNFD, besides: [cafe])?.code, .documentNormalisation)
        XCTAssertEqual(Rules.documentName("dir/" + cafeNFD, besides: ["dir/" + cafe])?.code, .documentNormalisation)
        XCTAssertEqual(Rules.documentName("café".decomposedStringWithCanonicalMapping + "/a.md", besides: ["café/b.md"])?.code, .documentNormalisation)
        XCTAssertNil(Rules.documentName(cafe, besides: [cafe]), "the same bytes: the same document")
        XCTAssertNil(Rules.documentName("cafe.md", besides: [cafe]), "different letters")
        XCTAssertNil(Rules.documentName("other/" + cafeNFD, besides: ["dir/" + cafe]), "different folders")
    }

    // MARK: Export

    func testExportHasTheReleaseNotesTheTitleOnceDatedChangesAndCreditsByRole() throws {
        try propose(Data("# Handbook\r\n\r\n## Delivery\r\n\r\nShips things.\r\n".utf8))
        try runOK(["comment", "hb", "-m", "Ship what?", "--section", "Delivery"], as: .dee)
        try mergeText(crlf("# Handbook\n\n## Delivery\n\nShips tested things.\n"), message: "Tested things")
        try runOK(["cut", "hb", "v1", "-m", "First version.\n\nRead **Delivery** first; <b>raw</b> HTML is omitted."])
        try runOK(["cut", "hb", "v2", "--force"])

        let html = try runOK(["export", "hb", "--version", "v1", "--format", "html"]).stdout
        XCTAssertEqual(html.components(separatedBy: ">Handbook</h1>").count, 2, "the title once")
        let notes = try XCTUnwrap(html.range(of: "<section class=\"notes\" id=\"release-notes\">"))
        XCTAssertLessThan(notes.lowerBound, try XCTUnwrap(html.range(of: "<main>")).lowerBound, "the notes before the text")
        XCTAssertTrue(html.contains("<p>First version.</p>\n<p>Read <strong>Delivery</strong> first; <!-- raw HTML omitted -->raw<!-- raw HTML omitted --> HTML is omitted.</p>"), html)
        XCTAssertTrue(html.contains("<h2>Delivery</h2>\n<p>Ships tested things.</p>"), html)
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        let today = day.string(from: Date())
        XCTAssertTrue(html.contains("<li><time>\(today)</time> <strong>Tested things</strong> — by Ben Okafor; approved by Cai Wong, Dee Park</li>"), html)
        XCTAssertTrue(html.contains("<dt>Proposed</dt><dd>Ana Lima</dd>\n<dt>Suggested</dt><dd>Ben Okafor</dd>\n<dt>Approved</dt><dd>Cai Wong, Dee Park</dd>\n<dt>Commented</dt><dd>Dee Park</dd>"), html)
        XCTAssertFalse(html.contains("@example.com"), "names only")
        let withEmails = try runOK(["export", "hb", "--version", "v1", "--format", "html", "--emails"]).stdout
        XCTAssertTrue(withEmails.contains("<dt>Commented</dt><dd>Dee Park (dee@example.com)</dd>"), withEmails)

        let md = try runOK(["export", "hb", "--version", "v1", "--format", "md"]).stdout
        XCTAssertFalse(md.contains("\r"), "the Markdown export is written with LF endings")
        XCTAssertFalse(md.contains("# Handbook"), "the title once (the header's)")
        XCTAssertTrue(md.contains("## Release notes\n\nFirst version.\n\nRead **Delivery** first; <b>raw</b> HTML is omitted.\n\n## Delivery\n"), md)
        XCTAssertTrue(md.contains("- \(today) — **Tested things** — by Ben Okafor; approved by Cai Wong, Dee Park\n"), md)
        XCTAssertTrue(md.hasSuffix("## Credits\n\n- **Proposed:** Ana Lima\n- **Suggested:** Ben Okafor\n- **Approved:** Cai Wong, Dee Park\n- **Commented:** Dee Park\n"), md)

        // A version cut without notes has none; the open round has none.
        for args in [["--version", "v2"], []] {
            let page = try runOK(["export", "hb", "--format", "html"] + args).stdout
            XCTAssertFalse(page.contains("release-notes"), "\(args): \(page)")
            XCTAssertFalse(try runOK(["export", "hb", "--format", "md"] + args).stdout.contains("## Release notes"))
        }
    }

    func testReleaseNotesAreReadBackFromTheTagMessageAsCutWritesIt() {
        let message = "Handbook v1\n\nOfficial version v1 of proposal 'hb', cut from round 1 (working-group) at abc1234.\n\nFirst.\n\nChanges since the proposal was opened:\n- x\n\nSecond paragraph.\n\nChanges since the proposal was opened:\n- Tested (suggestion 12345678)\n  by Ben\n\nCredits:\n  Ana\n"
        XCTAssertEqual(ReviewRepository.releaseNotes(inTagMessage: message), "First.\n\nChanges since the proposal was opened:\n- x\n\nSecond paragraph.")
        XCTAssertNil(ReviewRepository.releaseNotes(inTagMessage: "Handbook v1\n\nOfficial version v1 of proposal 'hb', cut from round 1 (working-group) at abc1234.\n\nChanges since the proposal was opened:\n  (none)\n\nCredits:\n  Ana\n"))
    }
}
