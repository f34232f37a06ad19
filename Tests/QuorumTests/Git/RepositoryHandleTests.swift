import Foundation
import XCTest

import CLibGit2
@testable import QuorumGit

/// What one `Repository` handle reads once and writes as git does: its
/// config (a snapshot taken when it is opened, as git reads its config once
/// per process) and the `gpgsig` header of the commits it signs.
final class RepositoryHandleTests: QuorumTestCase {
    func testAHandleReadsItsConfigOnceAndSeesItsOwnWrites() throws {
        let store = repo.appendingPathComponent("store")
        let repository = try Repository.create(at: store.path)
        try repository.setConfigString("quorum.test", "one")
        XCTAssertEqual(try repository.configString("quorum.test"), "one", "a write through the handle is seen by it")
        XCTAssertEqual(try git(["config", "--get", "quorum.test"], in: store).stdout, "one\n", "and is in the repository's config file")

        // Another process changes the file: this handle keeps what it read,
        // a handle opened after sees the change.
        XCTAssertEqual(try git(["config", "quorum.test", "two"], in: store).status, 0)
        XCTAssertEqual(try repository.configString("quorum.test"), "one")
        XCTAssertEqual(try Repository.open(at: store.path).configString("quorum.test"), "two")
        XCTAssertEqual(try git(["config", "quorum.reloaded", "yes"], in: store).status, 0)
        try repository.reloadConfig()
        XCTAssertEqual(try repository.configString("quorum.reloaded"), "yes", "read again when asked")

        // A write through the handle lands on the file as it is now, and the
        // handle then reads the file afresh.
        try repository.setConfigString("quorum.other", "three")
        XCTAssertEqual(try repository.configString("quorum.test"), "two")
        XCTAssertEqual(try repository.configString("quorum.other"), "three")
        XCTAssertEqual(try git(["config", "--get", "quorum.other"], in: store).stdout, "three\n")
    }

    func testASignatureHeaderIsAddedAsGitWritesGpgsig() throws {
        let commit = Data(utf8: "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.com> 1 +0000\ncommitter A <a@example.com> 1 +0000\n\nSubject\n\nBody\n")
        let signature = "-----BEGIN SSH SIGNATURE-----\nAAAA\nBBBB\n-----END SSH SIGNATURE-----\n"
        let signed = try XCTUnwrap(Repository.addingHeader("gpgsig", signature, to: commit))
        XCTAssertEqual(
            String(decoding: signed, as: UTF8.self),
            "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.com> 1 +0000\ncommitter A <a@example.com> 1 +0000\n"
                + "gpgsig -----BEGIN SSH SIGNATURE-----\n AAAA\n BBBB\n -----END SSH SIGNATURE-----\n\nSubject\n\nBody\n")
        // A text without the blank line that ends the headers is no commit.
        XCTAssertNil(Repository.addingHeader("gpgsig", signature, to: Data(utf8: "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n")))
    }

    /// The signed commit is the one libgit2's git_commit_create_with_signature
    /// writes for the same text and signature: an empty message, and one of
    /// several paragraphs.
    func testASignedCommitIsTheOneLibgit2Writes() throws {
        let repository = try Repository.create(at: repo.appendingPathComponent("signed").path)
        let who = Signature(name: "Ana", email: "ana@example.com", time: 1_700_000_000)
        let tree = try repository.buildTree(["doc.md": try repository.writeBlob(Data(utf8: "Text\n"))])
        let signature = "-----BEGIN SSH SIGNATURE-----\nAAAA\nBBBB\n-----END SSH SIGNATURE-----\n"
        for message in ["", "Subject\n\nBody\n\nMore\n"] {
            var payload = Data()
            let ours = try repository.createCommit(tree: tree, parents: [], author: who, committer: who, message: message) { signed in
                payload = signed
                return signature
            }
            var oid = git_oid()
            let trimmed = String(signature.dropLast())  // libgit2 ends the header itself
            XCTAssertEqual(git_commit_create_with_signature(&oid, repository.handle, String(decoding: payload, as: UTF8.self), trimmed, "gpgsig"), 0)
            XCTAssertEqual(ours, ObjectID(oid), "message \(message.debugDescription)")
        }
    }
}
