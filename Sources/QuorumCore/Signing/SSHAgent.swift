import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A client of the ssh-agent listening on a UNIX socket (`SSH_AUTH_SOCK`),
/// speaking the agent protocol of draft-miller-ssh-agent: every message is a
/// uint32 length, a type byte and its contents. Used for two requests only:
/// the keys the agent holds, and a signature by one of them. One connection
/// is kept open and reused (opened again once if the agent dropped it);
/// requests are serialised, so one agent may serve several threads.
final class SSHAgent: @unchecked Sendable {
    let socketPath: String
    private let lock = NSLock()
    private var socket: Int32 = -1  // guarded by lock

    /// How long a request may wait for the agent (a key added with
    /// `ssh-add -c` waits for the user to confirm).
    static let timeoutSeconds = 60

    // Message numbers and flags, from the draft's section 6.
    private static let failure: UInt8 = 5
    private static let requestIdentities: UInt8 = 11
    private static let identitiesAnswer: UInt8 = 12
    private static let signRequest: UInt8 = 13
    private static let signResponse: UInt8 = 14
    /// Sign-request flags choosing the hash of an RSA signature (RFC 8332).
    static let rsaSHA2_256: UInt32 = 2
    static let rsaSHA2_512: UInt32 = 4
    /// The draft's limit on one message.
    private static let maximumMessage = 256 * 1024

    init(socketPath: String) {
        self.socketPath = socketPath
    }

    deinit {
        if socket >= 0 { close(socket) }
    }

    /// The key blobs the agent holds (SSH_AGENTC_REQUEST_IDENTITIES).
    /// Throws `SSHSigner.Error` when the agent cannot be reached or answers badly.
    func identities() throws -> [Data] {
        let (type, body) = try request(Data([Self.requestIdentities]))
        guard type == Self.identitiesAnswer else { throw SSHSigner.Error("the ssh-agent at \(socketPath) refused to list its keys") }
        var reader = SSHReader(body)
        do {
            let count = try reader.uint32()
            var blobs: [Data] = []
            for _ in 0..<count {
                blobs.append(try reader.string())
                _ = try reader.string()  // comment
            }
            return blobs
        } catch {
            throw SSHSigner.Error("the ssh-agent at \(socketPath) sent a malformed list of keys")
        }
    }

    /// Whether the agent holds `key`.
    func holds(_ key: SSHPublicKey) throws -> Bool {
        try identities().contains(key.blob)
    }

    /// The agent's SSH signature blob (`string algorithm, string signature`)
    /// over `data` with `key` (SSH_AGENTC_SIGN_REQUEST); `flags` is 0, or
    /// `rsaSHA2_256` / `rsaSHA2_512` for an RSA key. Throws `SSHSigner.Error`
    /// when the agent refuses (key gone, confirmation declined) or cannot be reached.
    func sign(_ data: Data, with key: SSHPublicKey, flags: UInt32) throws -> Data {
        var message = Data([Self.signRequest])
        message.appendSSHString(key.blob)
        message.appendSSHString(data)
        message.appendSSHUInt32(flags)
        let (type, body) = try request(message)
        guard type == Self.signResponse else {
            throw SSHSigner.Error(
                "the ssh-agent at \(socketPath) refused to sign with \(key.algorithm) \(key.fingerprint)"
                    + (type == Self.failure ? " (was the key removed, or its confirmation declined?)" : " (unexpected reply \(type))"))
        }
        var reader = SSHReader(body)
        guard let signature = try? reader.string() else { throw SSHSigner.Error("the ssh-agent at \(socketPath) sent a malformed signature") }
        return signature
    }

    /// Sends one message and reads the reply's type and contents. A broken
    /// kept connection is replaced once; a second failure is thrown.
    private func request(_ contents: Data) throws -> (UInt8, Data) {
        lock.lock()
        defer { lock.unlock() }
        var framed = Data()
        framed.appendSSHString(contents)
        var attempt = 0
        while true {
            attempt += 1
            let reused = socket >= 0
            do {
                if socket < 0 { socket = try connectSocket() }
                try writeAll(framed)
                let length = Int(try readExactly(4).reduce(0) { $0 << 8 | UInt32($1) })
                guard length >= 1, length <= Self.maximumMessage else { throw Transport("a reply of \(length) bytes") }
                let reply = try readExactly(length)
                return (reply[reply.startIndex], reply.dropFirst())
            } catch let error as Transport {
                if socket >= 0 { close(socket) }
                socket = -1
                // A kept connection may have been closed by a restarted agent: try a fresh one once.
                if reused, attempt == 1 { continue }
                throw SSHSigner.Error("cannot talk to the ssh-agent at \(socketPath) (SSH_AUTH_SOCK): \(error.reason)")
            }
        }
    }

    private struct Transport: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private func connectSocket() throws -> Int32 {
        #if os(Linux)
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = Darwin.socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Transport("socket(): \(String(cString: strerror(errno)))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var timeout = timeval(tv_sec: Self.timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        #if canImport(Darwin)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            close(fd)
            throw Transport("its path is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
            raw[path.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Transport(reason)
        }
        return fd
    }

    private func writeAll(_ data: Data) throws {
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var sent = 0
            while sent < buffer.count {
                let n = send(socket, buffer.baseAddress! + sent, buffer.count - sent, flags)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw Transport("send: \(String(cString: strerror(errno)))") }
                sent += n
            }
        }
    }

    private func readExactly(_ count: Int) throws -> Data {
        var data = Data(count: count)
        try data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
            var received = 0
            while received < count {
                let n = recv(socket, buffer.baseAddress! + received, count - received, 0)
                if n < 0, errno == EINTR { continue }
                if n == 0 { throw Transport("it closed the connection") }
                guard n > 0 else {
                    throw Transport(errno == EAGAIN || errno == EWOULDBLOCK
                        ? "no answer within \(Self.timeoutSeconds) s" : "recv: \(String(cString: strerror(errno)))")
                }
                received += n
            }
        }
        return data
    }
}
