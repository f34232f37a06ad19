import Crypto
import Foundation

/// Signs with one SSH key as git does for gpg.format=ssh.
///
/// Made by `fromGitConfig`, which finds the key from git's `user.signingKey`
/// and picks the fastest way to use it: an unencrypted ssh-ed25519 or ECDSA
/// key file signs in process with swift-crypto; a key held by the ssh-agent
/// at `SSH_AUTH_SOCK` is signed by the agent over its socket; anything else
/// (an encrypted key not in the agent, an RSA key file, a PEM key) by running
/// `gpg.ssh.program` (`ssh-keygen`) exactly as git runs it. Every way gives
/// the same SSHSIG signature (OpenSSH's PROTOCOL.sshsig) `ssh-keygen -Y sign`
/// writes. A signer may be shared between threads.
public struct SSHSigner: Sendable {
    public let publicKey: SSHPublicKey
    /// How the key signs.
    let method: Method

    enum Method: Sendable {
        case inProcess(SSHSigningKey)
        case agent(SSHAgent)
        case program(SSHSigningProgram)
    }

    /// Signs in process with `key`.
    init(key: SSHSigningKey) {
        publicKey = key.publicKey
        method = .inProcess(key)
    }

    init(publicKey: SSHPublicKey, method: Method) {
        self.publicKey = publicKey
        self.method = method
    }

    /// The armored SSHSIG ("-----BEGIN SSH SIGNATURE-----\n…\n-----END SSH SIGNATURE-----\n", base64 wrapped at 70 columns as ssh-keygen does) over `message` in `namespace`, hash sha512 as ssh-keygen uses. Byte-compatible with what `ssh-keygen -Y sign -n git` writes, so `git verify-commit` accepts it.
    ///
    /// Throws `SSHSigner.Error` when the agent or the program fails to sign
    /// (its message says why and what to set), or `namespace` is empty.
    public func sign(_ message: Data, namespace: String = "git") throws -> String {
        guard !namespace.isEmpty else { throw Error("an SSH signature needs a namespace (git uses 'git')") }
        let signed = SSHSignature.signedData(message: message, namespace: namespace, hashAlgorithm: "sha512")
        let signature: Data
        switch method {
        case .inProcess(let key):
            do {
                signature = try key.signature(over: signed)
            } catch {
                throw Error("signing with \(publicKey.algorithm) \(publicKey.fingerprint) failed: \(error)")
            }
        case .agent(let agent):
            // ssh-keygen asks for rsa-sha2-512 for RSA keys in SSHSIG; an agent
            // that ignores the flag would answer with SHA-1 ssh-rsa, refused here.
            let isRSA = publicKey.algorithm == "ssh-rsa"
            signature = try agent.sign(signed, with: publicKey, flags: isRSA ? SSHAgent.rsaSHA2_512 : 0)
            var reader = SSHReader(signature)
            let algorithm = (try? reader.string()).map { String(decoding: $0, as: UTF8.self) }
            guard algorithm == (isRSA ? "rsa-sha2-512" : publicKey.algorithm) else {
                throw Error("the ssh-agent at \(agent.socketPath) signed with '\(algorithm ?? "?")', not \(isRSA ? "rsa-sha2-512" : publicKey.algorithm); update OpenSSH")
            }
        case .program(let program):
            return try program.sign(message, namespace: namespace, publicKey: publicKey)
        }
        return Self.armor(publicKey: publicKey, namespace: namespace, hashAlgorithm: "sha512", signature: signature)
    }

    /// The SSHSIG blob (PROTOCOL.sshsig: magic, version 1, public key,
    /// namespace, reserved, hash algorithm, signature) in its armor, base64
    /// wrapped at 70 columns as ssh-keygen writes it.
    static func armor(publicKey: SSHPublicKey, namespace: String, hashAlgorithm: String, signature: Data) -> String {
        var blob = Data(utf8: "SSHSIG")
        blob.appendSSHUInt32(1)
        blob.appendSSHString(publicKey.blob)
        blob.appendSSHString(Data(utf8: namespace))
        blob.appendSSHString(Data())
        blob.appendSSHString(Data(utf8: hashAlgorithm))
        blob.appendSSHString(signature)
        let encoded = Array(blob.base64EncodedString().utf8)
        var text = Array("-----BEGIN SSH SIGNATURE-----\n".utf8)
        text.reserveCapacity(encoded.count + encoded.count / 70 + 64)
        var start = 0
        while start < encoded.count {
            let end = min(start + 70, encoded.count)
            text += encoded[start..<end]
            text.append(UInt8(ascii: "\n"))
            start = end
        }
        text += Array("-----END SSH SIGNATURE-----\n".utf8)
        return String(decoding: text, as: UTF8.self)
    }

