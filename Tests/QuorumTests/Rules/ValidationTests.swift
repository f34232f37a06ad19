import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Pure checks of everything a user types that ends up in a ref name, a
/// path or a commit: no repository, no I/O.
final class ValidationTests: QuorumTestCase {

    // MARK: Slugs

    func testLegalSlugs() {
        for slug in ["career-steps", "on-call-policy", "a", "2026-plan", String(repeating: "x", count: 64)] {
            XCTAssertNoThrow(try Validation.checkSlug(slug), slug)
        }
    }

    func testIllegalSlugsAreUsageErrors() {
        let illegal = [
            "../x", "A B", "", "-x", "x/y", "x-", "Career-Steps", "career_steps", "career.steps",
            "café", "x\n", " x", "refs/heads/main", String(repeating: "x", count: 65),
        ]
        for slug in illegal {
            let error = assertQuorumError(.usage, try Validation.checkSlug(slug))
            XCTAssertEqual(error?.exitCode, 64, slug)
            XCTAssertTrue(error?.message.contains("illegal slug") ?? false, "\(slug): \(String(describing: error))")
        }
    }

    func testSlugCheckNamesWhatWasChecked() {
        let error = assertQuorumError(.usage, try Validation.checkSlug("Working Group", what: "group name"))
        XCTAssertEqual(error?.message, "illegal group name 'Working Group'")
        XCTAssertNotNil(error?.remedy)
    }

    func testEveryLegalSlugMakesValidRefNames() throws {
        let id = try XCTUnwrap(ObjectID(hex: String(repeating: "ab", count: 20)))
        for slug in ["career-steps", "a", "0-0", String(repeating: "z", count: 64)] {
            XCTAssertNoThrow(try Validation.checkSlug(slug))
            for ref in [Layout.proposalMeta(slug), Layout.suggestionMeta(slug, id), Layout.revisionPin(slug, id, 1), Layout.roundBranch(slug, 1)] {
                XCTAssertTrue(Repository.isValidReferenceName(ref), ref)
            }
        }
    }

    // MARK: Document paths

    func testLegalDocumentPaths() {
        for path in ["framework.md", "parts/delivery.md", "a/b/c.txt", "Read_Me-2.md", "x"] {
            XCTAssertNoThrow(try Validation.checkDocumentPath(path), path)
        }
        // Any script's letters, marks and digits, NFC or NFD (issue 12).
        for path in ["dé.md", "de\u{301}.md", "políticas/guardia.md", "規程.md", "Ελληνικά-٣.md", "हिन्दी.md"] {
            XCTAssertNoThrow(try Validation.checkDocumentPath(path), path)
        }
    }

    func testIllegalDocumentPathsAreUsageErrors() {
        let illegal = [
            "../x.md", "/etc/passwd", ".hidden", "a//b", "", "parts/", "parts/../../x.md", "a/./b.md",
            "parts/.git/config", "..", "x y.md", "a\\b.md", "a\0b", String(repeating: "x", count: 201),
            // Beyond ASCII: spaces, invisible format characters, symbols, controls.
            "a\u{00A0}b.md", "a\u{3000}b.md", "a\u{202E}dm.exe", "zero\u{200B}width.md", "a\u{FEFF}.md", "✓.md", "a\u{85}b.md", "a／b.md",
        ]
        for path in illegal {
            let error = assertQuorumError(.usage, try Validation.checkDocumentPath(path))
            XCTAssertTrue(error?.message.contains("illegal document path") ?? false, "\(path): \(String(describing: error))")
        }
    }

    // MARK: Text

    func testUTF8TextIsAccepted() {
        XCTAssertNoThrow(try Validation.checkText(Data("Plain prose.\n".utf8), source: "a.md"))
        XCTAssertNoThrow(try Validation.checkText(Data("Ünïcödé — 日本語 ✓\n".utf8), source: "a.md"))
        XCTAssertNoThrow(try Validation.checkText(TestEnvironment.sample("Proposals/career-steps/framework.md"), source: "framework.md"))
    }

    func testNULBytesAreRefusedAsBinary() {
        var data = Data("text".utf8)
        data.append(0)
        data.append(contentsOf: Array("more".utf8))
        let error = assertQuorumError(.usage, try Validation.checkText(data, source: "picture.png"))
        XCTAssertTrue(error?.message.contains("picture.png") ?? false, String(describing: error))
        XCTAssertTrue(error?.message.contains("binary") ?? false, String(describing: error))
    }

