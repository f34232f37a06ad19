import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One finished child process: how long it took from spawn to reaping, and
/// what the kernel says it used.
struct ChildRun {
    let exitStatus: Int32
    let signal: Int32
    let wallMilliseconds: Double
    let cpuMilliseconds: Double
    /// Peak resident set size in KiB (Linux `ru_maxrss`).
    let maxRSSKiB: Int
    var succeeded: Bool { signal == 0 && exitStatus == 0 }
}

/// Monotonic clock in nanoseconds.
func nowNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// What to run, sent to the spawn server.
struct SpawnRequest: Codable {
    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var stdoutPath: String?
    var stderrPath: String
}

/// What happened, sent back.
struct SpawnResponse: Codable {
    var error: String?
    var exitStatus: Int32 = 0
    var signal: Int32 = 0
    var wallMilliseconds: Double = 0
    var cpuMilliseconds: Double = 0
    var maxRSSKiB: Int = 0
    /// The server's own anonymous memory: a child's ru_maxrss is never
    /// below it (fork gives the child the server's page counts).
    var serverAnonKiB: Int = 0
}

/// Starts and reaps the quorum processes for the bench.
///
/// Why a separate small process: a child's `ru_maxrss` starts from the
/// memory high-water mark of the process that created it (posix_spawn's
/// vfork shares the parent's whole address space until exec, and the kernel
/// carries that mark over), so children of the bench, which holds the
/// generated workload in memory, would all seem as big as it is. This
/// server is started first, while the bench is small; it forks each child
/// from its own few MiB and times it from fork to reaping.
final class SpawnServer {
    private let pid: pid_t
    private let requests: FileHandle
    private let responses: FileHandle
    private var buffer = Data()

    init() throws {
        var toServer: [Int32] = [0, 0]
        var fromServer: [Int32] = [0, 0]
        guard pipe(&toServer) == 0, pipe(&fromServer) == 0 else { throw BenchError("pipe failed") }
        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        #else
        var actions: posix_spawn_file_actions_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toServer[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromServer[1], 1)
        for fd in toServer + fromServer { posix_spawn_file_actions_addclose(&actions, fd) }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup(executable), strdup(SpawnServer.flag), nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, nil, &argv, environ)
        close(toServer[0])
        close(fromServer[1])
        guard spawned == 0 else { throw BenchError("cannot start the spawn server: \(String(cString: strerror(spawned)))") }
        pid = child
        requests = FileHandle(fileDescriptor: toServer[1], closeOnDealloc: true)
        responses = FileHandle(fileDescriptor: fromServer[0], closeOnDealloc: true)
    }

    static let flag = "--spawn-server"

    func run(_ request: SpawnRequest) throws -> SpawnResponse {
        var line = try JSONEncoder().encode(request)
        line.append(10)
        try requests.write(contentsOf: line)
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let reply = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                let response = try JSONDecoder().decode(SpawnResponse.self, from: reply)
                if let error = response.error { throw BenchError(error) }
                return response
            }
            // availableData returns what one read(2) gives (read(upToCount:)
            // would wait for the whole count).
            let more = responses.availableData
            guard !more.isEmpty else {
                throw BenchError("the spawn server stopped")
            }
            buffer.append(more)
        }
    }

    func stop() {
        try? requests.close()
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    /// The server's loop: one JSON request per line on stdin, one JSON
    /// response per line on stdout, until stdin closes.
    static func serve() -> Never {
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        while let line = readLine(strippingNewline: true) {
            var response: SpawnResponse
            do {
                response = try execute(try decoder.decode(SpawnRequest.self, from: Data(line.utf8)))
            } catch {
                response = SpawnResponse(error: "\(error)")
            }
            response.serverAnonKiB = anonKiB()
            var out = (try? encoder.encode(response)) ?? Data("{\"error\":\"encoding failed\"}".utf8)
            out.append(10)
            FileHandle.standardOutput.write(out)
        }
        exit(0)
    }

    private static func execute(_ request: SpawnRequest) throws -> SpawnResponse {
        // Everything the child needs is made before fork: after it, the
        // child calls only open/dup2/execve/_exit.
        let argv: [UnsafeMutablePointer<CChar>?] = ([request.executable] + request.arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = request.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let output = open(request.stdoutPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let errors = open(request.stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { [input, output, errors].forEach { if $0 >= 0 { close($0) } } }
        guard input >= 0, output >= 0, errors >= 0 else { throw BenchError("cannot open the child's output files: \(String(cString: strerror(errno)))") }
        guard let path = strdup(request.executable) else { throw BenchError("out of memory") }
        defer { free(path) }

        let start = nowNanoseconds()
        let child = fork()
        if child == 0 {
            dup2(input, 0)
            dup2(output, 1)
            dup2(errors, 2)
            argv.withUnsafeBufferPointer { a in
                envp.withUnsafeBufferPointer { e in
                    _ = execve(path, a.baseAddress!, e.baseAddress!)
                }
            }
            _exit(127)
        }
        guard child > 0 else { throw BenchError("fork failed: \(String(cString: strerror(errno)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(child, &status, 0, &usage) == -1 {
            guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let end = nowNanoseconds()
        // WIFEXITED / WEXITSTATUS / WTERMSIG by hand: Swift does not import the macros.
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000
        return SpawnResponse(
            exitStatus: (status >> 8) & 0xff, signal: status & 0x7f, wallMilliseconds: Double(end - start) / 1_000_000,
            cpuMilliseconds: cpu, maxRSSKiB: Int(usage.ru_maxrss))
    }

    /// RssAnon from /proc/self/status, in KiB (0 where there is none).
    static func anonKiB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}
