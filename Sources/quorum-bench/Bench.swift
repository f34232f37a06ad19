import Foundation
import QuorumCore
import QuorumGit

/// Builds the workload and times the quorum binary at each size.
final class Bench {
    let options: BenchOptions
    let root: String
    let ownsRoot: Bool
    let repositoryPath: String
    let scratch: String
    let workload: Workload
    var report: BenchReport
    let started = nowNanoseconds()
    let spawner: SpawnServer
    /// The spawn server's own anonymous memory, the least any child can show.
    var spawnerAnonKiB = 0

    init(options: BenchOptions, spawner: SpawnServer) throws {
        self.options = options
        self.spawner = spawner
        if let directory = options.directory {
            root = directory
            ownsRoot = false
            let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            guard existing.isEmpty else { throw BenchError("--dir \(directory) is not empty; give a new or empty directory") }
        } else {
            let stamp = Int(Date().timeIntervalSince1970)
            root = (Self.defaultParent() as NSString).appendingPathComponent("quorum-bench-\(stamp)-\(getpid())")
            ownsRoot = true
        }
        repositoryPath = (root as NSString).appendingPathComponent("repo")
        scratch = (root as NSString).appendingPathComponent("scratch")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        workload = Workload(repositoryPath: repositoryPath)
        if options.park {
            workload.parking = RefDirectoryParking(repository: repositoryPath, lot: (root as NSString).appendingPathComponent("parked-ref-dirs"))
        }
        report = BenchReport(quorum: options.quorum, directory: root, runs: options.runs, sizes: options.sizes)
        // libgit2 reads the global config from $HOME: keep the user's out,
        // in this process as in every child.
        setenv("HOME", root, 1)
        unsetenv("XDG_CONFIG_HOME")
    }

