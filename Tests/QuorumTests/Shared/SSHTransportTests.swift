import CLibGit2
import Foundation
@testable import QuorumGit
import XCTest

/// ssh through libgit2 (libssh2) against a real OpenSSH `sshd` that the
/// test starts on a loopback port, as its own process, with a host key,
/// authorized_keys and a configuration written in the test's directory;
/// the client's key is in a real `ssh-agent` the test starts too. The
/// server runs the real `git-upload-pack` and `git-receive-pack`, so the
/// shared repository's hooks run. Checked: the server is refused until its
/// host key is in known_hosts (unknown and changed keys, each with its own
/// words and what to do); fetch and push with the agent's key; refused
/// without it; the hook's refusal reaches the client; the ssh command
/// quotes the repository's path (CVE-2026-5917); a delta claiming a result
/// over 2 GiB is refused before anything is allocated (CVE-2026-53585).
final class SSHTransportTests: SharedRepositoryTestCase {
    /// The running server: one sshd listening on `port` (the shared
    /// repository and everything under the test's directory), on
    /// `hostilePort` (a forced command that plays a malicious git server),
    /// and, when this process may bind it, on 127.0.0.2:22 (for scp's
    /// short form, which has no port).
    private struct SSHServer {
        let daemon: Daemon
        let user: String
        let port: Int
        let hostilePort: Int
        let listensOnPort22: Bool
        /// The host key's fingerprint, as `ssh-keygen -l` prints it.
        let fingerprint: String
        /// A public key line (type and base64) that is not the server's.
        let otherKey: String
        /// The client's private key (for ssh-add).
        let clientKey: String
    }

    private var cleanups: [() -> Void] = []

    override func tearDownWithError() throws {
        for cleanup in cleanups.reversed() { cleanup() }
        cleanups = []
        try super.tearDownWithError()
    }

    private static let sshd = "/usr/sbin/sshd"

    /// A daemon started with posix_spawn, not Foundation's Process: sshd
    /// and ssh-agent close every inherited descriptor when they start,
    /// which Foundation takes for their exit, and its one thread that
    /// reaps children then blocks waiting for them, so that no other
    /// process the test runs is ever seen to finish.
    private final class Daemon {
        let pid: pid_t
        /// Where its standard error goes.
        let errors: URL
        private var reaped = false

        init(pid: pid_t, errors: URL) {
            self.pid = pid
            self.errors = errors
        }

        var isRunning: Bool {
            if !reaped, waitpid(pid, nil, WNOHANG) == pid { reaped = true }
            return !reaped
        }
        var log: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

        func stop() {
            guard !reaped else { return }
            kill(pid, SIGTERM)
            waitpid(pid, nil, 0)
            reaped = true
        }
    }

    private func spawn(_ path: String, _ args: [String], environment: [String: String]) throws -> Daemon {
        let errors = root.appendingPathComponent(".io").appendingPathComponent("\(UUID().uuidString).err")
        try FileManager.default.createDirectory(at: errors.deletingLastPathComponent(), withIntermediateDirectories: true)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errors.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard result == 0 else { throw XCTSkip("cannot start \(path): \(String(cString: strerror(result)))") }
        let daemon = Daemon(pid: pid, errors: errors)
        cleanups.append { daemon.stop() }
        return daemon
    }

    private func tool(_ path: String, _ args: [String], stdin: Data? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> ToolOutcome {
        let outcome = try start(path, args, as: nil, in: root, stdin: stdin).finish()
        XCTAssertEqual(outcome.status, 0, "\(path) \(args.joined(separator: " ")): \(outcome.errors)", file: file, line: line)
        return outcome
    }

    private func keygen(_ path: URL) throws {
        try tool("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", path.lastPathComponent, "-f", path.path])
    }

