import Foundation
import XCTest

/// README.md's walk-through ("A review cycle, step by step", continued in
/// "Rounds and official versions"), run as a reader would run it.
///
/// Each of its shell blocks follows a marker, invisible on the rendered
/// page, naming who runs it: `<!-- walkthrough: bob -->`. Each person (and
/// the git host, `git.example.com`) gets a directory of their own, which is
/// also their HOME; their blocks run there one after another with
/// `bash -e -o pipefail`, each starting where their last one ended (its
/// directory, its shell variables and exports), as in a terminal of their
/// own. Nobody is given an identity: the README must set it.
///
/// The commands run as written, with one substitution: the shared
/// repository's address (`/srv/git/…` on the host, `ssh://git.example.com/srv/git/…`
/// from the clones) becomes a directory standing for the host's `/srv/git`,
/// so the clones reach it as a local path. A line whose comment says
/// `refused (exit N): TEXT` must exit N and say TEXT on standard error.
final class ReadmeWalkthroughTests: QuorumTestCase {
    /// One shell block of the walk-through.
    struct Block {
        /// Who runs it, as the marker names them (`ana`, `git.example.com`).
        let place: String
        /// The README line number of the block's first line (after the fence).
        let firstLine: Int
        let lines: [String]
    }

    static let marker = try! NSRegularExpression(pattern: #"^<!-- walkthrough: ([a-z0-9.-]+) -->$"#)
    /// The one substitution: the shared repository's address, however it is named.
    static let sharedAddress = try! NSRegularExpression(pattern: #"(ssh://git\.example\.com)?/srv/git/"#)
    static let refusedLine = try! NSRegularExpression(pattern: #"^(.*\S)\s+#\s*refused \(exit ([0-9]+)\)(?::\s*(.*\S))?\s*$"#)

    /// The walk-through's blocks, in README order. Fails on a marker not
    /// followed by a ```sh block, or whose person the text before it does
    /// not name.
    static func blocks(of readme: String) throws -> [Block] {
        let lines = readme.components(separatedBy: "\n")
        var blocks: [Block] = []
        var prose = ""  // the text since the last fenced block
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let range = NSRange(line.startIndex..., in: line)
            if let match = marker.firstMatch(in: line, range: range), let nameRange = Range(match.range(at: 1), in: line) {
                let place = String(line[nameRange])
                // The person is named in the README's text too, not only in the hidden marker.
                let shown = place.contains(".") ? place : place.prefix(1).uppercased() + place.dropFirst()
                guard prose.contains(shown) else {
                    throw WalkthroughError("README.md line \(index + 1): the text before this block does not say that \(shown) runs it")
                }
                guard index + 1 < lines.count, lines[index + 1] == "```sh" else {
                    throw WalkthroughError("README.md line \(index + 1): a walk-through marker must be followed by a ```sh block")
                }
                var body: [String] = []
                var end = index + 2
                while end < lines.count, lines[end] != "```" {
                    body.append(lines[end])
                    end += 1
                }
                guard end < lines.count else { throw WalkthroughError("README.md line \(index + 2): the block never ends") }
                blocks.append(Block(place: place, firstLine: index + 3, lines: body))
                prose = ""
                index = end + 1
                continue
            }
            if line.hasPrefix("```") {
                prose = ""
                // Skip any other fenced block whole.
                index += 1
                while index < lines.count, !lines[index].hasPrefix("```") { index += 1 }
            } else {
                prose += line + "\n"
            }
            index += 1
        }
        return blocks
    }

    struct WalkthroughError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// A block as a bash script: line 1 restores the person's shell, the
    /// block's lines follow one for one (so bash's line N+1 is the block's
    /// line N), and the last line saves the shell for their next block.
    func script(for block: Block, place: URL, sharedRoot: URL) -> String {
        let state = place.appendingPathComponent(".walkthrough-state").path
        let errors = place.appendingPathComponent(".walkthrough-stderr").path
        let prelude = "set -e -o pipefail; trap 'echo \"__walkthrough_failed $LINENO $?\" >&2' ERR; "
            + "if [ -f '\(state)' ]; then . '\(state)'; else cd '\(place.path)'; fi"
        var body: [String] = []
        for line in block.lines {
            let substituted = Self.sharedAddress.stringByReplacingMatches(
                in: line, range: NSRange(line.startIndex..., in: line),
                withTemplate: NSRegularExpression.escapedTemplate(for: sharedRoot.path + "/"))
            let range = NSRange(substituted.startIndex..., in: substituted)
            guard let refused = Self.refusedLine.firstMatch(in: substituted, range: range),
                  let command = Range(refused.range(at: 1), in: substituted),
                  let code = Range(refused.range(at: 2), in: substituted) else {
                body.append(substituted)
                continue
            }
            // The command as written; its status and standard error are checked.
            let said = Range(refused.range(at: 3), in: substituted).map { String(substituted[$0]) } ?? ""
            let quotedSaid = "'" + said.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
            body.append(
                "__status=0; \(substituted[command]) 2>'\(errors)' || __status=$?; cat '\(errors)' >&2; "
                + "if [ \"$__status\" != \(substituted[code]) ]; then echo \"__walkthrough_failed $LINENO $__status (expected \(substituted[code]))\" >&2; exit 1; fi; "
                + "if ! grep -qF -- \(quotedSaid) '\(errors)'; then echo \"__walkthrough_failed $LINENO $__status (did not say: \"\(quotedSaid)\")\" >&2; exit 1; fi")
        }
        let save = "{ export -p; for __name in $(compgen -v); do case $__name in [a-z]*) declare -p \"$__name\";; esac; done; "
            + "printf 'cd %q\\n' \"$PWD\"; } > '\(state)'"
        return ([prelude] + body + [save]).joined(separator: "\n") + "\n"
    }

    func testTheWalkthroughRunsAsWritten() throws {
        let started = Date()
        let readme = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = try Self.blocks(of: readme)
        let people = Set(blocks.map(\.place))
        XCTAssertTrue(people.isSuperset(of: ["ana", "bob", "carol", "git.example.com"]), "the walk-through's people: \(people.sorted())")
        let refusals = blocks.flatMap { block in
            block.lines.filter { Self.refusedLine.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }
        }
        XCTAssertTrue(refusals.contains { $0.hasPrefix("quorum merge") }, "the walk-through shows a merge refused before the quorum: \(refusals)")

        guard FileManager.default.isExecutableFile(atPath: TestEnvironment.binary) else {
            throw XCTSkip("no quorum binary at \(TestEnvironment.binary); run 'swift build' first or set QUORUM_BINARY")
        }
        // `quorum` on the PATH is the binary under test.
        let bin = tmp.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("quorum").path, withDestinationPath: TestEnvironment.binary)
        let sharedRoot = tmp.appendingPathComponent("places/git.example.com/srv/git")

        for (number, block) in blocks.enumerated() {
            let place = tmp.appendingPathComponent("places").appendingPathComponent(block.place)
            try FileManager.default.createDirectory(at: place, withIntermediateDirectories: true)
            let scriptPath = try write(script(for: block, place: place, sharedRoot: sharedRoot), to: "scripts/\(number)-\(block.place).sh")
            let environment = [
                "HOME": place.path,
                "PATH": bin.path + ":" + TestEnvironment.path,
                "GIT_CONFIG_NOSYSTEM": "1",
                "LC_ALL": "C.UTF-8",
            ]
            let result = try execute("/bin/bash", [scriptPath], environment: environment, in: place)
            guard result.status == 0 else {
                var location = "README.md lines \(block.firstLine)-\(block.firstLine + block.lines.count - 1)"
                if let failed = result.stderr.components(separatedBy: "\n").last(where: { $0.hasPrefix("__walkthrough_failed ") }) {
                    let fields = failed.split(separator: " ", maxSplits: 3)
                    if fields.count >= 3, let scriptLine = Int(fields[1]), scriptLine >= 2, scriptLine - 2 < block.lines.count {
                        let readmeLine = block.firstLine + scriptLine - 2
                        location = "README.md line \(readmeLine), `\(block.lines[scriptLine - 2])`, exit \(fields[2...].joined(separator: " "))"
                    }
                }
                XCTFail("the walk-through failed at \(location), run by \(block.place)\nstdout:\n\(result.stdout)\nstderr:\n\(result.stderr)")
                return
            }
        }

        // What the story promises happened.
        let shared = sharedRoot.appendingPathComponent("career-framework.git")
        let noIdentity = environment(for: nil)
        let fsck = try execute(TestEnvironment.gitBinary, ["-C", shared.path, "fsck", "--strict", "--no-progress"], environment: noIdentity)
        XCTAssertEqual(fsck.status, 0, "git fsck --strict of the shared repository: \(fsck.stdout)\(fsck.stderr)")
        let verify = try execute(TestEnvironment.binary, ["verify", "--fresh", "--repo", shared.path], environment: noIdentity)
        XCTAssertEqual(verify.status, 0, "quorum verify of the shared repository: \(verify.stdout)\(verify.stderr)")

        // Carol's suggestion merged on the shared round 1, approved by Bob and Ana, each in their own clone.
        let merges = try execute(
            TestEnvironment.gitBinary, ["-C", shared.path, "log", "--first-parent", "--format=%B", "quorum/career-steps/1"], environment: noIdentity)
        for trailer in ["Suggested-by: Carol Diaz <carol@example.com>", "Approved-by: Bob Stone <bob@example.com>", "Approved-by: Ana Lima <ana@example.com>"] {
            XCTAssertTrue(merges.stdout.contains(trailer), "\(trailer) in the shared round's history:\n\(merges.stdout)")
        }
        let tag = try execute(TestEnvironment.gitBinary, ["-C", shared.path, "cat-file", "-t", "rfc/career-steps/v1"], environment: noIdentity)
        XCTAssertEqual(tag.stdout, "tag\n", "v1 is an annotated tag on the shared repository")

        // The final text is the draft with Carol's edit: one line changed.
        let places = tmp.appendingPathComponent("places")
        let draft = try String(contentsOf: places.appendingPathComponent("ana/draft.md"), encoding: .utf8)
        let current = try execute(TestEnvironment.binary, ["cat", "career-steps"], environment: noIdentity, in: places.appendingPathComponent("ana/career-framework"))
        XCTAssertEqual(current.status, 0, current.stderr)
        let before = draft.components(separatedBy: "\n"), after = current.stdout.components(separatedBy: "\n")
        XCTAssertEqual(before.count, after.count)
        let changed = zip(before, after).filter { $0 != $1 }
        XCTAssertEqual(changed.map(\.1), ["Ships small, well-tested changes on a predictable cadence, and asks for help early when a task is stuck."],
                       "the final text is the draft with Carol's edit:\n\(current.stdout)")
        let version = try execute(TestEnvironment.binary, ["cat", "career-steps", "--version", "v1"], environment: noIdentity, in: places.appendingPathComponent("ana/career-framework"))
        XCTAssertEqual(version.stdout, current.stdout, "v1 is that text")
        // Bob's checked-out round 3 holds it too: clone, sync and checkout brought it to his work tree.
        let bobs = try String(contentsOf: places.appendingPathComponent("bob/career-framework/Proposals/career-steps/framework.md"), encoding: .utf8)
        XCTAssertEqual(bobs, current.stdout, "Bob's work tree")
        XCTAssertTrue(FileManager.default.fileExists(atPath: places.appendingPathComponent("ana/career-steps-v1.html").path), "the export")

        print("README walk-through: \(blocks.count) blocks, \(blocks.map(\.lines.count).reduce(0, +)) lines, in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    /// The parser finds markers, insists on the person being named in the
    /// text and on a ```sh block, and skips other fenced blocks.
    func testBlocksAreFoundWithTheirPeople() throws {
        let readme = """
            Intro.

            ```sh
            <!-- walkthrough: bob -->
            ```

            Bob, in his clone:

            <!-- walkthrough: bob -->
            ```sh
            quorum sync
            quorum merge $id   # refused (exit 1): needs 1 more approval
            ```
            """
        let blocks = try Self.blocks(of: readme)
        XCTAssertEqual(blocks.count, 1)
        XCTAssertEqual(blocks.first?.place, "bob")
        XCTAssertEqual(blocks.first?.firstLine, 11)
        XCTAssertEqual(blocks.first?.lines, ["quorum sync", "quorum merge $id   # refused (exit 1): needs 1 more approval"])

        XCTAssertThrowsError(try Self.blocks(of: "Someone:\n\n<!-- walkthrough: bob -->\n```sh\nquorum sync\n```\n")) {
            XCTAssertTrue("\($0)".contains("does not say that Bob runs it"), "\($0)")
        }
        XCTAssertThrowsError(try Self.blocks(of: "Bob:\n<!-- walkthrough: bob -->\n\n```sh\nquorum sync\n```\n")) {
            XCTAssertTrue("\($0)".contains("must be followed by a ```sh block"), "\($0)")
        }
    }
}