    /// Where the default workload directory goes: `TMPDIR` when it is
    /// set; otherwise `/dev/shm` when it is a tmpfs with 4 GiB free and the
    /// machine 4 GiB of memory available (10,000
    /// suggestions take about 1.3 GB); otherwise the temporary directory.
    /// On a disk, the file system's state right after the workload's
    /// thousands of deletions moves the write figures by milliseconds from
    /// run to run (ext4 without a journal reads the table entry of every
    /// inode freed in the last minutes when it allocates one: 30% of a
    /// `suggest` just after generating, the same binary measuring 6.0 to
    /// 11.1 ms); on tmpfs the figures measure Quorum. `--dir` puts the
    /// workload on any file system.
    static func defaultParent() -> String {
        if let chosen = ProcessInfo.processInfo.environment["TMPDIR"], !chosen.isEmpty { return chosen }
        // The kernel's mount table names each mount point's file system type.
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        let tmpfs = mounts.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[1] == "/dev/shm" && fields[2] == "tmpfs"
        }
        let free = (try? FileManager.default.attributesOfFileSystem(forPath: "/dev/shm")[.systemFreeSize] as? NSNumber)?.int64Value ?? 0
        // tmpfs takes its pages from memory: the machine must have them too.
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let available = meminfo.split(separator: "\n").first { $0.hasPrefix("MemAvailable:") }
            .flatMap { Int64($0.split(separator: " ").dropFirst().first ?? "") }.map { $0 * 1024 } ?? 0
        if tmpfs, free >= 4 << 30, available >= 4 << 30, access("/dev/shm", W_OK) == 0 { return "/dev/shm" }
        return NSTemporaryDirectory()
    }

    static func log(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    var elapsedSeconds: Double { Double(nowNanoseconds() - started) / 1e9 }

    func run() throws {
        do {
            try measureAll()
        } catch {
            // A workload left in /dev/shm would hold its memory until reboot.
            if ownsRoot, !options.keep, root.hasPrefix("/dev/shm/") { try? cleanUp() }
            throw error
        }
    }

    private func measureAll() throws {
        Bench.log("quorum-bench: workload in \(root)\(root.hasPrefix("/dev/shm/") && ownsRoot ? " (tmpfs; --dir measures on another file system)" : "")")
        Bench.log("quorum-bench: load average \(loadAverage()) (other work on the machine skews every figure)")
        Bench.log("quorum-bench: timing \(options.quorum), \(options.runs) runs per figure, sizes \(options.sizes.map(String.init).joined(separator: ", "))")
        report.proseMerge = try ProseBench.measure(runs: max(options.runs, 21))
        Bench.log(formatProseMerge(report.proseMerge).trimmingCharacters(in: .newlines))
        let text = try String(contentsOfFile: options.proposal, encoding: .utf8)
        let setUpStart = nowNanoseconds()
        try workload.setUp(proposal: text, keys: options.signed ? (root as NSString).appendingPathComponent("keys") : nil)
        Bench.log(String(format: "set up (init, 3 members%@, propose): %.0f ms; %d editable lines",
                         options.signed ? " with ed25519 keys, signatures required" : "", Double(nowNanoseconds() - setUpStart) / 1e6, workload.editable.count))
        if options.signed { try measureSigning() }
        try measureWordDiff()
        // Page the binary and its libraries in before anything is timed.
        _ = try runQuorum(["--version"], as: Workload.ana)
        Bench.log(String(format: "spawn server: %.1f MiB anonymous memory (no child's peak can read lower)", Double(spawnerAnonKiB) / 1024))

        try countStartUpInstructions()
        for size in options.sizes {
            try generate(to: size)
            try measure(at: size)
        }
        Targets.apply(to: &report.figures)
        report.totalSeconds = elapsedSeconds
        print("")
        print(formatTable(report), terminator: "")
        print(String(format: "total: %.1f s (generation %.1f s); load average at the end: %@", report.totalSeconds, report.generation.reduce(0) { $0 + $1.seconds }, loadAverage()))
        if options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        try cleanUp()
    }

    /// Removes the default directory, at the very end only (deleting big
    /// trees slows this disk down for minutes).
    func cleanUp() throws {
        guard ownsRoot, !options.keep else {
            Bench.log("quorum-bench: left the workload in \(root)")
            return
        }
        workload.close()
        let start = nowNanoseconds()
        try FileManager.default.removeItem(atPath: root)
        Bench.log(String(format: "quorum-bench: removed %@ (%.1f s)", root, Double(nowNanoseconds() - start) / 1e9))
    }

    // MARK: Generation

    /// Suggestions that measuring at a size makes in-process before timing
    /// (fresh ones to approve, approved ones to merge, one to move the head).
    var preparedPerSize: Int { options.runs + min(options.runs, workload.editable.count - 1) + 1 }

    func generate(to target: Int) throws {
        let size = max(target - preparedPerSize, workload.suggestionCount)
        guard workload.suggestionCount < size else {
            Bench.log("size \(target): already \(workload.suggestionCount) suggestions")
            return
        }
        let from = workload.suggestionCount
        let before = (workload.suggestClock, workload.approveClock, workload.mergeClock, workload.eventCount, workload.mergeCount)
        let start = nowNanoseconds()
        var lastReport = start
        var lastCount = from
        Bench.log("size \(target): generating \(size - from) suggestions in-process (measuring makes the other \(target - size) before timing)")
        try workload.grow(to: size) { count in
            let now = nowNanoseconds()
            guard now - lastReport >= 5_000_000_000 || count == size else { return }
            let rate = Double(count - lastCount) / (Double(now - lastReport) / 1e9)
            Bench.log(String(
                format: "  %6d/%d suggestions, %6.1f s, %5.0f suggestions/s now",
                count, size, Double(now - start) / 1e9, rate))
            lastReport = now
            lastCount = count
        }
        let seconds = Double(nowNanoseconds() - start) / 1e9
        let suggest = workload.suggestClock - before.0
        let approve = workload.approveClock - before.1
        let merge = workload.mergeClock - before.2
        let figure = GenerationFigure(
            size: target, suggestions: workload.suggestionCount, events: workload.eventCount, merges: workload.mergeCount,
            seconds: seconds, suggestMeanMs: suggest.meanMilliseconds, approveMeanMs: approve.meanMilliseconds,
            mergeMeanMs: merge.meanMilliseconds)
        report.generation.append(figure)
        if let parking = workload.parking {
            Bench.log(String(format: "  (parking empty ref directories: %d passes, %.1f s in all so far)", parking.passes, workload.parkClock.milliseconds / 1_000))
        }
        Bench.log(String(
            format: "size %d: generated %d suggestions in %.1f s (%.2f ms each; per call: suggest %.2f, approve %.2f, merge %.2f ms); %d events, %d merges in all",
            target, size - from, seconds, seconds * 1_000 / Double(size - from), suggest.meanMilliseconds,
            approve.meanMilliseconds, merge.meanMilliseconds, workload.eventCount, workload.mergeCount))
    }

    // MARK: Measuring

    func environment(for person: Int) -> [String: String] {
        var env = workload.people[person].identity
        env["HOME"] = root
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        env["LANG"] = "C.UTF-8"
        return env
    }

    /// One run of the quorum binary; throws when it fails.
    func runQuorum(_ arguments: [String], as person: Int, stdout: String? = nil) throws -> ChildRun {
        let stderrPath = (scratch as NSString).appendingPathComponent("stderr")
        let full = arguments == ["--version"] ? arguments : arguments + ["--repo", repositoryPath]
        let response = try spawner.run(SpawnRequest(
            executable: options.quorum, arguments: full, environment: environment(for: person), stdoutPath: stdout, stderrPath: stderrPath))
        spawnerAnonKiB = response.serverAnonKiB
        let run = ChildRun(
            exitStatus: response.exitStatus, signal: response.signal, wallMilliseconds: response.wallMilliseconds,
            cpuMilliseconds: response.cpuMilliseconds, maxRSSKiB: response.maxRSSKiB)
        guard run.succeeded else {
            let message = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw BenchError("quorum \(full.joined(separator: " ")) failed (exit \(run.exitStatus), signal \(run.signal)): \(message)")
        }
        return run
    }

    /// Wall and CPU times and peak memory of some runs of one command.
    struct Samples {
        var walls: [Double] = []
        var cpus: [Double] = []
        var peakKiB = 0
        mutating func add(_ run: ChildRun) {
            walls.append(run.wallMilliseconds)
            cpus.append(run.cpuMilliseconds)
            peakKiB = max(peakKiB, run.maxRSSKiB)
        }
    }

    /// Runs a command `runs` times (arguments by run number) into `samples`.
    func sample(_ samples: inout Samples, as person: Int, runs: Int, stdout: String? = nil,
                check: ((String) throws -> Void)? = nil, _ arguments: (Int) -> [String]) throws {
        for index in 0..<runs {
            samples.add(try runQuorum(arguments(index), as: person, stdout: stdout))
            if let check, let stdout { try check(try String(contentsOfFile: stdout, encoding: .utf8)) }
        }
    }

    /// Records samples as one figure.
    func record(_ command: String, size: Int, _ samples: Samples) {
        let figure = Figure(
            size: size, command: command, runs: samples.walls.count, medianMs: median(samples.walls),
            minMs: samples.walls.min() ?? .nan, maxMs: samples.walls.max() ?? .nan,
            medianCpuMs: median(samples.cpus), peakMiB: Double(samples.peakKiB) / 1024)
        report.figures.append(figure)
        Bench.log(String(
            format: "  %6d %@ median %7.1f ms  (min %.1f, max %.1f, cpu %.1f)  peak %.1f MiB",
            size, command.padding(toLength: 12, withPad: " ", startingAt: 0), figure.medianMs, figure.minMs, figure.maxMs, figure.medianCpuMs, figure.peakMiB))
    }

    /// Times `runs` runs of a command as one figure.
    func time(_ command: String, size: Int, as person: Int, runs: Int? = nil, stdout: String? = nil,
              check: ((String) throws -> Void)? = nil, _ arguments: (Int) -> [String]) throws {
        var samples = Samples()
        try sample(&samples, as: person, runs: runs ?? options.runs, stdout: stdout, check: check, arguments)
        record(command, size: size, samples)
    }

    func measure(at size: Int) throws {
        let runs = options.runs
        let output = (scratch as NSString).appendingPathComponent("stdout")
        let setup = nowNanoseconds()

        // Everything made in-process first, while ref directories are parked.
        // approve: fresh suggestions by Bob (no approvals yet), for Carol.
        let fresh = try workload.freshSuggestions(runs, by: Workload.bob)
        // merge: suggestions by Dave approved by Bob and Carol whose base the
        // round head has since moved past (so a clean three-way merge).
        var mergeBatch = try workload.approvedSuggestions(runs)
        // merge (waited): approved suggestions made while generating that
        // waited through many merges since (the oldest that still merge
        // cleanly, on lines the batch above leaves alone): merged first.
        let waited = workload.waitedSuggestions(runs, avoiding: Set(mergeBatch.map(\.line)))
        // suggest: a new text for each of Bob's runs, from the current text.
        let texts = try workload.writeSuggestionTexts(runs, into: (scratch as NSString).appendingPathComponent("texts"), tag: "suggest-\(size)")
        try workload.unpark()
        let suggestions = workload.suggestionCount
        Bench.log(String(format: "size %d: timing (%d suggestions, %d events; %.1f s to prepare)", size, suggestions, workload.eventCount, Double(nowNanoseconds() - setup) / 1e9))
        Bench.log("  refs: \(refStorage())")

        try time("--version", size: size, as: Workload.ana) { _ in ["--version"] }
        // The floor DESIGN.md means: Swift and libgit2 started, the
        // repository opened, one short chain (the roster) read.
        try time("member list", size: size, as: Workload.ana) { _ in ["member", "list"] }

        // The first list after generating: it brings the summary cache up
        // to date, so it is reported on its own.
        try time("list (cold)", size: size, as: Workload.ana, runs: 1, stdout: output, check: { text in
            let count = text.split(separator: "\n").count
            guard count == suggestions else { throw BenchError("list printed \(count) lines; the workload has \(suggestions) suggestions") }
        }) { _ in ["list"] }
        // `status` is the dashboard (a line per proposal, with counts);
        // `status SLUG` also lists the proposal's unfinished suggestions.
        try time("status", size: size, as: Workload.ana) { _ in ["status"] }
        try time("status SLUG", size: size, as: Workload.ana) { _ in ["status", Workload.slug] }
        try time("list", size: size, as: Workload.ana) { _ in ["list"] }
        // The whole history replayed against the rules (it must be clean:
        // the workload is honest), once each: cold (no caches: every
        // signature checked, on both cores), then with the signatures known
        // from the cache but every rule checked again (--fresh), then with
        // the refs found clean before skipped too.
        let clean: (String) throws -> Void = { text in
            guard text.contains("No violations") else { throw BenchError("verify found violations in the honest workload: \(text.prefix(2000))") }
        }
        for cache in ["signature-checks", "verified"] {
            try? FileManager.default.removeItem(atPath: (repositoryPath as NSString).appendingPathComponent(".git/quorum/\(cache)"))
        }
        try time("verify (cold)", size: size, as: Workload.ana, runs: 1, stdout: output, check: clean) { _ in ["verify", "--fresh"] }
        try time("verify --fresh", size: size, as: Workload.ana, runs: 1, stdout: output, check: clean) { _ in ["verify", "--fresh"] }
        try time("verify", size: size, as: Workload.ana, runs: 1, stdout: output, check: clean) { _ in ["verify"] }

        try time("suggest", size: size, as: Workload.bob) { index in
            ["suggest", Workload.slug, "-m", "Bench suggestion \(size)-\(index)", "--file", "\(Workload.document)=\(texts[index])"]
        }
        workload.noteExternal(suggestions: runs, events: runs)

        try time("approve", size: size, as: Workload.carol) { index in ["approve", fresh[index]] }
        workload.noteExternal(events: runs)

        let threeWay: (String) throws -> Void = { text in
            guard text.contains("three-way") else { throw BenchError("merge was not three-way: \(text)") }
        }
        if waited.isEmpty {
            Bench.log("  merge (waited): no approved suggestion made while generating merges cleanly now; not timed")
        } else {
            let merges = waited.map(\.merges)
            Bench.log("  merge (waited): \(waited.count) suggestions that waited through \(merges.min()!)–\(merges.max()!) merges")
            try time("merge (waited)", size: size, as: Workload.ana, runs: waited.count, stdout: output, check: threeWay) { index in
                ["merge", waited[index].id]
            }
            workload.noteExternal(events: waited.count, merges: waited.count)
        }

        var merges = Samples()
        var remaining = runs
        while true {
            let ids = mergeBatch.map(\.id)
            try sample(&merges, as: Workload.ana, runs: ids.count, stdout: output, check: threeWay) { index in ["merge", ids[index]] }
            workload.noteExternal(events: ids.count, merges: ids.count)
            remaining -= ids.count
            guard remaining > 0 else { break }
            // More runs than independent lines: another batch, made now.
            try workload.refreshText()
            mergeBatch = try workload.approvedSuggestions(remaining)
        }
        record("merge", size: size, merges)

        // The first list after a write (a comment: one chain moved), which
        // brings the summary cache up to date: DESIGN.md wants it within
        // 10 ms of a warm list.
        var afterWrite = Samples()
        for index in 0..<runs {
            _ = try runQuorum(["comment", fresh[index], "-m", "Bench comment \(size)-\(index)"], as: Workload.carol)
            afterWrite.add(try runQuorum(["list"], as: Workload.ana, stdout: output))
        }
        workload.noteExternal(events: runs)
        record("list (write)", size: size, afterWrite)
        try workload.refreshText()
    }
}

