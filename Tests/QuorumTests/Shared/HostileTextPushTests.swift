import Foundation
import XCTest

/// A forged event carrying control characters, pushed with plain git, is
/// refused by the shared repository's hook (`text.control`) and reported by
/// `quorum verify`; and the hook's own `remote:` lines never carry one.
final class HostileTextPushTests: SharedRepositoryTestCase {
    private let esc = "\u{1B}"

    private func chain(_ id: String) -> String { "refs/quorum/proposals/\(slug)/suggestions/\(id)/meta" }

    /// Fails when `text` holds a character a terminal would obey (C0 but
    /// newline and tab, DEL, C1).
    private func assertNoControls(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if (value < 0x20 && value != 0x0A && value != 0x09) || (0x7F...0x9F).contains(value) {
                XCTFail(String(format: "control U+%04X in «%@»", value, text), file: file, line: line)
                return
            }
        }
    }

    /// Appends `json` as an event by `who` to `ref` in `directory`, pushes
    /// it with plain git and asserts the hook refuses it as `text.control`
    /// and `quorum verify` in `directory` reports exactly that.
    private func assertRefused(_ json: String, on ref: String, as who: Teammate, in directory: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let head = try gitOK(["rev-parse", ref], in: directory)
        try gitOK(["update-ref", ref, try eventCommit(json, summary: "Forged", parent: head, as: who, in: directory), head], in: directory)
        try assertPushRefused(["\(ref):\(ref)"], from: directory, code: "text.control", file: file, line: line)
        let pushed = try git(["push", "origin", "\(ref):\(ref)"], in: directory)
        assertNoControls(pushed.errors, file: file, line: line)
        let verified = try quorum(["verify", "--json"], in: directory)
        let codes = (verified.object?["violations"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        XCTAssertEqual(codes, ["text.control"], verified.text + verified.errors, file: file, line: line)
    }

    func testAForgedCommentWhoseFirstLineHoldsAnOSC8LinkIsRefused() throws {
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let id = try XCTUnwrap(try suggestLine(5, "Edited.", as: .ben, in: ben)["id"] as? String)
        try quorumOK(["sync"], as: .ben, in: ben)
        let text = "See \(esc)]8;;http://evil.example\(esc)\\\\the policy\(esc)]8;;\(esc)\\\\"
        try assertRefused(#"{"message":"\#(text.replacingOccurrences(of: esc, with: "\\u001b"))","type":"comment","v":1}"#, on: chain(id), as: .ben, in: ben)
    }

    func testAForgedMemberNameWithEscapesIsRefused() throws {
        let ana = try makeSharedReview()
        let json = #"{"member":{"email":"eve@example.com","groups":["working-group"],"lead":false,"name":"Esc \u001b[31mName"},"type":"member","v":1}"#
        try assertRefused(json, on: "refs/quorum/roster", as: .ana, in: ana)
    }

    func testAForgedSuggestionTitleWithAC1ControlIsRefused() throws {
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let id = try XCTUnwrap(try suggestLine(5, "Edited.", as: .ben, in: ben)["id"] as? String)
        try quorumOK(["sync"], as: .ben, in: ben)
        let revision = try XCTUnwrap(try quorum(["show", id, "--json"], as: .ben, in: ben).object?["revisions"] as? [[String: Any]]).last?["revisionCommit"] as? String ?? ""
        let base = try gitOK(["rev-parse", "\(revision)^"], in: ben)
        try assertRefused(#"{"base":"\#(base)","message":"New \u009b2J title","revision":"\#(revision)","title":"New \u009b2J title","type":"revise","v":1}"#,
                          on: chain(id), as: .ben, in: ben)
    }

    /// The hook quotes a direct commit's title in its refusal; git shows
    /// it on the pusher's terminal as a `remote:` line, escaped.
    func testTheHooksRemoteLinesAreEscaped() throws {
        let ana = try makeSharedReview()
        let head = try gitOK(["rev-parse", roundBranch], in: ana)
        let tree = try gitOK(["rev-parse", "\(head)^{tree}"], in: ana)
        let direct = try commitTree(tree, parents: [head], message: "Fix \(esc)[2J\(esc)]0;pwned\u{07}\u{9B}31m\r\n", as: .ana, in: ana)
        try gitOK(["update-ref", roundBranch, direct, head], in: ana)
        try assertPushRefused(["\(roundBranch):\(roundBranch)"], from: ana, code: "round.commit")
        let pushed = try git(["push", "origin", "\(roundBranch):\(roundBranch)"], in: ana)
        assertNoControls(pushed.errors)
        XCTAssertTrue(pushed.errors.contains("Fix \\x1b[2J\\x1b]0;pwned\\x07\\x9b31m"), pushed.errors)
    }
}
