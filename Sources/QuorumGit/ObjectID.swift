import CLibGit2

/// A git object id (SHA-1), held as a value with no pointers: its 20 bytes
/// in three integers, so that comparing, hashing and copying ids (10,000
/// of them on every `list`) allocates nothing. `hex` is made on demand.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    // Bytes 0-7, 8-15 and 16-19, big-endian, so integer order is byte order.
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt32

    init(_ oid: git_oid) {
        var bytes = oid.id
        (high, middle, low) = withUnsafeBytes(of: &bytes) { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
             UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
        }
    }

    /// Parses 40 hex digits (either case); nil for anything else.
    public init?(hex: String) {
        var hex = hex
        guard let parsed = hex.withUTF8(Self.parse) else { return nil }
        self = parsed
    }

    /// Parses 40 hex digits given as their UTF-8 bytes (a line of a file
    /// read as bytes), with no string made; nil for anything else.
    public init?(hexBytes: UnsafeBufferPointer<UInt8>) {
        guard let parsed = Self.parse(hexBytes) else { return nil }
        self = parsed
    }

    private init(high: UInt64, middle: UInt64, low: UInt32) {
        (self.high, self.middle, self.low) = (high, middle, low)
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ObjectID? {
        guard bytes.count == 40 else { return nil }
        var high: UInt64 = 0
        var middle: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<40 {
            guard let nibble = Self.nibble(bytes[index]) else { return nil }
            switch index {
            case ..<16: high = high << 4 | UInt64(nibble)
            case ..<32: middle = middle << 4 | UInt64(nibble)
            default: low = low << 4 | UInt64(nibble)
            }
        }
        return ObjectID(high: high, middle: middle, low: UInt32(low))
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        case 65...70: return byte - 55
        default: return nil
        }
    }

    public static let zero = ObjectID(git_oid())

    /// The 40 lower-case hex digits.
    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 40) { buffer in
            for (offset, (value, count)) in [(high, 16), (middle, 16), (UInt64(low), 8)].enumerated() {
                let start = offset * 16
                for index in 0..<count {
                    buffer[start + index] = digits[Int((value >> UInt64((count - 1 - index) * 4)) & 0xf)]
                }
            }
            return 40
        }
    }

    var raw: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { raw in
            raw.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: middle.bigEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: low.bigEndian, toByteOffset: 16, as: UInt32.self)
        }
        return oid
    }

    /// The first 16 bytes as two numbers: object ids are uniformly
    /// distributed, so these serve as a hash that is the same in every
    /// process (unlike `hashValue`).
    public var stableHash: (UInt64, UInt64) { (high, middle) }
    public var short: String { String(hex.prefix(8)) }
    public var description: String { hex }
    public static func < (a: ObjectID, b: ObjectID) -> Bool { (a.high, a.middle, a.low) < (b.high, b.middle, b.low) }
}

@inline(__always)
func isHexDigit(_ byte: UInt8) -> Bool {
    (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70)
}
