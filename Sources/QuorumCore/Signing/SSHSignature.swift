import Crypto
import Foundation

/// An SSH signature in the SSHSIG format that `ssh-keygen -Y sign` writes and
/// git uses for `gpg.format=ssh` (OpenSSH's PROTOCOL.sshsig): the armored
/// `-----BEGIN SSH SIGNATURE-----` block, holding the signer's public key,
/// the namespace (`git` for commits and tags), the hash algorithm and the
/// signature over the hashed message. Verified in process with swift-crypto.
public struct SSHSignature: Sendable, Equatable {
    /// The signer's public key, as the `ssh-ed25519 AAAA…` blob.
    public let publicKey: SSHPublicKey
    public let namespace: String
    /// `sha256` or `sha512`.
    public let hashAlgorithm: String
    /// The signature blob: its algorithm name and the raw signature.
    let signatureAlgorithm: String
    let signature: Data

    /// Parses an armored signature. Throws `SSHSignature.Error` naming what
    /// is wrong with it.
    public init(armored text: String) throws {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN SSH SIGNATURE-----"),
              let end = lines.firstIndex(of: "-----END SSH SIGNATURE-----"), begin < end,
              let blob = Data(base64Encoded: lines[(begin + 1)..<end].joined()) else {
            throw Error("not an armored SSH signature")
        }
        var reader = SSHReader(blob)
        guard try reader.bytes(6) == Data("SSHSIG".utf8) else { throw Error("not an SSHSIG blob") }
        guard try reader.uint32() == 1 else { throw Error("unknown SSHSIG version") }
        publicKey = try SSHPublicKey(blob: try reader.string())
        namespace = String(decoding: try reader.string(), as: UTF8.self)
        _ = try reader.string()  // reserved
        hashAlgorithm = String(decoding: try reader.string(), as: UTF8.self)
        var inner = SSHReader(try reader.string())
        signatureAlgorithm = String(decoding: try inner.string(), as: UTF8.self)
        signature = try inner.string()
        guard ["sha256", "sha512"].contains(hashAlgorithm) else { throw Error("unsupported hash algorithm '\(hashAlgorithm)'") }
    }

    /// Whether this signs `message` in `namespace` with its public key.
    public func verifies(_ message: Data, namespace expected: String) -> Bool {
        guard namespace == expected else { return false }
        let digest = hashAlgorithm == "sha512" ? Data(SHA512.hash(data: message)) : Data(SHA256.hash(data: message))
        var signed = Data("SSHSIG".utf8)
        for field in [Data(namespace.utf8), Data(), Data(hashAlgorithm.utf8), digest] { signed.appendSSHString(field) }
        return publicKey.verifies(signature, algorithm: signatureAlgorithm, over: signed)
    }

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

/// An SSH public key of a kind Quorum verifies: ssh-ed25519 and
/// ecdsa-sha2-nistp256/384/521.
public struct SSHPublicKey: Sendable, Equatable {
    /// The algorithm name, e.g. `ssh-ed25519`.
    public let algorithm: String
    /// The key blob, as in `authorized_keys` (base64 there).
    public let blob: Data

    /// From the blob inside a signature, or an `authorized_keys` line's second field.
    init(blob: Data) throws {
        var reader = SSHReader(blob)
        algorithm = String(decoding: try reader.string(), as: UTF8.self)
        self.blob = blob
        guard Self.supported.contains(algorithm) else { throw SSHSignature.Error("unsupported key type '\(algorithm)'") }
    }

    /// From a line such as `ssh-ed25519 AAAA… comment`.
    public init(line: String) throws {
        let fields = line.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2, let blob = Data(base64Encoded: String(fields[1])) else {
            throw SSHSignature.Error("not an SSH public key line")
        }
        try self.init(blob: blob)
        guard algorithm == fields[0] else { throw SSHSignature.Error("the key's type does not match its blob") }
    }

    static let supported: Set<String> = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"]

    /// `ssh-ed25519 AAAA…`, as in `allowed_signers` and `authorized_keys`.
    public var line: String { "\(algorithm) \(blob.base64EncodedString())" }

    func verifies(_ signature: Data, algorithm signatureAlgorithm: String, over message: Data) -> Bool {
        guard signatureAlgorithm == algorithm else { return false }
        var reader = SSHReader(blob)
        do {
            _ = try reader.string()
            switch algorithm {
            case "ssh-ed25519":
                let key = try Curve25519.Signing.PublicKey(rawRepresentation: try reader.string())
                return key.isValidSignature(signature, for: message)
            default:
                _ = try reader.string()  // the curve's name
                let point = try reader.string()
                var inner = SSHReader(signature)
                let r = try inner.string(), s = try inner.string()
                func raw(_ size: Int) -> Data? {
                    // mpints: big-endian, perhaps with a leading zero byte.
                    let a = r.drop { $0 == 0 }, b = s.drop { $0 == 0 }
                    guard a.count <= size, b.count <= size else { return nil }
                    return Data(repeating: 0, count: size - a.count) + a + Data(repeating: 0, count: size - b.count) + b
                }
                switch algorithm {
                case "ecdsa-sha2-nistp256":
                    guard let raw = raw(32) else { return false }
                    return try P256.Signing.PublicKey(x963Representation: point).isValidSignature(P256.Signing.ECDSASignature(rawRepresentation: raw), for: message)
                case "ecdsa-sha2-nistp384":
                    guard let raw = raw(48) else { return false }
                    return try P384.Signing.PublicKey(x963Representation: point).isValidSignature(P384.Signing.ECDSASignature(rawRepresentation: raw), for: message)
                case "ecdsa-sha2-nistp521":
                    guard let raw = raw(66) else { return false }
                    return try P521.Signing.PublicKey(x963Representation: point).isValidSignature(P521.Signing.ECDSASignature(rawRepresentation: raw), for: message)
                default:
                    return false
                }
            }
        } catch {
            return false
        }
    }
}

/// Reads SSH wire-format fields (RFC 4251: uint32 lengths, big-endian).
struct SSHReader {
    private let data: Data
    private var offset: Int

    init(_ data: Data) {
        self.data = Data(data)
        offset = 0
    }

    mutating func bytes(_ count: Int) throws -> Data {
        guard count >= 0, offset + count <= data.count else { throw SSHSignature.Error("truncated SSH data") }
        defer { offset += count }
        return data.subdata(in: offset..<(offset + count))
    }

    mutating func uint32() throws -> UInt32 {
        try bytes(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func string() throws -> Data {
        try bytes(Int(try uint32()))
    }
}

extension Data {
    /// Appends an SSH `string`: a uint32 length, then the bytes.
    mutating func appendSSHString(_ field: Data) {
        let count = UInt32(field.count)
        append(contentsOf: [UInt8(count >> 24), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)])
        append(field)
    }
}
