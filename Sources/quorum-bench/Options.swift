import Foundation

/// The command line of `quorum-bench`, parsed by hand (it has a handful of
/// flags and must not depend on anything but QuorumCore).
struct BenchOptions {
    var quorum: String = ""
    var sizes: [Int] = [100, 1_000, 10_000]
    var runs = 11
    var directory: String?
    var proposal = "Proposals/career-steps/framework.md"
    var json = false
    var keep = false
    var park = true
    /// Every event signed (signatures required), as a team using signed review works.
    var signed = true
    /// Only the in-process prose figures (no workload, no binary timed).
    var proseOnly = false

    static let usage = """
        usage: quorum-bench --quorum PATH [--sizes 100,1000,10000] [--runs N]
                            [--dir PATH] [--proposal PATH] [--json] [--keep] [--no-park] [--unsigned]
               quorum-bench --prose-only [--runs N] [--json]

        Generates a review workload in-process through QuorumCore, growing it to
        each size in turn (suggestions, ~3 events each), and at each size times
        the quorum binary as whole processes: the median wall-clock time of
        --runs runs and the peak resident memory of the largest run.

          --quorum PATH     the quorum binary to time (required)
          --sizes LIST      suggestion counts to measure at, ascending (default 100,1000,10000)
          --runs N          timed runs per figure (default 11)
          --dir PATH        where to build the workload (default: a fresh directory
                            under $TMPDIR when set, else under /dev/shm when it is a
                            tmpfs with 4 GiB free and 4 GiB of memory are available,
                            else under /tmp; deleted at the very end, or on failure
                            when on /dev/shm)
          --proposal PATH   the document to propose (default Proposals/career-steps/framework.md)
          --json            also print the results as JSON on stdout
          --keep            keep the default directory instead of deleting it
          --no-park         leave the empty ref directories libgit2 leaves behind in place
          --unsigned        no SSH keys and no signature policy (by default every
                            event is signed and signatures are required)
                            while generating too (faithful but quadratic: very slow at 10,000)
          --prose-only      only the in-process prose figures (prose merge of a
                            200-paragraph document), which every run prints first
        """

    static func parse(_ arguments: [String]) throws -> BenchOptions {
        var options = BenchOptions()
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
            return next
        }
        while let argument = rest.popFirst() {
            // Accept --flag=value as well as --flag value.
            var flag = argument
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                rest.insert(String(argument[argument.index(after: equals)...]), at: rest.startIndex)
            }
            switch flag {
            case "--quorum": options.quorum = try value(flag)
            case "--sizes":
                let list = try value(flag).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "") }
                let sizes = list.compactMap { Int($0) }
                guard !sizes.isEmpty, sizes.count == list.count, sizes.allSatisfy({ $0 > 0 }) else {
                    throw BenchError("--sizes takes positive counts separated by commas, e.g. 100,1000,10000")
                }
                options.sizes = Array(Set(sizes)).sorted()
            case "--runs":
                guard let runs = Int(try value(flag)), runs > 0 else { throw BenchError("--runs takes a positive count") }
                options.runs = runs
            case "--dir": options.directory = try value(flag)
            case "--proposal": options.proposal = try value(flag)
            case "--json": options.json = true
            case "--keep": options.keep = true
            case "--no-park": options.park = false
            case "--unsigned": options.signed = false
            case "--prose-only": options.proseOnly = true
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                throw BenchError("unknown argument '\(argument)'")
            }
        }
        if options.proseOnly { return options }
        guard !options.quorum.isEmpty else { throw BenchError("--quorum PATH is required") }
        options.quorum = absolute(options.quorum)
        guard FileManager.default.isExecutableFile(atPath: options.quorum) else {
            throw BenchError("\(options.quorum) is not an executable file")
        }
        options.proposal = absolute(options.proposal)
        guard FileManager.default.isReadableFile(atPath: options.proposal) else {
            throw BenchError("cannot read the proposal text \(options.proposal); run from the package root or pass --proposal PATH")
        }
        if let directory = options.directory { options.directory = absolute(directory) }
        return options
    }

    private static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        let cwd = FileManager.default.currentDirectoryPath
        return ((cwd as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
