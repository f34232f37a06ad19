import CLibGit2

/// A git object id (SHA-1), held as a value with no pointers.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let hex: String

    init(_ oid: git_oid) {
        var copy = oid
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &copy)
        hex = String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Parses 40 hex digits; nil for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy({ isHexDigit($0) }) else { return nil }
        self.hex = hex.lowercased()
    }

    public static let zero = ObjectID(hexUnchecked: String(repeating: "0", count: 40))
    private init(hexUnchecked: String) { hex = hexUnchecked }

    var raw: git_oid {
        var oid = git_oid()
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }

    public var short: String { String(hex.prefix(8)) }
    public var description: String { hex }
    public static func < (a: ObjectID, b: ObjectID) -> Bool { a.hex < b.hex }
}

@inline(__always)
func isHexDigit(_ byte: UInt8) -> Bool {
    (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70)
}