    /// Why a signing key cannot be used: what is wrong and what to set.
    public struct Error: Swift.Error, CustomStringConvertible, LocalizedError, Equatable {
        public let description: String
        public var errorDescription: String? { description }
        init(_ description: String) { self.description = description }
    }
}

// MARK: - Finding the key

extension SSHSigner {
    /// Finds the key as git does for gpg.format=ssh. `signingKey` is the value of git's `user.signingKey` (nil when unset → returns nil); `program` is `gpg.ssh.program` (nil → "ssh-keygen", found on PATH); `environment` supplies SSH_AUTH_SOCK, HOME and PATH. Throws `SSHSigner.Error` (CustomStringConvertible, with a message that names what is wrong and what to set) when the key cannot be used.
    ///
    /// `signingKey` is a literal public key (`key::ssh-ed25519 AAAA… comment`,
    /// or a bare `ssh-…` line, as git takes it) or the path of a private or
    /// public key file (`~/` expanded with HOME). The key file is read and
    /// parsed here, once; the agent (when used) is asked here whether it holds
    /// the key. The program is looked up only when it is needed, and runs with
    /// `environment` as its whole environment.
    public static func fromGitConfig(signingKey: String?, program: String?, environment: [String: String]) throws -> SSHSigner? {
        guard let configured = signingKey?.trimming(.spacesAndNewlines), !configured.isEmpty else { return nil }
        let resolver = KeyResolver(configured: configured, program: program, environment: environment)
        return try resolver.resolve()
    }
}

/// `fromGitConfig`'s steps, with the configuration at hand for its messages.
private struct KeyResolver {
    let configured: String
    let program: String?
    let environment: [String: String]

    typealias Error = SSHSigner.Error

    static let supportedTypes = "ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa"
    var setKeyAdvice: String {
        "set user.signingKey to your SSH key file (e.g. ~/.ssh/id_ed25519) or to its public key as 'key::ssh-ed25519 AAAA…'"
    }

    func resolve() throws -> SSHSigner {
        // A literal key, as git's is_literal_ssh_key: `key::…`, or a line starting `ssh-`.
        if configured.hasPrefix("key::") || configured.hasPrefix("ssh-") {
            let literal = configured.hasPrefix("key::") ? String(configured.dropFirst(5)).trimming(.spaces) : configured
            guard let publicKey = try publicKey(inText: literal, from: nil) else {
                throw Error("user.signingKey '\(configured)' is not an SSH public key line ('key::ssh-ed25519 AAAA… comment'): \(setKeyAdvice)")
            }
            return try signerUsingAgentOrProgram(publicKey, keyFile: nil, literal: literal)
        }

        let path = expandedPath(configured)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            var hint = ""
            if configured.hasPrefix("ecdsa-") || configured.hasPrefix("sk-") {
                hint = " (git reads a public key only after 'key::': write 'key::\(configured)')"
            }
            throw Error("user.signingKey is '\(configured)', but there is no file \(path)\(hint): \(setKeyAdvice)")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw Error("user.signingKey is '\(configured)', but \(path) cannot be read as a file: \(setKeyAdvice)")
        }
        let text = String(decoding: data, as: UTF8.self)

        if OpenSSHKeyFile.looksLikeOne(text) {
            let file: OpenSSHKeyFile
            do {
                file = try OpenSSHKeyFile(armored: text)
            } catch let error as Error {
                throw Error("user.signingKey is '\(configured)', but \(path) is a damaged OpenSSH private key (\(error.description)): \(setKeyAdvice)")
            }
            guard let publicKey = file.publicKey else { throw unsupported(file.algorithm, in: nil) }
            if let beside = try publicKeyFile(path + ".pub"), beside != publicKey {
                throw Error("\(path) and \(path).pub hold different keys (\(publicKey.fingerprint), \(beside.fingerprint)): regenerate \(path).pub with 'ssh-keygen -y -f \(path) > \(path).pub', or set user.signingKey to the right key")
            }
            if let key = file.signingKey {
                try checkPermissions(path)
                return SSHSigner(key: key)
            }
            return try signerUsingAgentOrProgram(publicKey, keyFile: path, literal: nil, encrypted: file.isEncrypted)
        }

        if text.contains("-----BEGIN "), text.contains(" PRIVATE KEY-----") {
            // A PEM key (PKCS#1, SEC1 or PKCS#8): ssh-keygen signs with it; its public key must sit beside it.
            guard let publicKey = try publicKeyFile(path + ".pub") else {
                throw Error("user.signingKey is '\(configured)', a PEM private key whose public key Quorum cannot read: write it to \(path).pub with 'ssh-keygen -y -f \(path) > \(path).pub', or convert the key to OpenSSH's format with 'ssh-keygen -p -f \(path)'")
            }
            return try signerUsingAgentOrProgram(publicKey, keyFile: path, literal: nil)
        }

