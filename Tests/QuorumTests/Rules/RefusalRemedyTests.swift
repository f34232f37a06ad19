import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Every refusal has a `hint:` (issue 10, point 12): each typed refusal
/// code has a remedy of its own, used where the rule that refused gives
/// none, and the refusals the issue names say what to do.
final class RefusalRemedyTests: QuorumTestCase {
    func testEveryRefusalCodeHasARemedy() {
        XCTAssertGreaterThan(Refusal.Code.allCases.count, 60)
        for code in Refusal.Code.allCases {
            let refusal = Refusal(code, "refused")
            XCTAssertFalse(refusal.remedy.trimmingCharacters(in: .whitespaces).isEmpty, code.rawValue)
            XCTAssertEqual(refusal.remedy, code.remedy, code.rawValue)
            // As a command's error, it prints a hint line.
            XCTAssertTrue(QuorumError(refusal).description.contains("\nhint: "), code.rawValue)
        }
        // A rule's own remedy wins over the code's.
        XCTAssertEqual(Refusal(.approveSelf, "no", remedy: "ask Cai").remedy, "ask Cai")
    }

    /// The refusals issue 10 found without a hint, each with the code or
    /// kind it has, and a remedy.
    func testTheRefusalsTheIssueNamesHaveAHint() throws {
        let lead = try careerSteps()
        let text = replacingLine(5, of: TestEnvironment.framework, with: "Edited.")
        let id = try suggest(text, message: "Edit line 5", as: .ben).id
        let ben = try open(as: .ben)
        let cai = try open(as: .cai)

        // fork --quorum 0
        let fork = try expectRefusal(.usage, in: lead, try lead.fork(
            slug: "career-steps", name: "managers", audience: ["working-group"], approvers: nil, quorum: 0, carry: .none, strict: false))
        // approve --revoke with nothing to revoke
        let revoke = try expectRefusal(.refused, in: lead, try cai.revoke(id, message: nil))
        XCTAssertEqual(revoke?.code, .revokeNothing)
        // resolve with no open objection
        let resolve = try expectRefusal(.refused, in: lead, try cai.resolve(id, objection: nil))
        XCTAssertEqual(resolve?.code, .resolveNothing)
        // an identical text: suggest and revise
        let same = try expectRefusal(.refused, in: lead, try self.suggest(TestEnvironment.framework, message: "Nothing", as: .ben))
        let sameRevision = try expectRefusal(.refused, in: lead, try ben.revise(
            id, message: "Again", documents: [DocumentInput(name: "framework.md", text: Data(text.utf8), source: "test")]))
        // --pair naming yourself
        let pair = try expectRefusal(.usage, in: lead, try ben.suggest(
            slug: "career-steps", message: "With myself", documents: [DocumentInput(name: "framework.md", text: Data(text.utf8), source: "test")],
            coAuthors: [Person.ben.email]))
        for (name, error) in [("fork --quorum 0", fork), ("revoke", revoke), ("resolve", resolve), ("identical suggest", same),
                              ("identical revise", sameRevision), ("--pair yourself", pair)] {
            XCTAssertNotNil(error, name)
            XCTAssertFalse(error?.remedy?.isEmpty ?? true, "\(name): \(String(describing: error))")
        }
    }
}
