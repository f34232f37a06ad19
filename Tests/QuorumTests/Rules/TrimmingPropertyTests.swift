import Foundation
import PropertyBased
import Testing

@testable import QuorumCore

/// `trimming(_:)` removes what Foundation's `trimmingCharacters(in:)`
/// removes, for each of the three sets it stands in for, over generated
/// texts built from every kind of blank Unicode has, combining marks and
/// ordinary text (Swift Testing with swift-property-based).
@Suite struct TrimmingPropertyTests {
    /// Blanks of every kind (tab, the line ends, NEL, the Zs spaces, the
    /// line and paragraph separators), characters near them that are not
    /// blank (zero-width space, BOM, a combining accent, controls) and text.
    static let pieces: [String] = [
        " ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{2007}",
        "\u{200A}", "\u{202F}", "\u{205F}", "\u{3000}", "\u{2028}", "\u{2029}",
        "\u{200B}", "\u{200C}", "\u{FEFF}", "\u{180E}", "\u{0301}", "\u{00}", "\u{1B}", "a", "Zé", "漢", "🧑‍💻", "-",
    ]

    static func text(_ seed: UInt64, length: Int) -> String {
        var state = seed
        return (0..<length).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return pieces[Int((z ^ (z >> 31)) % UInt64(pieces.count))]
        }.joined()
    }

    /// Every scalar, alone and around a letter, on its own.
    @Test func everyScalarIsABlankExactlyWhenFoundationSaysSo() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(Blanks.spaces.contains(scalar) == CharacterSet.whitespaces.contains(scalar), "U+\(String(value, radix: 16))")
            #expect(Blanks.newlines.contains(scalar) == CharacterSet.newlines.contains(scalar), "U+\(String(value, radix: 16))")
            #expect(Blanks.spacesAndNewlines.contains(scalar) == CharacterSet.whitespacesAndNewlines.contains(scalar), "U+\(String(value, radix: 16))")
        }
    }

    @Test func trimmingRemovesWhatFoundationRemoves() async throws {
        await propertyCheck(count: 500, input: Gen.uint64(in: 0...UInt64.max), Gen.int(in: 0...12)) { seed, length in
            let text = Self.text(seed, length: length)
            #expect(text.trimming(.spaces) == text.trimmingCharacters(in: .whitespaces))
            #expect(text.trimming(.newlines) == text.trimmingCharacters(in: .newlines))
            #expect(text.trimming(.spacesAndNewlines) == text.trimmingCharacters(in: .whitespacesAndNewlines))
            // A substring trims as its text does.
            let inner = text.dropFirst()
            #expect(inner.trimming(.spacesAndNewlines) == String(inner).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
