import Foundation
import XCTest

import QuorumGit

/// Trees Quorum writes are the trees git writes for the same files: a
/// tree built from paths, and the tree of a clean three-way merge, against
/// `git ls-tree`, `git merge-tree` and `git fsck --strict`.
final class TreeWritesTests: QuorumTestCase {
    func testBuiltAndMergedTreesAreTheTreesGitWrites() throws {
        let store = repo.appendingPathComponent("store")
        let repository = try Repository.create(at: store.path)
        let who = Signature(name: "Ana", email: "ana@example.com", time: 1_700_000_000)
        func blob(_ text: String) throws -> ObjectID { try repository.writeBlob(Data(utf8: text)) }
        let lines = (1...12).map { "Line \($0)\n" }

        // Nested paths, names that sort differently as trees and as paths
        // ("a.md" before "a/"), an executable file and an empty one.
        let files: [String: ObjectID] = [
            "README.md": try blob("Read me\n"),
            "Proposals/a.md": try blob("A\n"),
            "Proposals/a/framework.md": try blob(lines.joined()),
            "Proposals/a/notes/empty.md": try blob(""),
            "Proposals/b/framework.md": try blob("B\n"),
        ]
        let base = try repository.buildTree(files)
        let listed = try git(["ls-tree", "-r", "--format=%(objectmode) %(path) %(objectname)", base.hex], in: store)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertEqual(
            listed.stdout.split(separator: "\n").map(String.init),
            files.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).map { "100644 \($0.key) \($0.value.hex)" })
        let empty = try repository.buildTree([:])
        XCTAssertEqual(empty.hex, "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "git's empty tree")

        // Two sides changing different lines of one file, and each adding a file.
        var ours = lines, theirs = lines
        ours[1] = "Line 2, ours\n"
        theirs[10] = "Line 11, theirs\n"
        let baseCommit = try repository.createCommit(tree: base, parents: [], author: who, committer: who, message: "Base\n")
        func side(_ text: [String], adding path: String, _ message: String) throws -> ObjectID {
            let tree = try repository.updateTree(base, [
                .upsert(path: "Proposals/a/framework.md", blob: try blob(text.joined())),
                .upsert(path: path, blob: try blob(message + "\n")),
            ])
            return try repository.createCommit(tree: tree, parents: [baseCommit], author: who, committer: who, message: message + "\n")
        }
        let oursCommit = try side(ours, adding: "Proposals/c/new.md", "Ours")
        let theirsCommit = try side(theirs, adding: "Proposals/a/notes/more.md", "Theirs")
        guard case .clean(let merged) = try repository.mergeTrees(
            ancestor: base, ours: try repository.commit(oursCommit).tree, theirs: try repository.commit(theirsCommit).tree)
        else { return XCTFail("a clean merge conflicted") }
        // Their merge base is the base commit, which git finds (its --merge-base is newer than Debian 12's git).
        let gitMerged = try git(["merge-tree", "--write-tree", oursCommit.hex, theirsCommit.hex], in: store)
        XCTAssertEqual(gitMerged.status, 0, gitMerged.stderr)
        XCTAssertEqual(merged.hex, gitMerged.stdout.trimmingCharacters(in: .whitespacesAndNewlines))

        let fsck = try git(["fsck", "--strict", "--no-dangling"], in: store)
        XCTAssertEqual(fsck.status, 0, fsck.stdout + fsck.stderr)
    }

    /// A merged tree keeps every entry's mode: an executable, a symbolic
    /// link and a submodule (a gitlink, whose commit is not in this
    /// repository) beside the documents, as git's own merge does.
    func testAMergedTreeKeepsExecutablesLinksAndSubmodules() throws {
        let store = repo.appendingPathComponent("modes")
        let repository = try Repository.create(at: store.path)
        func blob(_ text: String) throws -> ObjectID { try repository.writeBlob(Data(utf8: text)) }
        let lines = (1...8).map { "Line \($0)\n" }
        let elsewhere = "0123456789abcdef0123456789abcdef01234567"  // a commit of another repository
        func commit(_ document: [String], parents: [String]) throws -> String {
            let entries = [
                "100644 blob \(try blob(document.joined()).hex)\tProposals/a/framework.md",
                "100755 blob \(try blob("#!/bin/sh\n").hex)\ttools/run.sh",
                "120000 blob \(try blob("../Proposals").hex)\tdocs/proposals",
                "160000 commit \(elsewhere)\tvendor/styles",
            ]
            let index = tmp.appendingPathComponent("index-\(UUID().uuidString)").path
            let filled = try execute(TestEnvironment.gitBinary, ["update-index", "--add", "--index-info"],
                                     environment: environment(for: .ana).merging(["GIT_INDEX_FILE": index]) { $1 },
                                     stdin: Data(utf8: entries.joined(separator: "\n") + "\n"), in: store)
            XCTAssertEqual(filled.status, 0, filled.stderr)
            let tree = try execute(TestEnvironment.gitBinary, ["write-tree"], environment: environment(for: .ana).merging(["GIT_INDEX_FILE": index]) { $1 }, in: store)
            XCTAssertEqual(tree.status, 0, tree.stderr)
            let made = try git(["commit-tree", tree.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "-m", "Text"] + parents.flatMap { ["-p", $0] }, in: store)
            XCTAssertEqual(made.status, 0, made.stderr)
            return made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var ours = lines, theirs = lines
        ours[0] = "Line 1, ours\n"
        theirs[7] = "Line 8, theirs\n"
        let base = try commit(lines, parents: [])
        let oursCommit = try commit(ours, parents: [base])
        let theirsCommit = try commit(theirs, parents: [base])
        func tree(_ commit: String) throws -> ObjectID { try repository.commit(try XCTUnwrap(ObjectID(hex: commit))).tree }
        guard case .clean(let merged) = try repository.mergeTrees(ancestor: try tree(base), ours: try tree(oursCommit), theirs: try tree(theirsCommit))
        else { return XCTFail("a clean merge conflicted") }
        let gitMerged = try git(["merge-tree", "--write-tree", oursCommit, theirsCommit], in: store)
        XCTAssertEqual(gitMerged.status, 0, gitMerged.stderr)
        XCTAssertEqual(merged.hex, gitMerged.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let modes = try git(["ls-tree", "-r", "--format=%(objectmode) %(path)", merged.hex], in: store)
        XCTAssertEqual(modes.stdout, "100644 Proposals/a/framework.md\n120000 docs/proposals\n100755 tools/run.sh\n160000 vendor/styles\n")
    }
}
