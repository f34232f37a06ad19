import Foundation
import XCTest

import QuorumGit

/// Objects are read without hashing them again, as git's history walks
/// read them, except from a repository whose objects may come from
/// another store (alternates): there a commit changed under its id is
/// refused, so that nothing kept by commit id is applied to other bytes.
final class ObjectChecksTests: QuorumTestCase {
    override func tearDownWithError() throws {
        Repository.checksObjectsOnRead = false  // process-wide: leave it as the next test expects
        try super.tearDownWithError()
    }

    func testAChangedObjectIsReadAsIsHereAndRefusedThroughAlternates() throws {
        let store = repo.appendingPathComponent("store")
        let repository = try Repository.create(at: store.path)
        let who = Signature(name: "Ana", email: "ana@example.com", time: 1_700_000_000)
        let tree = try repository.updateTree(nil, [.upsert(path: "doc.md", blob: try repository.writeBlob(Data(utf8: "Text\n")))])
        let commit = try repository.createCommit(tree: tree, parents: [], author: who, committer: who, message: "Suggest: first\n")
        let borrower = repo.appendingPathComponent("borrower")
        let cloned = try execute(TestEnvironment.gitBinary, ["clone", "-q", "--shared", "--no-checkout", store.path, borrower.path], environment: environment(for: .ana))
        XCTAssertEqual(cloned.status, 0, cloned.stderr)

        // The commit's message changed on disk, under its old id.
        let path = store.appendingPathComponent(".git/objects/\(commit.hex.prefix(2))/\(commit.hex.dropFirst(2))").path
        try changeLooseObject(path, replacing: "Suggest: first", with: "Suggest! first")

        Repository.checksObjectsOnRead = false
        XCTAssertEqual(try Repository.open(at: store.path).commit(commit).message, "Suggest! first\n", "read as git log would")
        XCTAssertFalse(Repository.checksObjectsOnRead)
        let throughAlternates = try Repository.open(at: borrower.path)
        XCTAssertTrue(Repository.checksObjectsOnRead)
        XCTAssertThrowsError(try throughAlternates.commit(commit)) { error in
            XCTAssertTrue("\(error)".contains("hash mismatch"), "\(error)")
        }
    }
}
