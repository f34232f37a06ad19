import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// The roster snapshot (`.git/quorum/roster`): read only at the head it was
/// folded at, folded again when it is anything else, never kept for a
/// roster whose fold refused an event. (Every test's teardown also checks
/// that the snapshot it left is exactly the fold: see
/// `assertRosterSnapshotIsTheFold`.)
final class RosterSnapshotTests: QuorumTestCase {
    private var snapshotPath: String { repo.appendingPathComponent(".git/quorum/roster").path }

    private func snapshot() throws -> String {
        String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: snapshotPath), "no roster snapshot"), as: UTF8.self)
    }

    private func rosterHead() throws -> String {
        try gitOK(["rev-parse", "refs/quorum/roster"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testTheSnapshotIsReadAtItsHeadAndOnlyNewEventsAreFoldedOnIt() throws {
        try careerSteps()
        _ = try open(as: .ben).roster()
        let text = try snapshot()
        XCTAssertTrue(text.hasPrefix("quorum-roster 1\nhead\t\(try rosterHead())\n"), text)

        // Read, not folded: a name changed in the file (at the same head) is what a command sees.
        let planted = text.replacingOccurrences(of: "\t\(Person.ben.name)\t", with: "\tPlanted Name\t")
        XCTAssertNotEqual(planted, text)
        try Data(planted.utf8).write(to: URL(fileURLWithPath: snapshotPath))
        XCTAssertEqual(try open(as: .ben).roster().member(Person.ben.email)?.name, "Planted Name")
        let listed = try runOK(["member", "list"], as: .ben)
        XCTAssertTrue(listed.stdout.contains("Planted Name"), listed.stdout)

        // The head moves on: only the new event is folded, on what the file holds.
        try open(as: .ana).addMember(email: "eve@example.com", name: "Eve Martin", groups: [], lead: nil)
        var roster = try open(as: .ben).roster()
        XCTAssertEqual(roster.member(Person.ben.email)?.name, "Planted Name")
        XCTAssertEqual(roster.member("eve@example.com")?.name, "Eve Martin")
        XCTAssertTrue(try snapshot().hasPrefix("quorum-roster 1\nhead\t\(try rosterHead())\n"))

        // A file made at a head not on the chain's line: the whole chain is folded.
        let elsewhere = try snapshot().replacingOccurrences(of: "head\t\(try rosterHead())", with: "head\t" + String(repeating: "ab", count: 20))
        try Data(elsewhere.utf8).write(to: URL(fileURLWithPath: snapshotPath))
        roster = try open(as: .ben).roster()
        XCTAssertEqual(roster.member(Person.ben.email)?.name, Person.ben.name)
        XCTAssertEqual(roster.member("eve@example.com")?.name, "Eve Martin")
        XCTAssertFalse(try snapshot().contains("Planted Name"))
        XCTAssertTrue(try snapshot().hasPrefix("quorum-roster 1\nhead\t\(try rosterHead())\n"))
    }

    func testASnapshotCutShortOfAnotherFormatOrUnreadableIsFoldedAgain() throws {
        try careerSteps()
        _ = try open(as: .ana).roster()
        let whole = try snapshot()
        var lines = whole.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the empty string after the last line break
        let damaged: [(String, String)] = [
            ("cut short before its end line", lines.dropLast().joined(separator: "\n") + "\n"),
            ("cut short in a line", String(whole.prefix(whole.utf8.count / 2))),
            ("another format", whole.replacingOccurrences(of: "quorum-roster 1\n", with: "quorum-roster 0\n")),
            ("a line of a kind it does not know", ([lines[0], lines[1], "teleport\tx"] + lines[2..<(lines.count - 1)] + ["end\t\(lines.count)"]).joined(separator: "\n") + "\n"),
            ("a time that is not a number", lines.map { line in
                guard line.hasPrefix("change\t") else { return line }
                var fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                fields[3] = "soon"
                return fields.joined(separator: "\t")
            }.joined(separator: "\n") + "\n"),
            ("empty", ""),
        ]
        for (what, text) in damaged {
            try Data(text.utf8).write(to: URL(fileURLWithPath: snapshotPath))
            let roster = try open(as: .ana).roster()
            XCTAssertEqual(roster.members.map(\.email), [Person.ana.email, Person.ben.email, Person.cai.email, Person.dee.email], what)
            XCTAssertEqual(try snapshot(), whole, "\(what): the snapshot is written anew")
        }
    }

    func testFieldsWithTabsLineBreaksAndBackslashesReadBackAsTheyWere() throws {
        let odd = "a\tb\\tc\nd\re\\"
        let actor = Signature(name: "Ana \\ Lima", email: "ana@example.com", time: 1_700_000_000, offsetMinutes: -150)
        let key = try SSHPublicKey(line: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
        let head = try XCTUnwrap(ObjectID(hex: String(repeating: "ab", count: 20)))
        let roster = Roster(
            policy: Policy(quorum: 3, defaultGroup: odd, requireSignatures: true),
            history: [(actor, Member(email: "ana@example.com", name: odd, groups: [odd, "plain", ""], lead: true)),
                      (actor, Member(email: "ana@example.com", name: "Ana Lima", groups: [], lead: true))],
            keys: [MemberKey(email: "ana@example.com", key: key, validAfter: 5, validBefore: 9, addedBy: odd, revokedBy: "x\ty")],
            grandfathered: [GrandfatheredHead(ref: "refs/quorum/proposals/a/meta", commit: head)], signaturesSince: head, signsRosterEvents: true)
        let text = RosterSnapshot.encode(roster, head: head)
        XCTAssertEqual(text.split(separator: "\n").count, 10, text)
        let read = try XCTUnwrap(RosterSnapshot.decode(text, head: head))
        XCTAssertEqual(RosterSnapshot.encode(read, head: head), text)
        XCTAssertEqual(read.policy, roster.policy)
        XCTAssertEqual(read.members, [Member(email: "ana@example.com", name: "Ana Lima", groups: [], lead: true)])
        XCTAssertEqual(read.history.map(\.member), roster.history.map(\.member))
        XCTAssertEqual(read.history.map(\.actor), [actor, actor])
        XCTAssertEqual(read.keys, roster.keys)
        XCTAssertEqual(read.grandfathered, roster.grandfathered)
        XCTAssertEqual(read.signaturesSince, head)
        XCTAssertTrue(read.signsRosterEvents)
        // Read only at the head it names.
        XCTAssertNil(RosterSnapshot.decode(text, head: try XCTUnwrap(ObjectID(hex: String(repeating: "cd", count: 20)))))
    }

    /// A member event that Ben, no lead, wrote with plain git: the fold
    /// refuses it, and such a roster is folded again on every read.
    func testARosterWhoseFoldRefusedAnEventIsNeverStored() throws {
        try careerSteps()
        historyBreaksTheRules = true
        let head = try rosterHead()
        let json = try gitOK(["show", "\(head):event.json"]).replacingOccurrences(of: Person.dee.email, with: "mallory@example.com")
        XCTAssertTrue(json.contains("mallory@example.com"), json)
        let blob = try gitOK(["hash-object", "-w", "--stdin"], stdinText: json)
        let tree = try gitOK(["mktree"], stdinText: "100644 blob \(blob)\tevent.json\n")
        let forged = try git(["commit-tree", tree, "-p", head, "-m", "Add member Mallory\n\nQuorum-Event: member\nQuorum-Format: 1"], as: .ben)
        XCTAssertEqual(forged.status, 0, forged.stderr)
        try gitOK(["update-ref", "refs/quorum/roster", forged.stdout.trimmingCharacters(in: .whitespacesAndNewlines), head])
        try? FileManager.default.removeItem(atPath: snapshotPath)

        let roster = try open(as: .ana).roster()
        XCTAssertEqual(roster.violations.count, 1)
        XCTAssertNil(roster.member("mallory@example.com"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: snapshotPath), "a roster with a refused event was stored")
    }

    /// A roster chain whose first event already requires signatures (as a
    /// forger can push to a new shared repository), then an unsigned
    /// roster event in the lead's name giving her a second key: refused by
    /// the whole fold, by the fold on the snapshot (after a signed policy
    /// event that changed nothing), and by `verify`.
    func testAnUnsignedRosterEventAfterAnInitRequiringSignaturesCountsForNothingEitherWay() throws {
        historyBreaksTheRules = true
        guard let sshKeygen = ["/usr/bin/ssh-keygen", "/bin/ssh-keygen"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("ssh-keygen is not installed (Debian: openssh-client)")
        }
        let key = tmp.appendingPathComponent("ana-key").path, other = tmp.appendingPathComponent("other-key").path
        for path in [key, other] {
            XCTAssertEqual(try execute(sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-f", path], environment: environment(for: nil)).status, 0)
        }
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        try gitOK(["init", "-q"])
        try gitOK(["config", "gpg.format", "ssh"])
        try gitOK(["config", "user.signingKey", key])
        try runOK(["init"], as: .ana)

        /// An event commit holding `json` on `parent`, signed or not.
        func event(_ json: String, parent: String?, signed: Bool, _ message: String) throws -> String {
            let blob = try gitOK(["hash-object", "-w", "--stdin"], stdinText: json + "\n")
            let tree = try gitOK(["mktree"], stdinText: "100644 blob \(blob)\tevent.json\n")
            return try gitOK(["commit-tree"] + (parent.map { ["-p", $0] } ?? []) + (signed ? ["-S"] : []) + ["-m", message, tree], stdinText: "")
        }
        let original = try gitOK(["show", "refs/quorum/roster:event.json"], stdinText: "")
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(original.utf8)) as? [String: Any])
        var policy = try XCTUnwrap(object["policy"] as? [String: Any])
        policy["requireSignatures"] = true
        object["policy"] = policy
        let initJSON = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        let start = try event(initJSON, parent: nil, signed: false, "Start\n\nEvent: init\nQuorum-Format: 1")
        let otherKey = try String(contentsOfFile: other + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        let keyAdd = #"{"email":"ana@example.com","key":"\#(otherKey)","type":"key-add","v":1}"#
        let keys = { (roster: Roster) in roster.keys(of: "ana@example.com").count }

        // 1. Straight after the init: the whole chain is folded.
        let forged = try event(keyAdd, parent: start, signed: false, "Add SSH key\n\nEvent: key-add\nQuorum-Format: 1")
        try gitOK(["update-ref", "refs/quorum/roster", forged])
        var roster = try open(as: .ana).roster()
        XCTAssertEqual(roster.violations.map(\.refusal.code), [.signatureMissing])
        XCTAssertEqual(keys(roster), 1)

        // 2. A signed policy event changing nothing, read and stored; then the forged event on it.
        let policyJSON = #"{"policy":{"defaultGroup":"working-group","quorum":2,"requireSignatures":true},"type":"policy","v":1}"#
        let again = try event(policyJSON, parent: start, signed: true, "Require signed events\n\nEvent: policy\nQuorum-Format: 1")
        try gitOK(["update-ref", "refs/quorum/roster", again])
        roster = try open(as: .ana).roster()
        XCTAssertEqual(roster.violations.count, 0)
        XCTAssertTrue(try snapshot().contains("\nhead\t\(again)\n"))
        let onSnapshot = try event(keyAdd, parent: again, signed: false, "Add SSH key\n\nEvent: key-add\nQuorum-Format: 1")
        try gitOK(["update-ref", "refs/quorum/roster", onSnapshot])
        roster = try open(as: .ana).roster()
        XCTAssertEqual(roster.violations.map(\.refusal.code), [.signatureMissing])
        XCTAssertEqual(keys(roster), 1)
        let verified = try run(["verify", "--fresh"], as: .ana)
        XCTAssertEqual(verified.status, 1, verified.stdout + verified.stderr)
        XCTAssertTrue(verified.stdout.contains("signature.missing"), verified.stdout)
    }

    /// The roster ref moved to something that is not a commit: the same
    /// damage report with or without a snapshot.
    func testARosterRefNamingABlobIsDamageWithOrWithoutASnapshot() throws {
        try careerSteps()
        historyBreaksTheRules = true
        _ = try open(as: .ana).roster()
        let blob = try gitOK(["hash-object", "-w", "--stdin"], stdinText: "not an event\n")
        try gitOK(["update-ref", "refs/quorum/roster", blob])
        let withSnapshot = try run(["member", "list"], as: .ana)
        try FileManager.default.removeItem(atPath: snapshotPath)
        let without = try run(["member", "list"], as: .ana)
        XCTAssertTrue(withSnapshot.stderr.contains("is a blob, not a commit"), withSnapshot.stderr)
        XCTAssertEqual(withSnapshot.stderr, without.stderr)
        XCTAssertEqual(withSnapshot.status, without.status)
    }
}

private extension QuorumTestCase {
    /// `gitOK` with text on standard input; the output trimmed.
    func gitOK(_ args: [String], stdinText: String) throws -> String {
        let result = try execute(TestEnvironment.gitBinary, args, environment: environment(for: .ana), stdin: Data(stdinText.utf8), in: repo)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
