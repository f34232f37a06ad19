import Crypto
import Foundation
import XCTest
import _CryptoExtras

@testable import QuorumCore

/// `SSHSigner` signs as `ssh-keygen -Y sign -n git` does, whichever way it
/// uses the key: in process (unencrypted ed25519/ECDSA key files), through
/// the ssh-agent, or by running gpg.ssh.program. Every signature is checked by
/// the real `ssh-keygen -Y verify` and by `SSHSignature`; RSA signatures from
/// ssh-keygen verify in process, SHA-1 ones never do.
final class SSHSigningTests: QuorumTestCase {
    private let message = Data("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Ana Lima <ana@example.com> 1700000000 +0000\n\nApprove round 2\n".utf8)
    /// A gpg.ssh.program that cannot run: signing through it would fail, so a
    /// signature proves no process was spawned.
    private let noProgram = "/nonexistent/ssh-keygen"
    private var agent: Process?
    private var agentSocket: String?

    override func tearDownWithError() throws {
        if let agent, agent.isRunning {
            agent.terminate()
            agent.waitUntilExit()
        }
        if let agentSocket { try? FileManager.default.removeItem(atPath: agentSocket) }
        agent = nil
        agentSocket = nil
        try super.tearDownWithError()
    }

    // MARK: Helpers

