import Foundation
import XCTest

// Fixtures for the shared-repository tests: a bare repository on this
// machine with Quorum's hooks installed, clones of it, and runners for the
// quorum binary and the real git CLI. Self-contained (names distinct from
// Support.swift's) so the two can change independently.

/// Someone in the shared-repository tests, as git identifies them.
struct Teammate: Sendable, Hashable {
    let name: String
    let email: String

    static let ana = Teammate(name: "Ana Lima", email: "ana@example.com")  // the lead
    static let ben = Teammate(name: "Ben Okafor", email: "ben@example.com")
    static let cai = Teammate(name: "Cai Wong", email: "cai@example.com")
    static let dee = Teammate(name: "Dee Park", email: "dee@example.com")
    static let eve = Teammate(name: "Eve Brandt", email: "eve@example.com")
    static let fay = Teammate(name: "Fay Ruiz", email: "fay@example.com")
    static let gus = Teammate(name: "Gus Novak", email: "gus@example.com")
    static let hal = Teammate(name: "Hal Berg", email: "hal@example.com")
    static let ivy = Teammate(name: "Ivy Chen", email: "ivy@example.com")

    var formatted: String { "\(name) <\(email)>" }
}

/// How a process ended and what it printed.
struct ToolOutcome {
    let status: Int32
    let output: Data
    let errors: String

    var text: String { String(decoding: output, as: UTF8.self) }
    var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: output)) as? [String: Any] }
}

/// A process started and not yet waited for.
struct RunningTool {
    let process: Process
    let output: URL
    let errors: URL

    func finish() throws -> ToolOutcome {
        process.waitUntilExit()
        return ToolOutcome(
            status: process.terminationStatus, output: try Data(contentsOf: output),
            errors: String(decoding: try Data(contentsOf: errors), as: UTF8.self))
    }
}

class SharedRepositoryTestCase: XCTestCase {
    let slug = "career-steps"
    var roundBranch: String { "refs/heads/quorum/\(slug)/1" }

    /// This test's own directory (kept when the test fails, for a look).
    private(set) var root = URL(fileURLWithPath: "/nonexistent")
    /// The shared bare repository.
    var bare: URL { root.appendingPathComponent("shared.git") }
    var home: URL { root.appendingPathComponent("home") }

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var framework: String {
        String(decoding: FileManager.default.contents(atPath: packageRoot.appendingPathComponent("Proposals/career-steps/framework.md").path) ?? Data(), as: UTF8.self)
    }

    private var quorumBinary: String {
        if let path = ProcessInfo.processInfo.environment["QUORUM_BINARY"], !path.isEmpty { return path }
        return Self.packageRoot.appendingPathComponent(".build/debug/quorum").path
    }

    private var gitBinary: String {
        ["/usr/bin/git", "/usr/local/bin/git", "/bin/git"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/git"
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard FileManager.default.isExecutableFile(atPath: quorumBinary) else {
            throw XCTSkip("no quorum binary at \(quorumBinary); run 'swift build' first or set QUORUM_BINARY")
        }
        let safe = String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        root = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-shared-tests")
            .appendingPathComponent(safe + "-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        // Every clone's roster snapshot and round-line indexes, and the shared repository's.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] {
            let directory = root.appendingPathComponent(name)
            let dotGit = directory.appendingPathComponent(".git")
            let gitDirectory = FileManager.default.fileExists(atPath: dotGit.path) ? dotGit : directory
            assertRosterSnapshotIsTheFold(gitDirectory: gitDirectory)
            assertRoundLineIndexesHoldTheLines(gitDirectory: gitDirectory)
        }
        if (testRun?.failureCount ?? 0) + (testRun?.unexpectedExceptionCount ?? 0) == 0 {
            try? FileManager.default.removeItem(at: root)
        } else {
            print("kept the failed test's directory: \(root.path)")
        }
        try super.tearDownWithError()
    }

    // MARK: Running things

    /// Added to every child process's environment (the ssh tests' agent).
    var extraEnvironment: [String: String] = [:]

    /// An environment with an empty HOME, no system git config, and `who`'s identity.
    func environment(_ who: Teammate?) -> [String: String] {
        var env = extraEnvironment.merging([
            "HOME": home.path, "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C.UTF-8",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
        ]) { $1 }
        if let who {
            env["GIT_AUTHOR_NAME"] = who.name
            env["GIT_AUTHOR_EMAIL"] = who.email
            env["GIT_COMMITTER_NAME"] = who.name
            env["GIT_COMMITTER_EMAIL"] = who.email
        }
        return env
    }

    /// Starts a process; output goes through files, so it never blocks on a pipe.
    func start(_ executable: String, _ args: [String], as who: Teammate?, in directory: URL, stdin: Data? = nil) throws -> RunningTool {
        let io = root.appendingPathComponent(".io").appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true)
        let output = io.appendingPathComponent("out")
        let errors = io.appendingPathComponent("err")
        let input = io.appendingPathComponent("in")
        for url in [output, errors] { try Data().write(to: url) }
        try (stdin ?? Data()).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.environment = environment(who)
        process.currentDirectoryURL = directory
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardInput = try FileHandle(forReadingFrom: input)
        try process.run()
        return RunningTool(process: process, output: output, errors: errors)
    }

