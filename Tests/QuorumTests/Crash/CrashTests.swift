import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Every write command, killed at every rename, link, unlink and
/// O_CREAT|O_EXCL open in turn (strace's fault injection: the call is not
/// made and the process gets SIGKILL), then run again as the README says.
/// After each kill: `git fsck --strict` is clean; after the run again: the
/// state is exactly the one an uninterrupted run makes (suggestions with
/// their states, approvals and revisions, rounds, versions, the roster, and
/// how many events each chain holds, in the clone and the shared
/// repository), and `quorum verify` is clean.
///
/// `make test` tries a spread of the points of each command (at most
/// `sampled` per command, always the last write); `make crash-test`
/// (QUORUM_CRASH_EXHAUSTIVE=1) tries every one and prints the count.
/// Lock files a kill leaves are dated a minute back before the run again,
/// as if its user came back a minute later (younger ones are waited for:
/// see `StaleLockTests`).
final class CrashTests: QuorumTestCase {
    static let sampled = 5
    static let injected = ["rename", "renameat", "renameat2", "link", "linkat", "unlink", "unlinkat"]

    /// Where a scenario's repositories live: the clone and, for the ones
    /// that share, a bare repository with the hooks beside it.
    struct Stage {
        let root: URL
        var clone: URL { root.appendingPathComponent("clone") }
        var shared: URL { root.appendingPathComponent("shared.git") }
        var hasShared: Bool { FileManager.default.fileExists(atPath: shared.path) }
    }

    /// A write command and the state it starts from (made by `prepare`,
    /// which returns the command's arguments).
    struct Scenario {
        let name: String
        let person: Person
        let prepare: (CrashTests, Stage) throws -> [String]
    }

    var exhaustive: Bool { ProcessInfo.processInfo.environment["QUORUM_CRASH_EXHAUSTIVE"] == "1" }

    // MARK: The commands

    func testEveryWriteCommandIsFinishedByRunningItAgain() throws {
        guard let strace = ["/usr/bin/strace", "/bin/strace"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw XCTSkip("strace is not installed ('make deps' installs it)")
        }
        _ = try run(["--version"])  // skips when there is no binary
        var report: [String] = []
        var total = 0
        for scenario in scenarios() {
            let (tried, points) = try crash(scenario, strace: strace)
            total += tried
            report.append("\(scenario.name): \(tried) of \(points)")
        }
        print("crash test: \(total) kills over \(report.count) commands (\(exhaustive ? "every point" : "sampled")): " + report.joined(separator: ", "))
    }