    /// `count` different TCP ports on 127.0.0.1 that nothing listens on
    /// (the kernel's choice, each socket held until all are chosen).
    private func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw XCTSkip("cannot open a socket") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw XCTSkip("cannot bind a loopback port") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    private func startServer() throws -> SSHServer {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.sshd), "\(Self.sshd) is needed for the ssh tests (make deps installs openssh-server, without starting it as a service)")
        for path in ["/usr/bin/ssh-keygen", "/usr/bin/ssh-agent", "/usr/bin/ssh-add", "/usr/bin/ssh-keyscan", "/usr/bin/python3"] {
            try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: path), "\(path) is needed (make deps installs it)")
        }
        let dir = root.appendingPathComponent("sshd")
        let serverHome = root.appendingPathComponent("server-home")
        for made in [dir, serverHome] { try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true) }
        for key in ["host_key", "other_host_key", "client_key"] { try keygen(dir.appendingPathComponent(key)) }
        try FileManager.default.copyItem(at: dir.appendingPathComponent("client_key.pub"), to: dir.appendingPathComponent("authorized_keys"))
        try Data(Self.hostileServer.utf8).write(to: dir.appendingPathComponent("hostile-upload-pack.py"))
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        let isRoot = getuid() == 0
        if isRoot, !FileManager.default.fileExists(atPath: "/run/sshd") {
            // sshd's privilege-separation directory, which Debian's service makes.
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }
        // 127.0.0.2:22 only when nothing there listens already (and root may bind it).
        var tries = 0
        while true {
            tries += 1
            let ports = try freePorts(2)
            let (port, hostilePort) = (ports[0], ports[1])
            let port22 = isRoot && tries == 1
            let config = dir.appendingPathComponent("sshd_config")
            try Data("""
                ListenAddress 127.0.0.1:\(port)
                ListenAddress 127.0.0.1:\(hostilePort)
                \(port22 ? "ListenAddress 127.0.0.2:22" : "")
                HostKey \(dir.path)/host_key
                PidFile none
                AuthorizedKeysFile \(dir.path)/authorized_keys
                AuthenticationMethods publickey
                PubkeyAuthentication yes
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                PermitRootLogin prohibit-password
                AllowUsers \(user)
                AllowAgentForwarding no
                AllowTcpForwarding no
                X11Forwarding no
                PrintMotd no
                LogLevel VERBOSE
                SetEnv HOME=\(serverHome.path) GIT_CONFIG_NOSYSTEM=1 LC_ALL=C.UTF-8
                Match LocalPort \(hostilePort)
                    ForceCommand /usr/bin/python3 \(dir.path)/hostile-upload-pack.py

                """.utf8).write(to: config)
            let server = try spawn(Self.sshd, ["-D", "-e", "-f", config.path], environment: environment(nil))
            let listening = "Server listening on 127.0.0.1 port \(port)."
            let deadline = Date().addingTimeInterval(10)
            var running = true
            while Date() < deadline {
                running = server.isRunning
                let log = server.log
                if !running || (log.contains(listening) && log.contains("port \(hostilePort).")) { break }
                usleep(10_000)
            }
            let log = server.log
            if running, log.contains(listening) {
                let fingerprint = try tool("/usr/bin/ssh-keygen", ["-l", "-f", dir.appendingPathComponent("host_key.pub").path]).text
                    .split(separator: " ")[1]
                let other = try String(contentsOf: dir.appendingPathComponent("other_host_key.pub"), encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
                return SSHServer(
                    daemon: server, user: user, port: port, hostilePort: hostilePort,
                    listensOnPort22: log.contains("Server listening on 127.0.0.2 port 22."),
                    fingerprint: String(fingerprint), otherKey: other, clientKey: dir.appendingPathComponent("client_key").path)
            }
            server.stop()
            // A port taken meanwhile: try again with others.
            if log.contains("Address already in use"), tries < 4 { continue }
            if !isRoot { throw XCTSkip("sshd does not run here as a user other than root: \(log)") }
            throw NSError(domain: "SSHTransportTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "sshd did not start: \(log)"])
        }
    }

    /// Starts `ssh-agent` on a socket of its own and points child processes
    /// at it; returns the socket's path.
    @discardableResult
    private func startAgent() throws -> String {
        // A short path: unix socket paths are limited to 107 bytes.
        let socket = "/tmp/quorum-agent-\(UUID().uuidString.prefix(8)).sock"
        let agent = try spawn("/usr/bin/ssh-agent", ["-D", "-a", socket], environment: environment(nil))
        cleanups.append { try? FileManager.default.removeItem(atPath: socket) }
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: socket) && agent.isRunning { usleep(10_000) }
        guard FileManager.default.fileExists(atPath: socket) else {
            throw XCTSkip("ssh-agent did not start: \(agent.log)")
        }
        extraEnvironment["SSH_AUTH_SOCK"] = socket
        return socket
    }

    private var knownHosts: URL { home.appendingPathComponent(".ssh/known_hosts") }

    /// Writes ~/.ssh/known_hosts (of the test's HOME).
    private func writeKnownHosts(_ text: String) throws {
        try FileManager.default.createDirectory(at: knownHosts.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: knownHosts)
    }

    /// What `ssh-keyscan` says of the server: the hint's own command.
    private func keyscan(_ host: String, port: Int) throws -> String {
        let scanned = try tool("/usr/bin/ssh-keyscan", (port == 22 ? [] : ["-p", String(port)]) + [host]).text
        XCTAssertTrue(scanned.contains("ssh-ed25519"), scanned)
        return scanned
    }

    private func url(_ server: SSHServer, _ path: String) -> String {
        "ssh://\(server.user)@127.0.0.1:\(server.port)\(path)"
    }

    // MARK: sync over ssh

    func testSyncOverSSHChecksTheHostKeyAndAuthenticatesWithTheAgentsKey() throws {
        let started = Date()
        let ana = try makeSharedReview()
        let server = try startServer()
        try startAgent()
        try tool("/usr/bin/ssh-add", ["-q", server.clientKey])

        let work = clone("eve")
        try gitOK(["init", "-q", work.path], in: root)
        try gitOK(["remote", "add", "origin", url(server, bare.path)], in: work)

        // A server never seen: refused, with its fingerprint and how to add it.
        let unknown = try quorum(["sync"], as: .ben, in: work)
        XCTAssertNotEqual(unknown.status, 0, unknown.errors)
        for phrase in [
            "ssh host key of [127.0.0.1]:\(server.port)", "is not known", server.fingerprint,
            "hint:", "ssh-keyscan -p \(server.port) 127.0.0.1 >> ~/.ssh/known_hosts",
        ] {
            XCTAssertTrue(unknown.errors.contains(phrase), "«\(phrase)» not in: \(unknown.errors)")
        }
        XCTAssertFalse(unknown.errors.contains("sslCAInfo"), unknown.errors)
        XCTAssertEqual(try quorumRefs(work), [:])

        // known_hosts lists another key for it: refused as a changed key.
        try writeKnownHosts("[127.0.0.1]:\(server.port) \(server.otherKey)\n")
        let changed = try quorum(["sync"], as: .ben, in: work)
        XCTAssertNotEqual(changed.status, 0, changed.errors)
        for phrase in ["has CHANGED", server.fingerprint, knownHosts.path, "ssh-keygen -R \"[127.0.0.1]:\(server.port)\""] {
            XCTAssertTrue(changed.errors.contains(phrase), "«\(phrase)» not in: \(changed.errors)")
        }
        XCTAssertEqual(try quorumRefs(work), [:])

        // The key ssh-keyscan reports (the hint's command), its host name
        // hashed as ssh's HashKnownHosts writes it: fetched.
        try writeKnownHosts(try keyscan("127.0.0.1", port: server.port))
        try tool("/usr/bin/ssh-keygen", ["-H", "-f", knownHosts.path])
        XCTAssertFalse(try String(contentsOf: knownHosts, encoding: .utf8).contains("127.0.0.1"))
        try quorumOK(["sync"], as: .ben, in: work)
        XCTAssertEqual(try quorumRefs(work), try quorumRefs(bare))

        // Pushed through ssh and receive-pack (hooks included), and fetched by Ana.
        let id = try XCTUnwrap(try suggestLine(5, "Ben's ssh edit.", as: .ben, in: work)["id"] as? String)
        try quorumOK(["sync"], as: .ben, in: work)
        XCTAssertEqual(try quorumRefs(work), try quorumRefs(bare))
        try quorumOK(["sync"], in: ana)
        try quorumOK(["show", id], in: ana)

        // The agent without the key: refused, the server unchanged.
        try tool("/usr/bin/ssh-add", ["-q", "-D"])
        let second = try XCTUnwrap(try suggestLine(13, "Ben's second ssh edit.", as: .ben, in: work)["id"] as? String)
        let before = try serverRefs()
        let keyless = try quorum(["sync"], as: .ben, in: work)
        XCTAssertNotEqual(keyless.status, 0, keyless.errors)
        XCTAssertTrue(keyless.errors.contains("ssh-add"), keyless.errors)
        // No agent at all: refused too, saying so.
        let socket = extraEnvironment.removeValue(forKey: "SSH_AUTH_SOCK")
        let agentless = try quorum(["sync"], as: .ben, in: work)
        XCTAssertNotEqual(agentless.status, 0, agentless.errors)
        XCTAssertTrue(agentless.errors.contains("SSH_AUTH_SOCK"), agentless.errors)
        XCTAssertEqual(try serverRefs(), before)
        // The key back in the agent: the suggestion goes in.
        extraEnvironment["SSH_AUTH_SOCK"] = socket
        try tool("/usr/bin/ssh-add", ["-q", server.clientKey])
        try quorumOK(["sync"], as: .ben, in: work)
        XCTAssertEqual(try quorumRefs(work), try quorumRefs(bare))
        XCTAssertTrue(try serverRefs().contains("/suggestions/\(second)/"))

        // scp's short form (user@host:path), which has no port: only when
        // this process could give sshd 127.0.0.2:22.
        if server.listensOnPort22 {
            let short = clone("fay")
            try gitOK(["init", "-q", short.path], in: root)
            try gitOK(["remote", "add", "origin", "\(server.user)@127.0.0.2:\(bare.path)"], in: short)
            let refused = try quorum(["sync"], as: .fay, in: short)
            XCTAssertTrue(refused.errors.contains("ssh host key of 127.0.0.2 ("), refused.errors)
            XCTAssertTrue(refused.errors.contains("ssh-keyscan 127.0.0.2 >>"), refused.errors)
            try writeKnownHosts(try String(contentsOf: knownHosts, encoding: .utf8) + (try keyscan("127.0.0.2", port: 22)))
            try quorumOK(["sync"], as: .fay, in: short)
            XCTAssertEqual(try quorumRefs(short), try quorumRefs(bare))
        } else {
            print("note: scp's short form not tried: sshd could not listen on 127.0.0.2:22 here")
        }
        try assertFsckClean(bare)
        print("ssh sync test: \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
    }

    // MARK: The library over ssh, in this process

    /// Runs `body` with this process's HOME (where the known_hosts check
    /// looks) and SSH_AUTH_SOCK (where libssh2 finds the agent) those of
    /// the test's child processes.
    private func withClientEnvironment<T>(_ body: () throws -> T) rethrows -> T {
        let saved = ["HOME", "SSH_AUTH_SOCK"].map { ($0, ProcessInfo.processInfo.environment[$0]) }
        setenv("HOME", home.path, 1)
        if let socket = extraEnvironment["SSH_AUTH_SOCK"] { setenv("SSH_AUTH_SOCK", socket, 1) } else { unsetenv("SSH_AUTH_SOCK") }
        defer {
            for (name, value) in saved {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        return try body()
    }

    func testHookRefusalsAndQuotedPathsOverSSH() throws {
        let ana = try makeSharedReview()
        let server = try startServer()
        try startAgent()
        try tool("/usr/bin/ssh-add", ["-q", server.clientKey])
        try writeKnownHosts(try keyscan("127.0.0.1", port: server.port))
        let repository = try Repository.open(at: ana.path)
        let roster = try XCTUnwrap(try repository.referenceTarget("refs/quorum/roster"))

        // The hook's refusal reaches the client over ssh as over a local
        // path (where git prints it after "remote: "): a commit on the
        // roster that is no event.
        let tree = try gitOK(["rev-parse", "refs/quorum/roster^{tree}"], in: ana)
        let forged = try commitTree(tree, parents: [roster.description], message: "Not an event\n", as: .eve, in: ana)
        let update = ReferenceUpdate(name: "refs/quorum/roster", expected: roster, target: try XCTUnwrap(ObjectID(hex: forged)))
        let report = try withClientEnvironment { try repository.pushReferences(to: url(server, bare.path), [update]) }
        XCTAssertNotNil(report.refused["refs/quorum/roster"], "\(report.refused)")
        // Every line the hook printed, the same (git pads its "remote: " lines with spaces).
        func trimmed(_ line: Substring) -> String { String(line.reversed().drop(while: { $0 == " " }).reversed()) }
        let overSSH = report.remoteMessages.split(separator: "\n").map(trimmed)
        XCTAssertTrue(overSSH.contains { $0.contains("refs/quorum/roster: [roster.not-lead]") }, report.remoteMessages)
        let local = try git(["push", bare.path, "\(forged):refs/quorum/roster"], in: ana)
        XCTAssertNotEqual(local.status, 0, local.errors)
        let overPath = local.errors.split(separator: "\n").filter { $0.hasPrefix("remote: ") }.map { trimmed($0.dropFirst("remote: ".count)) }
        XCTAssertEqual(overSSH, overPath)
        print("the hook's refusal over ssh:\n" + report.remoteMessages)
        XCTAssertEqual(try gitOK(["rev-parse", "refs/quorum/roster"], in: bare), roster.description)

        // The repository's path is quoted for the server's shell
        // (CVE-2026-5917): a path holding ' and ! reaches git-upload-pack
        // as it is, and one written to break out of the quotes runs nothing.
        let quoted = root.appendingPathComponent("o'brien!s.git")
        try FileManager.default.copyItem(at: bare, to: quoted)
        let fetched = try withClientEnvironment {
            try repository.fetchReferences(from: url(server, quoted.path), refspecs: [], prefixes: ["refs/quorum/"])
        }
        XCTAssertEqual(fetched["refs/quorum/roster"], roster)
        let planted = root.appendingPathComponent("planted")
        let hostile = url(server, root.path + "/x';touch \(planted.path);'")
        XCTAssertThrowsError(try withClientEnvironment { try repository.fetchReferences(from: hostile, refspecs: [], prefixes: ["refs/"]) })
        XCTAssertFalse(FileManager.default.fileExists(atPath: planted.path), "the ssh command ran what the path held")

        // In this process too, an unknown host key is refused with the reason.
        try writeKnownHosts("")
        XCTAssertThrowsError(try withClientEnvironment { try repository.fetchReferences(from: url(server, bare.path), refspecs: [], prefixes: ["refs/"]) }) { error in
            guard let refused = error as? HostKeyError else { return XCTFail("not a HostKeyError: \(error)") }
            XCTAssertEqual(refused.reason, .unknown)
            XCTAssertEqual(refused.port, server.port)
            XCTAssertEqual(refused.fingerprint, server.fingerprint)
        }
    }

    // MARK: Without a server

    func testSSHEndpointsAndKnownHostsFilesAreReadAsSSHReadsThem() throws {
        for (url, host, port) in [
            ("ssh://ana@git.example.com:2222/srv/review.git", "git.example.com", 2222),
            ("ssh://git.example.com/srv/review.git", "git.example.com", 22),
            ("git+ssh://ana@[::1]:2200/review.git", "::1", 2200),
            ("ana@git.example.com:srv/review.git", "git.example.com", 22),
            ("git.example.com:/srv/review.git", "git.example.com", 22),
            ("ana@[::1]:review.git", "::1", 22),
        ] {
            XCTAssertEqual(SSHEndpoint(url: url), SSHEndpoint(host: host, port: port), url)
        }
        for url in ["https://git.example.com/review.git", "git://git.example.com/review.git", "/srv/review.git"] {
            XCTAssertNil(SSHEndpoint(url: url), url)
        }
        // ssh's default files: the user's two, then the system's two.
        XCTAssertEqual(
            KnownHosts.files(environment: ["HOME": "/home/ana"]),
            ["/home/ana/.ssh/known_hosts", "/home/ana/.ssh/known_hosts2", "/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"])
        // Each file on its own: a line libssh2 cannot parse (a marker, an
        // unknown key type) does not hide the lines after it.
        let dir = root.appendingPathComponent("known")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try keygen(dir.appendingPathComponent("host"))
        try keygen(dir.appendingPathComponent("other"))
        func publicKey(_ name: String) throws -> (line: String, raw: Data) {
            let fields = try String(contentsOf: dir.appendingPathComponent(name + ".pub"), encoding: .utf8).split(separator: " ")
            return ("\(fields[0]) \(fields[1])", try XCTUnwrap(Data(base64Encoded: String(fields[1]))))
        }
        let host = try publicKey("host")
        let other = try publicKey("other")
        let listed = dir.appendingPathComponent("listed").path
        let changed = dir.appendingPathComponent("changed").path
        let missing = dir.appendingPathComponent("missing").path
        try Data("# comment\n@cert-authority *.example.com \(other.line)\nodd.example.com sk-ssh-ed25519@openssh.com AAAA\n[git.example.com]:2222 \(host.line)\n".utf8)
            .write(to: URL(fileURLWithPath: listed))
        try Data("[git.example.com]:2222,other.example.com \(other.line)\n".utf8).write(to: URL(fileURLWithPath: changed))
        func verdict(_ key: Data, _ files: [String], host name: String = "git.example.com", port: Int = 2222) -> HostKeyError.Reason? {
            KnownHosts.verdict(host: name, port: port, key: key, rawType: GIT_CERT_SSH_RAW_TYPE_KEY_ED25519, files: files)
        }
        XCTAssertNil(verdict(host.raw, [missing, changed, listed]))
        XCTAssertEqual(verdict(host.raw, [missing, changed]), .changed(in: [changed]))
        XCTAssertEqual(verdict(other.raw, [listed]), .changed(in: [listed]))
        XCTAssertEqual(verdict(host.raw, [listed], port: 22), .unknown)
        XCTAssertEqual(verdict(host.raw, [listed], host: "git2.example.com"), .unknown)
        XCTAssertEqual(verdict(host.raw, [missing]), .unknown)
    }

    // MARK: A hostile server

    /// A server whose pack holds a delta claiming a 3 GiB result: libgit2
    /// refuses it before allocating (CVE-2026-53585; the limit is 2 GiB).
    func testADeltaClaimingAnOversizedObjectIsRefused() throws {
        try makeSharedReview()
        let server = try startServer()
        try startAgent()
        try tool("/usr/bin/ssh-add", ["-q", server.clientKey])
        try writeKnownHosts(try keyscan("127.0.0.1", port: server.hostilePort))
        let work = clone("eve")
        try gitOK(["init", "-q", work.path], in: root)
        try gitOK(["remote", "add", "origin", "ssh://\(server.user)@127.0.0.1:\(server.hostilePort)/shared.git"], in: work)
        let started = Date()
        let refused = try quorum(["sync"], as: .ben, in: work)
        XCTAssertNotEqual(refused.status, 0, refused.errors)
        XCTAssertTrue(refused.errors.contains("overly large object"), refused.errors)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertEqual(try quorumRefs(work), [:])
    }

    /// A git server (protocol v0, no capabilities) that advertises
    /// refs/quorum/roster and answers any request with a pack holding a
    /// blob and a delta on it that claims a 3 GiB result.
    private static let hostileServer = #"""
        import hashlib, struct, sys, zlib

        out, inp = sys.stdout.buffer, sys.stdin.buffer

        def pkt(data):
            return b"%04x" % (len(data) + 4) + data

        def size(n):  # a delta's size header: 7 bits a byte, low first
            data = bytearray()
            while True:
                byte, n = n & 0x7F, n >> 7
                if not n:
                    data.append(byte)
                    return bytes(data)
                data.append(byte | 0x80)

        def header(kind, n):  # a pack entry's type and size
            data, byte, n = bytearray(), (kind << 4) | (n & 0x0F), n >> 4
            while n:
                data.append(byte | 0x80)
                byte, n = n & 0x7F, n >> 7
            data.append(byte)
            return bytes(data)

        base = b"a base for the delta\n"
        base_id = hashlib.sha1(b"blob %d\0" % len(base) + base).digest()
        delta = size(len(base)) + size(3 << 30) + b"\x01x"
        pack = b"PACK" + struct.pack(">II", 2, 2)
        pack += header(3, len(base)) + zlib.compress(base)
        pack += header(7, len(delta)) + base_id + zlib.compress(delta)
        pack += hashlib.sha1(pack).digest()

        tip = hashlib.sha1(b"not an object").hexdigest().encode()
        out.write(pkt(tip + b" refs/quorum/roster\0agent=quorum-test-hostile\n") + b"0000")
        out.flush()
        while True:
            length = inp.read(4)
            if len(length) < 4:
                sys.exit(0)
            n = int(length, 16)
            line = inp.read(n - 4) if n > 4 else b""
            if line.startswith(b"done"):
                break
        out.write(pkt(b"NAK\n") + pack)
        out.flush()
        """#
}
