import Crypto
import Foundation
import _CryptoExtras

/// An SSH signature in the SSHSIG format that `ssh-keygen -Y sign` writes and
/// git uses for `gpg.format=ssh` (OpenSSH's PROTOCOL.sshsig): the armored
/// `-----BEGIN SSH SIGNATURE-----` block, holding the signer's public key,
/// the namespace (`git` for commits and tags), the hash algorithm and the
/// signature over the hashed message. Verified in process with swift-crypto
/// (RSA through its `_CryptoExtras`).
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
        // Over the bytes: verify meets tens of thousands of these.
        let bytes = Array(text.utf8)
        func find(_ marker: String, from start: Int) -> Int? {
            let needle = Array(marker.utf8)
            guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
            for index in start...(bytes.count - needle.count) where bytes[index] == needle[0] && bytes[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            return nil
        }
        let beginMarker = "-----BEGIN SSH SIGNATURE-----"
        guard let begin = find(beginMarker, from: 0), let end = find("-----END SSH SIGNATURE-----", from: begin + beginMarker.utf8.count) else {
            throw Error("not an armored SSH signature")
        }
        let body = bytes[(begin + beginMarker.utf8.count)..<end].filter { !($0 == 32 || $0 == 9 || $0 == 10 || $0 == 13) }
        guard let blob = Data(base64Encoded: Data(body)) else { throw Error("not an armored SSH signature") }
        var reader = SSHReader(blob)
        guard try reader.bytes(6) == Data(utf8: "SSHSIG") else { throw Error("not an SSHSIG blob") }
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
        let signed = Self.signedData(message: message, namespace: namespace, hashAlgorithm: hashAlgorithm)
        return publicKey.verifies(signature, algorithm: signatureAlgorithm, over: signed)
    }

    /// What the key signs (PROTOCOL.sshsig): the magic `SSHSIG`, then as SSH
    /// strings the namespace, an empty reserved field, the hash algorithm
    /// (`sha256` or `sha512`) and the message's hash.
    static func signedData(message: Data, namespace: String, hashAlgorithm: String) -> Data {
        let digest = hashAlgorithm == "sha512" ? Data(SHA512.hash(data: message)) : Data(SHA256.hash(data: message))
        var signed = Data(utf8: "SSHSIG")
        signed.reserveCapacity(6 + 16 + namespace.utf8.count + hashAlgorithm.utf8.count + digest.count)
        for field in [Data(utf8: namespace), Data(), Data(utf8: hashAlgorithm), digest] { signed.appendSSHString(field) }
        return signed
    }

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

/// An SSH public key of a kind Quorum verifies: ssh-ed25519,
/// ecdsa-sha2-nistp256/384/521 and ssh-rsa (RSA keys of at least 1024 bits,
/// whose signatures must be rsa-sha2-256 or rsa-sha2-512, never SHA-1).
public struct SSHPublicKey: Sendable, Equatable {
    /// The algorithm name, e.g. `ssh-ed25519`.
    public let algorithm: String
    /// The key blob, as in `authorized_keys` (base64 there).
    public let blob: Data

