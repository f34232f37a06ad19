import Foundation
import XCTest

import QuorumGit

/// The verbatim patch id equates exactly the changes `git patch-id
/// --verbatim` equates for a diff without context lines (`-U0`): the same
/// lines removed and added, byte for byte, wherever they sit and whatever
/// the text around them.
final class PatchIDTests: QuorumTestCase {
    /// One change: the text before and after, with lines around it.
    private struct Change {
        let name: String
        let before: String
        let after: String
    }

    func testVerbatimPatchIDsEquateWhatGitEquates() throws {
        let repository = try Repository.create(at: repo.path)
        let intro = (1...6).map { "Intro line \($0)." }.joined(separator: "\n") + "\n"
        let outro = (1...6).map { "Closing line \($0)." }.joined(separator: "\n") + "\n"
        let changes = [
            Change(name: "base", before: intro + "Remote work is allowed nowhere.\n" + outro,
                   after: intro + "Remote work is allowed everywhere.\n" + outro),
            // The same lines changed with other text around them.
            Change(name: "moved", before: "Another start.\n" + intro + "Remote work is allowed nowhere.\n" + outro + "More.\n",
                   after: "Another start.\n" + intro + "Remote work is allowed everywhere.\n" + outro + "More.\n"),
            // One space more.
            Change(name: "space", before: intro + "Remote work is allowed nowhere.\n" + outro,
                   after: intro + "Remote work is allowed  everywhere.\n" + outro),
            // A trailing space.
            Change(name: "trailing", before: intro + "Remote work is allowed nowhere.\n" + outro,
                   after: intro + "Remote work is allowed everywhere. \n" + outro),
            // A CRLF line ending.
            Change(name: "crlf", before: intro + "Remote work is allowed nowhere.\n" + outro,
                   after: intro + "Remote work is allowed everywhere.\r\n" + outro),
            // A final newline removed.
            Change(name: "eof", before: "One.\nTwo.\n", after: "One.\nTwo."),
            Change(name: "eof-elsewhere", before: "Zero.\nOne.\nTwo.\n", after: "Zero.\nOne.\nTwo."),
        ]
        var ours: [String: ObjectID] = [:]
        var theirs: [String: String] = [:]
        for change in changes {
            let before = try tree(change.before, in: repository)
            let after = try tree(change.after, in: repository)
            ours[change.name] = try repository.verbatimPatchID(from: before, to: after)
            let diff = try git(["diff-tree", "-p", "-U0", before.hex, after.hex])
            XCTAssertEqual(diff.status, 0, diff.stderr)
            let id = try execute(TestEnvironment.gitBinary, ["patch-id", "--verbatim"], environment: environment(for: .ana), stdin: diff.stdoutData, in: repo)
            theirs[change.name] = String(id.stdout.split(separator: " ").first ?? "")
            XCTAssertFalse(theirs[change.name]?.isEmpty ?? true, "git patch-id printed nothing for \(change.name)")
        }
        for a in changes.map(\.name) {
            for b in changes.map(\.name) where a < b {
                XCTAssertEqual(ours[a] == ours[b], theirs[a] == theirs[b], "\(a) and \(b): Quorum says \(ours[a] == ours[b] ? "same" : "different"), git says \(theirs[a] == theirs[b] ? "same" : "different")")
            }
        }
        // The cases the rule is about, spelled out.
        XCTAssertEqual(ours["base"], ours["moved"])
        XCTAssertNotEqual(ours["base"], ours["space"])
        XCTAssertNotEqual(ours["base"], ours["trailing"])
        XCTAssertNotEqual(ours["base"], ours["crlf"])
        XCTAssertEqual(ours["eof"], ours["eof-elsewhere"], "a final newline removed after the same line is the same change")
    }

    /// A tree holding `doc.md` with `text`.
    private func tree(_ text: String, in repository: Repository) throws -> ObjectID {
        let blob = try repository.writeBlob(Data(text.utf8))
        return try repository.updateTree(nil, [.upsert(path: "doc.md", blob: blob)])
    }
}