    func scenarios() -> [Scenario] {
        let slug = "career-steps"
        return [
            Scenario(name: "init", person: .ana) { _, _ in ["init"] },
            Scenario(name: "member add", person: .ana) { t, s in
                try t.base(s)
                return ["member", "add", "dee@example.com", "--name", "Dee Park", "--group", "managers"]
            },
            Scenario(name: "member key add", person: .ana) { t, s in
                try t.base(s)
                return ["member", "key", "add", Person.ben.email, try t.key("ben") + ".pub"]
            },
            Scenario(name: "member key revoke", person: .ana) { t, s in
                try t.base(s)
                let key = try t.key("ben") + ".pub"
                try t.quorum(["member", "key", "add", Person.ben.email, key], as: .ana, s)
                return ["member", "key", "revoke", Person.ben.email, key]
            },
            Scenario(name: "policy --require-signatures", person: .ana) { t, s in
                try t.base(s)
                // Ana signs with her own key, recorded on the roster.
                let key = try t.key("ana")
                for (name, value) in [("gpg.format", "ssh"), ("user.signingKey", key)] {
                    _ = try t.execute(TestEnvironment.gitBinary, ["config", name, value], environment: t.environment(for: .ana), in: s.clone)
                }
                try t.quorum(["member", "key", "add", Person.ana.email, key + ".pub"], as: .ana, s)
                return ["policy", "--require-signatures"]
            },
            Scenario(name: "hooks install", person: .ana) { t, s in
                try t.base(s)
                _ = try t.execute(TestEnvironment.gitBinary, ["init", "-q", "--bare", s.shared.path], environment: t.environment(for: .ana), in: s.root)
                return ["hooks", "install", "../shared.git"]  // relative: each trial installs into its own copy
            },
            Scenario(name: "propose", person: .ana) { t, s in
                try t.quorum(["init"], as: .ana, s)
                return try ["propose", slug, "--title", "Career", "--file", "framework.md=" + t.document(0)]
            },
            Scenario(name: "suggest", person: .ben) { t, s in
                try t.base(s)
                return try ["suggest", slug, "-m", "Change one", "--file", "framework.md=" + t.document(1)]
            },
            Scenario(name: "approve", person: .cai) { t, s in
                ["approve", try t.suggested(s)]
            },
            Scenario(name: "approve --revoke", person: .cai) { t, s in
                let suggestion = try t.suggested(s)
                try t.quorum(["approve", suggestion], as: .cai, s)
                return ["approve", "--revoke", suggestion]
            },
            Scenario(name: "object", person: .cai) { t, s in
                ["object", try t.suggested(s), "-m", "Not yet"]
            },
            Scenario(name: "resolve", person: .cai) { t, s in
                let suggestion = try t.suggested(s)
                try t.quorum(["object", suggestion, "-m", "Not yet"], as: .cai, s)
                return ["resolve", suggestion]
            },
            Scenario(name: "comment", person: .cai) { t, s in
                ["comment", try t.suggested(s), "-m", "Looks right", "--lines", "3-3"]
            },
            Scenario(name: "revise", person: .ben) { t, s in
                let suggestion = try t.suggested(s)
                try t.quorum(["approve", suggestion], as: .cai, s)
                return try ["revise", suggestion, "-m", "Change one, better", "--file", "framework.md=" + t.document(4)]
            },
            Scenario(name: "rebase", person: .ben) { t, s in
                let suggestion = try t.suggested(s)
                try t.merged(try t.suggested(s, text: 3, as: .cai), s)
                return ["rebase", suggestion]
            },
            Scenario(name: "withdraw", person: .ben) { t, s in
                ["withdraw", try t.suggested(s), "-m", "Never mind"]
            },
            Scenario(name: "reject", person: .cai) { t, s in
                ["reject", try t.suggested(s), "-m", "No"]
            },
            Scenario(name: "merge", person: .ana) { t, s in
                ["merge", try t.approved(s)]
            },
            Scenario(name: "edit (pair)", person: .ben) { t, s in
                try t.base(s)
                return try ["edit", slug, "-m", "Pair edit", "--pair", "cai@example.com", "--file", "framework.md=" + t.document(1)]
            },
            Scenario(name: "fork --carry all", person: .ana) { t, s in
                _ = try t.suggested(s)
                _ = try t.suggested(s, text: 3, as: .cai)
                return ["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers", "--carry", "all"]
            },
            Scenario(name: "fork --resume", person: .ana) { t, s in
                _ = try t.suggested(s)
                _ = try t.suggested(s, text: 3, as: .cai)
                let lead = try ReviewRepository.open(at: s.clone.path, environment: Person.ana.environment)
                XCTAssertThrowsError(try lead.fork(
                    slug: slug, name: "managers", audience: ["working-group", "managers"], approvers: nil, quorum: nil,
                    carry: .all, strict: false, stopAfterCarrying: 1))
                return ["fork", slug, "--resume"]
            },
            Scenario(name: "cut", person: .ana) { t, s in
                try t.merged(try t.approved(s), s)
                return ["cut", slug, "v1", "-m", "First version"]
            },
            Scenario(name: "sync", person: .ana) { t, s in
                try t.share(s)
                try t.quorum(["merge", "--local", try t.approved(s)], as: .ana, s)
                try t.quorum(["comment", slug, "-m", "Offline note"], as: .cai, s)
                return ["sync"]
            },
            Scenario(name: "merge through a remote", person: .ana) { t, s in
                try t.share(s)
                let suggestion = try t.approved(s)
                try t.quorum(["sync"], as: .ana, s)
                return ["merge", suggestion]
            },
        ]
    }

    // MARK: Making the starting states

    /// The documents: 0 the proposal's, then edits of different lines.
    func document(_ number: Int) throws -> String {
        var lines = ["# Career steps", "", "Line one.", "Line two.", "Line three.", ""]
        switch number {
        case 1: lines[2] = "Line one, changed."
        case 3: lines[4] = "Line three, changed."
        case 4: lines[2] = "Line one, changed better."
        default: break
        }
        return try write(lines.joined(separator: "\n"), to: "documents/\(number).md")
    }

