import Foundation

// `make bench`: generates a review workload through QuorumCore and times
// the quorum binary on it as whole processes. See BenchOptions.usage.
if CommandLine.arguments.dropFirst().first == SpawnServer.flag {
    SpawnServer.serve()
}
do {
    let options = try BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
    if options.proseOnly {
        var report = BenchReport(quorum: "", directory: "", runs: options.runs, sizes: [])
        report.proseMerge = try ProseBench.measure(runs: max(options.runs, 21))
        print(formatProseMerge(report.proseMerge), terminator: "")
        if options.json { print(String(decoding: try JSONEncoder().encode(report.proseMerge), as: UTF8.self)) }
        exit(0)
    }
    // First, while this process is small: see SpawnServer.
    let spawner = try SpawnServer()
    defer { spawner.stop() }
    try Bench(options: options, spawner: spawner).run()
} catch {
    FileHandle.standardError.write(Data("quorum-bench: \(error)\n".utf8))
    exit(1)
}
