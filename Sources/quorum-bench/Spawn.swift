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

/// Runs `executable` with exactly `environment`, via posix_spawn and wait4
/// (not Foundation.Process, whose own reaping would steal the rusage), with
/// stdin from /dev/null, stdout to `stdoutPath` (nil: /dev/null) and
/// stderr to `stderrPath`. Wall time covers spawn to reap.
func spawnAndWait(_ executable: String, _ arguments: [String], environment: [String: String], stdoutPath: String?, stderrPath: String) throws -> ChildRun {
    var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    var envp: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    #if canImport(Glibc)
    var actions = posix_spawn_file_actions_t()
    #else
    var actions: posix_spawn_file_actions_t?
    #endif
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

    var pid: pid_t = 0
    let start = nowNanoseconds()
    let spawned = posix_spawn(&pid, executable, &actions, nil, &argv, &envp)
    guard spawned == 0 else {
        throw BenchError("cannot start \(executable): \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) == -1 {
        guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
    }
    let end = nowNanoseconds()
    // WIFEXITED / WEXITSTATUS / WTERMSIG by hand: Swift does not import the macros.
    let signal = status & 0x7f
    let exitStatus = (status >> 8) & 0xff
    let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000
    return ChildRun(
        exitStatus: exitStatus, signal: signal, wallMilliseconds: Double(end - start) / 1_000_000,
        cpuMilliseconds: cpu, maxRSSKiB: Int(usage.ru_maxrss))
}
