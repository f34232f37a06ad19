import Foundation

/// One measured figure: a command at a workload size.
struct Figure: Codable {
    let size: Int
    let command: String
    let runs: Int
    let medianMs: Double
    let minMs: Double
    let maxMs: Double
    let medianCpuMs: Double
    let peakMiB: Double
    var target: String?
    var meetsTarget: Bool?
}

/// How long building the workload up to one size took.
struct GenerationFigure: Codable {
    let size: Int
    let suggestions: Int
    let events: Int
    let merges: Int
    let seconds: Double
    let suggestMeanMs: Double
    let approveMeanMs: Double
    let mergeMeanMs: Double
}

/// What signing adds to writing one event commit, in-process.
struct SigningFigure: Codable {
    let unsignedCommitMs: Double
    let signedCommitMs: Double
    let addedMs: Double
}

/// Word diff of a generated 200-paragraph document, in-process.
struct ProseFigure: Codable {
    /// One word changed in one paragraph (a typical suggestion).
    let oneChangeMs: Double
    /// A word changed in every fourth paragraph (50 hunks).
    let fiftyChangesMs: Double
}

/// Instructions one start-up command runs (callgrind), stable on a busy machine.
struct StartUpFigure: Codable {
    let command: String
    let instructions: Int
}

struct BenchReport: Codable {
    let quorum: String
    let directory: String
    let runs: Int
    let sizes: [Int]
    var generation: [GenerationFigure] = []
    var figures: [Figure] = []
    var signing: SigningFigure?
    var prose: ProseFigure?
    /// The prose merge, in-process (`ProseBench`).
    var proseMerge: [ProseMergeFigure] = []
    var startUp: [StartUpFigure] = []
    var totalSeconds: Double = 0
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

enum Targets {
    /// DESIGN.md: suggest / approve / merge at most ~3 ms above the floor.
    static let writeAboveFloorMs = 3.0
    /// DESIGN.md: status / list at 10,000 suggestions under 30 ms and 64 MB.
    static let readMs = 30.0
    static let readBytes = 64.0 * 1_000_000
    static let readSize = 10_000

