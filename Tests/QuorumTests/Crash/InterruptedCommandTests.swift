import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// The interrupted states issue 10 found, each made as a kill leaves it,
/// and finished by running the command again (the README's one rule).
/// `CrashTests` kills every write command at every point; these pin down
/// the value each of the named cases must have.
final class InterruptedCommandTests: RoundsTestCase {
    /// A lock file at `ref` (the ref's own), dated `age` seconds back.
    @discardableResult
    func leaveLock(_ ref: String, age: TimeInterval, in gitDirectory: URL? = nil) throws -> String {
        let path = (gitDirectory ?? repo.appendingPathComponent(".git")).appendingPathComponent(ref + ".lock").path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("0000000000000000000000000000000000000000\n".utf8)))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: path)
        return path
    }

    /// Runs quorum `args` as `person`, killed (strace fault injection) as
    /// it makes its first `call` (link, unlink…) on a path containing
    /// `path`: found from a run in a copy of the repository.
    func kill(_ args: [String], as person: Person, at call: String, onPathContaining path: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else { throw XCTSkip("strace is not installed") }
        let probe = tmp.appendingPathComponent("probe-\(UUID().uuidString.prefix(6))")
        try FileManager.default.copyItem(at: repo, to: probe)
        defer { try? FileManager.default.removeItem(at: probe) }
        let trace = tmp.appendingPathComponent("trace").path
        _ = try execute("/usr/bin/strace", ["-qq", "-o", trace, "-e", "trace=\(call)", TestEnvironment.binary] + args, environment: environment(for: person), in: probe)
        let calls = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix(call + "(") }
        let nth = try XCTUnwrap(calls.firstIndex { $0.contains(path) }, "no \(call) of \(path) in \(calls)") + 1
        let killed = try execute(
            "/usr/bin/strace", ["-qq", "-o", "/dev/null", "-e", "trace=\(call)", "-e", "inject=\(call):error=EIO:signal=KILL:when=\(nth)", TestEnvironment.binary] + args,
            environment: environment(for: person), in: repo)
        XCTAssert([9, 137].contains(killed.status), "killed at \(call) #\(nth): \(killed.stderr)")
    }

    // 1. Stale lock files.

    func testALockAKilledCommandLeftIsClearedByRunningTheCommandAgain() throws {
        try startReview()
        let id = try suggestCLI(3, "Line three, changed.", as: .ben)
        let lock = try leaveLock(chainRef(id), age: 60)
        let started = Date()
        let approved = try runOK(["approve", id], as: .cai)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "a lock a minute old is not waited for")
        XCTAssertTrue(approved.stderr.contains("quorum: note: removed \(lock)"), approved.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lock))
        XCTAssertEqual(try shown(id)["approvals"].map { ($0 as? [Any])?.count }, 1)
    }

    func testAFreshLockIsWaitedForThenClearedWhenItOutlivesTheBound() throws {
        try startReview()
        let id = try suggestCLI(3, "Line three, changed.", as: .ben)
        let lock = try leaveLock(chainRef(id), age: 0)
        let started = Date()
        let approved = try runOK(["approve", id], as: .cai)
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(waited, Repository.staleLockAge - 0.5, "a live process's lock is waited for")
        XCTAssertLessThan(waited, Repository.staleLockAge + 5)
        XCTAssertTrue(approved.stderr.contains("removed \(lock)"), approved.stderr)
    }

    func testALockOnTheNextRoundBranchDoesNotBlockTheFork() throws {
        try startReview()
        try leaveLock(roundTwo, age: 60)
        let forked = try runOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers"])
        XCTAssertTrue(forked.stderr.contains("removed"), forked.stderr)
        XCTAssertEqual(try revParse(roundTwo), try revParse(roundOne))
    }

    func testALockInASharedBareRepositoryIsNamedAndLeftAlone() throws {
        try startReview()
        let shared = tmp.appendingPathComponent("shared.git")
        XCTAssertEqual(try git(["init", "-q", "--bare", shared.path]).status, 0)
        try runOK(["hooks", "install", shared.path])
        XCTAssertEqual(try git(["remote", "add", "origin", shared.path]).status, 0)
        let lock = try leaveLock(Layout.roster, age: 120, in: shared)
        // A transaction killed holding several locks leaves several: all are named at once.
        let other = try leaveLock(Layout.proposalMeta(slug), age: 120, in: shared)
        let before = try git(["for-each-ref"], in: shared).stdout
        let synced = try run(["sync"])
        XCTAssertEqual(synced.status, 70, synced.stderr)
        XCTAssertTrue(synced.stderr.contains(lock), synced.stderr)
        XCTAssertTrue(synced.stderr.contains("hint: if no git or quorum command is working on that repository now, remove them ('rm "), synced.stderr)
        let named = try XCTUnwrap(synced.stderr.components(separatedBy: "('rm ").last?.components(separatedBy: "')").first)
        XCTAssertEqual(Set(named.split(separator: " ").map(String.init)), [lock, other], "every stale lock named at once")
        XCTAssertTrue(FileManager.default.fileExists(atPath: lock), "never removed on a shared bare repository")
        XCTAssertEqual(try git(["for-each-ref"], in: shared).stdout, before)
        try FileManager.default.removeItem(atPath: lock)
        try FileManager.default.removeItem(atPath: other)
        try runOK(["sync"])
    }

    // 2. A revision pin with no event.

    func testReviseReusesThePinAnInterruptedReviseLeft() throws {
        try startReview()
        let id = try suggestCLI(3, "Line three, changed.", as: .ben)
        // The kill came after pinning revision 2, before its event.
        let stray = try gitOK(["commit-tree", "\(try revParse(roundOne))^{tree}", "-p", try revParse(roundOne), "-m", "half-made revision"]).trimmed
        let pin = Layout.revisionPin(slug, try XCTUnwrap(ObjectID(hex: id)), 2)
        XCTAssertEqual(try git(["update-ref", pin, stray]).status, 0)
        let path = try textFile(withLine(3, "Line three, changed better.", of: original))
        let revised = try runOK(["revise", id, "-m", "Better", "--file", "framework.md=\(path)", "--json"], as: .ben)
        let commit = try XCTUnwrap(revised.json?["revisionCommit"] as? String)
        XCTAssertEqual(revised.json?["revision"] as? Int, 2)
        XCTAssertEqual(try revParse(pin), commit, "the pin with no event holds the new revision")
        XCTAssertEqual(try git(["rev-parse", "--verify", "-q", Layout.revisionPin(slug, try XCTUnwrap(ObjectID(hex: id)), 3)]).status, 1, "no third pin")
    }

    // 3. A version tag with no cut event.

    func testCutRecordsTheTagAnInterruptedCutLeft() throws {
        try startReview()
        try mergeCLI(3, "Line three, changed.", by: .ben)
        // Killed after tagging, as it was about to record its event.
        try kill(["cut", slug, "v1", "-m", "Notes"], as: .ana, at: "link", onPathContaining: "proposals/\(slug)/meta")
        let tag = try revParse("refs/tags/rfc/\(slug)/v1")
        let before = try runOK(["versions", slug, "--json"]).jsonArray
        XCTAssertTrue(before?.first?["round"] is NSNull || before?.first?["round"] == nil, "\(String(describing: before))")
        let cut = try runOK(["cut", slug, "v1", "-m", "Notes"])
        XCTAssertTrue(cut.stderr.contains("recorded version v1"), cut.stderr)
        XCTAssertEqual(try revParse("refs/tags/rfc/\(slug)/v1"), tag, "the tag stands")
        XCTAssertEqual(try runOK(["versions", slug, "--json"]).jsonArray?.first?["round"] as? Int, 1)
        let again = try run(["cut", slug, "v1"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("[cut.exists]"), again.stderr)
    }

    func testATagSomeoneElseMadeByHandIsNotTakenForAnInterruptedCut() throws {
        try startReview(members: [(.ben, ["working-group"]), (.cai, []), (.dee, [])])
        try runOK(["member", "add", Person.ben.email, "--lead"])
        XCTAssertEqual(try git(["tag", "-a", "rfc/\(slug)/v1", "-m", "by hand", roundOne], as: .ben).status, 0)
        try expectExit(1, ["cut", slug, "v1"], mentioning: ["[cut.exists]", "hint: "])
        historyBreaksTheRules = true  // a lead's hand-made tag with no changelog
    }

    // 4. Fork run again instead of fork --resume.

    func testAForkRunAgainFinishesItselfAndAnotherForkWaitsForIt() throws {
        try startReview()
        let first = try suggestCLI(3, "Line three, changed.", as: .ben)
        let second = try suggestCLI(5, "Line five, changed.", as: .cai)
        let lead = try open(as: .ana)
        XCTAssertThrowsError(try lead.fork(
            slug: slug, name: "managers", audience: ["working-group", "managers"], approvers: nil, quorum: nil,
            carry: .all, strict: false, stopAfterCarrying: 1))
        // Another fork is refused while this one has not carried everything.
        let other = try expectExit(1, ["fork", slug, "--name", "everyone", "--audience", "everyone"], mentioning: ["[fork.unfinished]", "quorum fork \(slug) --resume"])
        _ = other
        // The same fork again finishes it: no round 3, both suggestions in round 2.
        try runOK(["fork", slug, "--name", "managers", "--audience", "managers", "--audience", "working-group", "--carry", "all"])
        let rounds = try XCTUnwrap(try runOK(["rounds", slug, "--json"]).jsonArray)
        XCTAssertEqual(rounds.count, 2)
        XCTAssertEqual(try shown(first)["round"] as? Int, 2)
        XCTAssertEqual(try shown(second)["round"] as? Int, 2)
        // And once more: the fork is done, nothing new.
        let done = try runOK(["fork", slug, "--name", "managers", "--audience", "managers", "--audience", "working-group"])
        XCTAssertTrue(done.stderr.contains("that fork was done"), done.stderr)
        XCTAssertEqual(try runOK(["rounds", slug, "--json"]).jsonArray?.count, 2)
    }

    // 5. A round branch with no fork event.

    func testARoundBranchWithNoForkEventIsNeitherSharedNorInTheNextForksWay() throws {
        try startReview()
        let shared = tmp.appendingPathComponent("shared.git")
        XCTAssertEqual(try git(["init", "-q", "--bare", shared.path]).status, 0)
        try runOK(["hooks", "install", shared.path])
        XCTAssertEqual(try git(["remote", "add", "origin", shared.path]).status, 0)
        try runOK(["sync"])
        // The fork was killed after making the branch, before its event.
        XCTAssertEqual(try git(["update-ref", roundTwo, roundOne]).status, 0)
        let synced = try runOK(["sync"])
        XCTAssertTrue(synced.stderr.contains("not shared: \(roundTwo): no event here names it yet"), synced.stderr)
        XCTAssertEqual(try git(["rev-parse", "--verify", "-q", roundTwo], in: shared).status, 1)
        // Round 1 moves on; the fork then starts round 2 at its new head.
        try mergeCLI(3, "Line three, changed.", by: .ben)
        let forked = try runOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--audience", "managers"])
        XCTAssertTrue(forked.stderr.contains("moved \(roundTwo)"), forked.stderr)
        XCTAssertEqual(try revParse(roundTwo), try revParse(roundOne))
        try runOK(["sync"])
        XCTAssertEqual(try git(["rev-parse", roundTwo], in: shared).stdout.trimmed, try revParse(roundTwo))
    }

    // 6. suggest run again after a kill.

    func testSuggestRunAgainAfterAKillMakesTheOneSuggestion() throws {
        try startReview()
        // Killed as it was about to create the chain's ref (its lock
        // taken), and as it was about to remove that lock (the ref written).
        for (number, call) in [(3, "link"), (5, "unlink")] {
            let path = try textFile(withLine(number, "Line \(number), changed.", of: original))
            let args = ["suggest", slug, "-m", "Change \(call)", "--file", "framework.md=\(path)"]
            try kill(args, as: .ben, at: call, onPathContaining: "/meta")
            let again = try runOK(args + ["--json"], as: .ben)
            let id = try jsonID(again)
            XCTAssertEqual(try shown(id)["title"] as? String, "Change \(call)")
            let titled = try XCTUnwrap(try runOK(["list", "--json"]).jsonArray).filter { $0["title"] as? String == "Change \(call)" }
            XCTAssertEqual(titled.count, 1, "one suggestion, not two: \(titled)")
        }
    }

    /// The last suggest's note is a hint: one naming another suggestion
    /// (written in place, a note can be met stale or half-written) is not
    /// taken for the suggestion being made. Ben's interrupted suggest of
    /// line 5 left its note; with the id in it swapped for his earlier
    /// suggestion's, running the suggest again makes the new suggestion.
    func testANoteNamingAnotherSuggestionIsNotTrusted() throws {
        try startReview()
        let earlier = try jsonID(try runOK(["suggest", slug, "-m", "Earlier", "--file", "framework.md=\(try textFile(withLine(3, "Line 3, changed.", of: original)))", "--json"], as: .ben))
        let args = ["suggest", slug, "-m", "Later", "--file", "framework.md=\(try textFile(withLine(5, "Line 5, changed.", of: original)))"]
        try kill(args, as: .ben, at: "link", onPathContaining: "/meta")
        let note = repo.appendingPathComponent(".git/quorum/suggesting")
        let fields = try String(contentsOf: note, encoding: .utf8).split(separator: " ")
        XCTAssertEqual(fields.count, 2)
        try Data("\(fields[0]) \(earlier)\n".utf8).write(to: note)
        let later = try jsonID(try runOK(args + ["--json"], as: .ben))
        XCTAssertNotEqual(later, earlier)
        // The killed attempt pinned its revision under its own id, which the
        // note named before it was made to name another suggestion. Made
        // again within the same second, the suggestion is that one and
        // completes it; a second later it is a new one, and that pin is left
        // a stray, which verify (at the end of every test) names: it is the
        // forged note's doing, so it is removed here.
        let killed = try XCTUnwrap(ObjectID(hex: fields[1].trimmingCharacters(in: .whitespacesAndNewlines)))
        if killed.hex != later {
            XCTAssertNotEqual(try git(["rev-parse", "-q", "--verify", Layout.suggestionMeta(slug, killed)]).status, 0, "the killed attempt has no chain")
            XCTAssertEqual(try git(["update-ref", "-d", Layout.revisionPin(slug, killed, 1)]).status, 0)
        }
        XCTAssertEqual(try shown(later)["title"] as? String, "Later")
        XCTAssertEqual(try shown(earlier)["title"] as? String, "Earlier")
    }

    /// Suggests line `number` changed as `author`, approved by Cai and Ana
    /// (or Dee), and merged.
    @discardableResult
    func mergeCLI(_ number: Int, _ replacement: String, by author: Person) throws -> String {
        let id = try suggestCLI(number, replacement, as: author)
        try approveCLI(id, by: [Person.cai, .dee].filter { $0.email != author.email })
        try runOK(["merge", id], as: author)
        return id
    }
}
