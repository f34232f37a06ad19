import Foundation
import XCTest

@testable import QuorumGit

/// What one `Repository` handle reads once: its config (a snapshot taken
/// when it is opened, as git reads its config once per process).
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

        // A write through the handle lands on the file as it is now, and the
        // handle then reads the file afresh.
        try repository.setConfigString("quorum.other", "three")
        XCTAssertEqual(try repository.configString("quorum.test"), "two")
        XCTAssertEqual(try repository.configString("quorum.other"), "three")
        XCTAssertEqual(try git(["config", "--get", "quorum.other"], in: store).stdout, "three\n")
    }
}
