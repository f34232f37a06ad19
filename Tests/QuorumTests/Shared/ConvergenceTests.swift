import Foundation
import XCTest

/// Offline work in several clones converges: random review operations run
/// as separate `quorum` processes in 2-3 clones of a shared repository with
/// the hooks installed, synced in random orders; then every clone syncs
/// until nothing changes, and all of them and the shared repository hold
/// the same refs under refs/quorum/, the same round branches and version
/// tags, each at the same commit — and `quorum verify` is clean.
///
/// Trials use fixed seeds (`QUORUM_CONVERGENCE_TRIALS` sets how many,
/// default 100; `QUORUM_CONVERGENCE_SEED` the first seed), so a failure
/// names the seed that reproduces it.
final class ConvergenceTests: SharedRepositoryTestCase {
    private let people: [Teammate] = [.ana, .ben, .cai, .dee]
    private let document = (1...12).map { "Paragraph \($0) of the policy." }.joined(separator: "\n") + "\n"

    func testRandomOfflineWorkConvergesOnEveryClone() throws {
        let environment = ProcessInfo.processInfo.environment
        let trials = Int(environment["QUORUM_CONVERGENCE_TRIALS"] ?? "") ?? 100
        let first = UInt64(environment["QUORUM_CONVERGENCE_SEED"] ?? "") ?? 1
        let seeds = Array(first..<(first + UInt64(trials)))
        // Two trials at a time (the machine has two cores); each reports its
        // problems, and they are asserted here, on the test's own thread.
        let results = Results()
        // The trials share nothing but `results`; each has its own directories.
        nonisolated(unsafe) let test = self
        DispatchQueue.concurrentPerform(iterations: 2) { lane in
            for seed in seeds.enumerated().filter({ $0.offset % 2 == lane }).map(\.element) {
                let problems: [String]
                do {
                    problems = try test.trial(seed: seed)
                } catch {
                    problems = ["\(error)"]
                }
                if !problems.isEmpty { results.add(seed, problems) }
            }
        }
        for failure in results.failures.sorted(by: { $0.seed < $1.seed }) {
            XCTFail("trial with seed \(failure.seed) did not converge (rerun it alone with QUORUM_CONVERGENCE_SEED=\(failure.seed) QUORUM_CONVERGENCE_TRIALS=1):\n" + failure.problems.joined(separator: "\n"))
        }
    }

