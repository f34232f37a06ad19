import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// `quorum member import FILE.csv`: a whole organisation's roster at once.
final class MemberImportTests: QuorumTestCase {
    func testADryRunWritesNothingThenTheImportIsOneRosterUpdate() throws {
        try careerSteps()
        let csv = try write("""
            \u{FEFF}Email,Name,Groups,Lead\r
            fay@example.com,"Fay, Jr.",everyone;managers,no\r
            gus@example.com,Gus Berg,everyone,\r
            ben@example.com,,everyone working-group,yes\r
            cai@example.com,,,\r

            """, to: "people.csv")
        let refs = try allRefs()
        let dry = try XCTUnwrap(try runOK(["member", "import", csv, "--dry-run", "--json"]).json)
        XCTAssertEqual(dry["dryRun"] as? Bool, true)
        XCTAssertEqual((dry["changes"] as? [[String: Any]])?.map { $0["action"] as? String }, ["add", "add", "update", "unchanged"])
        XCTAssertEqual(try allRefs(), refs, "a dry run writes nothing")

        let review = try open(as: .ana)
        let before = try XCTUnwrap(try review.git.referenceTarget(Layout.roster))
        let text = try runOK(["member", "import", csv]).stdout
        XCTAssertTrue(text.contains("Added 2, updated 1; 1 unchanged"), text)
        let roster = try review.roster()
        XCTAssertEqual(roster.member("fay@example.com"), Member(email: "fay@example.com", name: "Fay, Jr.", groups: ["everyone", "managers"], lead: false))
        XCTAssertEqual(roster.member("gus@example.com")?.groups, ["everyone"])
        XCTAssertEqual(roster.member(Person.ben.email), Member(email: Person.ben.email, name: Person.ben.name, groups: ["everyone", "working-group"], lead: true), "groups become exactly the file's; the name is kept")
        XCTAssertEqual(roster.member(Person.cai.email)?.groups, ["working-group"], "empty cells keep what the roster has")
        // Three events, one ref update: the roster moved from `before` by three commits.
        let head = try XCTUnwrap(try review.git.referenceTarget(Layout.roster))
        XCTAssertEqual(try gitOK(["rev-list", "--count", "\(before.hex)..\(head.hex)"]).trimmingCharacters(in: .whitespacesAndNewlines), "3")
        XCTAssertTrue(try runOK(["member", "import", csv]).stdout.contains("Added 0, updated 0; 4 unchanged"))
        XCTAssertEqual(try git(["fsck", "--strict"]).status, 0)
    }

    func testBadRowsImportNothingAndNameEveryOne() throws {
        try careerSteps()
        let refs = try allRefs()
        let bad = try write("email,name,lead\nbad,Zed,\nfay@example.com,<Fay>,\ngus@example.com,Gus,maybe\nFAY@example.com,Fay,\nhal@example.com,Hal,\n", to: "bad.csv")
        let result = try run(["member", "import", bad])
        XCTAssertEqual(result.status, 64)
        // Rows as a spreadsheet numbers them (the header is row 1).
        for row in ["row 2: illegal email 'bad'", "row 3: illegal name '<Fay>'", "row 4: lead is 'maybe'", "row 5: FAY@example.com is also on row 3"] {
            XCTAssertTrue(flat(result.stderr).contains(row), "\(row): \(result.stderr)")
        }
        // Every fault at once: all of a row's, and a new person without a
        // name (which only the roster tells) beside the file's own faults.
        let nameless = try write("email,name,groups,lead\nhal@example.com,Hal,,\nivy@example.com,,,\njo@example.com,Jo,bad/group,maybe\n", to: "nameless.csv")
        let second = try run(["member", "import", nameless])
        XCTAssertEqual(second.status, 64)
        XCTAssertTrue(flat(second.stderr).contains("has 2 bad rows"), second.stderr)
        XCTAssertTrue(flat(second.stderr).contains("row 3: ivy@example.com is new, and has no name"), second.stderr)
        XCTAssertTrue(flat(second.stderr).contains("row 4: illegal group name 'bad/group'") && flat(second.stderr).contains("; lead is 'maybe'"), second.stderr)
        // A line break inside a cell cannot fake a line of the report.
        let forged = try run(["member", "import", try write("email,name\nkim@example.com,\"Kim\n  row 9: nothing wrong here\"\n", to: "forged.csv")])
        XCTAssertEqual(forged.status, 64)
        XCTAssertTrue(forged.stderr.contains("illegal name 'Kim\\n  row 9: nothing wrong here'"), forged.stderr)
        XCTAssertFalse(forged.stderr.split(separator: "\n").contains { $0.hasPrefix("  row 9") }, forged.stderr)
        let column = try run(["member", "import", try write("mail,name\nx@y.z,X\n", to: "column.csv")])
        XCTAssertEqual(column.status, 64)
        XCTAssertTrue(column.stderr.contains("column 'mail'"), column.stderr)
        XCTAssertEqual(try allRefs(), refs, "nothing was imported")
    }

    func testOnlyLeadsImport() throws {
        try careerSteps()
        let refs = try allRefs()
        let result = try run(["member", "import", try write("email,name\nfay@example.com,Fay\n", to: "one.csv")], as: .ben)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(try allRefs(), refs)
    }
}
