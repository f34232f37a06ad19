import Foundation
import QuorumCore

/// One in-process prose merge figure: an operation on a generated document.
struct ProseMergeFigure: Codable {
    let operation: String
    let paragraphs: Int
    let bytes: Int
    let runs: Int
    let medianMs: Double
    let minMs: Double
    let maxMs: Double
    /// DESIGN.md: word diff and prose merge of a 200-paragraph document under 5 ms each.
    var targetMs = 5.0
    var meetsTarget: Bool { medianMs < targetMs }
}

/// The prose figures of `make bench`, in process on a generated document of
/// 200 paragraphs (one line each, four sentences, ~330 bytes).
enum ProseBench {
    static let paragraphs = 200

    /// The document, and two sides that each change one word of every
    /// paragraph, in neighbouring sentences (the first and the second): git's
    /// line merge conflicts on all 200 lines, and each is merged again by
    /// sentence and then by word — the prose merge's slowest clean path.
    static func documents() -> (base: [UInt8], ours: [UInt8], theirs: [UInt8]) {
        var base = "# Generated framework\n\n"
        var ours = base
        var theirs = base
        for n in 0..<paragraphs {
            let sentences = [
                "Step \(n) describes how engineers grow in the organisation over time.",
                "It is meant to support conversations between engineers and their managers.",
                "Each characteristic is split into four steps, and people sit at different steps.",
                "Nobody is expected to be at the same step for every characteristic at once.",
            ]
            func paragraph(_ s: [String]) -> String { s.joined(separator: " ") + "\n\n" }
            base += paragraph(sentences)
            var mine = sentences
            mine[0] = mine[0].replacingOccurrences(of: "grow", with: "develop")
            ours += paragraph(mine)
            var yours = sentences
            yours[1] = yours[1].replacingOccurrences(of: "support", with: "guide")
            theirs += paragraph(yours)
        }
        return (Array(base.utf8), Array(ours.utf8), Array(theirs.utf8))
    }

    /// Times each prose operation `runs` times (after one warm-up run).
    static func measure(runs: Int) throws -> [ProseMergeFigure] {
        let (base, ours, theirs) = documents()
        guard case .clean = try ProseMerge.merge(ancestor: base, ours: ours, theirs: theirs) else {
            throw BenchError("the prose merge of the generated document conflicts")
        }
        var figures: [ProseMergeFigure] = []
        figures.append(try time("prose merge", bytes: base.count, runs: runs) {
            _ = try ProseMerge.merge(ancestor: base, ours: ours, theirs: theirs)
        })
        // The word diff's figure is `Bench.measureWordDiff` (issue 12: "word
        // diff and prose merge ... under 5 ms each"); the table prints both.
        return figures
    }

    private static func time(_ operation: String, bytes: Int, runs: Int, _ body: () throws -> Void) throws -> ProseMergeFigure {
        try body()
        var samples: [Double] = []
        for _ in 0..<runs {
            let start = nowNanoseconds()
            try body()
            samples.append(Double(nowNanoseconds() - start) / 1e6)
        }
        return ProseMergeFigure(operation: operation, paragraphs: paragraphs, bytes: bytes, runs: runs,
                           medianMs: median(samples), minMs: samples.min() ?? .nan, maxMs: samples.max() ?? .nan)
    }
}