    func testInvalidUTF8IsRefused() {
        let samples: [[UInt8]] = [
            [0x63, 0x61, 0x66, 0xE9, 0x0A],  // "café" in Latin-1
            [0xFF, 0xFE, 0x41, 0x42],  // a UTF-16 byte-order mark
            [0x41, 0xC3],  // a truncated two-byte sequence
            [0xED, 0xA0, 0x80],  // an encoded surrogate
        ]
        for bytes in samples {
            let error = assertQuorumError(.usage, try Validation.checkText(Data(bytes), source: "stdin"))
            XCTAssertTrue(error?.message.contains("not valid UTF-8") ?? false, "\(bytes): \(String(describing: error))")
            XCTAssertTrue(error?.message.hasPrefix("stdin") ?? false, String(describing: error))
        }
    }

    // MARK: People

    func testLegalEmails() {
        for email in ["ana@example.com", "a.b+c@x.y", "x@y"] {
            XCTAssertNoThrow(try Validation.checkEmail(email), email)
        }
    }

    func testIllegalEmails() {
        for email in ["", "ana", "@example.com", "ana@", "a@b@c", "a b@x.com", "<ana@x.com>", "ana@x.com>", "a@x.com,b@y.com", "a@x.com\n"] {
            let error = assertQuorumError(.usage, try Validation.checkEmail(email))
            XCTAssertTrue(error?.message.contains("illegal email") ?? false, "\(email): \(String(describing: error))")
        }
    }

    func testNames() {
        XCTAssertNoThrow(try Validation.checkName("Ana Lima"))
        XCTAssertNoThrow(try Validation.checkName("José Ñúñez"))
        for name in ["", "   ", "Ana <ana@x.com>", "Ana\nLima", "a>b"] {
            assertQuorumError(.usage, try Validation.checkName(name))
        }
    }

    func testMessagesAreTrimmedAndMustSaySomething() throws {
        XCTAssertEqual(try Validation.checkMessage("  Fix the typo\n\n"), "Fix the typo")
        XCTAssertEqual(try Validation.checkMessage("Title\n\nBody line"), "Title\n\nBody line")
        assertQuorumError(.usage, try Validation.checkMessage(""))
        assertQuorumError(.usage, try Validation.checkMessage(" \n\t "))
        assertQuorumError(.usage, try Validation.checkMessage("a\0b"))
    }

    // MARK: Trailers

    func testTrailersAreReadFromTheLastParagraph() {
        let message = """
            Make Delivery step 1 concrete

            A longer explanation: with a colon in it.

            Suggestion: 0123456789abcdef0123456789abcdef01234567
            Suggested-by: Ben Okafor <ben@example.com>
            Approved-by: Ana Lima <ana@example.com>
            Approved-by: Cai Wong <cai@example.com>

            """
        let trailers = Trailers.parse(message)
        XCTAssertEqual(trailers.first("Suggestion"), "0123456789abcdef0123456789abcdef01234567")
        XCTAssertEqual(trailers.first("Suggested-by"), "Ben Okafor <ben@example.com>")
        XCTAssertEqual(trailers.all("Approved-by"), ["Ana Lima <ana@example.com>", "Cai Wong <cai@example.com>"])
        XCTAssertNil(trailers.first("A longer explanation"))
        XCTAssertEqual(trailers.pairs.count, 4)
    }

    func testTrailersNeedAParagraphBeforeThem() {
        XCTAssertTrue(Trailers.parse("Suggestion: abc").pairs.isEmpty)
        XCTAssertTrue(Trailers.parse("").pairs.isEmpty)
        XCTAssertTrue(Trailers.parse("\n\n\n").pairs.isEmpty)
    }

    func testTrailersOnlyComeFromTheLastParagraph() {
        let trailers = Trailers.parse("Title\n\nSuggestion: in the body\n\nEvent: merge\nQuorum-Format: 1\n")
        XCTAssertNil(trailers.first("Suggestion"))
        XCTAssertEqual(trailers.first("Event"), "merge")
        XCTAssertEqual(trailers.first("Quorum-Format"), "1")
        // Several blank lines part paragraphs as one does; values are
        // trimmed of blanks, non-ASCII ones too.
        let spaced = Trailers.parse("Títle\n\n\n\nSuggested-by:\u{A0} Zoë Ñúñez <zoe@example.com>\u{3000}\n\n")
        XCTAssertEqual(spaced.first("Suggested-by"), "Zoë Ñúñez <zoe@example.com>")
    }

