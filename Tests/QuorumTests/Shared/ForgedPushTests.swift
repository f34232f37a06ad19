import Foundation
import XCTest

/// A table of forged pushes, one test each: the honest state is made with
/// quorum, the forgery with plain git in the forger's clone (events and
/// commits written as the forger, refs moved with `git update-ref`), and
/// the push with plain `git push`. Each must be refused by the shared
/// repository's hook naming the rule's code, leave the server unchanged,
/// and be reported by `quorum verify` in the forging clone. Codes are
/// asserted, never wording.
final class ForgedPushTests: SharedRepositoryTestCase {
    private let roster = "refs/quorum/roster"
    private func meta(_ proposal: String? = nil) -> String { "refs/quorum/proposals/\(proposal ?? slug)/meta" }
    private func chain(_ id: String, of proposal: String? = nil) -> String { "refs/quorum/proposals/\(proposal ?? slug)/suggestions/\(id)/meta" }
    private func pin(_ id: String, _ n: Int, of proposal: String? = nil) -> String { "refs/quorum/proposals/\(proposal ?? slug)/suggestions/\(id)/revs/\(n)" }
    private func tag(_ version: String) -> String { "refs/tags/rfc/\(slug)/\(version)" }

    // MARK: Helpers

    /// Pushes `refs` (each to the same name) from `directory` with plain git;
    /// asserts the hook refuses it naming `code` and the server is unchanged,
    /// then that `quorum verify --json` in `directory` reports exactly `code`
    /// (and the codes in `also`, for a forgery that breaks more than one rule;
    /// with `inHistory` false, verify reports nothing: what the forgery claims
    /// counts for nothing in history, and only admitting it is refused).
    private func assertCaught(
        _ refs: [String], from directory: URL, code: String, also: [String] = [], inHistory: Bool = true,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        try assertPushRefused(refs.map { "\($0):\($0)" }, from: directory, code: code, file: file, line: line)
        let verified = try quorum(["verify", "--json"], in: directory)
        let object = try XCTUnwrap(verified.object, verified.text + verified.errors, file: file, line: line)
        let codes = (object["violations"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        XCTAssertEqual(codes.sorted(), inHistory ? ([code] + also).sorted() : [], "quorum verify: \(verified.text)", file: file, line: line)
        XCTAssertEqual(verified.status, codes.isEmpty ? 0 : 1, file: file, line: line)
    }

    /// Writes an event commit (`event.json` holding `json`) by `who` on `parents` (none: a chain's first event).
    private func event(_ json: String, parents: [String], as who: Teammate, in directory: URL) throws -> String {
        let blob = try gitOK(["hash-object", "-w", "--stdin"], in: directory, stdin: Data((json + "\n").utf8))
        let tree = try gitOK(["mktree"], in: directory, stdin: Data("100644 blob \(blob)\tevent.json\n".utf8))
        return try commitTree(tree, parents: parents, message: "Forged event\n\nQuorum-Format: 1\n", as: who, in: directory)
    }

    /// Appends an event by `who` to the chain at `ref` in `directory`'s refs.
    private func append(_ json: String, to ref: String, as who: Teammate, in directory: URL) throws {
        let head = try gitOK(["rev-parse", ref], in: directory)
        try gitOK(["update-ref", ref, try event(json, parents: [head], as: who, in: directory), head], in: directory)
    }

    /// The commit-tree of a proposal with one document holding `text`.
    private func proposalTree(_ text: String, proposal: String? = nil, document: String = "framework.md", in directory: URL) throws -> String {
        let blob = try gitOK(["hash-object", "-w", "--stdin"], in: directory, stdin: Data(text.utf8))
        var tree = try gitOK(["mktree"], in: directory, stdin: Data("100644 blob \(blob)\t\(document)\n".utf8))
        tree = try gitOK(["mktree"], in: directory, stdin: Data("040000 tree \(tree)\t\(proposal ?? slug)\n".utf8))
        return try gitOK(["mktree"], in: directory, stdin: Data("040000 tree \(tree)\tProposals\n".utf8))
    }

    /// A revision commit by `who` on `base`: career-steps with line `number` replaced.
    private func revision(_ number: Int, _ text: String, on base: String, as who: Teammate, in directory: URL) throws -> String {
        try commitTree(try proposalTree(framework(replacing: number, with: text), in: directory), parents: [base], message: "Edit line \(number)\n", as: who, in: directory)
    }

    /// Ana puts Eve on the roster in group 'finance' only: a member, but not
    /// in round 1's audience or approvers.
    private func addEve(_ ana: URL) throws {
        try quorumOK(["member", "add", Teammate.eve.email, "--name", Teammate.eve.name, "--group", "finance"], in: ana)
        try quorumOK(["sync"], in: ana)
    }

    /// An honest suggestion by Ben in `directory` (line `number`), approved
    /// by `approvers`, synced: its id, revision and base.
    private func suggest(_ number: Int = 5, _ text: String = "The bonus cap is 1200 EUR.", in directory: URL, approvedBy approvers: [Teammate] = []) throws -> (id: String, revision: String, base: String) {
        let suggested = try suggestLine(number, text, as: .ben, in: directory)
        let id = try XCTUnwrap(suggested["id"] as? String)
        for approver in approvers { try quorumOK(["approve", id], as: approver, in: directory) }
        try quorumOK(["sync"], as: .ben, in: directory)
        return (id, try XCTUnwrap(suggested["revision"] as? String), try XCTUnwrap(suggested["base"] as? String))
    }

    /// A round merge commit's message for Ben's suggestion `id`.
    private func mergeMessage(_ id: String, approvers: [Teammate]) -> String {
        "Edit line 5\n\nSuggestion: \(id)\nSuggested-by: \(Teammate.ben.formatted)\n" + approvers.map { "Approved-by: \($0.formatted)\n" }.joined()
    }

    // MARK: The roster chain

    func testMemberEventByANonLead() throws {
        // Ben (not a lead) writes a member event making himself a lead.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        try append(#"{"member":{"email":"ben@example.com","groups":["working-group"],"lead":true,"name":"Ben Okafor"},"type":"member","v":1}"#, to: roster, as: .ben, in: ben)
        try assertCaught([roster], from: ben, code: "roster.not-lead")
    }

    func testMemberEventRemovingTheLastLead() throws {
        // Ana, the only lead, writes a member event taking away her own lead.
        let ana = try makeSharedReview()
        try append(#"{"member":{"email":"ana@example.com","groups":["working-group"],"lead":false,"name":"Ana Lima"},"type":"member","v":1}"#, to: roster, as: .ana, in: ana)
        try assertCaught([roster], from: ana, code: "roster.last-lead")
    }

    func testSecondInitEventOnTheRoster() throws {
        // Ben appends a second init event to the roster, naming himself lead and quorum 1.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        try append(#"{"member":{"email":"ben@example.com","groups":["working-group"],"lead":true,"name":"Ben Okafor"},"policy":{"defaultGroup":"working-group","quorum":1},"type":"init","v":1}"#, to: roster, as: .ben, in: ben)
        try assertCaught([roster], from: ben, code: "chain.shape")
    }

    func testSecondBeginningOfTheRosterJoinedByAMerge() throws {
        // Ben starts a roster of his own (a new first init event) and joins it to the real one with a merge.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let root = try event(#"{"member":{"email":"ben@example.com","groups":["working-group"],"lead":true,"name":"Ben Okafor"},"type":"init","v":1}"#, parents: [], as: .ben, in: ben)
        let head = try gitOK(["rev-parse", roster], in: ben)
        let empty = try gitOK(["mktree"], in: ben, stdin: Data())
        try gitOK(["update-ref", roster, try commitTree(empty, parents: [head, root], message: "Reconcile\n", as: .ben, in: ben), head], in: ben)
        // Two rules: a second first event, and a join that is not sync's.
        try assertCaught([roster], from: ben, code: "chain.shape", also: ["chain.shape"])
    }

    // MARK: The proposal chain and version tags

    func testProposeBySomeoneOutsideTheDefaultGroup() throws {
        // Eve (in 'finance' only) proposes a new document 'pay', its chain and round branch written with git.
        let ana = try makeSharedReview()
        try addEve(ana)
        let eve = try makeClone("eve", as: .eve)
        let start = try commitTree(try proposalTree("# Pay\n\nRule one.\n", proposal: "pay", document: "pay.md", in: eve), parents: [], message: "Propose pay\n", as: .eve, in: eve)
        let propose = try event(
            #"{"commit":"\#(start)","documents":["pay.md"],"roundInfo":{"approvers":["working-group"],"audience":["working-group"],"name":"working-group","number":1,"quorum":2},"slug":"pay","title":"Pay","type":"propose","v":1}"#,
            parents: [], as: .eve, in: eve)
        try gitOK(["update-ref", meta("pay"), propose], in: eve)
        try gitOK(["update-ref", "refs/heads/quorum/pay/1", start], in: eve)
        try assertCaught([meta("pay"), "refs/heads/quorum/pay/1"], from: eve, code: "propose.not-member")
    }

    func testSecondProposeEventOnAProposalsChain() throws {
        // Ben appends a copy of career-steps' propose event to its chain: a second beginning.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let first = try gitOK(["show", "\(meta()):event.json"], in: ben)
        try append(first, to: meta(), as: .ben, in: ben)
        try assertCaught([meta()], from: ben, code: "chain.shape")
    }

    func testForkByANonLead() throws {
        // Ben appends a fork event opening round 2 with a quorum of 1.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let head = try gitOK(["rev-parse", roundBranch], in: ben)
        try append(
            #"{"commit":"\#(head)","round":1,"roundInfo":{"approvers":["working-group"],"audience":["working-group"],"name":"bens-round","number":2,"quorum":1},"slug":"\#(slug)","type":"fork","v":1}"#,
            to: meta(), as: .ben, in: ben)
        try assertCaught([meta()], from: ben, code: "fork.not-lead")
    }

    func testForkSkippingARoundNumber() throws {
        // Ana (a lead) appends a fork event opening round 5 while round 1 is the last.
        let ana = try makeSharedReview()
        let head = try gitOK(["rev-parse", roundBranch], in: ana)
        try append(
            #"{"commit":"\#(head)","round":1,"roundInfo":{"approvers":["working-group"],"audience":["working-group"],"name":"managers","number":5,"quorum":2},"slug":"\#(slug)","type":"fork","v":1}"#,
            to: meta(), as: .ana, in: ana)
        try assertCaught([meta()], from: ana, code: "fork.number")
    }

    func testCutEventByANonLead() throws {
        // Ben appends a cut event recording version v1.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let head = try gitOK(["rev-parse", roundBranch], in: ben)
        try append(#"{"commit":"\#(head)","round":1,"slug":"\#(slug)","tag":"\#(tag("v1"))","type":"cut","v":1,"version":"v1"}"#, to: meta(), as: .ben, in: ben)
        try assertCaught([meta()], from: ben, code: "cut.not-lead")
    }

    func testVersionTagByANonLead() throws {
        // Ben tags round 1's head as version v1 (an annotated tag, tagger Ben).
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        try gitOK(["tag", "-a", "-m", "Version v1", "rfc/\(slug)/v1", roundBranch], in: ben, as: .ben)
        try assertCaught([tag("v1")], from: ben, code: "tag.not-lead")
    }

    func testVersionTagOnAnotherProposalsRound() throws {
        // Ana tags career-steps v1 on the round of another proposal, 'pay'.
        let ana = try makeSharedReview()
        let doc = root.appendingPathComponent("pay.md")
        try Data("# Pay\n\nRule one.\n".utf8).write(to: doc)
        try quorumOK(["propose", "pay", "--title", "Pay", "--file", "pay.md=\(doc.path)"], in: ana)
        try quorumOK(["sync"], in: ana)
        try gitOK(["tag", "-a", "-m", "Version v1", "rfc/\(slug)/v1", "refs/heads/quorum/pay/1"], in: ana)
        try assertCaught([tag("v1")], from: ana, code: "tag.shape")
    }

    func testVersionTagWhoseChangelogLeavesOutAMerge() throws {
        // Ana (a lead) tags v1 with plain git, her changelog leaving out the suggestion merged since the start.
        let ana = try makeSharedReview()
        let s = try suggest(in: ana, approvedBy: [.cai, .dee])
        try quorumOK(["merge", s.id], in: ana)
        try gitOK(["tag", "-a", "-m", "Engineering Career Steps v1\n\nChanges since the proposal was opened:\n  (none)\n", "rfc/\(slug)/v1", roundBranch], in: ana)
        try assertCaught([tag("v1")], from: ana, code: "tag.changelog")
    }

    // MARK: Every kind of a suggestion's event, by someone the rule does not allow

    func testSuggestBySomeoneOutsideTheAudience() throws {
        // Eve (in 'finance' only) writes a suggestion's chain, its suggest event and revision with git.
        let ana = try makeSharedReview()
        try addEve(ana)
        let eve = try makeClone("eve", as: .eve)
        let head = try gitOK(["rev-parse", roundBranch], in: eve)
        let r = try revision(5, "Finance sets the bonus cap.", on: head, as: .eve, in: eve)
        let id = try event(
            #"{"base":"\#(head)","documents":["framework.md"],"message":"Finance decides","revision":"\#(r)","round":1,"slug":"\#(slug)","title":"Finance decides","type":"suggest","v":1}"#,
            parents: [], as: .eve, in: eve)
        try gitOK(["update-ref", chain(id), id], in: eve)
        try gitOK(["update-ref", pin(id, 1), r], in: eve)
        try assertCaught([chain(id), pin(id, 1)], from: eve, code: "suggest.not-audience")
    }

    func testReviseBySomeoneNotItsAuthor() throws {
        // Cai appends a revise event (and its revision) to Ben's suggestion.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let cai = try makeClone("cai", as: .cai)
        let r = try revision(5, "The bonus cap is 100 EUR.", on: s.base, as: .cai, in: cai)
        try append(#"{"base":"\#(s.base)","message":"Cai's wording","revision":"\#(r)","title":"Cai's wording","type":"revise","v":1}"#, to: chain(s.id), as: .cai, in: cai)
        try gitOK(["update-ref", pin(s.id, 2), r], in: cai)
        try assertCaught([chain(s.id), pin(s.id, 2)], from: cai, code: "revise.not-author")
    }

    func testRebaseBySomeoneNotItsAuthorNorALead() throws {
        // Cai appends a rebase event (and a rebased revision) to Ben's suggestion.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let cai = try makeClone("cai", as: .cai)
        let r = try commitTree(try gitOK(["rev-parse", "\(s.revision)^{tree}"], in: cai), parents: [s.base], message: "Edit line 5\n", as: .cai, in: cai)
        try append(#"{"base":"\#(s.base)","revision":"\#(r)","type":"rebase","v":1}"#, to: chain(s.id), as: .cai, in: cai)
        try gitOK(["update-ref", pin(s.id, 2), r], in: cai)
        try assertCaught([chain(s.id), pin(s.id, 2)], from: cai, code: "rebase.not-allowed")
    }

    func testCarryByANonLead() throws {
        // Ana forks round 2 leaving Ben's suggestion behind; Ben appends a carry event taking it into round 2.
        let ana = try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let s = try suggest(in: ben)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["fork", slug, "--name", "managers", "--audience", "working-group", "--carry", "none"], in: ana)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["sync"], as: .ben, in: ben)
        let head = try gitOK(["rev-parse", "refs/heads/quorum/\(slug)/2"], in: ben)
        XCTAssertEqual(head, s.base)
        try append(#"{"base":"\#(head)","revision":"\#(s.revision)","round":2,"type":"carry","v":1}"#, to: chain(s.id), as: .ben, in: ben)
        try assertCaught([chain(s.id)], from: ben, code: "carry.not-lead")
    }

    func testConflictRecordedBySomeoneOutsideTheRound() throws {
        // Eve (in 'finance' only) appends a conflict event to Ben's suggestion.
        let ana = try makeSharedReview()
        try addEve(ana)
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let eve = try makeClone("eve", as: .eve)
        try append(#"{"commit":"\#(s.base)","type":"conflict","v":1}"#, to: chain(s.id), as: .eve, in: eve)
        try assertCaught([chain(s.id)], from: eve, code: "conflict.not-audience")
    }

    func testConflictRecordedForASuggestionThatAppliesCleanly() throws {
        // Cai (in the round) marks Ben's suggestion conflicted with the round's head, where it applies cleanly.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let cai = try makeClone("cai", as: .cai)
        try append(#"{"commit":"\#(s.base)","type":"conflict","v":1}"#, to: chain(s.id), as: .cai, in: cai)
        try assertCaught([chain(s.id)], from: cai, code: "event.derived")
    }

    func testSuggestionChangingFilesOutsideItsProposal() throws {
        // Ben's suggestion's revision also adds a README.md at the top of the repository.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let head = try gitOK(["rev-parse", roundBranch], in: ben)
        let proposals = try gitOK(["rev-parse", "\(try proposalTree(framework(replacing: 5, with: "Edited."), in: ben)):Proposals"], in: ben)
        let readme = try gitOK(["hash-object", "-w", "--stdin"], in: ben, stdin: Data("Not part of any proposal.\n".utf8))
        let tree = try gitOK(["mktree"], in: ben, stdin: Data("040000 tree \(proposals)\tProposals\n100644 blob \(readme)\tREADME.md\n".utf8))
        let r = try commitTree(tree, parents: [head], message: "Edit\n", as: .ben, in: ben)
        let id = try event(
            #"{"base":"\#(head)","documents":["framework.md"],"message":"Edit","revision":"\#(r)","round":1,"slug":"\#(slug)","title":"Edit","type":"suggest","v":1}"#,
            parents: [], as: .ben, in: ben)
        try gitOK(["update-ref", chain(id), id], in: ben)
        try gitOK(["update-ref", pin(id, 1), r], in: ben)
        try assertCaught([chain(id), pin(id, 1)], from: ben, code: "revision.outside")
    }

    func testSuggestionAddingADocumentWhoseNameDiffersOnlyByNormalisation() throws {
        // Ben's revision holds café.md twice: once in NFC, once in NFD (two files to git, one name to a reader).
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let head = try gitOK(["rev-parse", roundBranch], in: ben)
        let framework = try gitOK(["rev-parse", "\(head):Proposals/\(slug)/framework.md"], in: ben)
        let blob = try gitOK(["hash-object", "-w", "--stdin"], in: ben, stdin: Data("# Café\n".utf8))
        let nfc = "café.md", nfd = "café.md".decomposedStringWithCanonicalMapping
        var tree = try gitOK(["mktree"], in: ben, stdin: Data("100644 blob \(framework)\tframework.md\n100644 blob \(blob)\t\(nfc)\n100644 blob \(blob)\t\(nfd)\n".utf8))
        tree = try gitOK(["mktree"], in: ben, stdin: Data("040000 tree \(tree)\t\(slug)\n".utf8))
        tree = try gitOK(["mktree"], in: ben, stdin: Data("040000 tree \(tree)\tProposals\n".utf8))
        let r = try commitTree(tree, parents: [head], message: "Café\n", as: .ben, in: ben)
        let id = try event(
            #"{"base":"\#(head)","documents":["café.md"],"message":"Café","revision":"\#(r)","round":1,"slug":"\#(slug)","title":"Café","type":"suggest","v":1}"#,
            parents: [], as: .ben, in: ben)
        try gitOK(["update-ref", chain(id), id], in: ben)
        try gitOK(["update-ref", pin(id, 1), r], in: ben)
        try assertCaught([chain(id), pin(id, 1)], from: ben, code: "document.normalisation")
    }

    func testAnEventOfAKindThisQuorumDoesNotKnow() throws {
        // An event of a kind a newer quorum might write: refused, saying to upgrade the shared repository's quorum.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let cai = try makeClone("cai", as: .cai)
        try append(#"{"question":"Lunch?","type":"poll","v":1}"#, to: chain(s.id), as: .cai, in: cai)
        let pushed = try git(["push", "origin", "\(chain(s.id)):\(chain(s.id))"], in: cai)
        XCTAssertNotEqual(pushed.status, 0)
        XCTAssertTrue(pushed.errors.contains("[event.malformed]") && pushed.errors.contains("'poll'") && pushed.errors.contains("upgrade"), pushed.errors)
    }

    func testApprovalByTheAuthor() throws {
        // Ben appends an approve event to his own suggestion.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let s = try suggest(in: ben)
        try append(#"{"revision":"\#(s.revision)","type":"approve","v":1}"#, to: chain(s.id), as: .ben, in: ben)
        try assertCaught([chain(s.id)], from: ben, code: "approve.self")
    }

    func testApprovalBySomeoneNotAnApprover() throws {
        // Eve (in 'finance' only) appends an approve event to Ben's suggestion.
        let ana = try makeSharedReview()
        try addEve(ana)
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let eve = try makeClone("eve", as: .eve)
        try append(#"{"revision":"\#(s.revision)","type":"approve","v":1}"#, to: chain(s.id), as: .eve, in: eve)
        try assertCaught([chain(s.id)], from: eve, code: "approve.not-approver")
    }

    func testRevokeBySomeoneWithNoApproval() throws {
        // Eve (in 'finance' only, never approved it) appends a revoke event to Ben's suggestion.
        let ana = try makeSharedReview()
        try addEve(ana)
        let s = try suggest(in: try makeClone("ben", as: .ben), approvedBy: [.cai])
        let eve = try makeClone("eve", as: .eve)
        try append(#"{"revision":"\#(s.revision)","type":"revoke","v":1}"#, to: chain(s.id), as: .eve, in: eve)
        try assertCaught([chain(s.id)], from: eve, code: "revoke.never-approved")
    }

    func testObjectionBySomeoneOutsideTheRound() throws {
        // Eve (in 'finance' only) appends an object event to Ben's suggestion.
        let ana = try makeSharedReview()
        try addEve(ana)
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let eve = try makeClone("eve", as: .eve)
        try append(#"{"message":"Finance was not asked","type":"object","v":1}"#, to: chain(s.id), as: .eve, in: eve)
        try assertCaught([chain(s.id)], from: eve, code: "object.not-audience")
    }

    func testResolveOfSomeoneElsesObjection() throws {
        // Ben appends a resolve event lifting Dee's objection to his suggestion.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let s = try suggest(in: ben)
        let objection = try XCTUnwrap(try quorumOK(["object", s.id, "-m", "Finance has not agreed", "--json"], as: .dee, in: ben).object?["id"] as? String)
        try quorumOK(["sync"], as: .ben, in: ben)
        try append(#"{"objection":"\#(objection)","type":"resolve","v":1}"#, to: chain(s.id), as: .ben, in: ben)
        try assertCaught([chain(s.id)], from: ben, code: "resolve.not-objector")
    }

    func testOverrideOfAnObjectionByANonLead() throws {
        // Cai appends a resolve event overriding Dee's objection, with a reason, though he is no lead.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let s = try suggest(in: ben)
        let objection = try XCTUnwrap(try quorumOK(["object", s.id, "-m", "Finance has not agreed", "--json"], as: .dee, in: ben).object?["id"] as? String)
        try quorumOK(["sync"], as: .ben, in: ben)
        let cai = try makeClone("cai", as: .cai)
        try append(#"{"message":"Dee is on holiday","objection":"\#(objection)","override":true,"type":"resolve","v":1}"#, to: chain(s.id), as: .cai, in: cai)
        try assertCaught([chain(s.id)], from: cai, code: "resolve.override-not-lead")
    }

    func testOverrideOfAnObjectionWithoutAReason() throws {
        // Ana (a lead) appends a resolve event overriding Dee's objection with no reason.
        let ana = try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let s = try suggest(in: ben)
        let objection = try XCTUnwrap(try quorumOK(["object", s.id, "-m", "Finance has not agreed", "--json"], as: .dee, in: ben).object?["id"] as? String)
        try quorumOK(["sync"], as: .ben, in: ben)
        try quorumOK(["sync"], in: ana)
        try append(#"{"objection":"\#(objection)","override":true,"type":"resolve","v":1}"#, to: chain(s.id), as: .ana, in: ana)
        try assertCaught([chain(s.id)], from: ana, code: "resolve.override-reason")
    }

    func testWithdrawalBySomeoneNotItsAuthor() throws {
        // Cai appends a withdraw event to Ben's suggestion.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let cai = try makeClone("cai", as: .cai)
        try append(#"{"message":"Not needed","type":"withdraw","v":1}"#, to: chain(s.id), as: .cai, in: cai)
        try assertCaught([chain(s.id)], from: cai, code: "withdraw.not-author")
    }

    func testRejectionBySomeoneNotAnApprover() throws {
        // Eve (in 'finance' only) appends a reject event to Ben's suggestion.
        let ana = try makeSharedReview()
        try addEve(ana)
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let eve = try makeClone("eve", as: .eve)
        try append(#"{"message":"Too expensive","type":"reject","v":1}"#, to: chain(s.id), as: .eve, in: eve)
        try assertCaught([chain(s.id)], from: eve, code: "reject.not-approver")
    }

    func testRejectionBySomeoneWhoHasLeftTheApprovers() throws {
        // Ana moves Dee out of the working group; Dee's clone still rejects Ben's suggestion with plain git.
        let ana = try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let dee = try makeClone("dee", as: .dee)
        try quorumOK(["member", "add", Teammate.dee.email, "--group", "alumni"], in: ana)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["sync"], as: .dee, in: dee)
        try append(#"{"message":"No","type":"reject","v":1}"#, to: chain(s.id), as: .dee, in: dee)
        // New events are judged with the roster as it is; history with every
        // group one was ever in, so verify cannot tell this from an old rejection.
        try assertCaught([chain(s.id)], from: dee, code: "reject.not-approver", inHistory: false)
    }

    func testMergeEventBySomeoneOutsideTheRound() throws {
        // Eve (in 'finance' only) appends a merge event to Ben's suggestion, naming a merge commit she made locally.
        let ana = try makeSharedReview()
        try addEve(ana)
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let eve = try makeClone("eve", as: .eve)
        let merge = try commitTree(try gitOK(["rev-parse", "\(s.revision)^{tree}"], in: eve), parents: [s.base, s.revision], message: mergeMessage(s.id, approvers: []), as: .eve, in: eve)
        try append(#"{"commit":"\#(merge)","revision":"\#(s.revision)","type":"merge","v":1}"#, to: chain(s.id), as: .eve, in: eve)
        try assertCaught([chain(s.id)], from: eve, code: "merge.not-audience")
    }

    func testCommentOnASuggestionBySomeoneOutsideTheRound() throws {
        // Eve (in 'finance' only) appends a comment event to Ben's suggestion.
        let ana = try makeSharedReview()
        try addEve(ana)
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let eve = try makeClone("eve", as: .eve)
        try append(#"{"message":"Who pays for this?","type":"comment","v":1}"#, to: chain(s.id), as: .eve, in: eve)
        try assertCaught([chain(s.id)], from: eve, code: "comment.not-audience")
    }

    func testCommentOnAProposalBySomeoneOutsideTheRound() throws {
        // Eve (in 'finance' only) starts career-steps' comment chain with a comment event.
        let ana = try makeSharedReview()
        try addEve(ana)
        let eve = try makeClone("eve", as: .eve)
        let comments = "refs/quorum/proposals/\(slug)/comments"
        try gitOK(["update-ref", comments, try event(#"{"message":"Who pays for this?","type":"comment","v":1}"#, parents: [], as: .eve, in: eve)], in: eve)
        try assertCaught([comments], from: eve, code: "comment.not-audience")
    }

    // MARK: Derived fields copied or altered

    func testReviseCopyingTheApprovedRevisionsPatchId() throws {
        // Ben revises his approved suggestion to other text, claiming revision 1's (real) patch id.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let s = try suggest(in: ben, approvedBy: [.cai, .dee])
        let diff = try git(["diff-tree", "-p", s.base, s.revision], in: ben).text
        let patchId = try XCTUnwrap(try gitOK(["patch-id", "--stable"], in: ben, stdin: Data(diff.utf8)).split(separator: " ").first.map(String.init))
        let r = try revision(5, "The bonus cap is 99000 EUR.", on: s.base, as: .ben, in: ben)
        try append(#"{"base":"\#(s.base)","message":"Same change","patchId":"\#(patchId)","revision":"\#(r)","title":"Same change","type":"revise","v":1}"#, to: chain(s.id), as: .ben, in: ben)
        try gitOK(["update-ref", pin(s.id, 2), r], in: ben)
        try assertCaught([chain(s.id), pin(s.id, 2)], from: ben, code: "event.derived")
    }

    func testReviseNamingABaseThatIsNotTheRevisionsParent() throws {
        // Ben revises with a revision written on another commit while the event names the round head as its base.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let s = try suggest(in: ben)
        let elsewhere = try commitTree(try gitOK(["rev-parse", "\(s.base)^{tree}"], in: ben), parents: [], message: "Not the round\n", as: .ben, in: ben)
        let r = try revision(5, "The bonus cap is 1300 EUR.", on: elsewhere, as: .ben, in: ben)
        try append(#"{"base":"\#(s.base)","message":"Higher","revision":"\#(r)","title":"Higher","type":"revise","v":1}"#, to: chain(s.id), as: .ben, in: ben)
        try gitOK(["update-ref", pin(s.id, 2), r], in: ben)
        try assertCaught([chain(s.id), pin(s.id, 2)], from: ben, code: "event.derived")
    }

    func testMergeEventCopyingAnotherSuggestionsMergeCommit() throws {
        // Cai records Ben's unapproved suggestion as merged, naming the merge commit of another one.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let merged = try suggest(in: ben, approvedBy: [.cai, .dee])
        let other = try suggest(150, "Far away edit.", in: ben)
        try quorumOK(["merge", merged.id], as: .ben, in: ben)
        try quorumOK(["sync"], as: .ben, in: ben)
        let cai = try makeClone("cai", as: .cai)
        let mergeCommit = try gitOK(["rev-parse", roundBranch], in: cai)
        try append(#"{"commit":"\#(mergeCommit)","revision":"\#(other.revision)","type":"merge","v":1}"#, to: chain(other.id), as: .cai, in: cai)
        try assertCaught([chain(other.id)], from: cai, code: "event.derived")
    }

    func testMergeEventNamingACommitThatDoesNotExist() throws {
        // Cai records Ben's unapproved suggestion as merged, naming a made-up merge commit.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let cai = try makeClone("cai", as: .cai)
        try append(#"{"commit":"\#(String(repeating: "12345678", count: 5))","revision":"\#(s.revision)","type":"merge","v":1}"#, to: chain(s.id), as: .cai, in: cai)
        try assertCaught([chain(s.id)], from: cai, code: "event.derived")
    }

    func testMergeEventNamingAMergeCommitKeptOffTheRound() throws {
        // Cai records Ben's unapproved suggestion as merged, naming a merge of it he pushes to a branch of his own, not the round.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let cai = try makeClone("cai", as: .cai)
        let merge = try commitTree(try gitOK(["rev-parse", "\(s.revision)^{tree}"], in: cai), parents: [s.base, s.revision], message: mergeMessage(s.id, approvers: []), as: .cai, in: cai)
        try gitOK(["update-ref", "refs/heads/scratch", merge], in: cai)
        try append(#"{"commit":"\#(merge)","revision":"\#(s.revision)","type":"merge","v":1}"#, to: chain(s.id), as: .cai, in: cai)
        try assertCaught(["refs/heads/scratch", chain(s.id)], from: cai, code: "event.derived", inHistory: false)
        // In history such a merge event counts for nothing: the suggestion is not merged.
        XCTAssertEqual(try quorumOK(["show", s.id, "--json"], as: .cai, in: cai).object?["state"] as? String, "open")
    }

    func testMergeCommitClaimingAnApprovalThatWasNotGiven() throws {
        // Cai merges Ben's approved suggestion with the right text but an 'Approved-by: Ana' trailer Ana never gave.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben), approvedBy: [.cai, .dee])
        let cai = try makeClone("cai", as: .cai)
        let tree = try gitOK(["rev-parse", "\(s.revision)^{tree}"], in: cai)
        let merge = try commitTree(tree, parents: [s.base, s.revision], message: mergeMessage(s.id, approvers: [.ana, .cai, .dee]), as: .cai, in: cai)
        try gitOK(["update-ref", roundBranch, merge, s.base], in: cai)
        try assertCaught([roundBranch], from: cai, code: "merge.trailers")
    }

    // MARK: Round branches

    func testMergeCommitWhoseTreeIsNotTheApprovedChange() throws {
        // Cai merges Ben's approved suggestion, slipping an unapproved line into the merge commit's tree.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben), approvedBy: [.cai, .dee])
        let cai = try makeClone("cai", as: .cai)
        let approved = try gitOK(["cat-file", "blob", "\(s.revision):Proposals/\(slug)/framework.md"], in: cai)
        var lines = approved.components(separatedBy: "\n")
        lines[8] = "Nobody approved this line."
        let tree = try proposalTree(lines.joined(separator: "\n") + "\n", in: cai)
        let merge = try commitTree(tree, parents: [s.base, s.revision], message: mergeMessage(s.id, approvers: [.cai, .dee]), as: .cai, in: cai)
        try gitOK(["update-ref", roundBranch, merge, s.base], in: cai)
        try assertCaught([roundBranch], from: cai, code: "merge.tree")
    }

    func testMergeCommitOfASuggestionWithoutQuorum() throws {
        // Ben merges his own suggestion, approved by Cai alone, onto the round.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let s = try suggest(in: ben, approvedBy: [.cai])
        let merge = try commitTree(try gitOK(["rev-parse", "\(s.revision)^{tree}"], in: ben), parents: [s.base, s.revision], message: mergeMessage(s.id, approvers: [.cai]), as: .ben, in: ben)
        try gitOK(["update-ref", roundBranch, merge, s.base], in: ben)
        try assertCaught([roundBranch], from: ben, code: "merge.quorum")
    }

    func testDirectCommitOnARoundBranch() throws {
        // Ben commits his change straight onto round 1, with no suggestion and no pair.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let head = try gitOK(["rev-parse", roundBranch], in: ben)
        let direct = try revision(5, "The bonus cap is 5000 EUR.", on: head, as: .ben, in: ben)
        try gitOK(["update-ref", roundBranch, direct, head], in: ben)
        try assertCaught([roundBranch], from: ben, code: "round.commit")
    }

    func testPairEditBySomeoneOutsideTheAudience() throws {
        // Eve (in 'finance' only) commits a pair edit with Ben straight onto round 1.
        let ana = try makeSharedReview()
        try addEve(ana)
        let eve = try makeClone("eve", as: .eve)
        let head = try gitOK(["rev-parse", roundBranch], in: eve)
        let tree = try proposalTree(framework(replacing: 5, with: "The bonus cap is 7000 EUR."), in: eve)
        let edit = try commitTree(tree, parents: [head], message: "Pair work\n\nCo-authored-by: \(Teammate.ben.formatted)\nPair-edit: round 1\n", as: .eve, in: eve)
        try gitOK(["update-ref", roundBranch, edit, head], in: eve)
        try assertCaught([roundBranch], from: eve, code: "pair-edit.not-audience")
    }

    // MARK: Events on the wrong chain, and a second beginning

    func testApproveEventOnTheProposalsChain() throws {
        // Cai appends his approval of Ben's suggestion to the proposal's chain instead of the suggestion's.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let cai = try makeClone("cai", as: .cai)
        try append(#"{"revision":"\#(s.revision)","type":"approve","v":1}"#, to: meta(), as: .cai, in: cai)
        try assertCaught([meta()], from: cai, code: "chain.shape")
    }

    func testApprovalOfOneSuggestionOnAnotherSuggestionsChain() throws {
        // Cai appends an approval naming suggestion A's revision to suggestion B's chain.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let a = try suggest(in: ben)
        let b = try suggest(150, "Far away edit.", in: ben)
        let cai = try makeClone("cai", as: .cai)
        try append(#"{"revision":"\#(a.revision)","type":"approve","v":1}"#, to: chain(b.id), as: .cai, in: cai)
        try assertCaught([chain(b.id)], from: cai, code: "chain.shape")
    }

    func testResolveOfAnObjectionOnAnotherSuggestionsChain() throws {
        // Dee appends a resolve of her objection to suggestion A onto suggestion B's chain.
        try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let a = try suggest(in: ben)
        let b = try suggest(150, "Far away edit.", in: ben)
        let objection = try XCTUnwrap(try quorumOK(["object", a.id, "-m", "Finance has not agreed", "--json"], as: .dee, in: ben).object?["id"] as? String)
        try quorumOK(["sync"], as: .ben, in: ben)
        let dee = try makeClone("dee", as: .dee)
        try append(#"{"objection":"\#(objection)","type":"resolve","v":1}"#, to: chain(b.id), as: .dee, in: dee)
        try assertCaught([chain(b.id)], from: dee, code: "resolve.unknown")
    }

    func testSuggestionOfOneProposalFiledUnderAnother() throws {
        // Ben writes a suggestion of career-steps and puts its chain under the proposal 'pay'.
        let ana = try makeSharedReview()
        let doc = root.appendingPathComponent("pay.md")
        try Data("# Pay\n\nRule one.\n".utf8).write(to: doc)
        try quorumOK(["propose", "pay", "--title", "Pay", "--file", "pay.md=\(doc.path)"], in: ana)
        try quorumOK(["sync"], in: ana)
        let ben = try makeClone("ben", as: .ben)
        let head = try gitOK(["rev-parse", roundBranch], in: ben)
        let r = try revision(5, "The bonus cap is 1200 EUR.", on: head, as: .ben, in: ben)
        let id = try event(
            #"{"base":"\#(head)","documents":["framework.md"],"message":"Cap","revision":"\#(r)","round":1,"slug":"\#(slug)","title":"Cap","type":"suggest","v":1}"#,
            parents: [], as: .ben, in: ben)
        try gitOK(["update-ref", chain(id, of: "pay"), id], in: ben)
        try gitOK(["update-ref", pin(id, 1, of: "pay"), r], in: ben)
        // Its revision also changes files outside Proposals/pay/.
        try assertCaught([chain(id, of: "pay"), pin(id, 1, of: "pay")], from: ben, code: "chain.shape", also: ["revision.outside"])
    }

    func testSecondBeginningOfASuggestionsChainJoinedByAMerge() throws {
        // Cai writes a suggest event of his own and joins it into Ben's suggestion's chain with a merge.
        try makeSharedReview()
        let s = try suggest(in: try makeClone("ben", as: .ben))
        let cai = try makeClone("cai", as: .cai)
        let r = try revision(9, "Cai's line.", on: s.base, as: .cai, in: cai)
        let root = try event(
            #"{"base":"\#(s.base)","documents":["framework.md"],"message":"Mine","revision":"\#(r)","round":1,"slug":"\#(slug)","title":"Mine","type":"suggest","v":1}"#,
            parents: [], as: .cai, in: cai)
        let head = try gitOK(["rev-parse", chain(s.id)], in: cai)
        let empty = try gitOK(["mktree"], in: cai, stdin: Data())
        try gitOK(["update-ref", chain(s.id), try commitTree(empty, parents: [head, root], message: "Reconcile\n", as: .cai, in: cai), head], in: cai)
        try assertCaught([chain(s.id)], from: cai, code: "chain.shape", also: ["chain.shape"])
    }
}
