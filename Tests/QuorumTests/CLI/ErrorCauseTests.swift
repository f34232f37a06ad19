import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Real causes in errors (issue 10, points 11 and 12): a full disk, a
/// read-only or unwritable repository and git's ownership check are said
/// as what they are, with a bracketed condition and a hint, and nothing
/// changes; `diff SLUG r0` says there is no round 0.
final class ErrorCauseTests: QuorumTestCase {
    private let slug = "career-steps"

    /// A repository with career-steps and Ben's suggestion; its id.
    private func review() throws -> String {
        try runOK(["init", repo.path])
        for person in [Person.ben, .cai, .dee] { try runOK(["member", "add", person.email, "--name", person.name]) }
        try runOK(["propose", slug, "--file", "framework.md=\(try write(TestEnvironment.framework, to: "framework.md"))"])
        let edited = try write(replacingLine(5, of: TestEnvironment.framework, with: "Edited."), to: "edited.md")
        let suggested = try runOK(["suggest", slug, "-m", "Edit line 5", "--file", "framework.md=\(edited)", "--json"], as: .ben)
        return try XCTUnwrap((try JSONSerialization.jsonObject(with: suggested.stdoutData) as? [String: Any])?["id"] as? String)
    }

    private var strace: String? {
        ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `quorum approve ID` as Cai with `error` injected into every
    /// `openat` from the first one that creates a file in the repository
    /// (an object's temporary file or a ref's lock) on: found by tracing
    /// the same command on a copy first.
    private func approveFailing(_ id: String, with error: String) throws -> RunResult {
        guard let strace else { throw XCTSkip("strace is not installed") }
        let copy = tmp.appendingPathComponent("copy-\(error)")
        try FileManager.default.copyItem(at: repo, to: copy)
        let log = tmp.appendingPathComponent("trace-\(error)").path
        let traced = try execute(strace, ["-f", "-qq", "-e", "trace=openat", "-o", log, TestEnvironment.binary, "approve", id],
                                 environment: environment(for: .cai), in: copy)
        XCTAssertEqual(traced.status, 0, traced.stderr)
        let opens = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("openat(") }
        let first = try XCTUnwrap(opens.firstIndex { $0.contains("O_CREAT") && ($0.contains("tmp_object") || $0.contains(".lock")) }, "no file created")
        return try execute(strace, ["-f", "-qq", "-o", "/dev/null", "-e", "trace=openat", "-e", "inject=openat:error=\(error):when=\(first + 1)+",
                                    TestEnvironment.binary, "approve", id], environment: environment(for: .cai), in: repo)
    }

