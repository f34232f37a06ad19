import Foundation
import XCTest

import QuorumGit

/// `Repository.isAncestor` answers as `git rev-list` does, on histories
/// of every shape: roots, long first-parent lines, merges of merges,
/// commits reached only through second parents, and ancestors whose
/// parents are themselves reachable in several ways.
final class AncestryTests: QuorumTestCase {
    func testIsAncestorAnswersAsGitDoesOnGeneratedHistories() throws {
        let repository = try Repository.create(at: repo.path)
        var dice = Dice(state: 20261130)
        var commits: [ObjectID] = []
        for number in 0..<36 {
            let tree = try repository.updateTree(nil, [.upsert(path: "doc.md", blob: try repository.writeBlob(Data(utf8: "Text \(number)\n")))])
            var parents: [ObjectID] = []
            if !commits.isEmpty && number % 11 != 0 {  // a new root now and then
                // Mostly the last commit (a line), else any earlier one;
                // a third of them a merge of two.
                parents.append(dice.below(4) == 0 ? commits[dice.below(commits.count)] : commits[commits.count - 1])
                if dice.below(3) == 0 {
                    let other = commits[dice.below(commits.count)]
                    if !parents.contains(other) { parents.append(other) }
                }
            }
            let who = Signature(name: "Ana", email: "ana@example.com", time: 1_700_000_000 + Int64(number))
            commits.append(try repository.createCommit(tree: tree, parents: parents, author: who, committer: who, message: "Commit \(number)\n"))
        }
        for tip in commits {
            let listed = try git(["rev-list", tip.hex])
            XCTAssertEqual(listed.status, 0, listed.stderr)
            let reachable = Set(listed.stdout.split(separator: "\n").map(String.init))
            for ancestor in commits {
                XCTAssertEqual(try repository.isAncestor(ancestor, of: tip), reachable.contains(ancestor.hex), "\(ancestor.short) in the history of \(tip.short)")
            }
        }
    }
}