    func testTrailerKeysHaveNoSpacesAndValuesKeepTheirColons() {
        let trailers = Trailers.parse("Title\n\nNot a trailer: x\nLink: https://example.com/a:b\nno colon here\n")
        XCTAssertNil(trailers.first("Not a trailer"))
        XCTAssertEqual(trailers.first("Link"), "https://example.com/a:b")
        XCTAssertEqual(trailers.pairs.count, 1)
        XCTAssertEqual(trailers.all("Missing"), [])
    }

    // MARK: Fixtures

    func testTheSampleTextsAreThere() {
        // Other tests edit framework.md by line number: one line per paragraph, 174 lines.
        let lines = TestEnvironment.framework.components(separatedBy: "\n")
        XCTAssertEqual(lines.count, 175, "174 lines and a final newline")
        XCTAssertEqual(lines.first, "# Engineering Career Steps")
        XCTAssertEqual(line(3, of: TestEnvironment.framework), "Status: draft")
        for number in frameworkParagraphLines {
            XCTAssertGreaterThan(line(number, of: TestEnvironment.framework).count, 40, "line \(number) is not a paragraph")
        }
        XCTAssertTrue(TestEnvironment.policy.hasPrefix("# On-call Policy\n"))
    }

    // MARK: Ids, layout and exit codes

    func testObjectIDsParseFortyHexDigitsOnly() {
        XCTAssertEqual(ObjectID(hex: String(repeating: "A", count: 40))?.hex, String(repeating: "a", count: 40))
        XCTAssertEqual(ObjectID(hex: "0123456789abcdef0123456789abcdef01234567")?.short, "01234567")
        XCTAssertNil(ObjectID(hex: String(repeating: "a", count: 39)))
        XCTAssertNil(ObjectID(hex: String(repeating: "a", count: 41)))
        XCTAssertNil(ObjectID(hex: String(repeating: "g", count: 40)))
        XCTAssertNil(ObjectID(hex: ""))
        let full = "0123456789ABCDEF0123456789abcdef01234567"
        XCTAssertEqual(ObjectID(hex: full)?.hex, full.lowercased())
        XCTAssertNil(ObjectID(hex: "0123456789abcdef0123456789abcdef0123456 "))
        // From a line's bytes: the same answers.
        for text in [full, String(full.dropLast()), full + "0", String(full.dropLast()) + "x", String(repeating: "f", count: 40)] {
            let fromBytes = Array(text.utf8).withUnsafeBufferPointer { ObjectID(hexBytes: $0) }
            XCTAssertEqual(fromBytes, ObjectID(hex: text), text)
        }
    }

    func testLayoutNamesAndParsesRefs() throws {
        let id = try XCTUnwrap(ObjectID(hex: "0123456789abcdef0123456789abcdef01234567"))
        XCTAssertEqual(Layout.roster, "refs/quorum/roster")
        XCTAssertEqual(Layout.proposalMeta("career-steps"), "refs/quorum/proposals/career-steps/meta")
        XCTAssertEqual(Layout.suggestionMeta("career-steps", id), "refs/quorum/proposals/career-steps/suggestions/\(id.hex)/meta")
        XCTAssertEqual(Layout.revisionPin("career-steps", id, 2), "refs/quorum/proposals/career-steps/suggestions/\(id.hex)/revs/2")
        XCTAssertEqual(Layout.roundBranch("career-steps", 1), "refs/heads/quorum/career-steps/1")
        XCTAssertEqual(Layout.documentPath("career-steps", "parts/a.md"), "Proposals/career-steps/parts/a.md")

        let parsed = try XCTUnwrap(Layout.parseSuggestionMeta(Layout.suggestionMeta("career-steps", id)))
        XCTAssertEqual(parsed.slug, "career-steps")
        XCTAssertEqual(parsed.id, id)
        XCTAssertNil(Layout.parseSuggestionMeta(Layout.revisionPin("career-steps", id, 1)))
        XCTAssertNil(Layout.parseSuggestionMeta(Layout.proposalMeta("career-steps")))
        XCTAssertNil(Layout.parseSuggestionMeta("refs/quorum/proposals/x/suggestions/not-hex/meta"))
        XCTAssertEqual(Layout.parseProposalMeta(Layout.proposalMeta("career-steps")), "career-steps")
        XCTAssertNil(Layout.parseProposalMeta(Layout.suggestionMeta("career-steps", id)))
    }

    func testExitCodesByKind() {
        XCTAssertEqual(QuorumError(.usage, "x").exitCode, 64)
        XCTAssertEqual(QuorumError(.refused, "x").exitCode, 1)
        XCTAssertEqual(QuorumError(.failure, "x").exitCode, 70)
        XCTAssertEqual(QuorumError(.refused, "no", remedy: "ask").description, "no\nhint: ask")
    }
}
