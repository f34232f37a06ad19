import Foundation
import XCTest

@testable import QuorumCore

/// SSHSIG signatures made by `ssh-keygen -Y sign` (what git runs for
/// `gpg.format=ssh`) verify in process, for every key type Quorum takes;
/// another message, namespace or key does not.
final class SSHSignatureTests: QuorumTestCase {
    private func sshKeygen(_ args: [String]) throws -> RunResult {
        guard let binary = ["/usr/bin/ssh-keygen", "/bin/ssh-keygen"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("ssh-keygen is not installed (Debian: openssh-client)")
        }
        return try execute(binary, args, environment: environment(for: nil), in: tmp)
    }

    func testSignaturesFromSSHKeygenVerifyAndNothingElseDoes() throws {
        let message = Data("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Ana\n\nApprove\n".utf8)
        let file = try write(message, to: "message")
        var keys: [SSHPublicKey] = []
        for (type, bits) in [("ed25519", ""), ("ecdsa", "256"), ("ecdsa", "384"), ("ecdsa", "521"), ("rsa", "3072")] {
            let key = tmp.appendingPathComponent("key-\(type)\(bits)").path
            let made = try sshKeygen(["-q", "-t", type] + (bits.isEmpty ? [] : ["-b", bits]) + ["-N", "", "-C", "ana@example.com", "-f", key])
            XCTAssertEqual(made.status, 0, made.stderr)
            try? FileManager.default.removeItem(atPath: file + ".sig")
            let signed = try sshKeygen(["-Y", "sign", "-f", key, "-n", "git", file])
            XCTAssertEqual(signed.status, 0, signed.stderr)
            let armored = try String(contentsOfFile: file + ".sig", encoding: .utf8)
            let signature = try SSHSignature(armored: armored)
            let publicLine = try String(contentsOfFile: key + ".pub", encoding: .utf8)
            let publicKey = try SSHPublicKey(line: publicLine)
            XCTAssertEqual(signature.publicKey, publicKey, type + bits)
            XCTAssertEqual(publicKey.line, publicLine.split(separator: " ").prefix(2).joined(separator: " "))
            XCTAssertTrue(signature.verifies(message, namespace: "git"), type + bits)
            XCTAssertFalse(signature.verifies(message + Data("x".utf8), namespace: "git"), type + bits)
            XCTAssertFalse(signature.verifies(message, namespace: "file"), type + bits)
            keys.append(publicKey)
        }
        XCTAssertEqual(Set(keys.map(\.algorithm)), ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"])
        // A signature made with one key does not verify with another's.
        let rsa = try SSHSignature(armored: try String(contentsOfFile: file + ".sig", encoding: .utf8))
        XCTAssertEqual(rsa.signatureAlgorithm, "rsa-sha2-512")
        XCTAssertFalse(keys[0].verifies(rsa.signature, algorithm: rsa.signatureAlgorithm, over: message))
        // Garbage is an error, not a crash.
        XCTAssertThrowsError(try SSHSignature(armored: "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"))
        XCTAssertThrowsError(try SSHSignature(armored: "hello"))
        // An ssh-rsa key whose modulus is cut short; a type Quorum does not take.
        XCTAssertThrowsError(try SSHPublicKey(line: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x"))
        XCTAssertThrowsError(try SSHPublicKey(line: "ssh-dss AAAAB3NzaC1kc3MAAAABcAAAAAFxAAAAAWcAAAABeQ== x"))
    }
}