    /// From the blob inside a signature, or an `authorized_keys` line's second field.
    /// Throws `SSHSignature.Error` for a key type not in `supported` or a blob
    /// whose fields (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4) do not parse.
    init(blob: Data) throws {
        var reader = SSHReader(blob)
        algorithm = String(decoding: try reader.string(), as: UTF8.self)
        self.blob = blob
        guard Self.supported.contains(algorithm) else { throw SSHSignature.Error("unsupported key type '\(algorithm)'") }
        switch algorithm {
        case "ssh-ed25519":
            guard try reader.string().count == 32 else { throw SSHSignature.Error("an ssh-ed25519 key is 32 bytes") }
        case "ssh-rsa":
            let e = try reader.string(), n = try reader.string()
            guard let key = try? _RSA.Signing.PublicKey(n: n, e: e), key.keySizeInBits >= Self.minimumRSABits else {
                throw SSHSignature.Error("not a usable ssh-rsa key (at least \(Self.minimumRSABits) bits)")
            }
        default:
            guard "ecdsa-sha2-" + String(decoding: try reader.string(), as: UTF8.self) == algorithm else {
                throw SSHSignature.Error("the key's curve does not match its type")
            }
            _ = try reader.string()
        }
        guard reader.isAtEnd else { throw SSHSignature.Error("trailing bytes after the key") }
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

    /// The key types Quorum verifies (and signs with).
    static let supported: Set<String> = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"]
    /// OpenSSH's own floor (its RequiredRSASize default).
    static let minimumRSABits = 1024

    /// `ssh-ed25519 AAAA…`, as in `allowed_signers` and `authorized_keys`.
    public var line: String { "\(algorithm) \(blob.base64EncodedString())" }

    /// `SHA256:` and the unpadded base64 of the blob's SHA-256, as
    /// `ssh-keygen -l` prints it.
    public var fingerprint: String {
        let encoded = Data(SHA256.hash(data: blob)).base64EncodedString()
        return "SHA256:" + encoded.prefix { $0 != "=" }
    }

    /// Whether `signature`, the raw signature of the SSH signature blob whose
    /// algorithm is `signatureAlgorithm`, signs `message` with this key.
    /// For ssh-rsa keys only `rsa-sha2-256` and `rsa-sha2-512` (PKCS#1 v1.5,
    /// RFC 8332) count; SHA-1 `ssh-rsa` signatures never verify.
    func verifies(_ signature: Data, algorithm signatureAlgorithm: String, over message: Data) -> Bool {
        var reader = SSHReader(blob)
        do {
            _ = try reader.string()
            if algorithm == "ssh-rsa" {
                let e = try reader.string(), n = try reader.string()
                let key = try _RSA.Signing.PublicKey(n: n, e: e)
                // A signature shorter than the modulus had leading zero bytes dropped.
                let size = key.keySizeInBits / 8
                guard signature.count <= size else { return false }
                let padded = _RSA.Signing.RSASignature(rawRepresentation: Data(repeating: 0, count: size - signature.count) + signature)
                switch signatureAlgorithm {
                case "rsa-sha2-256": return key.isValidSignature(padded, for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
                case "rsa-sha2-512": return key.isValidSignature(padded, for: SHA512.hash(data: message), padding: .insecurePKCS1v1_5)
                default: return false
                }
            }
            guard signatureAlgorithm == algorithm else { return false }
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

    /// Reads `data` from its first index (a slice need not start at 0).
    init(_ data: Data) {
        self.data = data
        offset = data.startIndex
    }

    /// The next `count` bytes, as a Data of their own (indices from 0).
    mutating func bytes(_ count: Int) throws -> Data {
        guard count >= 0, count <= data.endIndex - offset else { throw SSHSignature.Error("truncated SSH data") }
        defer { offset += count }
        return data.subdata(in: offset..<(offset + count))
    }

    mutating func uint32() throws -> UInt32 {
        try bytes(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func string() throws -> Data {
        try bytes(Int(try uint32()))
    }

    var isAtEnd: Bool { offset == data.endIndex }

    /// The bytes not read yet.
    var rest: Data { data.subdata(in: offset..<data.endIndex) }
}

extension Data {
    /// Appends an SSH `string`: a uint32 length, then the bytes.
    mutating func appendSSHString(_ field: Data) {
        let count = UInt32(field.count)
        append(contentsOf: [UInt8(count >> 24), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)])
        append(field)
    }

    /// Appends an SSH `uint32`, big-endian.
    mutating func appendSSHUInt32(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)])
    }

    /// Appends an SSH `mpint` (RFC 4251 §5) of the non-negative big-endian
    /// `magnitude`: no leading zero bytes, but one when the top bit is set.
    mutating func appendSSHMPInt(_ magnitude: Data) {
        let trimmed = magnitude.drop { $0 == 0 }
        appendSSHString(trimmed.first.map { $0 >= 0x80 } == true ? Data([0]) + trimmed : Data(trimmed))
    }
}
