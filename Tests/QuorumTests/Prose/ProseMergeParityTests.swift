import Foundation
import QuorumGit
import XCTest
@testable import QuorumCore

/// Where git's line merge is clean, the prose merge's result is git's, byte
/// for byte: every two versions of each history in Fixtures/parity merged
/// over its base, by Quorum in process and by the real `git merge-file`.
final class ProseMergeParityTests: XCTestCase {
    private static let fixtures = TestEnvironment.packageRoot.appendingPathComponent("Tests/QuorumTests/Prose/Fixtures/parity")

    /// `git merge-file -p OURS BASE THEIRS`: its output, and whether it was clean.
    private func gitMergeFile(ours: URL, base: URL, theirs: URL) throws -> (clean: Bool, text: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.gitBinary)
        process.arguments = ["merge-file", "-p", ours.path, base.path, theirs.path]
        process.environment = ["PATH": TestEnvironment.path, "HOME": TestEnvironment.emptyHome, "GIT_CONFIG_NOSYSTEM": "1"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertGreaterThanOrEqual(process.terminationStatus, 0)
        XCTAssertLessThan(process.terminationStatus, 127, "git merge-file failed")
        return (process.terminationStatus == 0, text)
    }

    func testCleanMergesAreGitsByteForByte() throws {
        let histories = try FileManager.default.contentsOfDirectory(at: Self.fixtures, includingPropertiesForKeys: nil)
            .filter(\.hasDirectoryPath).sorted { $0.path < $1.path }
        XCTAssertEqual(histories.count, 3)
        var compared = 0, identical = 0, resolved = 0, merges = 0
        for history in histories {
            let base = history.appendingPathComponent("base.md")
            let versions = try FileManager.default.contentsOfDirectory(at: history, includingPropertiesForKeys: nil)
                .filter { $0.lastPathComponent != "base.md" && $0.pathExtension == "md" }.sorted { $0.path < $1.path }
            let ancestor = [UInt8](try Data(contentsOf: base))
            for (i, ours) in versions.enumerated() {
                for theirs in versions[(i + 1)...] {
                    merges += 1
                    let git = try gitMergeFile(ours: ours, base: base, theirs: theirs)
                    let prose = try ProseMerge.merge(ancestor: ancestor, ours: [UInt8](try Data(contentsOf: ours)), theirs: [UInt8](try Data(contentsOf: theirs)))
                    guard git.clean else {
                        if prose.text != nil { resolved += 1 }
                        continue
                    }
                    compared += 1
                    if prose == .clean([UInt8](git.text)) {
                        identical += 1
                    } else {
                        XCTFail("\(history.lastPathComponent): \(ours.lastPathComponent) + \(theirs.lastPathComponent) differs from git merge-file")
                    }
                }
            }
        }
        print("parity with git merge-file: \(merges) merges, \(compared) clean in git, \(identical) identical; \(resolved) of git's \(merges - compared) conflicts merged by sentence or word")
        XCTAssertGreaterThanOrEqual(compared, 300)
        XCTAssertEqual(identical, compared)
    }
}
