import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

// Shared fixtures: people, a fresh directory per test, runners for the
// quorum binary and the real git CLI, and the sample texts.

/// Someone who takes part in a review, as git identifies them.
struct Person: Sendable {
    let name: String
    let email: String

    static let ana = Person(name: "Ana Lima", email: "ana@example.com")  // the lead in most tests
    static let ben = Person(name: "Ben Okafor", email: "ben@example.com")
    static let cai = Person(name: "Cai Wong", email: "cai@example.com")
    static let dee = Person(name: "Dee Park", email: "dee@example.com")
    static let eve = Person(name: "Eve Brandt", email: "eve@example.com")
    static let fay = Person(name: "Fay Ruiz", email: "fay@example.com")

    /// The environment a `ReviewRepository` reads the identity from.
    var environment: [String: String] {
        ["GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email]
    }

    /// "Name <email>", as in commit trailers.
    var formatted: String { "\(name) <\(email)>" }
}

/// What a process printed and how it ended.
struct RunResult {
    let status: Int32
    let stdoutData: Data
    let stderr: String
    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }

    /// The stdout parsed as a JSON object (nil when it is not one).
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: stdoutData)) as? [String: Any]
    }

    /// The stdout parsed as a JSON array of objects (nil when it is not one).
    var jsonArray: [[String: Any]]? {
        (try? JSONSerialization.jsonObject(with: stdoutData)) as? [[String: Any]]
    }
}

enum TestEnvironment {
    /// The package root, found from this file's path: Tests/QuorumTests/Support.swift.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The quorum binary under test: $QUORUM_BINARY, else the debug build.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["QUORUM_BINARY"], !path.isEmpty { return path }
        return packageRoot.appendingPathComponent(".build/debug/quorum").path
    }

    static let gitBinary: String = {
        for candidate in ["/usr/bin/git", "/usr/local/bin/git", "/bin/git"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "/usr/bin/git"
    }()

    static let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"

    /// Points this test process's HOME at an empty directory, once, before
    /// libgit2 is first initialised (libgit2 reads HOME for the global
    /// config at initialisation and keeps it). In-process repositories then
    /// never see the developer's ~/.gitconfig, so a missing identity really
    /// is missing.
    static let emptyHome: String = {
        // Shared by every run (and by parallel test processes): nothing ever writes to it.
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-tests/empty-home").path
        try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        setenv("HOME", home, 1)
        unsetenv("XDG_CONFIG_HOME")
        setenv("GIT_CONFIG_NOSYSTEM", "1", 1)
        return home
    }()

    static func sample(_ relative: String) -> Data {
        FileManager.default.contents(atPath: packageRoot.appendingPathComponent(relative).path) ?? Data()
    }

    /// Proposals/career-steps/framework.md: 174 lines, one per paragraph.
    static var framework: String { String(decoding: sample("Proposals/career-steps/framework.md"), as: UTF8.self) }
    static var policy: String { String(decoding: sample("Proposals/on-call-policy/policy.md"), as: UTF8.self) }
}

/// Replaces line `number` (1-based) of `text` with `replacement`.
func replacingLine(_ number: Int, of text: String, with replacement: String) -> String {
    var lines = text.components(separatedBy: "\n")
    precondition(number >= 1 && number <= lines.count, "no line \(number)")
    lines[number - 1] = replacement
    return lines.joined(separator: "\n")
}

func line(_ number: Int, of text: String) -> String {
    text.components(separatedBy: "\n")[number - 1]
}

/// Lines of framework.md that hold a whole paragraph of prose, far enough
/// apart that edits to any two of them merge cleanly.
let frameworkParagraphLines = [5, 13, 32, 51, 74, 93, 116, 139, 158, 168]

