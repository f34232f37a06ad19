import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// sync's decision per reference, as a pure table: no repository needed.
final class SyncPlanTests: XCTestCase {
    func testEachKindOfReferenceAndRelationHasItsStep() throws {
        let id = try XCTUnwrap(ObjectID(hex: String(repeating: "ab", count: 20)))
        let chains: [SharedRef] = [.roster, .proposalMeta(slug: "p"), .proposalComments(slug: "p"), .suggestionMeta(slug: "p", id: id)]
        let all = chains + [.round(slug: "p", number: 1), .versionTag(slug: "p", version: "v1"), .revisionPin(slug: "p", id: id, number: 1)]
        for kind in all {
            XCTAssertEqual(SyncPlan.step(for: kind, .same), .nothing, "\(kind)")
            XCTAssertEqual(SyncPlan.step(for: kind, .onlyMine), .push, "\(kind)")
            XCTAssertEqual(SyncPlan.step(for: kind, .mineContainsTheirs), .push, "\(kind)")
            XCTAssertEqual(SyncPlan.step(for: kind, .onlyTheirs), .receive, "\(kind)")
            XCTAssertEqual(SyncPlan.step(for: kind, .theirsContainsMine), .receive, "\(kind)")
        }
        for kind in chains { XCTAssertEqual(SyncPlan.step(for: kind, .diverged), .reconcile, "\(kind)") }
        XCTAssertEqual(SyncPlan.step(for: .round(slug: "p", number: 1), .diverged), .replay)
        XCTAssertEqual(SyncPlan.step(for: .versionTag(slug: "p", version: "v1"), .diverged), .keepShared)
        XCTAssertEqual(SyncPlan.step(for: .revisionPin(slug: "p", id: id, number: 1), .diverged), .repin)
        for kind in [SharedRef.unknown, .foreign] {
            XCTAssertEqual(SyncPlan.step(for: kind, .onlyMine), .nothing)
            XCTAssertEqual(SyncPlan.step(for: kind, .diverged), .nothing)
        }
        XCTAssertEqual(SyncPlan.Relation.of(mine: id, theirs: id), .same)
        XCTAssertEqual(SyncPlan.Relation.of(mine: id, theirs: nil), .onlyMine)
        XCTAssertEqual(SyncPlan.Relation.of(mine: nil, theirs: id), .onlyTheirs)
        XCTAssertEqual(SyncPlan.Relation.of(mine: id, theirs: .zero), .diverged)
    }
}
