import Foundation

// `make bench`: generates a review workload through QuorumCore and times
// the quorum binary on it as whole processes. See BenchOptions.usage.
do {
    let options = try BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
    try Bench(options: options).run()
} catch {
    FileHandle.standardError.write(Data("quorum-bench: \(error)\n".utf8))
    exit(1)
}
