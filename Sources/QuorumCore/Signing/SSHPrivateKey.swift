import Crypto
import Foundation

/// An OpenSSH private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`, the
/// format `ssh-keygen` writes, described in OpenSSH's PROTOCOL.key): its
/// public key, always readable, and, when the file is not encrypted and holds
/// an ssh-ed25519 or ecdsa-sha2-nistp256/384/521 key, a key that signs in
/// process. Encrypted files and RSA keys give no `signingKey`: those are
/// signed by the agent or by `ssh-keygen`.
struct OpenSSHKeyFile {
    static let armorBegin = "-----BEGIN OPENSSH PRIVATE KEY-----"
    static let armorEnd = "-----END OPENSSH PRIVATE KEY-----"

    /// The key type named in the file, e.g. `ssh-ed25519`, even when Quorum does not support it.
    let algorithm: String
    /// The public key, nil when its type is not one `SSHPublicKey` takes.
    let publicKey: SSHPublicKey?
    /// The cipher the private part is encrypted with (`none` when it is not).
    let cipher: String
    /// Present for an unencrypted ssh-ed25519 or ecdsa key.
    let signingKey: SSHSigningKey?

    var isEncrypted: Bool { cipher != "none" }

    /// Whether `text` is armored as an OpenSSH private key.
    static func looksLikeOne(_ text: String) -> Bool { text.contains(armorBegin) }

    /// Parses the armored text. Throws `SSHSigner.Error` when it is not an
    /// OpenSSH key file, is damaged, or its private part contradicts its public key.
    init(armored text: String) throws {
        // Over the UTF-8 bytes: a signing command reads its key each time.
        let bytes = Array(text.utf8)
        func firstIndex(of marker: String, from start: Int) -> Int? {
            bytes.withUnsafeBufferPointer { $0.firstIndex(of: Array(marker.utf8), from: start) }
        }
        guard let begin = firstIndex(of: Self.armorBegin, from: 0),
              let end = firstIndex(of: Self.armorEnd, from: begin + Self.armorBegin.utf8.count),
              let data = Data(base64Encoded: Data(bytes[(begin + Self.armorBegin.utf8.count)..<end].filter { !Self.isBlank($0) }))
        else { throw SSHSigner.Error("not an OpenSSH private key file (no base64 between its BEGIN and END lines)") }
        do {
            try self.init(data: data)
        } catch let error as SSHSigner.Error {
            throw error
        } catch {
            throw SSHSigner.Error("\(error)")
        }
    }

    /// ASCII white space and line ends, which the armor's base64 is broken by.
    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private init(data: Data) throws {
        let magic = Data([UInt8]("openssh-key-v1".utf8) + [0])
        var reader = SSHReader(data)
        guard try reader.bytes(magic.count) == magic else { throw SSHSigner.Error("not an openssh-key-v1 file") }
        cipher = String(decoding: try reader.string(), as: UTF8.self)
        let kdf = String(decoding: try reader.string(), as: UTF8.self)
        _ = try reader.string()  // the KDF's options (salt and rounds for bcrypt)
        guard try reader.uint32() == 1 else { throw SSHSigner.Error("an OpenSSH key file with more than one key") }
        let publicBlob = try reader.string()
        var publicReader = SSHReader(publicBlob)
        algorithm = String(decoding: try publicReader.string(), as: UTF8.self)
        publicKey = try? SSHPublicKey(blob: publicBlob)
        guard cipher == "none", kdf == "none" else {
            signingKey = nil
            return
        }
        // The private section: two equal check integers, then the key and its
        // comment, then padding 1, 2, 3, ….
        var section = SSHReader(try reader.string())
        let check = try section.uint32()
        guard try section.uint32() == check else {
            throw SSHSigner.Error("its check integers differ (a damaged or wrongly decrypted key)")
        }
        let privateAlgorithm = String(decoding: try section.string(), as: UTF8.self)
        guard privateAlgorithm == algorithm else { throw SSHSigner.Error("its private key is \(privateAlgorithm) but its public key \(algorithm)") }
        signingKey = try SSHSigningKey(algorithm: algorithm, fields: &section)
        if let signingKey, signingKey.publicKey.blob != publicBlob {
            throw SSHSigner.Error("its private key does not belong to its public key")
        }
    }
}

