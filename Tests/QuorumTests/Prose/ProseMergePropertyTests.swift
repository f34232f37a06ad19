import Foundation
import PropertyBased
import QuorumGit
import Testing

@testable import QuorumCore

/// Properties of the prose merge over generated documents (Swift Testing
/// with swift-property-based): merging with an unchanged side returns the
/// other side; a clean merge holds both sides' edits; a refusal changes
/// nothing.
///
/// A document is paragraphs of sentences of words, every word unique, so
/// that what an edit did can be read back from the text.
@Suite struct ProseMergePropertyTests {
    /// A sentence: each word's slot holds the word (nil: deleted) and the
    /// words inserted after it.
    struct Sentence: Sendable {
        var slots: [(word: String?, after: [String])]
        var text: String { slots.flatMap { [$0.word].compactMap { $0 } + $0.after }.joined(separator: " ") + "." }
    }

    struct Document: Sendable {
        var paragraphs: [[Sentence]]
        var crlf: Bool
        var finalNewline: Bool

        var text: String {
            let end = crlf ? "\r\n" : "\n"
            let body = paragraphs.map { $0.map(\.text).joined(separator: " ") }.joined(separator: end + end)
            return "# Title" + end + end + body + (finalNewline ? end : "")
        }

        /// Every sentence's place, in document order.
        var places: [(paragraph: Int, sentence: Int)] {
            paragraphs.indices.flatMap { p in paragraphs[p].indices.map { (p, $0) } }
        }
    }