    /// Fills in each figure's target and verdict, from the floor measured at
    /// the same size.
    static func apply(to figures: inout [Figure]) {
        var floors: [Int: Double] = [:]
        for figure in figures where figure.command == "member list" { floors[figure.size] = figure.medianMs }
        for index in figures.indices {
            let figure = figures[index]
            switch figure.command {
            case "suggest", "approve", "merge", "merge (waited)":
                guard let floor = floors[figure.size] else { continue }
                let limit = floor + writeAboveFloorMs
                figures[index].target = String(format: "<= floor+3 = %.1f ms", limit)
                figures[index].meetsTarget = figure.medianMs <= limit
            case "verify (cold)":
                figures[index].target = "< 6 s (30,000 signed events)"
                figures[index].meetsTarget = figure.medianMs < 6_000
            case "verify":
                figures[index].target = "< 2 s (from the cache)"
                figures[index].meetsTarget = figure.medianMs < 2_000
            case "status", "status SLUG", "list":
                figures[index].target = figure.size >= readSize ? "< 30 ms, < 64 MB" : "< 30 ms, < 64 MB (at 10k)"
                figures[index].meetsTarget = figure.medianMs < readMs && figure.peakMiB * 1_048_576 < readBytes
            default:
                continue
            }
        }
    }
}

func formatTable(_ report: BenchReport) -> String {
    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = text.count
        guard count < width else { return text }
        let spaces = String(repeating: " ", count: width - count)
        return right ? spaces + text : text + spaces
    }
    func ms(_ value: Double) -> String { String(format: "%.1f", value) }
    var out = ""
    out += pad("size", 8) + pad("command", 16) + pad("median ms", 10, right: true) + pad("min", 8, right: true)
        + pad("max", 8, right: true) + pad("cpu ms", 8, right: true) + pad("peak MiB", 10, right: true) + "   target\n"
    var lastSize: Int?
    for figure in report.figures {
        if let lastSize, lastSize != figure.size { out += "\n" }
        lastSize = figure.size
        let verdict = figure.meetsTarget.map { $0 ? "ok  " : "MISS" } ?? ""
        out += pad(String(figure.size), 8) + pad(figure.command, 16) + pad(ms(figure.medianMs), 10, right: true)
            + pad(ms(figure.minMs), 8, right: true) + pad(ms(figure.maxMs), 8, right: true)
            + pad(ms(figure.medianCpuMs), 8, right: true) + pad(String(format: "%.1f", figure.peakMiB), 10, right: true)
            + "   " + (figure.target.map { "\(verdict) \($0)" } ?? "") + "\n"
    }
    out += "\nmedian of \(report.runs) whole-process runs each (\"list (cold)\": one run, the first after generating);"
    out += "\npeak MiB: the largest ru_maxrss over the runs. 64 MB = 61.0 MiB."
    out += "\nTargets (DESIGN.md): suggest/approve/merge <= floor + 3 ms, the floor being 'member list'"
    out += "\n                     (Swift + libgit2 start-up + opening the repository; --version skips libgit2);"
    out += "\n                     status/list at 10,000 suggestions < 30 ms and < 64 MB;"
    out += "\n                     verify of ~30,000 signed events < 6 s cold (no caches), < 2 s from its cache.\n"
    if let s = report.signing {
        out += String(format: "\nSigning (in-process, ed25519): an event commit %.3f ms unsigned, %.3f ms signed: +%.3f ms (target: within 1 ms) %@\n",
                      s.unsignedCommitMs, s.signedCommitMs, s.addedMs, s.addedMs <= 1 ? "ok" : "MISS")
    }
    if let p = report.prose {
        let worst = max(p.oneChangeMs, p.fiftyChangesMs)
        out += String(format: "\nWord diff (in-process, 200 paragraphs): one word changed %.2f ms, a word in every fourth paragraph %.2f ms (target: under 5 ms) %@\n",
                      p.oneChangeMs, p.fiftyChangesMs, worst < 5 ? "ok" : "MISS")
    }
    out += formatProseMerge(report.proseMerge)
    if !report.generation.isEmpty {
        out += "\nGeneration (in-process, QuorumCore):\n"
        out += pad("size", 8) + pad("seconds", 10, right: true) + pad("events", 9, right: true) + pad("merges", 8, right: true)
            + pad("suggest ms", 12, right: true) + pad("approve ms", 12, right: true) + pad("merge ms", 10, right: true) + "  (mean per call, this step)\n"
        for g in report.generation {
            out += pad(String(g.size), 8) + pad(String(format: "%.1f", g.seconds), 10, right: true) + pad(String(g.events), 9, right: true)
                + pad(String(g.merges), 8, right: true) + pad(String(format: "%.2f", g.suggestMeanMs), 12, right: true)
                + pad(String(format: "%.2f", g.approveMeanMs), 12, right: true) + pad(String(format: "%.2f", g.mergeMeanMs), 10, right: true) + "\n"
        }
    }
    return out
}

/// The prose merge figures' lines (empty when there are none).
func formatProseMerge(_ figures: [ProseMergeFigure]) -> String {
    guard let first = figures.first else { return "" }
    var out = String(format: "\nProse (in-process, a generated %d-paragraph document, %.1f KiB; median of %d runs):\n", first.paragraphs, Double(first.bytes) / 1024, first.runs)
    for figure in figures {
        out += "  " + figure.operation.padding(toLength: 14, withPad: " ", startingAt: 0)
            + String(format: "%8.2f ms  (min %.2f, max %.2f)   %@ < %.0f ms\n", figure.medianMs, figure.minMs, figure.maxMs, figure.meetsTarget ? "ok  " : "MISS", figure.targetMs)
    }
    return out
}