/// A private key that signs in process with swift-crypto, giving SSH
/// signature blobs (`string algorithm, string signature`, RFC 4253 §6.6):
/// ssh-ed25519 (RFC 8709) and ecdsa-sha2-nistp256/384/521 (RFC 5656, with the
/// curve's own hash: SHA-256/384/512).
///
/// `@unchecked Sendable`: swift-crypto's private keys do not say they are
/// Sendable, but they are immutable once made and BoringSSL signs with a
/// shared key from several threads at once.
enum SSHSigningKey: @unchecked Sendable {
    case ed25519(Curve25519.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case p521(P521.Signing.PrivateKey)

    /// Reads the fields after the key type in an OpenSSH private section;
    /// nil for a key type that does not sign in process (ssh-rsa and others).
    init?(algorithm: String, fields reader: inout SSHReader) throws {
        func scalar(_ size: Int) throws -> Data {
            // An mpint: big-endian, perhaps with a leading zero byte.
            let value = try reader.string().drop { $0 == 0 }
            guard value.count <= size else { throw SSHSigner.Error("an ECDSA private scalar longer than its curve") }
            return Data(repeating: 0, count: size - value.count) + value
        }
        switch algorithm {
        case "ssh-ed25519":
            _ = try reader.string()  // the public key, again
            let secret = try reader.string()  // seed (32 bytes) then public key (32 bytes)
            guard secret.count == 64 else { throw SSHSigner.Error("an ssh-ed25519 private key of \(secret.count) bytes, not 64") }
            self = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: secret.prefix(32)))
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            _ = try reader.string()  // curve name
            _ = try reader.string()  // public point
            switch algorithm {
            case "ecdsa-sha2-nistp256": self = .p256(try P256.Signing.PrivateKey(rawRepresentation: try scalar(32)))
            case "ecdsa-sha2-nistp384": self = .p384(try P384.Signing.PrivateKey(rawRepresentation: try scalar(48)))
            default: self = .p521(try P521.Signing.PrivateKey(rawRepresentation: try scalar(66)))
            }
        default:
            return nil
        }
    }

    var publicKey: SSHPublicKey {
        var blob = Data()
        switch self {
        case .ed25519(let key):
            blob.appendSSHString(Data(utf8: "ssh-ed25519"))
            blob.appendSSHString(key.publicKey.rawRepresentation)
        case .p256(let key): Self.appendECDSA(to: &blob, curve: "nistp256", point: key.publicKey.x963Representation)
        case .p384(let key): Self.appendECDSA(to: &blob, curve: "nistp384", point: key.publicKey.x963Representation)
        case .p521(let key): Self.appendECDSA(to: &blob, curve: "nistp521", point: key.publicKey.x963Representation)
        }
        // Built from a valid key, so it parses.
        return try! SSHPublicKey(blob: blob)
    }

    private static func appendECDSA(to blob: inout Data, curve: String, point: Data) {
        blob.appendSSHString(Data(utf8: "ecdsa-sha2-\(curve)"))
        blob.appendSSHString(Data(utf8: curve))
        blob.appendSSHString(point)
    }

    /// The SSH signature blob over `data`.
    func signature(over data: Data) throws -> Data {
        var blob = Data()
        func ecdsa(_ name: String, _ raw: Data) {
            // r and s, each half of the fixed-size raw form, as mpints.
            var inner = Data()
            inner.appendSSHMPInt(raw.prefix(raw.count / 2))
            inner.appendSSHMPInt(raw.suffix(raw.count / 2))
            blob.appendSSHString(Data(utf8: name))
            blob.appendSSHString(inner)
        }
        switch self {
        case .ed25519(let key):
            blob.appendSSHString(Data(utf8: "ssh-ed25519"))
            blob.appendSSHString(try key.signature(for: data))
        case .p256(let key): ecdsa("ecdsa-sha2-nistp256", try key.signature(for: data).rawRepresentation)
        case .p384(let key): ecdsa("ecdsa-sha2-nistp384", try key.signature(for: data).rawRepresentation)
        case .p521(let key): ecdsa("ecdsa-sha2-nistp521", try key.signature(for: data).rawRepresentation)
        }
        return blob
    }
}
