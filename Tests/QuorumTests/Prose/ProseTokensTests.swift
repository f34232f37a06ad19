import XCTest
@testable import QuorumCore

final class ProseTokensTests: XCTestCase {
    private func split(_ text: String, _ splitter: (ArraySlice<UInt8>) -> [ArraySlice<UInt8>]) -> [String] {
        splitter(ArraySlice(Array(text.utf8))).map { String(decoding: $0, as: UTF8.self) }
    }

    func testLinesKeepTheirTerminators() {
        XCTAssertEqual(split("a\r\nb\nc", ProseTokens.lines), ["a\r\n", "b\n", "c"])
        XCTAssertEqual(split("", ProseTokens.lines), [])
        XCTAssertEqual(split("\n\n", ProseTokens.lines), ["\n", "\n"])
    }

    func testSentencesEndAtTerminatorClosersAndSpace() {
        XCTAssertEqual(
            split("Takes responsibility. Recognises mistakes! Speaks up?\r\nNext line.", ProseTokens.sentences),
            ["Takes responsibility. ", "Recognises mistakes! ", "Speaks up?\r\n", "Next line."])
        XCTAssertEqual(split("He said \"stop.\" Then left…  Fin", ProseTokens.sentences),
                       ["He said \"stop.\" ", "Then left…  ", "Fin"])
        // No space after the full stop: not a sentence end (3.5, e.g.x).
        XCTAssertEqual(split("Version 3.5 ships.", ProseTokens.sentences), ["Version 3.5 ships."])
        XCTAssertEqual(split("终于。然后！", ProseTokens.sentences), ["终于。", "然后！"])
    }

    func testWordsSpacesPunctuationAndTerminators() {
        XCTAssertEqual(split("at any  given\ttime.\r\n— «oui»", ProseTokens.words),
                       ["at", " ", "any", "  ", "given", "\t", "time", ".", "\r\n", "—", " ", "«", "oui", "»"])
        XCTAssertEqual(split("don't\u{00A0}x", ProseTokens.words), ["don", "'", "t", "\u{00A0}", "x"])
    }

    func testEverySplitIsLossless() {
        let samples: [[UInt8]] = [
            Array("\u{FEFF}# Title\r\n\r\nOne. Two!\tThree?\n- item\nno newline".utf8),
            [0xFF, 0xFE, 0x2E, 0x20, 0x0D, 0x0D, 0x0A, 0xC2, 0xA0, 0xE2, 0x80],
            Array("Mixed\r\nendings\nand a lone\rcarriage.".utf8),
        ]
        for bytes in samples {
            for splitter in [ProseTokens.lines, ProseTokens.sentences, ProseTokens.words] {
                let tokens = splitter(ArraySlice(bytes))
                XCTAssertEqual(Array(tokens.joined()), bytes)
                XCTAssertFalse(tokens.contains { $0.isEmpty })
            }
        }
    }

    func testLineEncodingRoundTrips() {
        let tokens = ProseTokens.words(ArraySlice(Array("a\\b\r\n<<<<<<< x\n=======\n".utf8)))
        let encoded = ProseTokens.lineEncoded(tokens)
        let lines = encoded.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, tokens.count)
        XCTAssertTrue(lines.allSatisfy { $0.first == 0x3A })
        XCTAssertEqual(lines.map { ProseTokens.lineDecoded($0)! }, tokens.map(Array.init))
        XCTAssertNil(ProseTokens.lineDecoded(ArraySlice(Array("=======".utf8))))
    }
}