/// The base for every test: a fresh, empty directory named after the test
/// (kept when the test fails, for a look), and runners for quorum and git.
class QuorumTestCase: XCTestCase {
    /// This test's own directory, made on first use (pure tests never make one).
    var tmp: URL {
        if let made = madeDirectory { return made }
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
            .trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("quorum-tests")
            .appendingPathComponent(safeName + "-" + UUID().uuidString.prefix(8))
        try? FileManager.default.createDirectory(at: url.appendingPathComponent("home"), withIntermediateDirectories: true)
        madeDirectory = url
        return url
    }
    private var madeDirectory: URL?
    /// Where the repository under test lives (created by `quorum init`).
    var repo: URL { tmp.appendingPathComponent("repo") }
    /// An empty HOME for child processes, so no global git config is read.
    var home: URL { tmp.appendingPathComponent("home") }

    override func setUpWithError() throws {
        try super.setUpWithError()
        _ = TestEnvironment.emptyHome
    }

    /// Set by a test that writes events or commits the rules refuse (with
    /// plain git), so that the history it leaves is not expected to verify.
    var historyBreaksTheRules = false

    override func tearDownWithError() throws {
        // Every history a test leaves, written through quorum, keeps the
        // rules: `quorum verify` must find it clean.
        if madeDirectory != nil, !historyBreaksTheRules, (testRun?.failureCount ?? 0) == 0,
           FileManager.default.fileExists(atPath: repo.appendingPathComponent(".git/refs").path)
            || FileManager.default.fileExists(atPath: repo.appendingPathComponent(".git/packed-refs").path),
           FileManager.default.isExecutableFile(atPath: TestEnvironment.binary),
           (try? git(["rev-parse", "--verify", "-q", "refs/quorum/roster"]))?.status == 0 {
            let verified = try run(["verify", "--fresh"], as: .ana)
            XCTAssertEqual(verified.status, 0, "quorum verify of the test's repository: \(verified.stdout)\(verified.stderr)")
        }
        if madeDirectory != nil {
            assertRosterSnapshotIsTheFold(gitDirectory: repo.appendingPathComponent(".git"))
            assertRoundLineIndexesHoldTheLines(gitDirectory: repo.appendingPathComponent(".git"))
        }
        if let made = madeDirectory {
            if (testRun?.failureCount ?? 0) + (testRun?.unexpectedExceptionCount ?? 0) == 0 {
                try? FileManager.default.removeItem(at: made)
            } else {
                print("kept the failed test's directory: \(made.path)")
            }
        }
        madeDirectory = nil
        try super.tearDownWithError()
    }

