import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Hostile text stays text (issue 10, point 7): control characters are
/// refused in names, titles, group names and first lines of messages, by
/// one rule (`Rules.plainText`, code `text.control`) that the commands and
/// the folds both apply. Codes are asserted, never wording.
final class HostileTextTests: QuorumTestCase {
    /// What a hostile person types, each a terminal would obey.
    static let hostile: [(name: String, text: String)] = [
        ("clear screen", "Fix \u{1B}[2J the typo"),
        ("window title", "Fix \u{1B}]0;pwned\u{07} the typo"),
        ("hidden text", "Fix \u{1B}[8m the typo"),
        ("OSC 8 hyperlink", "See \u{1B}]8;;http://x\u{1B}\\here\u{1B}]8;;\u{1B}\\"),
        ("C1 CSI", "Fix \u{9B}2J the typo"),
        ("carriage return", "Harmless\rApproved by everyone"),
        ("backspace", "Approve\u{08}\u{08}\u{08}"),
        ("DEL", "Fix\u{7F}"),
        ("NUL", "Fix\u{0}"),
    ]

    // MARK: The rule

    func testEveryControlCharacterIsRefusedInOneLineText() {
        for (name, text) in Self.hostile + [("newline", "Title\nfake line")] {
            XCTAssertEqual(Rules.plainText(text, what: "the title")?.code, .textControl, name)
        }
        for plain in ["Make Delivery step 1 concrete", "José Ñúñez", "tabs\tare\tfine", "emoji 🎉 and «quotes»", ""] {
            XCTAssertNil(Rules.plainText(plain, what: "the title"), plain)
        }
        // Every C0 but tab, DEL and every C1 is a control; nothing else is.
        for value in UInt32(0)...0x2FF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let expected = (value < 0x20 && value != 0x09) || (0x7F...0x9F).contains(value)
            XCTAssertEqual(Rules.isControl(scalar), expected, String(format: "U+%04X", value))
        }
    }

    func testAMessageBodyMayHoldControlsButNotItsFirstLine() {
        for (name, text) in Self.hostile where name != "carriage return" {
            XCTAssertNil(Rules.plainMessage("Plain title\n\n" + text, what: "the message"), name)
            XCTAssertEqual(Rules.plainMessage(text + "\n\nplain body", what: "the message")?.code, .textControl, name)
        }
        // CRLF ends a line; a lone CR does not.
        XCTAssertNil(Rules.plainMessage("Title\r\nbody", what: "the message"))
        XCTAssertEqual(Rules.plainMessage("Title\rfake\nbody", what: "the message")?.code, .textControl)
    }

    func testEveryRefusalOfTextHasARemedy() {
        let refusal = Rules.plainText("a\u{1B}b", what: "the name")
        XCTAssertEqual(refusal?.code, .textControl)
        XCTAssertFalse(refusal?.remedy.isEmpty ?? true)
    }

    /// Each user-text field of each event kind that has one is judged: an
    /// event with ESC in it is refused, the same event without is not.
    func testEveryUserTextFieldOfEveryEventKindIsJudged() throws {
        let id = String(repeating: "ab", count: 20)
        let ana = Signature(name: "Ana Lima", email: "ana@example.com", time: 1_700_000_000, offsetMinutes: 0)
        func record(_ kind: EventRecord.Kind, _ fill: (inout EventRecord) -> Void) -> EventRecord {
            var r = EventRecord(type: kind)
            r.slug = "career-steps"; r.title = "Title"; r.message = "Title\n\nbody"; r.revision = id; r.base = id; r.commit = id
            r.objection = id; r.version = "v1"; r.tag = "refs/tags/rfc/career-steps/v1"; r.round = 2
            r.member = Member(email: "ben@example.com", name: "Ben Okafor", groups: ["working-group"], lead: false)
            r.roundInfo = RoundRecord(number: 2, name: "managers", audience: ["managers"], approvers: ["working-group"], quorum: 2)
            fill(&r)
            return r
        }
        let esc = "\u{1B}[2J"
        let cases: [(String, EventRecord.Kind, (inout EventRecord) -> Void)] = [
            ("member name", .member, { $0.member?.name = "Ben \(esc)" }),
            ("member email", .member, { $0.member?.email = "ben\(esc)@example.com" }),
            ("member group", .member, { $0.member?.groups = ["working-group", "x\(esc)"] }),
            ("init lead name", .initialize, { $0.member?.name = "Ana \(esc)" }),
            ("propose title", .propose, { $0.title = "Career \(esc)" }),
            ("propose document", .propose, { $0.documents = ["framework\(esc).md"] }),
            ("fork round name", .fork, { $0.roundInfo?.name = "man\(esc)" }),
            ("fork audience", .fork, { $0.roundInfo?.audience = ["managers\(esc)"] }),
            ("cut version", .cut, { $0.version = "v1\(esc)" }),
            ("suggest title", .suggest, { $0.title = "Fix \(esc)" }),
            ("suggest message's first line", .suggest, { $0.message = "Fix \(esc)\n\nbody" }),
            ("suggest co-author", .suggest, { $0.coAuthors = ["cai\(esc)@example.com"] }),
            ("revise title", .revise, { $0.title = "Fix \(esc)" }),
            ("approve message", .approve, { $0.message = "LGTM \(esc)" }),
            ("revoke message", .revoke, { $0.message = "Oops \(esc)" }),
            ("object reason", .object, { $0.message = "No \(esc)" }),
            ("resolve reason", .resolve, { $0.message = "Fine \(esc)" }),
            ("withdraw reason", .withdraw, { $0.message = "Gone \(esc)" }),
            ("reject reason", .reject, { $0.message = "No \(esc)" }),
            ("comment first line", .comment, { $0.message = "See \u{1B}]8;;http://x\u{1B}\\here\u{1B}]8;;\u{1B}\\" }),
            ("comment section", .comment, { $0.anchor = CommentAnchor(document: "framework.md", section: "Deli\(esc)", commit: id) }),
        ]
        for (name, kind, fill) in cases {
            let plain = try EventPayload(record(kind) { _ in })
            XCTAssertNil(Rules.plainText(of: plain, actor: ana), "\(name): the plain event")
            let hostile = try EventPayload(record(kind, fill))
            XCTAssertEqual(Rules.plainText(of: hostile, actor: ana)?.code, .textControl, name)
        }
        // A comment's body beyond its first line is its writer's.
        let body = try EventPayload(record(.comment) { $0.message = "First line\n\u{1B}[31mred\u{1B}[0m" })
        XCTAssertNil(Rules.plainText(of: body, actor: ana))
        // And whoever the commit says wrote it.
        let named = Signature(name: "Ana \(esc)", email: "ana@example.com", time: 0, offsetMinutes: 0)
        XCTAssertEqual(Rules.plainText(of: try EventPayload(record(.approve) { _ in }), actor: named)?.code, .textControl)
    }

    // MARK: The commands

    func testCommandsRefuseControlCharactersAsBadInputAndChangeNothing() throws {
        let lead = try careerSteps()
        let id = try suggest(replacingLine(5, of: TestEnvironment.framework, with: "Edited."), message: "Plain", as: .ben).id
        let ben = try open(as: .ben)
        let cai = try open(as: .cai)
        for (name, text) in Self.hostile where name != "NUL" {
            let attempts: [(String, () throws -> Any)] = [
                ("member add --name", { try lead.addMember(email: "eve@example.com", name: "Eve \(text)", groups: [], lead: nil) }),
                ("member add EMAIL", { try lead.addMember(email: "eve\(text.filter { $0 != " " })@example.com", name: "Eve", groups: [], lead: nil) }),
                ("suggest -m", { try self.suggest(replacingLine(13, of: TestEnvironment.framework, with: "Other."), message: text, as: .ben) }),
                ("comment -m", { try cai.comment(on: id, text: text + "\n\nbody", document: nil, lines: nil, section: nil, reply: nil) }),
                ("object -m", { try cai.object(id, reason: text) }),
                ("approve -m", { try cai.approve(id, message: text) }),
                ("withdraw -m", { try ben.withdraw(id, reason: text) }),
                ("propose --title", { try lead.propose(slug: "other", title: text, documents: [DocumentInput(name: "a.md", text: Data("x\n".utf8), source: "a.md")]) }),
            ]
            for (command, attempt) in attempts {
                let error = try expectRefusal(.usage, in: lead, attempt(), file: #filePath, line: #line)
                XCTAssertEqual(error?.code, .textControl, "\(command) with \(name)")
                XCTAssertEqual(error?.exitCode, 64, "\(command) with \(name)")
                XCTAssertNotNil(error?.remedy, "\(command) with \(name)")
            }
        }
        // The body of a comment (beyond its first line) may hold them.
        XCTAssertNoThrow(try cai.comment(on: id, text: "Plain first line\n\u{1B}[31mred\u{1B}[0m", document: nil, lines: nil, section: nil, reply: nil))
    }

    func testAGitIdentityWithControlCharactersIsRefused() throws {
        try careerSteps()
        let hostile = try ReviewRepository.open(at: repo.path, environment: ["GIT_AUTHOR_NAME": "Ben \u{1B}[31mOkafor", "GIT_AUTHOR_EMAIL": "ben@example.com"])
        let error = assertQuorumError(.usage, try hostile.identity())
        XCTAssertEqual(error?.code, .textControl)
    }
}