    @discardableResult
    func quorum(_ args: [String], as person: Person, _ stage: Stage, file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let result = try execute(TestEnvironment.binary, args, environment: environment(for: person), in: stage.clone)
        guard result.status == 0 else {
            XCTFail("preparing: quorum \(args.joined(separator: " ")) failed: \(result.stderr)", file: file, line: line)
            throw XCTSkip("the starting state could not be made")
        }
        return result
    }

    /// A new ed25519 key pair (no passphrase) at `keys/<name>`; its private key's path.
    func key(_ name: String) throws -> String {
        let path = tmp.appendingPathComponent("keys/\(name)").path
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: tmp.appendingPathComponent("keys").path, withIntermediateDirectories: true)
            let made = try execute("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path], environment: environment(for: nil), in: tmp)
            XCTAssertEqual(made.status, 0, made.stderr)
        }
        return path
    }

    /// Ana's repository with Ben and Cai in the working group and career-steps proposed.
    func base(_ stage: Stage) throws {
        try quorum(["init"], as: .ana, stage)
        for person in [Person.ben, .cai] { try quorum(["member", "add", person.email, "--name", person.name], as: .ana, stage) }
        try quorum(["propose", "career-steps", "--title", "Career", "--file", "framework.md=" + document(0)], as: .ana, stage)
    }

    /// A suggestion (of document `text`) on top of `base` (made first when
    /// the repository is not there yet); its id.
    func suggested(_ stage: Stage, text: Int = 1, as person: Person = .ben) throws -> String {
        if !FileManager.default.fileExists(atPath: stage.clone.appendingPathComponent(".git").path) { try base(stage) }
        let result = try quorum(["suggest", "career-steps", "-m", "Change \(text)", "--file", "framework.md=" + document(text), "--json"], as: person, stage)
        return String((result.json?["id"] as? String ?? "").prefix(12))
    }

    /// A suggestion by Ben that Cai and Ana approved.
    func approved(_ stage: Stage) throws -> String {
        let suggestion = try suggested(stage)
        try quorum(["approve", suggestion], as: .cai, stage)
        try quorum(["approve", suggestion], as: .ana, stage)
        return suggestion
    }

    func merged(_ suggestion: String, _ stage: Stage) throws {
        let approvers: [Person] = [.ana, .ben, .cai]
        for person in approvers { _ = try? execute(TestEnvironment.binary, ["approve", suggestion], environment: environment(for: person), in: stage.clone) }
        try quorum(["merge", "--local", suggestion], as: .ana, stage)
    }

    /// A bare repository with the hooks beside the clone, as its origin, synced.
    func share(_ stage: Stage) throws {
        _ = try execute(TestEnvironment.gitBinary, ["init", "-q", "--bare", stage.shared.path], environment: environment(for: .ana), in: stage.root)
        try FileManager.default.createDirectory(at: stage.clone, withIntermediateDirectories: true)
        try quorum(["hooks", "install", stage.shared.path], as: .ana, stage)
        try base(stage)
        _ = try execute(TestEnvironment.gitBinary, ["remote", "add", "origin", stage.shared.path], environment: environment(for: .ana), in: stage.clone)
        try quorum(["sync"], as: .ana, stage)
    }

    // MARK: Killing

    /// A point to kill at: the `nth` call of `syscall` (strace counts each
    /// system call separately).
    struct Point: Hashable, CustomStringConvertible {
        let syscall: String
        let nth: Int
        var description: String { "\(syscall)#\(nth)" }
    }

    func crash(_ scenario: Scenario, strace: String) throws -> (tried: Int, points: Int) {
        let template = Stage(root: tmp.appendingPathComponent("crash/\(scenario.name.filter { $0.isLetter })/template"))
        try FileManager.default.createDirectory(at: template.clone, withIntermediateDirectories: true)
        let args = try scenario.prepare(self, template)

        // An uninterrupted run: the state to reach, and the points to kill at.
        let clean = try copy(template, to: "clean")
        let log = clean.root.appendingPathComponent("strace.log").path
        let traced = try execute(
            strace, ["-qq", "-o", log, "-e", "trace=" + (Self.injected + ["openat"]).joined(separator: ","), TestEnvironment.binary] + args,
            environment: environment(for: scenario.person), in: clean.clone)
        XCTAssertEqual(traced.status, 0, "\(scenario.name): the uninterrupted run failed: \(traced.stderr)")
        let expected = try state(clean)
        let points = try self.points(inTrace: log)
        XCTAssertFalse(points.isEmpty, "\(scenario.name): no point to kill at")
        let chosen = exhaustive ? points : sample(points)

        for point in chosen {
            let trial = try copy(template, to: "trial")
            let killed = try execute(
                strace, ["-qq", "-o", "/dev/null", "-e", "trace=\(point.syscall)", "-e", "inject=\(point.syscall):error=EIO:signal=KILL:when=\(point.nth)",
                         TestEnvironment.binary] + args,
                environment: environment(for: scenario.person), in: trial.clone)
            let context = "\(scenario.name), killed at \(point) (exit \(killed.status))"
            try assertFsckClean(trial, context)
            try backdateLocks(trial)
            var again = try execute(TestEnvironment.binary, args, environment: environment(for: scenario.person), in: trial.clone)
            // Locks left in the shared bare repository are never removed by
            // quorum (a live git receive-pack may own them): the error names
            // every one (a transaction killed holding several leaves
            // several) and says to remove them; then running again finishes.
            if again.status == 70, let locks = namedStaleLocks(again.stderr) {
                XCTAssert(locks.allSatisfy { $0.hasPrefix(trial.shared.path) }, "\(context): a stale lock outside the shared repository was not cleared: \(again.stderr)")
                XCTAssert(again.stderr.contains("hint: if no git or quorum command is working on that repository now, remove"), "\(context): no remedy: \(again.stderr)")
                for lock in locks { try FileManager.default.removeItem(atPath: lock) }
                again = try execute(TestEnvironment.binary, args, environment: environment(for: scenario.person), in: trial.clone)
            }
            // Run again, the command finishes (0), or says it was done
            // already (1: approving or withdrawing twice, say).
            XCTAssert([0, 1].contains(again.status), "\(context): run again, exit \(again.status): \(again.stderr)")
            XCTAssertEqual(try state(trial), expected, "\(context): run again, the state is not the uninterrupted run's (exit \(again.status): \(again.stderr))")
            try assertFsckClean(trial, context + ", run again")
            let verified = try execute(TestEnvironment.binary, ["verify", "--fresh"], environment: environment(for: .ana), in: trial.clone)
            XCTAssertEqual(verified.status, 0, "\(context): run again, verify: \(verified.stdout)\(verified.stderr)")
            if (testRun?.failureCount ?? 0) > 0 { break }
            try FileManager.default.removeItem(at: trial.root)
        }
        return (chosen.count, points.count)
    }

    /// The lock files an error names in its remedy ('rm PATH…').
    func namedStaleLocks(_ errors: String) -> [String]? {
        guard let start = errors.range(of: "('rm "), let end = errors[start.upperBound...].range(of: "')") else { return nil }
        return errors[start.upperBound..<end.lowerBound].split(separator: " ").map(String.init)
    }

    /// Every call of the injected system calls, and every open that creates
    /// a file exclusively (a lock or a temporary object), in `log`.
    func points(inTrace log: String) throws -> [Point] {
        var counts: [String: Int] = [:]
        var points: [Point] = []
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            guard let paren = line.firstIndex(of: "(") else { continue }
            let name = String(line[..<paren])
            guard Self.injected.contains(name) || name == "openat" else { continue }
            counts[name, default: 0] += 1
            if name != "openat" || (line.contains("O_CREAT") && line.contains("O_EXCL")) {
                points.append(Point(syscall: name, nth: counts[name]!))
            }
        }
        return points
    }

    /// At most `sampled` points spread over the run, always with the last
    /// (the write that finishes the command).
    func sample(_ points: [Point]) -> [Point] {
        guard points.count > Self.sampled else { return points }
        let stride = Double(points.count - 1) / Double(Self.sampled - 1)
        return Array(Set((0..<Self.sampled).map { points[Int((Double($0) * stride).rounded())] })).sorted { $0.description < $1.description }
    }

    func copy(_ stage: Stage, to name: String) throws -> Stage {
        let copy = Stage(root: stage.root.deletingLastPathComponent().appendingPathComponent(name))
        try? FileManager.default.removeItem(at: copy.root)
        try FileManager.default.copyItem(at: stage.root, to: copy.root)
        if copy.hasShared {
            _ = try execute(TestEnvironment.gitBinary, ["remote", "set-url", "origin", copy.shared.path], environment: environment(for: .ana), in: copy.clone)
        }
        return copy
    }

    /// Dates every lock file a minute back.
    func backdateLocks(_ stage: Stage) throws {
        let past = Date().addingTimeInterval(-60)
        for directory in [stage.clone.appendingPathComponent(".git"), stage.shared] {
            guard let walk = FileManager.default.enumerator(atPath: directory.path) else { continue }
            while let relative = walk.nextObject() as? String {
                guard relative.hasSuffix(".lock") else { continue }
                try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: directory.appendingPathComponent(relative).path)
            }
        }
    }

    func assertFsckClean(_ stage: Stage, _ context: String) throws {
        for directory in [stage.clone] + (stage.hasShared ? [stage.shared] : []) {
            // No repository yet (an init killed early) is the state before.
            let isRepository = try execute(TestEnvironment.gitBinary, ["rev-parse", "--git-dir"], environment: environment(for: .ana), in: directory)
            guard isRepository.status == 0 else { continue }
            let fsck = try execute(TestEnvironment.gitBinary, ["fsck", "--strict", "--no-progress"], environment: environment(for: .ana), in: directory)
            XCTAssertEqual(fsck.status, 0, "\(context): git fsck --strict in \(directory.lastPathComponent): \(fsck.stdout)\(fsck.stderr)")
        }
    }

    // MARK: The state, as a reader sees it

    /// What Quorum shows (suggestions, rounds, versions, roster) and how
    /// many events each chain holds, with ids and times left out (a run
    /// again makes its own).
    func state(_ stage: Stage) throws -> String {
        var lines: [String] = []
        func shown(_ args: [String]) throws -> Any? {
            let result = try execute(TestEnvironment.binary, args + ["--json"], environment: environment(for: .ana), in: stage.clone)
            return result.status == 0 ? try? JSONSerialization.jsonObject(with: result.stdoutData) : "exit \(result.status)"
        }
        if let list = try shown(["list"]) as? [[String: Any]] {
            lines += list.map { "suggestion \($0["title"] ?? "") \($0["state"] ?? "") round \($0["round"] ?? "") approvals \($0["approvals"] ?? "") revisions \($0["revisions"] ?? "")" }.sorted()
        }
        if let rounds = try shown(["rounds", "career-steps"]) as? [[String: Any]] {
            lines += rounds.map { report in
                let round = report
                return "round \(round["number"] ?? "") \(round["name"] ?? "") closed \(round["closed"] ?? "") suggested \(report["suggested"] ?? "") merged \(report["merged"] ?? "") open \(report["open"] ?? "") not yet carried \((report["notYetCarried"] as? [Any])?.count ?? -1)"
            }
        }
        if let versions = try shown(["versions", "career-steps"]) as? [[String: Any]] {
            lines += versions.map { "version \($0["version"] ?? "") round \($0["round"] ?? "nil")" }
        }
        if let roster = try shown(["member", "list"]) as? [String: Any], let members = roster["members"] as? [[String: Any]] {
            lines += members.map { "member \($0["email"] ?? "") \($0["groups"] ?? "") lead \($0["lead"] ?? "")" }.sorted()
        }
        if let keys = try shown(["member", "list", "--keys"]) as? [String: Any], let held = keys["keys"] as? [[String: Any]] {
            lines += held.map { "key \(email($0["member"]) ?? "") revoked \($0["revokedAt"] != nil)" }.sorted()
        }
        if let policy = try shown(["policy"]) as? [String: Any] {
            lines.append("policy signatures \(policy["requireSignatures"] ?? "")")
        }
        if stage.hasShared {
            let hooks = try execute(TestEnvironment.binary, ["hooks", "check", stage.shared.path], environment: environment(for: .ana), in: stage.clone)
            lines.append("hooks check exit \(hooks.status)")
        }
        for directory in [stage.clone] + (stage.hasShared ? [stage.shared] : []) {
            guard let git = try? Repository.open(at: directory.path) else { continue }
            let where_ = directory == stage.shared ? "shared" : "clone"
            for ref in try git.references(matching: "refs/*") where !ref.name.contains("/revs/") {
                let name = ref.name.replacingOccurrences(of: "[0-9a-f]{40}", with: "ID", options: .regularExpression)
                let events = ref.name.hasPrefix("refs/quorum/") ? " \(try git.commits(from: [ref.target], excluding: []).count) commits" : ""
                lines.append("\(where_) \(name)\(events)")
            }
        }
        return lines.sorted().joined(separator: "\n")
    }
}
