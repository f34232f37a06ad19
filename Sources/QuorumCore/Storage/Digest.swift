import Crypto

/// SHA-256 digests of text, in lower-case hex: the key of Quorum's
/// summary cache (its context).
enum Digest {
    /// The SHA-256 of `text`'s UTF-8 bytes as `2 × bytes` hex digits: its
    /// first `bytes` bytes (1...32; all 32 by default).
    static func sha256Hex(_ text: String, bytes: Int = 32) -> String {
        let digest = Array(SHA256.hash(data: Array(text.utf8)).prefix(bytes))
        let digits = Array("0123456789abcdef".utf8)
        // Formatted by hand: String(format:) asks the Swift runtime about
        // each argument's conformances, a cost every command would pay.
        return String(unsafeUninitializedCapacity: digest.count * 2) { buffer in
            for (index, byte) in digest.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0f)]
            }
            return digest.count * 2
        }
    }
}