    /// Writes `text` to a file in the test directory and returns its path.
    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        try write(Data(text.utf8), to: name)
    }

    @discardableResult
    func write(_ data: Data, to name: String) throws -> String {
        let url = tmp.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url.path
    }

    /// The clean environment a child process gets: an empty HOME, no system
    /// git config, PATH, and (when given) the person's git identity.
    func environment(for person: Person?) -> [String: String] {
        var env = [
            "HOME": home.path,
            "GIT_CONFIG_NOSYSTEM": "1",
            "PATH": TestEnvironment.path,
            "LC_ALL": "C.UTF-8",
        ]
        if let person {
            env["GIT_AUTHOR_NAME"] = person.name
            env["GIT_AUTHOR_EMAIL"] = person.email
            env["GIT_COMMITTER_NAME"] = person.name
            env["GIT_COMMITTER_EMAIL"] = person.email
        }
        return env
    }

    /// Changes the first `old` in the loose object at `path` to `new` and
    /// deflates it again under the same name (its id no longer its hash),
    /// as a disk fault or someone with write access to the store would.
    func changeLooseObject(_ path: String, replacing old: String, with new: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let changed = try execute("/usr/bin/python3", ["-c", """
            import os, sys, zlib
            data = zlib.decompress(open(sys.argv[1], 'rb').read())
            changed = data.replace(sys.argv[2].encode(), sys.argv[3].encode(), 1)
            assert changed != data
            os.chmod(sys.argv[1], 0o644)
            open(sys.argv[1], 'wb').write(zlib.compress(changed))
            """, path, old, new], environment: ProcessInfo.processInfo.environment)
        XCTAssertEqual(changed.status, 0, changed.stderr, file: file, line: line)
    }

    /// Runs an executable to completion. Output goes through files, so a
    /// chatty child can never block on a full pipe.
    func execute(_ executable: String, _ args: [String], environment: [String: String], stdin: Data? = nil, in directory: URL? = nil) throws -> RunResult {
        let io = tmp.appendingPathComponent(".io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: io) }
        let outURL = io.appendingPathComponent("stdout")
        let errURL = io.appendingPathComponent("stderr")
        let inURL = io.appendingPathComponent("stdin")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        try (stdin ?? Data()).write(to: inURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.environment = environment
        let cwd = directory ?? (FileManager.default.fileExists(atPath: repo.path) ? repo : tmp)
        process.currentDirectoryURL = cwd
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        let inHandle = try FileHandle(forReadingFrom: inURL)
        defer { try? outHandle.close(); try? errHandle.close(); try? inHandle.close() }
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = inHandle
        try process.run()
        process.waitUntilExit()
        return RunResult(
            status: process.terminationStatus,
            stdoutData: (try? Data(contentsOf: outURL)) ?? Data(),
            stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }

    /// Runs the quorum binary as `person` (nil: with no identity at all),
    /// in the repository directory once it exists.
    @discardableResult
    func run(_ args: [String], as person: Person? = .ana, stdin: Data? = nil, in directory: URL? = nil) throws -> RunResult {
        let binary = TestEnvironment.binary
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("no quorum binary at \(binary); run 'swift build' first or set QUORUM_BINARY")
        }
        return try execute(binary, args, environment: environment(for: person), stdin: stdin, in: directory)
    }

    /// Runs quorum and fails the test unless it exits 0.
    @discardableResult
    func runOK(_ args: [String], as person: Person? = .ana, stdin: Data? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let result = try run(args, as: person, stdin: stdin)
        XCTAssertEqual(result.status, 0, "quorum \(args.joined(separator: " ")) failed: \(result.stderr)", file: file, line: line)
        return result
    }

    /// Runs the real git CLI in the repository.
    @discardableResult
    func git(_ args: [String], as person: Person? = .ana, in directory: URL? = nil) throws -> RunResult {
        try execute(TestEnvironment.gitBinary, args, environment: environment(for: person), in: directory ?? repo)
    }

    /// Runs git and returns its stdout, failing the test unless it exits 0.
    @discardableResult
    func gitOK(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try git(args)
        XCTAssertEqual(result.status, 0, "git \(args.joined(separator: " ")) failed: \(result.stderr)", file: file, line: line)
        return result.stdout
    }

    /// `git for-each-ref` over everything: the refs a refusal must not move.
    func allRefs() throws -> String {
        try gitOK(["for-each-ref", "--format=%(objectname) %(refname)"])
    }

    // MARK: In-process fixtures

    /// `quorum init` in-process, as `lead`.
    @discardableResult
    func initialize(as lead: Person = .ana) throws -> ReviewRepository {
        try ReviewRepository.initialize(at: repo.path, environment: lead.environment).repository
    }

    /// Opens the repository in-process acting as `person`.
    func open(as person: Person) throws -> ReviewRepository {
        try ReviewRepository.open(at: repo.path, environment: person.environment)
    }

    /// Every ref in the repository, read through libgit2.
    func refSnapshot(_ review: ReviewRepository) throws -> [String: String] {
        var result: [String: String] = [:]
        for ref in try review.git.references(matching: "refs/*") { result[ref.name] = ref.target.hex }
        return result
    }

    /// An initialised repository with `members` added to the working group
    /// by Ana, and career-steps proposed by Ana with framework.md.
    @discardableResult
    func careerSteps(members: [Person] = [.ben, .cai, .dee]) throws -> ReviewRepository {
        let lead = try initialize(as: .ana)
        for member in members {
            try lead.addMember(email: member.email, name: member.name, groups: [], lead: nil)
        }
        _ = try lead.propose(
            slug: "career-steps", title: "Engineering Career Steps",
            documents: [DocumentInput(name: "framework.md", text: Data(TestEnvironment.framework.utf8), source: "framework.md")])
        return lead
    }

    /// Suggests `text` as the new framework.md, in-process, as `person`.
    @discardableResult
    func suggest(_ text: String, message: String, as person: Person, slug: String = "career-steps", document: String? = "framework.md") throws -> SuggestResult {
        try open(as: person).suggest(
            slug: slug, message: message, documents: [DocumentInput(name: document, text: Data(text.utf8), source: "test")])
    }

    /// Asserts that `body` throws a QuorumError of `kind`, and returns it.
    @discardableResult
    func assertQuorumError<T>(
        _ kind: QuorumError.Kind, _ body: @autoclosure () throws -> T,
        file: StaticString = #filePath, line: UInt = #line
    ) -> QuorumError? {
        do {
            _ = try body()
            XCTFail("expected a QuorumError (\(kind)), but it succeeded", file: file, line: line)
        } catch let error as QuorumError {
            XCTAssertEqual(error.kind, kind, "wrong kind for: \(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("expected a QuorumError (\(kind)), got \(error)", file: file, line: line)
        }
        return nil
    }
}

extension QuorumTestCase {
    /// A multi-line message on one line, for XCTest's one-line failure reports.
    func flat(_ text: String?) -> String {
        (text ?? "nil").replacingOccurrences(of: "\n", with: " ⏎ ")
    }

    /// Asserts `body` throws a QuorumError of `kind` whose message contains
    /// each of `phrases`, and that no ref moved, appeared or vanished
    /// (except those in `allowing`, on which the refusal may record).
    @discardableResult
    func expectRefusal<T>(
        _ kind: QuorumError.Kind, mentioning phrases: [String] = [], in review: ReviewRepository, allowing: Set<String> = [],
        _ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line
    ) throws -> QuorumError? {
        let before = try refSnapshot(review).filter { !allowing.contains($0.key) }
        let error = assertQuorumError(kind, try body(), file: file, line: line)
        for phrase in phrases {
            XCTAssertTrue(error?.description.contains(phrase) ?? false, "«\(phrase)» not in: \(flat(error?.description))", file: file, line: line)
        }
        XCTAssertEqual(try refSnapshot(review).filter { !allowing.contains($0.key) }, before, "refs changed after a refusal", file: file, line: line)
        return error
    }
}

// Reading Quorum's JSON shapes (docs/json.md) in tests.

/// The email of a person object (`{"name": …, "email": …}`).
func email(_ person: Any?) -> String? {
    (person as? [String: Any])?["email"] as? String
}

/// The emails of an array of person objects.
func emails(_ people: Any?) -> [String]? {
    (people as? [[String: Any]])?.compactMap { $0["email"] as? String }
}

/// Seconds since 1970 of an RFC 3339 time as Quorum writes it.
func seconds(_ time: Any?) -> Double? {
    guard let text = time as? String else { return nil }
    return ISO8601DateFormatter().date(from: text)?.timeIntervalSince1970
}

/// Checks the roster snapshot a test left in `gitDirectory` (when there is
/// one): it must be, byte for byte, what folding the roster chain at its
/// head gives now, and read back to the same roster. Every test's teardown
/// runs it, so every roster the suite makes (keys, revocations, signature
/// policies, imports) checks the snapshot against the fold.
func assertRosterSnapshotIsTheFold(gitDirectory: URL, file: StaticString = #filePath, line: UInt = #line) {
    guard let data = FileManager.default.contents(atPath: gitDirectory.appendingPathComponent("quorum/roster").path),
          let git = try? Repository.open(at: gitDirectory.path) else { return }
    let text = String(decoding: data, as: UTF8.self)
    let lines = text.split(separator: "\n", maxSplits: 2)
    guard lines.count > 1, lines[1].hasPrefix("head\t"), let head = ObjectID(hex: String(lines[1].dropFirst(5))) else {
        return XCTFail("the roster snapshot names no head: \(text.prefix(200))", file: file, line: line)
    }
    do {
        let folded = Roster(events: try EventLog(repo: git).events(from: head))
        XCTAssertEqual(RosterSnapshot.encode(folded, head: head), text, "the roster snapshot is not the fold of its head", file: file, line: line)
        XCTAssertEqual(RosterSnapshot.decode(text, head: head).map { RosterSnapshot.encode($0, head: head) }, text,
                       "the roster snapshot does not read back to itself", file: file, line: line)
    } catch {
        XCTFail("the roster snapshot's head \(head.hex) cannot be folded: \(error)", file: file, line: line)
    }
}

/// Checks the round-line indexes a test left in `gitDirectory`
/// (`quorum/round-lines/<slug>/<round>`, see `RoundLineIndex`): each
/// line's merged parents are its commit's parents after the first, and
/// its commits are exactly the line from the file's last line (its mark)
/// back along first parents to the start its header names, each once, in
/// order. Every test's teardown runs it, so every merge the suite makes
/// checks the index against the commits.
func assertRoundLineIndexesHoldTheLines(gitDirectory: URL, file: StaticString = #filePath, line: UInt = #line) {
    let directory = gitDirectory.appendingPathComponent("quorum/round-lines")
    guard let slugs = try? FileManager.default.contentsOfDirectory(atPath: directory.path),
          let git = try? Repository.open(at: gitDirectory.path) else { return }
    for slug in slugs {
        for round in (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(slug).path)) ?? [] {
            assertRoundLineIndexHoldsTheLine(git: git, path: directory.appendingPathComponent(slug).appendingPathComponent(round).path, file: file, line: line)
        }
    }
}

/// One round-line index against the commits (see `assertRoundLineIndexesHoldTheLines`).
private func assertRoundLineIndexHoldsTheLine(git: Repository, path: String, file: StaticString, line: UInt) {
    let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard lines.first?.hasPrefix(RoundLineIndex.header + " ") == true, lines.last == "" else {
        return XCTFail("\(path) does not begin with its header or ends in a line cut short: \(text.prefix(200))", file: file, line: line)
    }
    let startField = String(lines.removeFirst().dropFirst(RoundLineIndex.header.count + 1))
    let start = ObjectID(hex: startField)
    lines.removeLast()
    do {
        var listed: [ObjectID] = []
        for entry in lines {
            let ids = entry.split(separator: " ").compactMap { ObjectID(hex: String($0)) }
            guard let commit = ids.first, ids.count == entry.split(separator: " ", omittingEmptySubsequences: false).count else {
                return XCTFail("\(path) has a line that is not commit ids: '\(entry)'", file: file, line: line)
            }
            XCTAssertEqual(Array(try git.parents(of: commit).dropFirst()), Array(ids.dropFirst()),
                           "\(path): \(commit.hex) is not listed with the parents it merged", file: file, line: line)
            listed.append(commit)
        }
        // The line from the mark back to the start, oldest first: what the file must be.
        var marked: [ObjectID] = []
        var cursor = listed.last
        while let id = cursor {
            marked.append(id)
            if id == start { break }
            cursor = try git.parents(of: id).first
        }
        XCTAssertTrue(start == nil || marked.last == start, "\(path): its mark's line does not reach its start \(startField)", file: file, line: line)
        XCTAssertEqual(listed, marked.reversed(), "\(path) is not its mark's line, every commit once and in order", file: file, line: line)
    } catch {
        XCTFail("\(path) names a commit that cannot be read: \(error)", file: file, line: line)
    }
}