import Foundation
import XCTest

@testable import QuorumCore
import QuorumGit

/// Ref names are built and parsed by one type, and the two agree.
final class LayoutTests: XCTestCase {
    func testEveryRefNameParsesBackToWhatBuiltIt() throws {
        let id = try XCTUnwrap(ObjectID(hex: String(repeating: "ab", count: 20)))
        let refs: [SharedRef] = [
            .roster, .proposalMeta(slug: "career-steps"), .proposalComments(slug: "career-steps"),
            .suggestionMeta(slug: "career-steps", id: id), .revisionPin(slug: "career-steps", id: id, number: 3),
            .round(slug: "career-steps", number: 2), .versionTag(slug: "career-steps", version: "v1.2"),
        ]
        for ref in refs {
            XCTAssertEqual(SharedRef(ref.name), ref, ref.name)
            XCTAssertTrue(SharedRef.namespaces.contains { ref.name.hasPrefix($0) }, ref.name)
        }
        XCTAssertEqual(Layout.suggestionMeta("career-steps", id), refs[3].name)
        XCTAssertEqual(Layout.parseSuggestionMeta(refs[3].name)?.id, id)
        XCTAssertEqual(Layout.parseProposalMeta(refs[1].name), "career-steps")
        // Names Quorum does not write, inside and outside its namespaces.
        XCTAssertEqual(SharedRef("refs/quorum/proposals/career-steps/suggestions/\(id.hex)/revs/01"), .unknown)
        XCTAssertEqual(SharedRef("refs/heads/quorum/Career/1"), .unknown)
        XCTAssertEqual(SharedRef("refs/tags/rfc/career-steps/r2"), .unknown)
        XCTAssertEqual(SharedRef("refs/heads/main"), .foreign)
    }

    func testBranchNameIsTheRefWithoutRefsHeads() {
        XCTAssertEqual(Layout.branchName(Layout.roundBranch("career-steps", 2)), "quorum/career-steps/2")
        XCTAssertEqual(Layout.branchName("refs/heads/main"), "main")
        // Only the leading prefix goes; other refs are kept whole.
        XCTAssertEqual(Layout.branchName("refs/heads/refs/heads/x"), "refs/heads/x")
        XCTAssertEqual(Layout.branchName("refs/tags/rfc/career-steps/v1"), "refs/tags/rfc/career-steps/v1")
        XCTAssertEqual(Layout.branchName("quorum/career-steps/1"), "quorum/career-steps/1")
    }

    /// The local files' digests: SHA-256 in lower-case hex (FIPS 180-2's
    /// test vector for "abc"), cut to the bytes asked for.
    func testDigestIsSHA256InHex() {
        XCTAssertEqual(Digest.sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Digest.sha256Hex("abc", bytes: 16), "ba7816bf8f01cfea414140de5dae2223")
        XCTAssertEqual(Digest.sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
