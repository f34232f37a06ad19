import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Every stored property of every result that `--json` prints reaches its
/// JSON. The result types keep their Swift properties and write
/// themselves by hand (JSONEncoding.swift), so a property added to one of
/// them is silently left out of the JSON until someone adds it to its
/// `encode(to:)`; JSONSchemaTests cannot see that (a schema forbids
/// fields it does not name, not ones missing). This test lists each
/// result's stored properties with `Mirror`, into the results nested in it
/// that have a shape of their own, and finds each in the encoded JSON:
/// under its own name, or as `written` below says.
///
/// The values come from a real repository through the operations the
/// commands call. Where the operations leave an optional property nil in
/// every value (no damaged event, no rename, no mode change …), a copy of a
/// real value is given one, so that every property is seen with a value at
/// least once: a property nil in every sample fails the test, since its
/// JSON could not be seen.
///
/// Not reached from here: the few small wrappers the commands build in the
/// quorum executable (`cat`'s, `diff`'s, `export`'s, `inbox`'s, `init`'s,
/// `member add`'s, `member list`'s, `member key`'s and `allowed-signers`'
/// results); they are Encodable as Swift synthesizes it, which writes every
/// stored property, and what they wrap is checked here.
final class JSONFieldsTests: QuorumTestCase {
    /// How a stored property is written when not as a field of its own name.
    enum Written {
        /// Under another name.
        case renamed(String)
        /// As `field` of the object under `key` (a person's name beside their email).
        case inside(String, field: String)
        /// Its own fields are written beside its owner's.
        case flattened
        /// Written under its own name as it is, not as a result of its own:
        /// its fields are not checked (the reason).
        case verbatim(String)
        /// Not written at all, on purpose (the reason).
        case omitted(String)
    }

    /// The exceptions, by "Type.property". Everything else is written under
    /// its own name. Keep each reason: docs/json.md is where the names are
    /// documented. (No property is left out on purpose today; one that is
    /// gets `.omitted` with why.)
    static let written: [String: Written] = [
        // Times are RFC 3339 strings in fields whose names end in `At`.
        "SuggestionSummary.created": .renamed("createdAt"),
        "SuggestionDetail.created": .renamed("createdAt"),
        "RevisionReport.date": .renamed("createdAt"),
        "CommentReport.date": .renamed("createdAt"),
        "LogEntry.date": .renamed("committedAt"),
        "Round.opened": .renamed("openedAt"),
        "VersionReport.date": .renamed("cutAt"),
        "ChangeEntry.date": .renamed("mergedAt"),
        "EventNotification.time": .renamed("createdAt"),
        "MemberKey.validAfter": .renamed("addedAt"),
        "MemberKey.validBefore": .renamed("revokedAt"),
        // A person is one object {name, email}: a name kept beside an email
        // is that object's `name`.
        "SuggestionDetail.authorName": .inside("author", field: "name"),
        "CommentReport.name": .inside("author", field: "name"),
        "EventNotification.actorName": .inside("actor", field: "name"),
        "ApprovalReport.email": .inside("by", field: "email"),
        "ApprovalReport.name": .inside("by", field: "name"),
        "ChangeEntry.approvers": .renamed("approvedBy"),
        "MemberKey.email": .renamed("member"),
        // `revision` is a revision's number; its commit is `revisionCommit`.
        "ApprovalReport.revision": .renamed("revisionCommit"),
        "ApproveResult.revision": .renamed("revisionCommit"),
        "SuggestResult.revision": .renamed("revisionCommit"),
        "RevisionResult.commit": .renamed("revisionCommit"),
        "RevisionReport.number": .renamed("revision"),
        "RevisionReport.commit": .renamed("revisionCommit"),
        // `round` is a round's number; a round object goes by another name.
        "ProposalStatus.round": .renamed("openRound"),
        "ForkResult.round": .renamed("newRound"),
        "RoundReport.round": .flattened,
        // A word diff's operation: its bytes are written as text.
        "WordDiff.Operation.kind": .renamed("op"),
        "WordDiff.Operation.bytes": .renamed("text"),
        // The event as stored, passed on to the notification command as it
        // is: its format is EventRecord's, versioned by its own `v` field,
        // not one of docs/json.md's shapes.
        "EventNotification.record": .verbatim("the stored event format, not a JSON shape of docs/json.md"),
    ]

