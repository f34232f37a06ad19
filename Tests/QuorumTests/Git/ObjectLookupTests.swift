import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Objects found as git finds them, at the cost of what is asked: a short
/// id resolves as `git rev-parse` resolves it, looking only at the loose
/// objects whose names match it, and an object is written without
/// rescanning `objects/pack` first (Quorum's changes to libgit2,
/// `scripts/libgit2-patches`; the last two tests fail against a libgit2
/// built without them).
final class ObjectLookupTests: QuorumTestCase {
    func testAShortIdResolvesAsGitResolvesIt() throws {
        let store = repo.appendingPathComponent("store")
        let repository = try Repository.create(at: store.path)
        // Blobs until two share their first four digits: that prefix is ambiguous.
        var ids: [ObjectID] = []
        var byPrefix: [String: Int] = [:]
        var ambiguous: String?
        while ambiguous == nil || ids.count < 600 {
            let id = try repository.writeBlob(Data(utf8: "blob \(ids.count)\n"))
            ids.append(id)
            let prefix = String(id.hex.prefix(4))
            byPrefix[prefix, default: 0] += 1
            if byPrefix[prefix] == 2, ambiguous == nil { ambiguous = prefix }
            XCTAssertLessThan(ids.count, 20_000, "no two blobs share four digits")
        }
        let twin = try XCTUnwrap(ambiguous)
        let prefixes = Set(ids.prefix(80).flatMap { id in [4, 5, 7, 40].map { String(id.hex.prefix($0)) } } + [twin, "0000", "abcdef0"])
        var unique = 0
        for prefix in prefixes.sorted() {
            let parsed = try git(["rev-parse", "--verify", "--quiet", prefix + "^{object}"], in: store)
            let expected = parsed.status == 0 ? parsed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
            XCTAssertEqual(repository.uniqueObject(prefix: prefix)?.hex, expected, "prefix \(prefix)")
            if expected != nil { unique += 1 }
        }
        XCTAssertNil(repository.uniqueObject(prefix: twin), "\(twin) names two blobs")
        XCTAssertGreaterThan(unique, 200)
    }

    private func strace() throws -> String {
        guard let strace = ["/usr/bin/strace", "/bin/strace"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw XCTSkip("strace is not installed ('make deps' installs it)")
        }
        return strace
    }

    /// The lines of `quorum args` traced by strace (every call that takes
    /// a file name: `%file`, whatever the architecture names them) that
    /// name `path`.
    private func traced(_ args: [String], naming path: String, as person: Person = .ana) throws -> [String] {
        let log = tmp.appendingPathComponent("strace-\(UUID().uuidString).log")
        let result = try execute(try strace(), ["-f", "-e", "trace=%file", "-o", log.path, TestEnvironment.binary] + args,
                                 environment: environment(for: person), in: repo)
        XCTAssertEqual(result.status, 0, "quorum \(args.joined(separator: " ")): \(result.stderr)")
        return String(decoding: try Data(contentsOf: log), as: UTF8.self).split(separator: "\n").map(String.init).filter { $0.contains(path) }
    }

    /// A short id looks only at the loose objects whose names match it: with
    /// 500 more entries in its directory of `objects`, `show` still touches
    /// a handful of paths there (libgit2 unchanged made a stat of each).
    func testAShortIdLooksOnlyAtTheLooseObjectsItMatches() throws {
        try careerSteps()
        let s = try suggest(replacingLine(frameworkParagraphLines[0], of: TestEnvironment.framework, with: "Rewritten."), message: "Rewrite", as: .ben)
        let fanOut = String(s.id.prefix(2)), prefix = String(s.id.prefix(8))
        let directory = repo.appendingPathComponent(".git/objects/\(fanOut)")
        // Decoys named as loose objects, none matching the prefix (removed
        // after, so that nothing reads them): only a stat would find them.
        var decoys: [URL] = []
        for number in 0..<500 {
            let name = "ff" + String(format: "%036x", number)
            XCTAssertFalse((fanOut + name).hasPrefix(prefix))
            let decoy = directory.appendingPathComponent(name)
            try Data("not an object".utf8).write(to: decoy)
            decoys.append(decoy)
        }
        defer { for decoy in decoys { try? FileManager.default.removeItem(at: decoy) } }

        let lines = try traced(["show", prefix], naming: "/objects/\(fanOut)/")
        XCTAssertLessThanOrEqual(lines.count, 10, "resolving \(prefix) looked at \(lines.count) paths in objects/\(fanOut):\n" + lines.prefix(20).joined(separator: "\n"))
        let own = "/objects/\(fanOut)/\(s.id.dropFirst(2))"
        XCTAssertTrue(lines.contains { $0.contains(own) }, "the suggestion's own object was not read:\n" + lines.joined(separator: "\n"))
    }

    /// Objects are written without rescanning `objects/pack`: a merge (eight
    /// objects written) reads that directory when the repository is opened,
    /// and not again for each object (libgit2 unchanged: nine times).
    func testWritingObjectsDoesNotRescanThePacks() throws {
        try careerSteps()
        let texts = frameworkParagraphLines.prefix(2).map { replacingLine($0, of: TestEnvironment.framework, with: "Paragraph \($0), rewritten.") }
        let made = try texts.map { text in
            let s = try suggest(text, message: "Rewrite", as: .ben)
            for approver in [Person.cai, .dee] { _ = try open(as: approver).approve(s.id, message: nil) }
            return s
        }
        _ = try open(as: .ana).merge(made[0].id)
        let written = Set(try gitOK(["rev-list", "--all", "--objects"]).split(separator: "\n"))
        let scans = try traced(["merge", made[1].id], naming: "/objects/pack")
            .filter { $0.contains("O_DIRECTORY") }
        let after = Set(try gitOK(["rev-list", "--all", "--objects"]).split(separator: "\n"))
        XCTAssertGreaterThanOrEqual(after.subtracting(written).count, 5, "the merge wrote fewer objects than it should")
        XCTAssertLessThanOrEqual(scans.count, 2, "objects/pack was read \(scans.count) times:\n" + scans.joined(separator: "\n"))
    }
}