    /// Runs the quorum binary as `who` in `directory`.
    @discardableResult
    func quorum(_ args: [String], as who: Teammate = .ana, in directory: URL) throws -> ToolOutcome {
        try start(quorumBinary, args, as: who, in: directory).finish()
    }

    func startQuorum(_ args: [String], as who: Teammate, in directory: URL) throws -> RunningTool {
        try start(quorumBinary, args, as: who, in: directory)
    }

    /// Runs quorum and fails the test unless it exits 0.
    @discardableResult
    func quorumOK(_ args: [String], as who: Teammate = .ana, in directory: URL, file: StaticString = #filePath, line: UInt = #line) throws -> ToolOutcome {
        let outcome = try quorum(args, as: who, in: directory)
        XCTAssertEqual(outcome.status, 0, "quorum \(args.joined(separator: " ")) as \(who.email): \(outcome.errors)", file: file, line: line)
        return outcome
    }

    /// Runs the real git CLI.
    @discardableResult
    func git(_ args: [String], in directory: URL, as who: Teammate? = .ana, stdin: Data? = nil) throws -> ToolOutcome {
        try start(gitBinary, args, as: who, in: directory, stdin: stdin).finish()
    }

    /// Runs git, fails the test unless it exits 0, and returns its output without the last newline.
    @discardableResult
    func gitOK(_ args: [String], in directory: URL, as who: Teammate? = .ana, stdin: Data? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let outcome = try git(args, in: directory, as: who, stdin: stdin)
        XCTAssertEqual(outcome.status, 0, "git \(args.joined(separator: " ")): \(outcome.errors)", file: file, line: line)
        return outcome.text.trimmingCharacters(in: .newlines)
    }

    // MARK: Fixtures

    /// A clone's directory by name.
    func clone(_ name: String) -> URL { root.appendingPathComponent(name) }

    /// The shared bare repository with the hooks installed, and Ana's
    /// repository: Quorum initialised, `members` in the working group,
    /// career-steps proposed, all synced to the shared repository.
    @discardableResult
    func makeSharedReview(members: [Teammate] = [.ben, .cai, .dee]) throws -> URL {
        try gitOK(["init", "-q", "--bare", bare.path], in: root)
        try quorumOK(["hooks", "install", bare.path], in: root)
        let ana = clone("ana")
        try quorumOK(["init", ana.path], in: root)
        for member in members {
            try quorumOK(["member", "add", member.email, "--name", member.name], in: ana)
        }
        let sample = Self.packageRoot.appendingPathComponent("Proposals/career-steps/framework.md").path
        try quorumOK(["propose", slug, "--title", "Engineering Career Steps", "--file", "framework.md=\(sample)"], in: ana)
        try gitOK(["remote", "add", "origin", bare.path], in: ana)
        try quorumOK(["sync"], in: ana)
        return ana
    }

    /// A plain `git clone` of the shared repository, then `quorum sync` in it.
    @discardableResult
    func makeClone(_ name: String, as who: Teammate) throws -> URL {
        try gitOK(["clone", "-q", bare.path, clone(name).path], in: root)
        try quorumOK(["sync"], as: who, in: clone(name))
        return clone(name)
    }

