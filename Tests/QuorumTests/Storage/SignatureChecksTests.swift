import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// The signature-check files (`.git/quorum/signature-checks/XX`): a
/// command asking for one commit finds what the first line naming it that
/// Quorum understands says, exactly what reading the whole file finds.
final class SignatureChecksTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("signature-checks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testACommitAskedForReadsAsTheWholeFileReadsIt() throws {
        let git = try Repository.create(at: directory.path)
        let key = try SSHPublicKey(line: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMM7XZkHxgJazH5d7uNZlRooshLT9q7z2NQeQSc/Qnk/ test")
        let fingerprint = key.fingerprint
        func id(_ tail: String) -> ObjectID { ObjectID(hex: "5e" + String(repeating: tail, count: 38))! }
        // Lines as concurrent writers, a crash and an older Quorum leave them.
        let lines = [
            "quorum-signatures 1",
            "\(id("1").hex) \(fingerprint)",  // before its K line: names no key yet
            "K \(fingerprint) \(key.algorithm) \(key.blob.base64EncodedString())",
            "\(id("0").hex) \(fingerprint)",
            "\(id("2").hex) -",
            "K \(fingerprint) \(key.algorithm) \(key.blob.base64EncodedString())",  // named again by a second writer
            "\(id("3").hex) !",
            "\(id("4").hex) SHA256:notAKeyThisFileNames",  // not understood: the next line for it counts
            "\(id("4").hex) -",
            "\(id("5").hex) -",
            "\(id("5").hex) !",  // written twice: the first counts
            "K SHA256:broken ssh-ed25519 bm90IGEga2V5",  // a key Quorum cannot read
            "\(id("6").hex) SHA256:broken",
            "\(id("7").hex) !x",
            "\(id("a").hex) \(id("9").hex) !",  // 9 is named only inside a line
        ]
        // The last line, cut short by a crash, has no newline.
        let text = lines.joined(separator: "\n") + "\n" + id("8").hex + " !"
        let checks = directory.appendingPathComponent(".git/quorum/signature-checks")
        try FileManager.default.createDirectory(at: checks, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: checks.appendingPathComponent("5e"))

        let expected: [String: CommitSignature] = ["0": .valid(key), "1": .unsigned, "2": .unsigned, "3": .invalid("the signature does not verify"), "4": .unsigned, "5": .unsigned]
        let asked = SignatureStore(git: git)
        let whole = SignatureStore(git: git)
        try whole.prefetch([])  // reads every file whole
        for tail in ["0", "1", "2", "3", "4", "5"] {
            XCTAssertEqual(try asked.commit(id(tail)), expected[tail], tail)
            XCTAssertEqual(try whole.commit(id(tail)), expected[tail], tail)
        }
        // No line to take: the commit is checked itself, and a commit this
        // repository does not hold has no signature.
        for tail in ["6", "7", "8", "9"] {
            XCTAssertEqual(try asked.commit(id(tail)), .unsigned, tail)
            XCTAssertEqual(try whole.commit(id(tail)), .unsigned, tail)
        }
    }
}