    func testAFullDiskIsSaidAsSuchAndChangesNothing() throws {
        let id = try review()
        let before = try allRefs()
        let failed = try approveFailing(id, with: "ENOSPC")
        XCTAssertEqual(failed.status, 70, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("[system.no-space]"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("\nhint: "), failed.stderr)
        XCTAssertFalse(failed.stderr.contains("target OID"), failed.stderr)
        XCTAssertEqual(try allRefs(), before)
        // Run again once there is space: it is done.
        try runOK(["approve", id], as: .cai)
    }

    func testAReadOnlyRepositoryIsSaidAsSuch() throws {
        let id = try review()
        let failed = try approveFailing(id, with: "EROFS")
        XCTAssertEqual(failed.status, 70, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("[system.read-only]"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("\nhint: "), failed.stderr)
    }

    func testPermissionDeniedIsSaidAsSuch() throws {
        let id = try review()
        let failed = try approveFailing(id, with: "EACCES")
        XCTAssertEqual(failed.status, 70, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("[system.permission]"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("\nhint: "), failed.stderr)
    }

    func testARepositoryOwnedByAnotherUserNamesSafeDirectory() throws {
        guard geteuid() == 0 else { throw XCTSkip("changing a directory's owner needs root") }
        try review()
        let inside = repo.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
        let chown = ["/usr/bin/chown", "/bin/chown"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "chown"
        XCTAssertEqual(try execute(chown, ["-R", "65534", repo.path], environment: environment(for: nil)).status, 0)
        defer { _ = try? execute(chown, ["-R", "0", repo.path], environment: environment(for: nil)) }
        for (args, directory) in [(["status"], repo), (["status", "--repo", inside.path], tmp), (["status"], repo.appendingPathComponent(".git"))] {
            let refused = try run(args, in: directory)
            XCTAssertEqual(refused.status, 64, refused.stderr)
            XCTAssertTrue(refused.stderr.contains("[repository.not-owned]"), refused.stderr)
            XCTAssertTrue(refused.stderr.contains("git config --global --add safe.directory \(repo.path)"), refused.stderr)
            XCTAssertFalse(refused.stderr.contains("quorum init"), refused.stderr)
        }
    }

    func testASharedRepositoryOwnedByAnotherUserNamesSafeDirectory() throws {
        guard geteuid() == 0 else { throw XCTSkip("changing a directory's owner needs root") }
        try review()
        let shared = tmp.appendingPathComponent("shared.git")
        XCTAssertEqual(try git(["init", "-q", "--bare", shared.path]).status, 0)
        XCTAssertEqual(try git(["remote", "add", "origin", shared.path]).status, 0)
        let chown = ["/usr/bin/chown", "/bin/chown"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "chown"
        XCTAssertEqual(try execute(chown, ["-R", "65534", shared.path], environment: environment(for: nil)).status, 0)
        defer { _ = try? execute(chown, ["-R", "0", shared.path], environment: environment(for: nil)) }
        for args in [["sync"], ["hooks", "check", shared.path]] {
            let refused = try run(args)
            XCTAssertEqual(refused.status, 64, refused.stderr)
            XCTAssertTrue(refused.stderr.contains("[repository.not-owned]"), refused.stderr)
            XCTAssertTrue(refused.stderr.contains("git config --global --add safe.directory \(shared.path)"), refused.stderr)
            XCTAssertFalse(refused.stderr.contains("git init --bare"), refused.stderr)
        }
    }

    func testThereIsNoRoundZero() throws {
        XCTAssertEqual(Snapshot(parsing: "r0"), .round(0))
        XCTAssertEqual(Snapshot(parsing: "0"), .round(0))
        XCTAssertEqual(Snapshot(parsing: "r2"), .round(2))
        XCTAssertEqual(Snapshot(parsing: "v1"), .version("v1"))
        try review()
        let refused = try run(["diff", slug, "r0", "r1"])
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertFalse(refused.stderr.contains("version"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("round 0"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("\nhint: "), refused.stderr)
    }

    func testTheClassificationOfSystemErrors() {
        func error(_ systemError: Int32?, code: Int32 = -1) -> GitError {
            GitError(function: "git_odb_write", code: code, errorClass: 2, message: "failed", systemError: systemError)
        }
        XCTAssertEqual(QuorumError.explaining(error(ENOSPC), repository: nil)?.condition, .noSpace)
        XCTAssertEqual(QuorumError.explaining(error(EDQUOT), repository: nil)?.condition, .noSpace)
        XCTAssertEqual(QuorumError.explaining(error(EROFS), repository: nil)?.condition, .readOnly)
        XCTAssertEqual(QuorumError.explaining(error(EACCES), repository: nil)?.condition, .permission)
        XCTAssertEqual(QuorumError.explaining(error(nil, code: -36), repository: "/srv/x")?.condition, .notOwned)
        XCTAssertEqual(QuorumError.explaining(error(nil, code: -36), repository: "/srv/x")?.exitCode, 64)
        XCTAssertNil(QuorumError.explaining(error(EIO), repository: nil))
        for condition in QuorumError.Condition.allCases {
            XCTAssertTrue(condition.rawValue.contains("."), condition.rawValue)
        }
    }
}