        if let publicKey = try publicKey(inText: text, from: nil) {
            // A public key file: its private key may sit beside it, without `.pub`.
            if path.hasSuffix(".pub"), let privateData = FileManager.default.contents(atPath: String(path.dropLast(4))) {
                let privateText = String(decoding: privateData, as: UTF8.self)
                if OpenSSHKeyFile.looksLikeOne(privateText), let file = try? OpenSSHKeyFile(armored: privateText),
                   file.publicKey == publicKey, let key = file.signingKey {
                    try checkPermissions(String(path.dropLast(4)))
                    return SSHSigner(key: key)
                }
            }
            return try signerUsingAgentOrProgram(publicKey, keyFile: path, literal: nil)
        }
        throw Error("user.signingKey is '\(configured)', but \(path) is neither an SSH private key nor an SSH public key: \(setKeyAdvice)")
    }

    /// The agent when it holds the key, else the program.
    func signerUsingAgentOrProgram(_ publicKey: SSHPublicKey, keyFile: String?, literal: String?, encrypted: Bool = false) throws -> SSHSigner {
        var agentNote = "SSH_AUTH_SOCK is not set"
        if let socket = environment["SSH_AUTH_SOCK"], !socket.isEmpty {
            let agent = SSHAgent(socketPath: socket)
            do {
                if try agent.holds(publicKey) { return SSHSigner(publicKey: publicKey, method: .agent(agent)) }
                agentNote = "the ssh-agent at \(socket) does not hold \(publicKey.fingerprint)"
            } catch let error as Error {
                agentNote = error.description
            }
        }
        let file = keyFile ?? "the key"
        let why = literal != nil ? "user.signingKey is a public key"
            : encrypted ? "\(file) is encrypted" : "\(file) (\(publicKey.algorithm)) is not one Quorum signs with in process"
        let name = program.flatMap { $0.isEmpty ? nil : $0 } ?? "ssh-keygen"
        guard let executable = findProgram(name) else {
            throw Error("\(why) and \(agentNote), so gpg.ssh.program must sign, but '\(name)' is not an executable\(name.contains("/") ? "" : " on PATH"): install OpenSSH's ssh-keygen (8.2p1 or newer), set gpg.ssh.program, or add the key to your ssh-agent (ssh-add)")
        }
        return SSHSigner(publicKey: publicKey, method: .program(SSHSigningProgram(
            executable: executable, name: name, configuredKey: configured, keyFile: keyFile, literalKey: literal,
            environment: environment, agentNote: agentNote)))
    }

    /// The public key on the first line of `text` that holds one; nil when
    /// `text` holds no key line at all. Throws for a key line of a type
    /// Quorum does not take, or a damaged one. `file` is where `text` is
    /// from, when not user.signingKey's own value or file.
    func publicKey(inText text: String, from file: String?) throws -> SSHPublicKey? {
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count >= 2, !fields[0].hasPrefix("#") else { continue }
            guard let blob = Data(base64Encoded: String(fields[1])) else { continue }
            var reader = SSHReader(blob)
            guard let type = try? reader.string(), String(decoding: type, as: UTF8.self) == fields[0] else { continue }
            guard SSHPublicKey.supported.contains(String(fields[0])) else { throw unsupported(String(fields[0]), in: file) }
            do {
                return try SSHPublicKey(line: String(line))
            } catch {
                throw Error("user.signingKey is '\(configured)', \(file.map { "whose \($0) holds" } ?? "holding") a damaged \(fields[0]) key (\(error)): \(setKeyAdvice)")
            }
        }
        return nil
    }

    /// The key in a public key file, nil when there is no such file.
    func publicKeyFile(_ path: String) throws -> SSHPublicKey? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let key = try publicKey(inText: String(decoding: data, as: UTF8.self), from: path) else {
            throw Error("\(path) is not an SSH public key: remove it, or regenerate it with 'ssh-keygen -y -f \(path.dropLast(4)) > \(path)'")
        }
        return key
    }

    func unsupported(_ type: String, in file: String?) -> Error {
        Error("user.signingKey is '\(configured)', \(file.map { "whose \($0) holds " } ?? "")an \(type) key, which Quorum cannot sign or verify with: make an \(Self.supportedTypes) key (ssh-keygen -t ed25519) and set user.signingKey to it")
    }

    /// As ssh refuses a private key others may read (sshkey_perm_ok), so does this.
    func checkPermissions(_ path: String) throws {
        // stat(2), as ssh's fstat of the opened file (a link is followed).
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        let mode = Int(info.st_mode & 0o7777)
        if info.st_uid == getuid(), mode & 0o077 != 0 {
            throw Error("permissions \(String(mode, radix: 8)) of the private key \(path) are too open (ssh-keygen refuses it too): chmod 600 \(path)")
        }
    }

    /// `~/x` and `~` with HOME, as git's interpolate_path.
    func expandedPath(_ path: String) -> String {
        let home = environment["HOME"] ?? NSHomeDirectory()
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst(1) }
        return path
    }

    /// The program's path: as given when it has a slash, else the first
    /// match on PATH (as git runs it: no shell, no `~`).
    func findProgram(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

// MARK: - Signing with the program

/// `gpg.ssh.program`, run as git's sign_buffer_ssh runs it:
/// `PROGRAM -Y sign -n NAMESPACE -f KEYFILE [-U] BUFFERFILE`, the signature
/// then read from `BUFFERFILE.sig` (or, from a program that prints it
/// instead, from its stdout). A literal key is written to a temporary file
/// and `-U` added, telling ssh-keygen the private key is in the agent.
struct SSHSigningProgram: Sendable {
    let executable: String
    /// As configured, for messages.
    let name: String
    /// user.signingKey as configured, for messages.
    let configuredKey: String
    let keyFile: String?
    let literalKey: String?
    let environment: [String: String]
    /// Why the agent did not sign, for messages.
    let agentNote: String

    func sign(_ message: Data, namespace: String, publicKey: SSHPublicKey) throws -> String {
        let fileManager = FileManager.default
        let directory = fileManager.temporaryDirectory.appendingPathComponent("quorum-ssh-sign-\(UUID().uuidString)")
        do {
            try fileManager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SSHSigner.Error("cannot make a temporary directory to sign in: \(error)")
        }
        defer { try? fileManager.removeItem(at: directory) }
        let buffer = directory.appendingPathComponent("buffer")
        let stdoutFile = directory.appendingPathComponent("stdout")
        let stderrFile = directory.appendingPathComponent("stderr")
        var arguments = ["-Y", "sign", "-n", namespace, "-f"]
        do {
            try message.write(to: buffer)
            if let literalKey {
                let keyPath = directory.appendingPathComponent("key.pub")
                try Data(utf8: literalKey).write(to: keyPath)
                arguments += [keyPath.path, "-U"]
            } else {
                arguments.append(keyFile ?? "")
            }
            arguments.append(buffer.path)
            try Data().write(to: stdoutFile)
            try Data().write(to: stderrFile)
        } catch {
            throw SSHSigner.Error("cannot write the temporary files to sign with: \(error)")
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let status: Int32
        do {
            let out = try FileHandle(forWritingTo: stdoutFile)
            let err = try FileHandle(forWritingTo: stderrFile)
            defer { try? out.close(); try? err.close() }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = out
            process.standardError = err
            try process.run()
            process.waitUntilExit()
            status = process.terminationStatus
        } catch {
            throw SSHSigner.Error("cannot run gpg.ssh.program '\(name)' (\(executable)): \(error); set gpg.ssh.program to OpenSSH's ssh-keygen")
        }
        let stderr = String(decoding: (try? Data(contentsOf: stderrFile)) ?? Data(), as: UTF8.self)
            .trimming(.spacesAndNewlines)
        guard status == 0 else {
            let usage = stderr.contains("usage:") ? " (ssh-keygen -Y sign needs OpenSSH 8.2p1 or newer)" : ""
            throw SSHSigner.Error(
                "gpg.ssh.program '\(name)' failed to sign with user.signingKey '\(configuredKey)' (exit status \(status))\(usage): \(stderr.isEmpty ? "no message" : stderr)"
                    + " — \(agentNote); add the key to your ssh-agent (ssh-add), or check user.signingKey and gpg.ssh.program")
        }
        var signature = (try? Data(contentsOf: URL(fileURLWithPath: buffer.path + ".sig")))
            ?? (try? Data(contentsOf: stdoutFile)) ?? Data()
        signature.removeAll { $0 == UInt8(ascii: "\r") }  // as git does, for Windows' line ends
        let text = String(decoding: signature, as: UTF8.self)
        guard let parsed = try? SSHSignature(armored: text), parsed.publicKey == publicKey, parsed.verifies(message, namespace: namespace) else {
            throw SSHSigner.Error("gpg.ssh.program '\(name)' exited 0 but gave no SSH signature by \(publicKey.fingerprint) over the message: check gpg.ssh.program and user.signingKey ('\(configuredKey)')")
        }
        return text.hasSuffix("\n") ? text : text + "\n"
    }
}