    /// framework.md with line `number` replaced.
    func framework(replacing number: Int, with text: String) -> String {
        var lines = Self.framework.components(separatedBy: "\n")
        lines[number - 1] = text
        return lines.joined(separator: "\n")
    }

    /// Suggests framework.md with line `number` replaced, as `who`, in
    /// `directory`; returns the suggest JSON (id, revision, base…).
    @discardableResult
    func suggestLine(_ number: Int, _ text: String, as who: Teammate, in directory: URL, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let path = root.appendingPathComponent("text-\(UUID().uuidString).md")
        // Edit the clone's current text, as a user would ('quorum cat').
        let current = try quorumOK(["cat", slug, "framework.md"], as: who, in: directory, file: file, line: line).text
        var lines = current.components(separatedBy: "\n")
        lines[number - 1] = text
        try Data(lines.joined(separator: "\n").utf8).write(to: path)
        let outcome = try quorumOK(["suggest", slug, "-m", "Edit line \(number)", "--file", "framework.md=\(path.path)", "--json"], as: who, in: directory, file: file, line: line)
        return try XCTUnwrap(outcome.object, outcome.text, file: file, line: line)
    }

    /// Every ref of the shared repository, as `for-each-ref` lists them.
    func serverRefs() throws -> String {
        try gitOK(["for-each-ref", "--format=%(objectname) %(refname)"], in: bare)
    }

    /// The refs in Quorum's namespaces of a repository, name → target.
    func quorumRefs(_ directory: URL) throws -> [String: String] {
        var refs: [String: String] = [:]
        let listed = try gitOK(["for-each-ref", "--format=%(objectname) %(refname)", "refs/quorum/", "refs/heads/quorum/", "refs/tags/rfc/"], in: directory)
        for line in listed.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { refs[String(parts[1])] = String(parts[0]) }
        }
        return refs
    }

    func assertFsckClean(_ directory: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let fsck = try git(["fsck", "--strict", "--no-dangling"], in: directory)
        XCTAssertEqual(fsck.status, 0, "\(directory.lastPathComponent): \(fsck.text)\(fsck.errors)", file: file, line: line)
        XCTAssertFalse((fsck.text + fsck.errors).lowercased().contains("error"), fsck.text + fsck.errors, file: file, line: line)
    }

    /// A plain `git push` from `directory`; asserts the shared repository's
    /// hook refuses it naming the rule's `code`, and the server is unchanged.
    func assertPushRefused(_ refspecs: [String], from directory: URL, code: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try serverRefs()
        let pushed = try git(["push", "origin"] + refspecs, in: directory)
        XCTAssertNotEqual(pushed.status, 0, "the push went in: \(pushed.errors)", file: file, line: line)
        XCTAssertTrue(pushed.errors.contains("[\(code)]"), "«[\(code)]» not in: \(pushed.errors)", file: file, line: line)
        XCTAssertEqual(try serverRefs(), before, "the server changed", file: file, line: line)
    }

    /// Writes a commit with the git CLI (as `who`), with the given tree,
    /// parents and message.
    func commitTree(_ tree: String, parents: [String], message: String, as who: Teammate, in directory: URL, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try gitOK(["commit-tree", tree] + parents.flatMap { ["-p", $0] } + ["-F", "-"], in: directory, as: who, stdin: Data(message.utf8), file: file, line: line)
    }

    /// Writes an event commit with the git CLI: `event.json` holding
    /// `json`, authored by `who`, on top of `parent`.
    func eventCommit(_ json: String, summary: String, parent: String, as who: Teammate, in directory: URL) throws -> String {
        let blob = try gitOK(["hash-object", "-w", "--stdin"], in: directory, stdin: Data((json + "\n").utf8))
        let tree = try gitOK(["mktree"], in: directory, stdin: Data("100644 blob \(blob)\tevent.json\n".utf8))
        return try commitTree(tree, parents: [parent], message: summary + "\n\nQuorum-Format: 1\n", as: who, in: directory)
    }
}