extension Bench {
    /// Instructions run by `quorum --version` and `quorum member list`
    /// under valgrind's callgrind: wall times of a few milliseconds move
    /// with whatever else the machine does, instruction counts do not.
    /// Skipped, saying so, when valgrind is not installed.
    func countStartUpInstructions() throws {
        let valgrind = ["/usr/bin/valgrind", "/usr/local/bin/valgrind"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let valgrind else {
            Bench.log("start-up instructions: valgrind is not installed (apt-get install valgrind)")
            return
        }
        for arguments in [["--version"], ["member", "list"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: valgrind)
            let full = arguments == ["--version"] ? arguments : arguments + ["--repo", repositoryPath]
            process.arguments = ["--tool=callgrind", "--callgrind-out-file=/dev/null", options.quorum] + full
            process.environment = environment(for: Workload.ana)
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            // "==123== Collected : 26736771"
            guard let line = output.split(separator: "\n").first(where: { $0.contains("Collected :") }),
                  let count = Int(line.split(separator: " ").last ?? "") else {
                throw BenchError("callgrind of quorum \(arguments.joined(separator: " ")) printed no count: \(output.suffix(500))")
            }
            let command = "quorum " + arguments.joined(separator: " ")
            report.startUp.append(StartUpFigure(command: command, instructions: count))
            Bench.log(String(format: "start-up instructions: %@ %.1f M", command, Double(count) / 1e6))
        }
    }

    /// What signing adds to a write, in-process: 500 event-sized commits
    /// written signed (as a write does: the commit text, its SSHSIG
    /// signature with the key loaded once, the commit with its `gpgsig`
    /// header) against 500 written unsigned, on the workload's repository.
    func measureSigning() throws {
        let repository = workload.repository(Workload.ana)
        guard let signer = try repository.signer() else { throw BenchError("no signing key configured for the workload") }
        let git = repository.git
        let tree = try git.updateTree(nil, [.upsert(path: "event.json", blob: try git.writeBlob(Data("{\"type\":\"approve\",\"v\":1}\n".utf8)))])
        let person = QuorumGit.Signature(name: "Ana Lima", email: "ana@example.com", time: Int64(Date().timeIntervalSince1970))
        var pass = 0
        func mean(signed: Bool) throws -> Double {
            pass += 1
            let start = nowNanoseconds()
            for index in 0..<500 {
                // Each commit new (ed25519 signatures are deterministic).
                _ = try git.createCommit(
                    tree: tree, parents: [], author: person, committer: person, message: "Approve \(pass)-\(index)\n\nEvent: approve\n",
                    sign: signed ? { try signer.sign($0) } : nil)
            }
            return Double(nowNanoseconds() - start) / 1e6 / 500
        }
        _ = try mean(signed: true)  // warm up
        let unsigned = try mean(signed: false)
        let signed = try mean(signed: true)
        report.signing = SigningFigure(unsignedCommitMs: unsigned, signedCommitMs: signed, addedMs: signed - unsigned)
        Bench.log(String(format: "signing: an event commit takes %.3f ms unsigned, %.3f ms signed (ed25519, in process): +%.3f ms (target: within 1 ms)",
                         unsigned, signed, signed - unsigned))
    }

    /// The word diff of a 200-paragraph document (about 300 characters
    /// each, blank lines between), in-process: median of 21 runs.
    func measureWordDiff() throws {
        var old = "# Framework\n\n"
        var one = old
        var fifty = old
        for index in 0..<200 {
            let text = "Paragraph \(index) describes how engineers grow in our organisation. It is meant to support conversations between engineers and their managers, not to act as a checklist. Most people will sit at different steps for different characteristics at any given time, and that is expected."
            let changed = text.replacingOccurrences(of: "any given", with: "the same")
            old += text + "\n\n"
            one += (index == 100 ? changed : text) + "\n\n"
            fifty += (index % 4 == 0 ? changed : text) + "\n\n"
        }
        func time(_ new: String) throws -> Double {
            let a = Array(old.utf8), b = Array(new.utf8)
            var runs: [Double] = []
            for _ in 0..<21 {
                let start = nowNanoseconds()
                _ = try WordDiff(from: a, to: b)
                runs.append(Double(nowNanoseconds() - start) / 1e6)
            }
            return median(runs)
        }
        let figure = ProseFigure(oneChangeMs: try time(one), fiftyChangesMs: try time(fifty))
        report.prose = figure
        Bench.log(String(format: "word diff of 200 paragraphs, in process: one change %.2f ms, 50 changes %.2f ms (target: under 5 ms)", figure.oneChangeMs, figure.fiftyChangesMs))
    }

    /// "N loose ref files, M directories under .git/refs, packed-refs K KiB".
    func refStorage() -> String {
        let refs = (repositoryPath as NSString).appendingPathComponent(".git/refs")
        var files = 0
        var directories = 0
        if let walker = FileManager.default.enumerator(atPath: refs) {
            while walker.nextObject() != nil {
                if walker.fileAttributes?[.type] as? FileAttributeType == .typeDirectory { directories += 1 } else { files += 1 }
            }
        }
        let packed = (try? FileManager.default.attributesOfItem(atPath: (repositoryPath as NSString).appendingPathComponent(".git/packed-refs"))[.size] as? Int) ?? 0
        return "\(files) loose ref files, \(directories) directories under .git/refs, packed-refs \(packed / 1024) KiB"
    }
}

/// The first three fields of /proc/loadavg, or "?" where there is none.
func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}
