import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// An event commit that does not decode, written with plain git as
/// something other than Quorum would: the listings name it, show what it
/// belongs to as damaged and list everything else; commands that need its
/// chain fail naming it; `verify` reports it; the summary cache never keeps it.
final class DamagedEventTests: QuorumTestCase {
    private let slug = "career-steps"

    /// Damage of several kinds, each as the `event.json` of a commit
    /// (nil: a commit with no `event.json` at all).
    private let damage: [(kind: String, json: String?)] = [
        ("not JSON", #"{"v":1,"type":"approve","#),
        ("not an object", #"[1, 2]"#),
        ("a field of the wrong type", #"{"v":1,"type":"approve","revision":42}"#),
        ("a field its kind needs is missing", #"{"v":1,"type":"approve"}"#),
        ("no type", #"{"v":1,"revision":"0000000000000000000000000000000000000000"}"#),
        ("a kind this quorum does not know", #"{"v":1,"type":"teleport"}"#),
        ("a newer format version", #"{"v":2,"type":"approve","revision":"0000000000000000000000000000000000000000"}"#),
        ("no event.json", nil),
    ]

    /// Two suggestions by Ben; `first` is the one whose chain gets damaged.
    private func twoSuggestions() throws -> (first: SuggestResult, second: SuggestResult) {
        try careerSteps()
        historyBreaksTheRules = true  // the tests plant events by hand
        let first = try suggest(replacingLine(5, of: TestEnvironment.framework, with: "First."), message: "First", as: .ben)
        let second = try suggest(replacingLine(32, of: TestEnvironment.framework, with: "Second."), message: "Second", as: .ben)
        return (first, second)
    }

    private func chain(_ id: String) -> String { "refs/quorum/proposals/\(slug)/suggestions/\(id)/meta" }

    /// Commits a tree holding `json` as `event.json` (or only `notes.txt`
    /// when nil) on `parent` with the real git CLI, and returns its id.
    private func foreignCommit(_ json: String?, parent: String?, message: String = "Approve") throws -> String {
        let content = json ?? "not an event\n"
        let blob = try execute(TestEnvironment.gitBinary, ["hash-object", "-w", "--stdin"], environment: environment(for: .cai), stdin: Data(content.utf8), in: repo)
        let entry = "100644 blob \(blob.stdout.trimmingCharacters(in: .whitespacesAndNewlines))\t\(json == nil ? "notes.txt" : "event.json")\n"
        let tree = try execute(TestEnvironment.gitBinary, ["mktree"], environment: environment(for: .cai), stdin: Data(entry.utf8), in: repo)
        var args = ["commit-tree", tree.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "-m", message]
        if let parent { args += ["-p", parent] }
        let commit = try execute(TestEnvironment.gitBinary, args, environment: environment(for: .cai), in: repo)
        XCTAssertEqual(commit.status, 0, commit.stderr)
        return commit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Appends a foreign commit to the chain at `ref`; returns (old head, new head).
    @discardableResult
    private func damageChain(_ ref: String, with json: String?) throws -> (old: String, bad: String) {
        let old = try gitOK(["rev-parse", ref]).trimmingCharacters(in: .whitespacesAndNewlines)
        let bad = try foreignCommit(json, parent: old)
        try gitOK(["update-ref", ref, bad, old])
        return (old, bad)
    }

    func testEachKindOfDamageMarksOnlyItsSuggestionAndIsFoundAgainOnEveryRead() throws {
        let (first, second) = try twoSuggestions()
        let ref = chain(first.id)
        _ = try open(as: .ana).list()  // the cache holds both, undamaged
        for (kind, json) in damage {
            let (old, bad) = try damageChain(ref, with: json)
            for pass in 1...2 {  // the second read comes from the summary cache, which must not hide it
                let listing = try open(as: .ana).listing()
                let states = Dictionary(uniqueKeysWithValues: listing.items.map { ($0.id, $0.state) })
                XCTAssertEqual(states, [first.id: .damaged, second.id: .open], "\(kind), read \(pass): everything is listed")
                XCTAssertEqual(listing.damaged.map(\.commit), [bad], "\(kind), read \(pass): the event is named")
                XCTAssertEqual(listing.damaged.first?.ref, ref, kind)
                let marked = listing.items.first { $0.id == first.id }
                XCTAssertEqual(marked?.damaged, listing.damaged.first, kind)
                XCTAssertEqual(marked?.title, "First", "\(kind): what the first event tells is still shown")
                XCTAssertFalse(listing.damaged.first?.reason.contains("CodingKeys") ?? true, "\(kind): \(listing.damaged.first?.reason ?? "")")
                XCTAssertFalse(listing.damaged.first?.remedy.isEmpty ?? true, kind)
            }
            let counts = try open(as: .ana).statusListing()
            XCTAssertEqual(counts.items.first?.counts["damaged"], 1, kind)
            XCTAssertEqual(counts.items.first?.counts["open"], 1, kind)
            XCTAssertEqual(counts.damaged.map(\.commit), [bad], "\(kind): status, which reads cached totals, names it too")
            // Repaired, it reads as before at once.
            try gitOK(["update-ref", ref, old, bad])
            let repaired = try open(as: .ana).listing()
            XCTAssertEqual(repaired.items.map(\.state), [.open, .open], "\(kind): repaired")
            XCTAssertEqual(repaired.items.first { $0.id == first.id }?.title, "First")
            XCTAssertTrue(repaired.damaged.isEmpty, kind)
        }
    }

    func testAChainRefNamingABlobOrAMissingObjectIsDamageNotAFailure() throws {
        let (first, second) = try twoSuggestions()
        let blob = try execute(TestEnvironment.gitBinary, ["hash-object", "-w", "--stdin"], environment: environment(for: .cai), stdin: Data("hi\n".utf8), in: repo)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for (target, reason) in [(blob, "is a blob, not a commit"), ("1234567890123456789012345678901234567890", "is missing from this repository")] {
            // Plain git will not point a ref at a missing object: write the loose ref itself.
            try FileManager.default.createDirectory(at: repo.appendingPathComponent(".git/" + chain(first.id)).deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((target + "\n").utf8).write(to: repo.appendingPathComponent(".git/" + chain(first.id)))
            for args in [["list"], ["status"], ["inbox"]] {
                let listed = try run(args, as: .cai)
                XCTAssertEqual(listed.status, 3, "\(args): \(listed.stderr)")
                XCTAssertTrue(listed.stderr.contains(reason), listed.stderr)
                XCTAssertTrue(listed.stderr.contains("hint: "), listed.stderr)
            }
            let list = try XCTUnwrap(try run(["list", "--json"]).jsonArray)
            XCTAssertEqual(list.first { $0["id"] as? String == first.id }?["state"] as? String, "damaged")
            XCTAssertEqual(list.first { $0["id"] as? String == second.id }?["state"] as? String, "open")
            if target == blob { try runOK(["approve", second.id], as: .cai) }
        }
    }

    func testTheReasonSaysWhatIsWrongInPeoplesWords() throws {
        let (first, _) = try twoSuggestions()
        let expected: [String: String] = [
            "not JSON": "it is not valid JSON",
            "not an object": "it is not a JSON object",
            "a field of the wrong type": "'revision' is not a string",
            "a field its kind needs is missing": "needs 'revision'",
            "no type": "it lacks 'type'",
            "a kind this quorum does not know": "does not know, 'teleport'",
            "a newer format version": "has format version 2",
            "no event.json": "has no event.json",
        ]
        for (kind, json) in damage {
            let (old, bad) = try damageChain(chain(first.id), with: json)
            let reason = try XCTUnwrap(try open(as: .ana).listing().damaged.first, kind).reason
            XCTAssertTrue(reason.contains(try XCTUnwrap(expected[kind])), "\(kind): \(reason)")
            try gitOK(["update-ref", chain(first.id), old, bad])
        }
    }

    func testListStatusShowAndInboxShowTheRestAndExitThree() throws {
        let (first, second) = try twoSuggestions()
        let (_, bad) = try damageChain(chain(first.id), with: #"{"v":1,"type":"approve","revision":42}"#)
        let short = String(bad.prefix(8))
        for args in [["list"], ["status"], ["status", slug], ["show", String(first.id.prefix(8))], ["inbox"], ["list", "--state", "open"]] {
            let result = try run(args, as: .cai)
            XCTAssertEqual(result.status, 3, "quorum \(args): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(chain(first.id)) && result.stderr.contains(short), "quorum \(args) names the ref and the event: \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("hint:"), result.stderr)
            XCTAssertFalse(result.stderr.contains("DecodingError") || result.stderr.contains("typeMismatch"), result.stderr)
        }
        XCTAssertTrue(try run(["list"]).stdout.contains(String(second.id.prefix(8))), "the rest is listed")
        XCTAssertTrue(try run(["inbox"], as: .cai).stdout.contains(String(second.id.prefix(8))), "the rest waits in the inbox")
        XCTAssertTrue(try run(["show", String(first.id.prefix(8))]).stdout.contains("damaged"))

        let listed = try XCTUnwrap(try run(["list", "--json"]).jsonArray)
        let damaged = try XCTUnwrap(listed.first { $0["id"] as? String == first.id })
        XCTAssertEqual(damaged["state"] as? String, "damaged")
        XCTAssertEqual((damaged["damaged"] as? [String: Any])?["commit"] as? String, bad)
        XCTAssertEqual(listed.first { $0["id"] as? String == second.id }?["state"] as? String, "open")
        let inbox = try XCTUnwrap(try run(["inbox", "--json"], as: .cai).json)
        XCTAssertEqual((inbox["damaged"] as? [[String: Any]])?.compactMap { $0["commit"] as? String }, [bad])
        let shown = try XCTUnwrap(try run(["show", first.id, "--json"]).json)
        XCTAssertEqual(shown["state"] as? String, "damaged")
        XCTAssertEqual((shown["damaged"] as? [String: Any])?["ref"] as? String, chain(first.id))

        // It is what `--state damaged` lists.
        XCTAssertEqual(try run(["list", "--state", "damaged", "--json"]).jsonArray?.count, 1)
        // A command that needs the damaged chain fails, naming it.
        let before = try allRefs()
        let approve = try run(["approve", first.id], as: .cai)
        XCTAssertEqual(approve.status, 70, approve.stderr)
        XCTAssertTrue(approve.stderr.contains("[event.malformed]") && approve.stderr.contains(short) && approve.stderr.contains("hint:"), approve.stderr)
        XCTAssertEqual(try allRefs(), before)
    }

    func testVerifyNamesTheEvent() throws {
        let (first, _) = try twoSuggestions()
        let (_, bad) = try damageChain(chain(first.id), with: #"{"v":1,"type":"approve"}"#)
        let report = try open(as: .ana).verify(fresh: true)
        let found = report.violations.filter { $0.code == Refusal.Code.eventMalformed.rawValue && $0.object == bad }
        XCTAssertEqual(found.map(\.ref), [chain(first.id)], "\(report.violations)")
        XCTAssertNotNil(found.first?.hint)
        XCTAssertEqual(try run(["verify"]).status, 1)
    }

    /// Commands read objects as git does, without hashing each again;
    /// `verify`, like git fsck, checks every object it reads against its
    /// id: a loose object whose bytes were changed on disk is a violation.
    func testVerifyChecksEachObjectAgainstItsId() throws {
        let (first, _) = try twoSuggestions()
        let path = repo.appendingPathComponent(".git/objects/\(first.id.prefix(2))/\(first.id.dropFirst(2))").path
        let stored = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertEqual(try run(["verify", "--fresh"]).status, 0)
        // The same commit with its title changed, deflated under the old id.
        try changeLooseObject(path, replacing: "Suggest: ", with: "Suggest! ")
        defer { try? stored.write(to: URL(fileURLWithPath: path)) }
        let verify = try run(["verify", "--fresh"])
        XCTAssertEqual(verify.status, 1, verify.stdout + verify.stderr)
        XCTAssertTrue((verify.stdout + verify.stderr).contains("hash mismatch"), verify.stdout + verify.stderr)
    }

    func testASuggestionWhoseFirstEventIsDamagedIsListedAsDamaged() throws {
        let (first, second) = try twoSuggestions()
        let root = try foreignCommit(#"{"v":1,"type":"suggest","#, parent: nil, message: "Suggest: broken")
        try gitOK(["update-ref", chain(root), root])
        let listing = try open(as: .ana).listing()
        XCTAssertEqual(Set(listing.items.map(\.id)), [first.id, second.id, root])
        let damaged = try XCTUnwrap(listing.items.first { $0.id == root })
        XCTAssertEqual(damaged.state, .damaged)
        XCTAssertEqual(damaged.author, Person.cai.email, "its commit's author")
        XCTAssertEqual(listing.damaged.map(\.commit), [root])
        XCTAssertEqual(try open(as: .ana).show(String(root.prefix(10)), diff: true).state, .damaged)
    }

    func testAChainThatDoesNotBeginWithItsOwnSuggestEventIsDamaged() throws {
        let (first, second) = try twoSuggestions()
        // A chain named after one id, holding another suggestion's events.
        try gitOK(["update-ref", chain(first.revision), second.id])
        let listing = try open(as: .ana).listing()
        XCTAssertEqual(listing.items.first { $0.id == first.revision }?.state, .damaged)
        XCTAssertEqual(Set(listing.items.filter { $0.state == .open }.map(\.id)), [first.id, second.id])
        XCTAssertEqual(listing.damaged.map(\.ref), [chain(first.revision)])
    }

    func testADamagedProposalChainMarksItsSuggestionsAndLeavesOtherProposalsListed() throws {
        let (first, second) = try twoSuggestions()
        _ = try open(as: .ana).propose(
            slug: "on-call", title: "On call",
            documents: [DocumentInput(name: "policy.md", text: Data(TestEnvironment.policy.utf8), source: "policy.md")])
        let other = try suggest(replacingLine(3, of: TestEnvironment.policy, with: "Changed."), message: "Other", as: .ben, slug: "on-call", document: "policy.md")
        let meta = "refs/quorum/proposals/\(slug)/meta"
        let (_, bad) = try damageChain(meta, with: #"{"v":1,"type":"fork","round":"two"}"#)

        let listing = try open(as: .ana).listing()
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: listing.items.map { ($0.id, $0.state) }), [first.id: .damaged, second.id: .damaged, other.id: .open])
        XCTAssertEqual(listing.damaged.map(\.ref), [meta], "named once")
        XCTAssertEqual(listing.damaged.map(\.commit), [bad])

        let status = try open(as: .ana).statusListing()
        XCTAssertEqual(status.items.map(\.slug), [slug, "on-call"])
        XCTAssertEqual(status.items[0].damaged?.commit, bad)
        XCTAssertEqual(status.items[0].counts["damaged"], 2)
        XCTAssertNil(status.items[1].damaged)
        XCTAssertEqual(status.items[1].counts["open"], 1)

        // What needs the proposal fails, naming its chain and the event.
        let review = try open(as: .ana)
        for error in [
            assertQuorumError(.failure, try review.status(slug: slug)),
            assertQuorumError(.failure, try review.showProposal(slug)),
            assertQuorumError(.failure, try review.show(first.id, diff: false)),
        ] {
            XCTAssertEqual(error?.code, .eventMalformed)
            XCTAssertTrue(error?.message.contains(meta) ?? false, flat(error?.description))
            XCTAssertNotNil(error?.remedy)
        }
        let shown = try run(["show", slug])
        XCTAssertEqual(shown.status, 70, shown.stderr)
        XCTAssertTrue(shown.stderr.contains(meta), shown.stderr)
        let inbox = try run(["inbox"], as: .cai)
        XCTAssertEqual(inbox.status, 3, inbox.stderr)
        XCTAssertTrue(inbox.stdout.contains(String(other.id.prefix(8))), inbox.stdout)
    }

    func testADamagedRosterFailsNamingIt() throws {
        _ = try twoSuggestions()
        let (_, bad) = try damageChain(Layout.roster, with: nil)
        let result = try run(["list"])
        XCTAssertEqual(result.status, 70, result.stderr)
        XCTAssertTrue(result.stderr.contains("[event.malformed]") && result.stderr.contains(Layout.roster) && result.stderr.contains(String(bad.prefix(8))), result.stderr)
        XCTAssertTrue(result.stderr.contains("hint:"), result.stderr)
    }
}