    private func tool(_ name: String) throws -> String {
        guard let path = ["/usr/bin/", "/bin/", "/usr/local/bin/"].map({ $0 + name }).first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("\(name) is not installed (Debian: openssh-client)")
        }
        return path
    }

    private func sshKeygen(_ args: [String], stdin: Data? = nil, environment extra: [String: String] = [:]) throws -> RunResult {
        try execute(try tool("ssh-keygen"), args, environment: environment(for: nil).merging(extra) { $1 }, stdin: stdin, in: tmp)
    }

    /// Makes a key pair with ssh-keygen in the test directory; returns the private key's path.
    private func makeKey(_ type: String, bits: String = "", named name: String? = nil, passphrase: String = "") throws -> String {
        let path = tmp.appendingPathComponent(name ?? "id_\(type)\(bits)").path
        let made = try sshKeygen(["-q", "-t", type] + (bits.isEmpty ? [] : ["-b", bits]) + ["-N", passphrase, "-C", "ana@example.com", "-f", path])
        XCTAssertEqual(made.status, 0, made.stderr)
        return path
    }

    private func publicLine(_ keyPath: String) throws -> String {
        try String(contentsOfFile: keyPath + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `ssh-keygen -Y verify` of `armored` over `message` for ana@example.com with `key`.
    private func sshKeygenVerifies(_ armored: String, _ message: Data, key: SSHPublicKey) throws -> Bool {
        let signers = try write("ana@example.com namespaces=\"git\" \(key.line)\n", to: "allowed_signers")
        let signature = try write(armored, to: "verify.sig")
        let result = try sshKeygen(["-Y", "verify", "-f", signers, "-I", "ana@example.com", "-n", "git", "-s", signature], stdin: message)
        return result.status == 0
    }

    /// Asserts `armored` is shaped as ssh-keygen writes it and verifies for `key`, and a changed message does not.
    private func assertVerifies(_ armored: String, by key: SSHPublicKey, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertTrue(armored.hasPrefix("-----BEGIN SSH SIGNATURE-----\n"), label, file: file, line: line)
        XCTAssertTrue(armored.hasSuffix("\n-----END SSH SIGNATURE-----\n"), label, file: file, line: line)
        let body = armored.split(separator: "\n").dropFirst().dropLast()
        XCTAssertTrue(body.dropLast().allSatisfy { $0.count == 70 } && (body.last?.count ?? 0) <= 70, "wrapped at 70: \(label)", file: file, line: line)
        let parsed = try SSHSignature(armored: armored)
        XCTAssertEqual(parsed.publicKey, key, label, file: file, line: line)
        XCTAssertEqual(parsed.hashAlgorithm, "sha512", label, file: file, line: line)
        XCTAssertTrue(parsed.verifies(message, namespace: "git"), "ours: \(label)", file: file, line: line)
        XCTAssertFalse(parsed.verifies(message + Data("x".utf8), namespace: "git"), "ours, tampered: \(label)", file: file, line: line)
        XCTAssertTrue(try sshKeygenVerifies(armored, message, key: key), "ssh-keygen -Y verify: \(label)", file: file, line: line)
        XCTAssertFalse(try sshKeygenVerifies(armored, message + Data("x".utf8), key: key), "ssh-keygen, tampered: \(label)", file: file, line: line)
    }

    /// What `ssh-keygen -Y sign -n git -f key` writes for the message.
    private func sshKeygenSignature(_ keyPath: String, environment extra: [String: String] = [:]) throws -> String {
        let file = try write(message, to: "signed-by-ssh-keygen")
        try? FileManager.default.removeItem(atPath: file + ".sig")
        let signed = try sshKeygen(["-Y", "sign", "-n", "git", "-f", keyPath, file], environment: extra)
        XCTAssertEqual(signed.status, 0, signed.stderr)
        return try String(contentsOfFile: file + ".sig", encoding: .utf8)
    }

    private func makeSigner(_ signingKey: String?, program: String? = nil, environment extra: [String: String] = [:]) throws -> SSHSigner? {
        try SSHSigner.fromGitConfig(signingKey: signingKey, program: program, environment: environment(for: nil).merging(extra) { $1 })
    }

    private func methodName(_ signer: SSHSigner?) -> String {
        switch signer?.method {
        case .inProcess?: return "in process"
        case .agent?: return "agent"
        case .program?: return "program"
        case nil: return "none"
        }
    }

    /// Asserts `body` throws an SSHSigner.Error whose message holds each phrase.
    private func assertSignerError<T>(_ body: @autoclosure () throws -> T, mentions phrases: [String], file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("expected an SSHSigner.Error mentioning \(phrases)", file: file, line: line)
        } catch let error as SSHSigner.Error {
            for phrase in phrases {
                XCTAssertTrue(error.description.contains(phrase), "«\(phrase)» not in: \(error)", file: file, line: line)
            }
        } catch {
            XCTFail("expected an SSHSigner.Error, got \(error)", file: file, line: line)
        }
    }

    /// Starts `ssh-agent -D` on a fresh socket; the environment to reach it.
    private func startAgent() throws -> [String: String] {
        let binary = try tool("ssh-agent")
        // A short path: a UNIX socket's path has at most 107 bytes.
        let socket = "/tmp/quorum-agent-\(UUID().uuidString.prefix(8)).sock"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-D", "-a", socket]
        process.environment = environment(for: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        agent = process
        agentSocket = socket
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket) {
            guard Date() < deadline, process.isRunning else { throw XCTSkip("ssh-agent did not start") }
            usleep(10_000)
        }
        return ["SSH_AUTH_SOCK": socket]
    }

    private func sshAdd(_ args: [String], _ agentEnvironment: [String: String]) throws {
        let added = try execute(try tool("ssh-add"), args, environment: environment(for: nil).merging(agentEnvironment) { $1 }, in: tmp)
        XCTAssertEqual(added.status, 0, added.stderr)
    }

    // MARK: In process

    func testUnencryptedEd25519AndECDSAKeyFilesSignInProcessAsSSHKeygenDoes() throws {
        for (type, bits) in [("ed25519", ""), ("ecdsa", "256"), ("ecdsa", "384"), ("ecdsa", "521")] {
            let key = try makeKey(type, bits: bits)
            let label = type + bits
            let expected = try SSHPublicKey(line: try publicLine(key))
            // The private key file, its public key file, and the private key with ~/ for HOME.
            try FileManager.default.copyItem(atPath: key, toPath: home.appendingPathComponent("id_\(label)").path)
            for signingKey in [key, key + ".pub", "~/id_\(label)"] {
                let signer = try XCTUnwrap(try makeSigner(signingKey, program: noProgram))
                XCTAssertEqual(methodName(signer), "in process", "\(label) from \(signingKey)")
                XCTAssertEqual(signer.publicKey, expected, label)
                try assertVerifies(try signer.sign(message), by: expected, "\(label) from \(signingKey)")
            }
            let signer = try XCTUnwrap(try makeSigner(key, program: noProgram))
            // Another namespace is kept apart.
            let other = try SSHSignature(armored: try signer.sign(message, namespace: "file"))
            XCTAssertTrue(other.verifies(message, namespace: "file"), label)
            XCTAssertFalse(other.verifies(message, namespace: "git"), label)
            // The fingerprint is ssh-keygen -l's.
            let listed = try sshKeygen(["-l", "-f", key + ".pub"])
            XCTAssertEqual(listed.stdout.split(separator: " ")[1], Substring(signer.publicKey.fingerprint), label)
            #if !canImport(Darwin)
            // Ed25519 is deterministic (BoringSSL): the very bytes ssh-keygen writes.
            if type == "ed25519" {
                XCTAssertEqual(try signer.sign(message), try sshKeygenSignature(key))
            }
            #endif
        }
    }

    func testGitVerifyCommitAcceptsOurSignatures() throws {
        let work = tmp.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        func git(_ args: [String], stdin: Data? = nil) throws -> RunResult {
            try execute(TestEnvironment.gitBinary, args, environment: environment(for: .ana), stdin: stdin, in: work)
        }
        XCTAssertEqual(try git(["init", "-q"]).status, 0)
        XCTAssertEqual(try git(["commit", "-q", "--allow-empty", "-m", "Approve round 2"]).status, 0)
        let payload = try git(["cat-file", "commit", "HEAD"]).stdoutData
        for (type, bits) in [("ed25519", ""), ("ecdsa", "256")] {
            let key = try makeKey(type, bits: bits)
            let signer = try XCTUnwrap(try makeSigner(key, program: noProgram))
            let signature = try signer.sign(payload)
            // The gpgsig header goes after the committer line, continued with a space.
            var lines = String(decoding: payload, as: UTF8.self).components(separatedBy: "\n")
            let committer = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("committer ") })
            lines.insert("gpgsig " + signature.dropLast().replacingOccurrences(of: "\n", with: "\n "), at: committer + 1)
            let written = try git(["hash-object", "-t", "commit", "-w", "--stdin"], stdin: Data(lines.joined(separator: "\n").utf8))
            XCTAssertEqual(written.status, 0, written.stderr)
            let commit = written.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let signers = try write("ana@example.com namespaces=\"git\" \(signer.publicKey.line)\n", to: "git_allowed_signers")
            let verified = try git(["-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", commit])
            XCTAssertEqual(verified.status, 0, "\(type)\(bits): \(verified.stderr)")
            XCTAssertTrue(verified.stderr.contains("Good \"git\" signature for ana@example.com"), verified.stderr)
            // Another key in the allowed signers: not accepted.
            try write("ana@example.com namespaces=\"git\" \(try SSHPublicKey(line: try publicLine(try makeKey("ed25519", named: "other-\(type)"))).line)\n", to: "git_allowed_signers")
            XCTAssertNotEqual(try git(["-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", commit]).status, 0)
        }
    }

    func testSigningIsFastInProcess() throws {
        let key = try makeKey("ed25519")
        let signer = try XCTUnwrap(try makeSigner(key, program: noProgram))
        let messages = (0..<1_000).map { Data("tree \($0)\nauthor Ana\n\nApprove\n".utf8) }
        _ = try signer.sign(messages[0])
        let start = DispatchTime.now().uptimeNanoseconds
        var signatures: [String] = []
        signatures.reserveCapacity(messages.count)
        for message in messages { signatures.append(try signer.sign(message)) }
        let meanMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(messages.count)
        print("SSHSigner ed25519 in process: mean \(String(format: "%.3f", meanMilliseconds)) ms per signature over \(messages.count) messages")
        XCTAssertLessThan(meanMilliseconds, 1.0)
        XCTAssertTrue(try SSHSignature(armored: signatures[999]).verifies(messages[999], namespace: "git"))
        XCTAssertFalse(try SSHSignature(armored: signatures[999]).verifies(messages[998], namespace: "git"))
    }

    // MARK: RSA

    func testRSASignaturesVerifyInProcessButNotSHA1() throws {
        let key = try makeKey("rsa", bits: "3072")
        let publicKey = try SSHPublicKey(line: try publicLine(key))
        XCTAssertEqual(publicKey.algorithm, "ssh-rsa")
        // ssh-keygen's own signature (rsa-sha2-512) verifies with ours.
        let fromSSHKeygen = try SSHSignature(armored: try sshKeygenSignature(key))
        XCTAssertEqual(fromSSHKeygen.publicKey, publicKey)
        XCTAssertEqual(fromSSHKeygen.signatureAlgorithm, "rsa-sha2-512")
        XCTAssertTrue(fromSSHKeygen.verifies(message, namespace: "git"))
        XCTAssertFalse(fromSSHKeygen.verifies(message + Data("x".utf8), namespace: "git"))
        XCTAssertFalse(fromSSHKeygen.verifies(message, namespace: "file"))
        // The same signature bytes claimed as another hash do not verify.
        let signed = SSHSignature.signedData(message: message, namespace: "git", hashAlgorithm: "sha512")
        XCTAssertTrue(publicKey.verifies(fromSSHKeygen.signature, algorithm: "rsa-sha2-512", over: signed))
        XCTAssertFalse(publicKey.verifies(fromSSHKeygen.signature, algorithm: "rsa-sha2-256", over: signed))
        XCTAssertFalse(publicKey.verifies(fromSSHKeygen.signature, algorithm: "ssh-rsa", over: signed))

        // A real PKCS#1 v1.5 signature with SHA-1 (`ssh-rsa`) never verifies; the same key's SHA-256 one does.
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let primitives = try rsa.publicKey.getKeyPrimitives()
        var blob = Data()
        blob.appendSSHString(Data("ssh-rsa".utf8))
        blob.appendSSHMPInt(primitives.publicExponent)
        blob.appendSSHMPInt(primitives.modulus)
        let generated = try SSHPublicKey(line: "ssh-rsa \(blob.base64EncodedString()) generated")
        let sha1 = try rsa.signature(for: Insecure.SHA1.hash(data: signed), padding: .insecurePKCS1v1_5)
        let sha256 = try rsa.signature(for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
        XCTAssertFalse(generated.verifies(sha1.rawRepresentation, algorithm: "ssh-rsa", over: signed))
        XCTAssertFalse(generated.verifies(sha1.rawRepresentation, algorithm: "rsa-sha2-256", over: signed))
        XCTAssertTrue(generated.verifies(sha256.rawRepresentation, algorithm: "rsa-sha2-256", over: signed))
        XCTAssertFalse(generated.verifies(sha256.rawRepresentation, algorithm: "rsa-sha2-512", over: signed))
        XCTAssertFalse(publicKey.verifies(sha256.rawRepresentation, algorithm: "rsa-sha2-256", over: signed))

        // An RSA key file (not in an agent) is signed by gpg.ssh.program: the real ssh-keygen here.
        let signer = try XCTUnwrap(try makeSigner(key, program: nil))
        XCTAssertEqual(methodName(signer), "program")
        try assertVerifies(try signer.sign(message), by: publicKey, "rsa by ssh-keygen")
        // RSA's PKCS#1 v1.5 is deterministic: the very bytes ssh-keygen writes.
        XCTAssertEqual(try signer.sign(message), try sshKeygenSignature(key))

        // Keys too small for OpenSSH are refused.
        var small = Data()
        small.appendSSHString(Data("ssh-rsa".utf8))
        small.appendSSHMPInt(Data([0x01, 0x00, 0x01]))
        small.appendSSHMPInt(Data([0xc3] + Array(repeating: 0x55, count: 62) + [0x01]))  // 512 bits
        XCTAssertThrowsError(try SSHPublicKey(line: "ssh-rsa \(small.base64EncodedString()) small"))
    }

    // MARK: The agent

    func testKeysInTheAgentSignThroughItsSocket() throws {
        let agentEnvironment = try startAgent()
        let ed25519 = try makeKey("ed25519")
        let rsa = try makeKey("rsa", bits: "3072")
        let encrypted = try makeKey("ecdsa", bits: "256", named: "id_encrypted", passphrase: "correct horse")
        try sshAdd([ed25519, rsa], agentEnvironment)
        // ssh-add reads a passphrase from SSH_ASKPASS when there is no terminal.
        let askpass = try write("#!/bin/sh\necho 'correct horse'\n", to: "askpass")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: askpass)
        try sshAdd([encrypted], agentEnvironment.merging(["SSH_ASKPASS": askpass, "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"]) { $1 })

        for (key, label) in [(ed25519, "ed25519"), (rsa, "rsa"), (encrypted, "encrypted ecdsa")] {
            let publicKey = try SSHPublicKey(line: try publicLine(key))
            // A literal key (git's key:: form, and the bare ssh- form), and the key file.
            for signingKey in ["key::" + (try publicLine(key)), try publicLine(key), key] where !(label == "encrypted ecdsa" && signingKey.hasPrefix("ecdsa")) {
                let signer = try XCTUnwrap(try makeSigner(signingKey, program: noProgram, environment: agentEnvironment))
                let expected = signingKey == key && label == "ed25519" ? "in process" : "agent"
                XCTAssertEqual(methodName(signer), expected, "\(label) from \(signingKey)")
                XCTAssertEqual(signer.publicKey, publicKey)
                let armored = try signer.sign(message)
                try assertVerifies(armored, by: publicKey, "\(label) through the agent")
                if label == "rsa" { XCTAssertEqual(try SSHSignature(armored: armored).signatureAlgorithm, "rsa-sha2-512") }
                // One connection serves many signatures.
                for _ in 0..<5 { XCTAssertTrue(try SSHSignature(armored: try signer.sign(message)).verifies(message, namespace: "git")) }
            }
        }
        // Deterministic algorithms: the agent's signature is the one ssh-keygen writes.
        let agentSigner = try XCTUnwrap(try makeSigner("key::" + (try publicLine(rsa)), program: noProgram, environment: agentEnvironment))
        XCTAssertEqual(try agentSigner.sign(message), try sshKeygenSignature(rsa))
        // One signer shared by threads: its connection serves one request at a time.
        let results = Results()
        let message = self.message
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let text = message + Data("\(index)".utf8)
            results.add((try? SSHSignature(armored: try agentSigner.sign(text)))?.verifies(text, namespace: "git") ?? false)
        }
        XCTAssertEqual(results.all, Array(repeating: true, count: 8))

        // A key removed from the agent after the signer was made: a clear error, not a crash.
        try sshAdd(["-d", rsa + ".pub"], agentEnvironment)
        assertSignerError(try agentSigner.sign(message), mentions: ["ssh-agent", "refused", "SHA256:"])
        // And a signer made now falls back to the program, which is not there.
        assertSignerError(try makeSigner("key::" + (try publicLine(rsa)), program: noProgram, environment: agentEnvironment),
                          mentions: ["gpg.ssh.program", noProgram, "does not hold"])
        // An agent that has gone away.
        let edSigner = try XCTUnwrap(try makeSigner("key::" + (try publicLine(ed25519)), program: noProgram, environment: agentEnvironment))
        agent?.terminate()
        agent?.waitUntilExit()
        assertSignerError(try edSigner.sign(message), mentions: ["ssh-agent", agentEnvironment["SSH_AUTH_SOCK"]!])
    }

    // MARK: The program

    func testEncryptedKeysNotInTheAgentAreSignedByTheProgramAsGitRunsIt() throws {
        let encrypted = try makeKey("ed25519", named: "id_encrypted", passphrase: "correct horse")
        let plain = tmp.appendingPathComponent("plain-copy").path
        try FileManager.default.copyItem(atPath: encrypted, toPath: plain)
        let removed = try sshKeygen(["-p", "-P", "correct horse", "-N", "", "-f", plain])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        let publicKey = try SSHPublicKey(line: try publicLine(encrypted))
        // A gpg.ssh.program that records its arguments and signs with the unencrypted copy.
        let arguments = tmp.appendingPathComponent("arguments").path
        let program = try write("""
            #!/bin/sh
            printf '%s\\n' "$@" > '\(arguments)'
            for last; do :; done
            exec '\(try tool("ssh-keygen"))' -Y sign -n git -f '\(plain)' "$last"
            """, to: "fake-ssh-keygen")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program)

        let signer = try XCTUnwrap(try makeSigner(encrypted, program: program))
        XCTAssertEqual(methodName(signer), "program")
        XCTAssertEqual(signer.publicKey, publicKey)
        try assertVerifies(try signer.sign(message), by: publicKey, "by the program")
        var recorded = try String(contentsOfFile: arguments, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(recorded.prefix(6)), ["-Y", "sign", "-n", "git", "-f", encrypted])
        XCTAssertEqual(recorded.count, 7)
        // The buffer file held the message (it is gone afterwards, as its .sig).
        XCTAssertFalse(FileManager.default.fileExists(atPath: recorded[6]))

        // A literal key not in any agent: written to a file and -U added, as git does.
        let literal = try XCTUnwrap(try makeSigner("key::" + (try publicLine(encrypted)), program: program))
        XCTAssertEqual(methodName(literal), "program")
        try assertVerifies(try literal.sign(message), by: publicKey, "literal by the program")
        recorded = try String(contentsOfFile: arguments, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(recorded.prefix(5)), ["-Y", "sign", "-n", "git", "-f"])
        XCTAssertEqual(recorded[6], "-U")
        XCTAssertEqual(recorded.count, 8)

        // An RSA file and a program that fails: its stderr, and what to set.
        let failing = try write("#!/bin/sh\necho 'sign_and_send_pubkey: signing failed: agent refused operation' >&2\nexit 255\n", to: "failing-program")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: failing)
        let failingSigner = try XCTUnwrap(try makeSigner(encrypted, program: failing))
        assertSignerError(try failingSigner.sign(message), mentions: ["gpg.ssh.program", "user.signingKey", "agent refused operation", "exit status 255"])
        // A program that succeeds but prints a signature by another key.
        let wrong = try write("#!/bin/sh\nfor last; do :; done\nexec '\(try tool("ssh-keygen"))' -Y sign -n git -f '\(try makeKey("ed25519", named: "other"))' \"$last\"\n", to: "wrong-program")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrong)
        assertSignerError(try XCTUnwrap(try makeSigner(encrypted, program: wrong)).sign(message), mentions: ["gpg.ssh.program", publicKey.fingerprint])
        // No program at all when one is needed.
        assertSignerError(try makeSigner(encrypted, program: noProgram), mentions: ["gpg.ssh.program", noProgram, "encrypted"])
        assertSignerError(try makeSigner(encrypted, program: "no-such-ssh-keygen"), mentions: ["gpg.ssh.program", "no-such-ssh-keygen", "PATH"])
    }

    // MARK: Errors

    func testKeysThatCannotBeUsedAreClearErrors() throws {
        XCTAssertNil(try makeSigner(nil))
        XCTAssertNil(try makeSigner("  "))
        assertSignerError(try makeSigner(tmp.appendingPathComponent("missing").path), mentions: ["user.signingKey", "no file", "missing"])
        assertSignerError(try makeSigner("~/.ssh/id_none"), mentions: ["user.signingKey", home.path + "/.ssh/id_none"])
        assertSignerError(try makeSigner("ecdsa-sha2-nistp256 AAAAE2VjZHNh"), mentions: ["key::"])
        let garbage = try write("hello, world\n", to: "garbage")
        assertSignerError(try makeSigner(garbage), mentions: ["user.signingKey", garbage, "neither"])
        let damaged = try write("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n", to: "damaged")
        assertSignerError(try makeSigner(damaged), mentions: ["user.signingKey", damaged, "damaged"])
        assertSignerError(try makeSigner(tmp.path), mentions: ["user.signingKey", "cannot be read"])
        assertSignerError(try makeSigner("key::not a key"), mentions: ["user.signingKey", "key::not a key"])

        // Key types Quorum does not take: in a public key file, as a literal, and in an OpenSSH key file.
        var dss = Data()
        for field in ["ssh-dss", "p", "q", "g", "y"] { dss.appendSSHString(Data(field.utf8)) }
        let dssLine = "ssh-dss \(dss.base64EncodedString()) ana@example.com"
        let dssFile = try write(dssLine + "\n", to: "id_dsa.pub")
        assertSignerError(try makeSigner(dssFile), mentions: ["ssh-dss", "ed25519", "user.signingKey"])
        assertSignerError(try makeSigner("key::" + dssLine), mentions: ["ssh-dss", "user.signingKey"])
        var keyFile = Data("openssh-key-v1".utf8) + Data([0])
        for field in ["none", "none", ""] { keyFile.appendSSHString(Data(field.utf8)) }
        keyFile.appendSSHUInt32(1)
        keyFile.appendSSHString(dss)
        var section = Data()
        section.appendSSHUInt32(7)
        section.appendSSHUInt32(7)
        for field in ["ssh-dss", "p", "q", "g", "y", "x", "comment"] { section.appendSSHString(Data(field.utf8)) }
        keyFile.appendSSHString(section)
        let dssPrivate = try write("-----BEGIN OPENSSH PRIVATE KEY-----\n\(keyFile.base64EncodedString())\n-----END OPENSSH PRIVATE KEY-----\n", to: "id_dsa")
        assertSignerError(try makeSigner(dssPrivate), mentions: ["ssh-dss", "user.signingKey"])

        // A private key whose .pub beside it is another key's.
        let key = try makeKey("ed25519")
        let other = try makeKey("ed25519", named: "other")
        try FileManager.default.removeItem(atPath: key + ".pub")
        try FileManager.default.copyItem(atPath: other + ".pub", toPath: key + ".pub")
        assertSignerError(try makeSigner(key, program: noProgram), mentions: [key + ".pub", "different keys"])
        // A private key others can read, as ssh-keygen refuses it.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: other)
        assertSignerError(try makeSigner(other, program: noProgram), mentions: ["too open", "chmod 600"])
        // A link to a private key only its owner reads is taken, as ssh
        // takes it (it checks the file the link leads to), whatever the
        // link's own mode; a link to the open one is refused.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: other)
        let linked = other + "-link"
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: other)
        try FileManager.default.copyItem(atPath: other + ".pub", toPath: linked + ".pub")
        XCTAssertEqual(methodName(try makeSigner(linked, program: noProgram)), "in process")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: other)
        assertSignerError(try makeSigner(linked, program: noProgram), mentions: ["too open", "chmod 600"])
        // Check integers that differ (as from a wrong passphrase).
        let text = try String(contentsOfFile: key, encoding: .utf8)
        let lines = text.split(separator: "\n")
        var blob = try XCTUnwrap(Data(base64Encoded: lines.dropFirst().dropLast().joined()))
        // Past the magic, cipher, KDF, its options, the key count and the public key: the private section.
        var reader = SSHReader(blob)
        _ = try reader.bytes(15)
        for _ in 0..<3 { _ = try reader.string() }
        _ = try reader.uint32()
        _ = try reader.string()
        let firstCheck = blob.count - reader.rest.count + 4  // after the section's length
        blob[firstCheck] ^= 0xff
        let corrupted = try write("-----BEGIN OPENSSH PRIVATE KEY-----\n\(blob.base64EncodedString())\n-----END OPENSSH PRIVATE KEY-----\n", to: "corrupted")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: corrupted)
        assertSignerError(try makeSigner(corrupted, program: noProgram), mentions: ["check integers"])
    }
}

/// Outcomes gathered from several threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Bool] = []
    func add(_ value: Bool) { lock.lock(); values.append(value); lock.unlock() }
    var all: [Bool] { lock.lock(); defer { lock.unlock() }; return values }
}