    /// splitmix64: the generator's seed made into a document and its edits.
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(max(bound, 1)))
        }
    }

    static func document(_ seed: UInt64) -> Document {
        var random = Random(state: seed)
        var counter = 0
        func word() -> String {
            counter += 1
            return "w\(counter)z" + String(repeating: "e", count: random.next(4))
        }
        let paragraphs = (0...random.next(4)).map { _ in
            (0...random.next(4)).map { _ in Sentence(slots: (0...(1 + random.next(6))).map { _ in (word(), []) }) }
        }
        return Document(paragraphs: paragraphs, crlf: random.next(4) == 0, finalNewline: random.next(5) != 0)
    }

    /// `count` edits (replace, delete, insert a word) of `document`, in the
    /// sentences `allowed` says, with new words named `prefix…`.
    static func edited(_ document: Document, seed: UInt64, count: Int, prefix: String, allowed: (Int) -> Bool = { _ in true }) -> Document {
        var random = Random(state: seed)
        var result = document
        let places = document.places.enumerated().filter { allowed($0.offset) }.map(\.element)
        guard !places.isEmpty else { return result }
        for n in 0..<count {
            let (p, s) = places[random.next(places.count)]
            var sentence = result.paragraphs[p][s]
            let w = random.next(sentence.slots.count)
            let new = prefix + String(n) + "x" + String(random.next(1000), radix: 36)
            switch random.next(3) {
            case 0 where sentence.slots.filter({ $0.word != nil }).count > 1 && sentence.slots[w].word != nil:
                sentence.slots[w].word = nil
            case 1:
                sentence.slots[w].after.append(new)
            default:
                if sentence.slots[w].word != nil { sentence.slots[w].word = new } else { sentence.slots[w].after.append(new) }
            }
            result.paragraphs[p][s] = sentence
        }
        return result
    }

    private static func merge(_ base: String, _ ours: String, _ theirs: String) throws -> ProseMerge.Outcome {
        try ProseMerge.merge(ancestor: Array(base.utf8), ours: Array(ours.utf8), theirs: Array(theirs.utf8))
    }

    private static let seeds = Gen.uint64(in: 0...UInt64.max)

    @Test func mergingWithAnUnchangedSideReturnsTheOtherSide() async throws {
        await propertyCheck(count: 200, input: Self.seeds, Self.seeds, Gen.int(in: 1...6)) { seed, editSeed, count in
            let base = Self.document(seed)
            let other = Self.edited(base, seed: editSeed, count: count, prefix: "o").text
            let theirsOnly = try Self.merge(base.text, base.text, other)
            let oursOnly = try Self.merge(base.text, other, base.text)
            let both = try Self.merge(base.text, other, other)
            #expect(theirsOnly == .clean(Array(other.utf8)))
            #expect(oursOnly == .clean(Array(other.utf8)))
            #expect(both == .clean(Array(other.utf8)), "the same edit on both sides")
        }
    }

    @Test func aCleanMergeHoldsBothSidesEdits() async throws {
        // Ours edits the even sentences, theirs the odd ones (of one
        // paragraph or another): always mergeable, into both edits.
        await propertyCheck(count: 200, input: Self.seeds, Self.seeds, Self.seeds, Gen.int(in: 1...5)) { seed, oursSeed, theirsSeed, count in
            let base = Self.document(seed)
            let ours = Self.edited(base, seed: oursSeed, count: count, prefix: "o") { $0 % 2 == 0 }
            var both = Self.edited(ours, seed: theirsSeed, count: count, prefix: "t") { $0 % 2 == 1 }
            let theirs = Self.edited(base, seed: theirsSeed, count: count, prefix: "t") { $0 % 2 == 1 }
            both.crlf = base.crlf
            let merged = try Self.merge(base.text, ours.text, theirs.text)
            #expect(merged == .clean(Array(both.text.utf8)))
        }
    }

    @Test func anyCleanMergeKeepsEveryInsertedWordAndDropsEveryRemovedOne() async throws {
        // Edits anywhere: when the merge is clean, each word either side
        // inserted is in it, and each word either side removed is not.
        await propertyCheck(count: 200, input: Self.seeds, Self.seeds, Self.seeds, Gen.int(in: 1...4)) { seed, oursSeed, theirsSeed, count in
            let base = Self.document(seed)
            let ours = Self.edited(base, seed: oursSeed, count: count, prefix: "o").text
            let theirs = Self.edited(base, seed: theirsSeed, count: count, prefix: "t").text
            guard case .clean(let bytes) = try Self.merge(base.text, ours, theirs) else { return }
            func words(_ text: String) -> Set<String> { Set(text.split(whereSeparator: { $0 == " " || $0 == "." || $0.isNewline }).map(String.init)) }
            let merged = words(String(decoding: bytes, as: UTF8.self))
            let baseWords = words(base.text)
            for side in [ours, theirs] {
                let sideWords = words(side)
                #expect(sideWords.subtracting(baseWords).isSubset(of: merged), "an inserted word is missing")
                #expect(baseWords.subtracting(sideWords).isDisjoint(with: merged), "a removed word is back")
            }
        }
    }

    @Test func theSameWordChangedDifferentlyConflictsNamingItsLine() async throws {
        await propertyCheck(count: 200, input: Self.seeds, Self.seeds) { seed, pick in
            let base = Self.document(seed)
            var random = Random(state: pick)
            let (p, s) = base.places[random.next(base.places.count)]
            let w = random.next(base.paragraphs[p][s].slots.count)
            var ours = base, theirs = base
            ours.paragraphs[p][s].slots[w].word = "ours"
            theirs.paragraphs[p][s].slots[w].word = "theirs"
            guard case .conflicts(let conflicts) = try Self.merge(base.text, ours.text, theirs.text) else {
                Issue.record("the same word changed two ways must conflict")
                return
            }
            #expect(conflicts.count == 1)
            #expect(conflicts.first?.lines == (3 + 2 * p)...(3 + 2 * p))
            #expect(conflicts.first.map { String(decoding: $0.ours[$0.oursChanged], as: UTF8.self) } == "ours")
            #expect(conflicts.first.map { String(decoding: $0.theirs[$0.theirsChanged], as: UTF8.self) } == "theirs")
        }
    }

    @Test func aRefusedMergeChangesNothing() async throws {
        _ = TestEnvironment.emptyHome
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-tests/prose-property-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let lead = try ReviewRepository.initialize(at: directory.path, environment: Person.ana.environment).repository
        for member in [Person.ben, .cai, .dee] { try lead.addMember(email: member.email, name: member.name, groups: [], lead: nil) }
        let base = Self.document(42)
        _ = try lead.propose(slug: "doc", title: "Doc", documents: [DocumentInput(name: "doc.md", text: Data(base.text.utf8), source: "test")])
        func open(_ person: Person) throws -> ReviewRepository { try ReviewRepository.open(at: directory.path, environment: person.environment) }
        func refs() throws -> [String: ObjectID] {
            Dictionary(uniqueKeysWithValues: try lead.git.references(matching: "refs/*").map { ($0.name, $0.target) })
        }
        await propertyCheck(count: 12, input: Self.seeds) { pick in
            let current = String(decoding: try lead.text(slug: "doc", document: "doc.md"), as: UTF8.self)
            var random = Random(state: pick)
            let line = current.components(separatedBy: "\n").filter { !$0.isEmpty && !$0.hasPrefix("#") }
            let words = line[random.next(line.count)].split(separator: " ").map { String($0.filter { $0 != "." }) }
            let word = words[random.next(words.count)]
            func replaced(_ by: String) -> String { current.replacingOccurrences(of: word + " ", with: by + " ").replacingOccurrences(of: word + ".", with: by + ".") }
            let a = try open(.ben).suggest(slug: "doc", message: "A", documents: [DocumentInput(name: "doc.md", text: Data(replaced("ours\(pick % 997)").utf8), source: "test")])
            let b = try open(.cai).suggest(slug: "doc", message: "B", documents: [DocumentInput(name: "doc.md", text: Data(replaced("theirs\(pick % 991)").utf8), source: "test")])
            for (id, people) in [(a.id, [Person.cai, .dee]), (b.id, [Person.ben, .dee])] {
                for person in people { _ = try open(person).approve(id, message: nil) }
            }
            _ = try lead.merge(a.id)
            let before = try refs()
            let text = try lead.text(slug: "doc", document: "doc.md")
            #expect(throws: QuorumError.self) { try lead.merge(b.id) }
            let chain = Layout.suggestionMeta("doc", try #require(ObjectID(hex: b.id)))
            #expect(try refs().filter { $0.key != chain } == before.filter { $0.key != chain }, "a refused merge moved a ref")
            #expect(try lead.text(slug: "doc", document: "doc.md") == text)
        }
    }
}