    /// Encodes as `Output.json` does (the CLI's only JSON writer): times by
    /// JSONTime, names of people from the roster.
    private func encode(_ value: any Encodable, names: [String: String]) throws -> Any {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(JSONTime.string(date))
        }
        encoder.userInfo[.quorumNames] = names
        return try JSONSerialization.jsonObject(with: try encoder.encode(value), options: [.fragmentsAllowed])
    }

    /// What the walk found: each "Type.property" met, and those met with a value.
    struct Coverage {
        var met: Set<String> = []
        var withValue: Set<String> = []
        /// Properties not found in the JSON: where, and what was looked for.
        var problems: [(property: String, text: String)] = []
    }

    static func typeName(_ value: Any) -> String {
        var name = String(reflecting: type(of: value))
        if name.hasPrefix("QuorumCore.") { name.removeFirst("QuorumCore.".count) }
        return name
    }

    /// Nil for an optional holding nothing, else the value (unwrapped).
    static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        guard let some = mirror.children.first else { return nil }
        return unwrapped(some.value)
    }

    /// Checks every stored property of `value` (a struct) against `json`
    /// (its object), and goes on into the results nested in it.
    static func walk(_ value: Any, _ json: [String: Any], at path: String, into coverage: inout Coverage) {
        let type = typeName(value)
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            let property = "\(type).\(label)"
            coverage.met.insert(property)
            let here = "\(path).\(label)"
            guard let inner = unwrapped(child.value) else {
                // Nil here: it may be left out; another sample must show it.
                continue
            }
            switch written[property] ?? .renamed(label) {
            case .omitted:
                coverage.withValue.insert(property)
            case .flattened:
                coverage.withValue.insert(property)
                walkValue(inner, json, at: here, into: &coverage)
            case .verbatim:
                if json[label] == nil || json[label] is NSNull {
                    coverage.problems.append((property, "\(here) (\(property)) is not in the JSON as '\(label)'"))
                } else {
                    coverage.withValue.insert(property)
                }
            case .inside(let key, let field):
                guard let object = json[key] as? [String: Any], let found = object[field], !(found is NSNull) else {
                    coverage.problems.append((property, "\(here) (\(property)) is not in the JSON as '\(key).\(field)'"))
                    continue
                }
                _ = found
                coverage.withValue.insert(property)
            case .renamed(let key):
                guard let found = json[key], !(found is NSNull) else {
                    coverage.problems.append((property, "\(here) (\(property)) is not in the JSON as '\(key)'"))
                    continue
                }
                coverage.withValue.insert(property)
                walkValue(inner, found, at: here, into: &coverage)
            }
        }
    }

    /// Goes into a property's value where it is a result of its own: a
    /// struct written as an object, or an array of them.
    static func walkValue(_ value: Any, _ json: Any, at path: String, into coverage: inout Coverage) {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .struct:
            if let object = json as? [String: Any] { walk(value, object, at: path, into: &coverage) }
        case .collection:
            guard let array = json as? [Any] else { return }
            let elements = mirror.children.map(\.value)
            guard elements.count == array.count else {
                coverage.problems.append((path, "\(path) has \(elements.count) elements and its JSON \(array.count)"))
                return
            }
            for (index, element) in elements.enumerated() {
                if let inner = unwrapped(element) { walkValue(inner, array[index], at: "\(path)[\(index)]", into: &coverage) }
            }
        default:
            break
        }
    }

    /// Checks each sample; then that every property met was seen with a
    /// value somewhere, and that every exception above was met.
    func check(_ samples: [(String, any Encodable)], names: [String: String], file: StaticString = #filePath, line: UInt = #line) throws -> Coverage {
        var coverage = Coverage()
        for (what, sample) in samples {
            let json = try encode(sample, names: names)
            Self.walkValue(sample, json, at: what, into: &coverage)
        }
        var reported: Set<String> = []
        for problem in coverage.problems where reported.insert(problem.property).inserted {
            XCTFail("\(problem.text): add it to the type's encode(to:) in JSONEncoding.swift, its schema in docs/schema and docs/json.md, or say in JSONFieldsTests.written how it is written", file: file, line: line)
        }
        for property in coverage.met.subtracting(coverage.withValue).subtracting(reported).sorted() {
            XCTFail("\(property) is nil in every sample, so whether its JSON writes it cannot be seen: give a sample a value for it", file: file, line: line)
        }
        for property in Set(Self.written.keys).subtracting(coverage.met).sorted() {
            XCTFail("JSONFieldsTests.written names \(property), which no sample has: remove it, or add a sample", file: file, line: line)
        }
        return coverage
    }

    private let slug = "career-steps"

    private func document(_ text: String, name: String = "framework.md") -> [DocumentInput] {
        [DocumentInput(name: name, text: Data(text.utf8), source: "test")]
    }

    /// framework.md as the round has it now (the proposed text before
    /// `review` is given), with line `number` replaced.
    private func edited(_ number: Int, _ text: String, on review: ReviewRepository? = nil) throws -> String {
        let current = try review.map { String(decoding: try $0.text(slug: slug, document: "framework.md"), as: UTF8.self) } ?? TestEnvironment.framework
        return replacingLine(number, of: current, with: text)
    }

    func testEveryStoredPropertyOfEveryResultReachesItsJSON() throws {
        var samples: [(String, any Encodable)] = []
        let lead = try initialize(as: .ana)
        for person in [Person.ben, .cai, .dee] {
            try lead.addMember(email: person.email, name: person.name, groups: [], lead: nil)
        }
        let imported = try lead.importMembers([MemberRow(row: 1, email: Person.eve.email, name: Person.eve.name, groups: ["everyone"], lead: false)], dryRun: false)
        samples.append(("member import", imported))
        var policy = try lead.roster().policy
        policy.requireSignatures = false
        samples.append(("policy", policy))
        samples.append(("propose", try lead.propose(slug: slug, title: "Engineering Career Steps", documents: document(TestEnvironment.framework))))

        // A suggestion through its life: a co-author, an approval with a
        // message, an objection a lead overrides, comments on lines, on a
        // section and as a reply, a revision, a merge.
        let first = try open(as: .ben).suggest(slug: slug, message: "Five\n\nWhy five.", documents: document(try edited(5, "Line five, changed.")), coAuthors: [Person.eve.email])
        samples.append(("suggest", first))
        // Another on the same line, approved, to conflict when it is merged second.
        let clash = try suggest(try edited(5, "Line five, otherwise."), message: "Five otherwise", as: .cai)
        samples.append(("approve", try open(as: .cai).approve(first.id, message: "Clear")))
        let objection = try open(as: .dee).object(first.id, reason: "Why?")
        samples.append(("object", objection))
        samples.append(("resolve", try lead.resolve(first.id, objection: objection.id, override: true, reason: "Answered in the meeting")))
        let onLines = try open(as: .dee).comment(on: first.id, text: "On lines", document: "framework.md", lines: 3...4, section: nil, reply: nil)
        samples.append(("comment", onLines))
        samples.append(("comment", try open(as: .ben).comment(on: first.id, text: "A reply", document: nil, lines: nil, section: nil, reply: onLines.id)))
        samples.append(("comment", try open(as: .dee).comment(on: slug, text: "On a section", document: "framework.md", lines: nil, section: "Technical Craft", reply: nil)))
        samples.append(("revise", try open(as: .ben).revise(first.id, message: "Five again", documents: document(try edited(5, "Line five, changed again.")))))
        samples.append(("show --interdiff", try lead.interdiff(first.id, from: 1, to: 2)))
        for approver in [Person.cai, .dee] { _ = try open(as: approver).approve(first.id, message: nil) }
        for approver in [Person.ben, .dee] { _ = try open(as: approver).approve(clash.id, message: nil) }
        var merged = try open(as: .ben).merge(first.id)
        merged.workTree = repo.path
        samples.append(("merge", merged))
        let shown = try lead.show(first.id, diff: true)
        samples.append(("show", shown))
        XCTAssertThrowsError(try open(as: .cai).merge(clash.id), "the clash must conflict")
        samples.append(("show", try lead.show(clash.id, diff: false)))
        samples.append(("withdraw", try open(as: .cai).withdraw(clash.id, reason: "Overtaken")))
        // An approval with a message, gone stale: it no longer counts, and says why.
        let rejected = try suggest(try edited(32, "Thirty-two.", on: lead), message: "Thirty-two", as: .dee)
        _ = try open(as: .cai).approve(rejected.id, message: "Fine")
        _ = try open(as: .dee).revise(rejected.id, message: "Thirty-two again", documents: document(try edited(32, "Thirty-two, again.", on: lead)))
        samples.append(("show", try lead.show(rejected.id, diff: false)))
        samples.append(("reject", try lead.reject(rejected.id, reason: "No")))
        samples.append(("show", try lead.show(rejected.id, diff: false)))
        // What the operations leave nil here: a detail that never merges,
        // a damaged event, a renamed file whose mode changed.
        let damage = DamagedEvent(ref: Layout.suggestionMeta(slug, try XCTUnwrap(ObjectID(hex: first.id))), commit: first.id, reason: "is malformed: it lacks 'revision'", remedy: DamagedEvent.notQuorums)
        var diff = try XCTUnwrap(shown.wordDiff?.first)
        diff = DocumentDiff(
            path: diff.path, document: diff.document, status: .renamed, oldPath: "Proposals/\(slug)/old.md", oldDocument: "old.md", similarity: 90,
            oldBlob: diff.oldBlob ?? diff.newBlob, newBlob: diff.newBlob, mode: diff.mode, oldMode: "100755", binary: diff.binary, hunks: diff.hunks)
        var unmergeable = SuggestionDetail(
            id: shown.id, slug: shown.slug, round: shown.round, title: shown.title, message: shown.message, author: shown.author,
            authorName: shown.authorName, created: shown.created, state: .damaged, quorum: shown.quorum, revision: shown.revision,
            revisionCommit: shown.revisionCommit, base: shown.base, documents: shown.documents, approvals: shown.approvals,
            mergedAs: shown.mergedAs, mergedBy: shown.mergedBy, coAuthors: shown.coAuthors, revisions: shown.revisions,
            objections: shown.objections, comments: shown.comments, endedBy: shown.endedBy, endReason: shown.endReason,
            conflictedWith: shown.conflictedWith, neverMerges: "its first event is not signed", diff: shown.diff, wordDiff: [diff])
        unmergeable.damaged = damage
        samples.append(("show (damaged)", unmergeable))

        // A pair edit, a rebase onto it, a version, a fork that carries.
        let later = try suggest(try edited(93, "Ninety-three.", on: lead), message: "Ninety-three", as: .ben)
        var paired = try lead.pairEdit(slug: slug, message: "Pair", pair: Person.ben.email, documents: document(try edited(51, "Pair edit.", on: lead)))
        paired.workTree = repo.path
        samples.append(("edit", paired))
        samples.append(("rebase", try open(as: .ben).rebase(later.id)))
        samples.append(("log", try lead.history(slug: slug)))
        samples.append(("cut", try lead.cut(slug: slug, version: "v1", notes: "First", force: false)))
        samples.append(("versions", try lead.versions(slug: slug)))
        let forked = try lead.fork(slug: slug, name: "managers", audience: ["working-group"], approvers: nil, quorum: nil, carry: .all, strict: false)
        XCTAssertFalse(forked.carried.isEmpty, "the fork must carry the open suggestion")
        samples.append(("fork", forked))
        samples.append(("rounds", try lead.rounds(slug: slug)))

        // The read commands.
        var summaries = try lead.list()
        samples.append(("list", summaries))
        summaries[0].damaged = damage
        samples.append(("list (damaged)", summaries))
        var statuses = try lead.status(slug: slug)
        samples.append(("status", statuses))
        statuses[0].damaged = damage
        samples.append(("status (damaged)", statuses))
        samples.append(("show SLUG", try lead.showProposal(slug)))
        let inbox = try open(as: .cai).inbox()
        XCTAssertFalse(inbox.items.isEmpty, "Cai has the carried suggestion to approve")
        samples.append(("inbox", inbox.items))
        let verified = try lead.verify()
        samples.append(("verify", verified))
        let rejection = PushRejection(ref: Layout.roundBranch(slug, 1), object: try XCTUnwrap(ObjectID(hex: first.id)), refusal: Refusal(.eventMalformed, "is malformed", remedy: "repair it"), actor: Person.ben.formatted)
        samples.append(("verify (violation)", VerifyReport(slug: slug, checked: verified.checked, violations: [rejection])))

        // The shared repository: hooks, a sync, the notification lines.
        let bare = tmp.appendingPathComponent("shared.git")
        XCTAssertEqual(try git(["init", "-q", "--bare", bare.path]).status, 0)
        samples.append(("hooks install", try ServerHooks.install(into: bare.path, binary: TestEnvironment.binary)))
        XCTAssertEqual(try git(["remote", "add", "origin", bare.path]).status, 0)
        // A handle reads its config once, as git does per process: the
        // remote git just added is seen by a handle opened after it.
        var synced = try open(as: .ana).sync(remote: "origin")
        XCTAssertFalse(synced.sent.isEmpty)
        synced.received = synced.sent
        synced.reconciled = synced.sent
        synced.replayed = synced.sent
        synced.problems = [SyncProblem(ref: Layout.roundBranch(slug, 2), reason: "the remote moved")]
        synced.undone = synced.problems
        synced.workTree = repo.path
        samples.append(("sync", synced))
        let chain = Layout.suggestionMeta(slug, try XCTUnwrap(ObjectID(hex: first.id)))
        let notified = try SharedRepository(git: lead.git).notifications(for: [PushedRef(name: chain, old: nil, new: try lead.git.referenceTarget(chain))])
        XCTAssertFalse(notified.isEmpty)
        samples.append(("notification", notified))

        // The roster's SSH keys (`member list`), one added and revoked.
        let key = tmp.appendingPathComponent("key").path
        let made = try execute("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", Person.ben.email, "-f", key], environment: environment(for: nil))
        XCTAssertEqual(made.status, 0, made.stderr)
        let publicKey = try SSHPublicKey(line: try String(contentsOfFile: key + ".pub", encoding: .utf8))
        _ = try lead.addKey(email: Person.ben.email, key: publicKey)
        _ = try lead.revokeKey(email: Person.ben.email, key: publicKey)
        samples.append(("member list", try lead.roster().keys))

        let names = Dictionary(uniqueKeysWithValues: [Person.ana, .ben, .cai, .dee, .eve].map { ($0.email, $0.name) })
        let coverage = try check(samples, names: names)
        // The walk went into the nested results, not only the top level.
        for nested in ["Round.openedBy", "ApprovalReport.reason", "CommentReport.replyTo", "CommentAnchor.section", "WordDiff.Operation.bytes", "PushRejection.hint", "Member.lead", "ServerHooks.Status.binary", "MemberKey.revokedBy"] {
            XCTAssertTrue(coverage.withValue.contains(nested), "\(nested) was not reached")
        }
    }
}