    /// The failed trials, collected from both lanes.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var collected: [(seed: UInt64, problems: [String])] = []
        func add(_ seed: UInt64, _ problems: [String]) {
            lock.lock()
            collected.append((seed, problems))
            lock.unlock()
        }
        var failures: [(seed: UInt64, problems: [String])] {
            lock.lock()
            defer { lock.unlock() }
            return collected
        }
    }

    /// `quorum` or `git` that must succeed; throws what it said otherwise.
    private struct Failed: Error, CustomStringConvertible { let description: String }
    private func must(_ outcome: ToolOutcome, _ what: String) throws -> ToolOutcome {
        guard outcome.status == 0 else { throw Failed(description: "\(what): exit \(outcome.status): \(outcome.errors)") }
        return outcome
    }

    /// One trial; the problems it found (none when the clones converged).
    private func trial(seed: UInt64) throws -> [String] {
        var dice = Dice(state: seed)
        var problems: [String] = []
        let place = root.appendingPathComponent("trial-\(seed)")
        let shared = place.appendingPathComponent("shared.git")
        try FileManager.default.createDirectory(at: place, withIntermediateDirectories: true)
        _ = try must(git(["init", "-q", "--bare", shared.path], in: place), "git init")
        _ = try must(quorum(["hooks", "install", shared.path], in: place), "hooks install")
        let lead = place.appendingPathComponent("ana")
        _ = try must(quorum(["init", lead.path], in: place), "init")
        for person in people.dropFirst() { _ = try must(quorum(["member", "add", person.email, "--name", person.name], in: lead), "member add") }
        let text = place.appendingPathComponent("doc.md")
        try Data(document.utf8).write(to: text)
        _ = try must(quorum(["propose", "pol", "--file", "doc.md=\(text.path)"], in: lead), "propose")
        _ = try must(git(["remote", "add", "origin", shared.path], in: lead), "remote add")
        _ = try must(quorum(["sync"], in: lead), "sync")
        var clones = [lead]
        for name in ["two", "three"].prefix(1 + dice.below(2)) {
            let clone = place.appendingPathComponent(name)
            _ = try must(git(["clone", "-q", shared.path, clone.path], in: place), "clone")
            _ = try must(quorum(["sync"], in: clone), "sync")
            clones.append(clone)
        }
        let steps = 10 + dice.below(6)
        var log: [String] = []
        for step in 0..<steps {
            guard let clone = dice.pick(clones), let who = dice.pick(people) else { continue }
            let outcome = try operate(&dice, step: step, in: clone, as: who, place: place, log: &log)
            // A rule may refuse (1) or the input be unusable (64); nothing
            // may fail underneath (70) or crash.
            if let outcome, ![0, 1, 64].contains(outcome.status) {
                problems.append("step \(step): exit \(outcome.status): \(outcome.errors)")
            }
        }
        // Every clone syncs until a whole round of syncs changes nothing.
        var settled = false
        for _ in 0..<4 where !settled {
            settled = true
            for clone in clones {
                let synced = try quorum(["sync", "--json"], in: clone)
                if synced.status != 0 { problems.append("sync in \(clone.lastPathComponent): exit \(synced.status): \(synced.errors)") }
                for key in ["received", "reconciled", "replayed", "sent", "undone"] where !(synced.object?[key] as? [Any] ?? []).isEmpty {
                    settled = false
                }
            }
        }
        if !settled { problems.append("still changing after 4 rounds of syncs") }
        let expected = try quorumRefs(shared)
        for clone in clones where try quorumRefs(clone) != expected {
            problems.append("\(clone.lastPathComponent) differs from the shared repository")
        }
        let verified = try quorum(["verify"], in: clones[dice.below(clones.count)])
        if verified.status != 0 { problems.append("verify: \(verified.text)\(verified.errors)") }
        if problems.isEmpty {
            try? FileManager.default.removeItem(at: place)
            return []
        }
        return problems + ["operations:"] + log + ["kept: \(place.path)"]
    }

    /// The clone's current text with one random paragraph rewritten, in a file; its path.
    private func edited(_ dice: inout Dice, in clone: URL, as note: String, to file: URL) throws -> String {
        var lines = try quorum(["cat", "pol"], in: clone).text.components(separatedBy: "\n")
        let line = dice.below(12)
        lines[line] = "Paragraph \(line + 1), \(note)."
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        return file.path
    }

    /// One random operation; nil when there was nothing to do it on.
    private func operate(_ dice: inout Dice, step: Int, in clone: URL, as who: Teammate, place: URL, log: inout [String]) throws -> ToolOutcome? {
        let listed = try quorum(["list", "--json"], in: clone)
        let suggestions = (try? JSONSerialization.jsonObject(with: listed.output)) as? [[String: Any]] ?? []
        let live = suggestions.filter { ["open", "approved", "conflicted"].contains($0["state"] as? String ?? "") }
        let id = dice.pick(live)?["id"] as? String
        func run(_ args: [String], as person: Teammate = who) throws -> ToolOutcome {
            log.append("\(clone.lastPathComponent) \(person.email.prefix(3)): quorum \(args.joined(separator: " "))")
            return try quorum(args, as: person, in: clone)
        }
        switch dice.below(9) {
        case 0, 1:
            let file = try edited(&dice, in: clone, as: "edited at step \(step) by \(who.name)", to: place.appendingPathComponent("edit-\(step).md"))
            return try run(["suggest", "pol", "-m", "Step \(step)", "--file", "doc.md=\(file)"])
        case 2, 3:
            guard let id else { return nil }
            return try run(["approve", id])
        case 4:
            guard let id else { return nil }
            return try run(["comment", id, "-m", "Step \(step) comment"])
        case 5:
            guard let id else { return nil }
            return try run(["object", id, "-m", "Step \(step) objection"])
        case 6:
            guard let id else { return nil }
            let shown = try quorum(["show", id, "--json"], in: clone).object
            let open = (shown?["objections"] as? [[String: Any]] ?? []).filter { $0["open"] as? Bool == true }
            guard let objection = dice.pick(open), let by = email(objection["by"]),
                  let objector = people.first(where: { $0.email == by }) else { return nil }
            return try run(["resolve", id, String((objection["id"] as? String ?? "").prefix(8))], as: objector)
        case 7:
            guard let summary = dice.pick(live), let id = summary["id"] as? String,
                  let author = people.first(where: { $0.email == email(summary["author"]) }) else { return nil }
            let file = try edited(&dice, in: clone, as: "revised at step \(step)", to: place.appendingPathComponent("revise-\(step).md"))
            return try run(["revise", id, "-m", "Revised at step \(step)", "--file", "doc.md=\(file)"], as: author)
        default:
            if dice.below(2) == 0, let id { return try run(["merge", "--local", id]) }
            return try run(["sync"])
        }
    }
}
