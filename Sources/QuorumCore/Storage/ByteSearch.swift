import Foundation

extension UnsafeBufferPointer where Element == UInt8 {
    /// Where `pattern` first begins at or after `start`, or nil: memchr for
    /// its first byte, memcmp for the rest (what a command reads its key
    /// file and the signature-check files with, a line's worth of work
    /// rather than a call per byte).
    func firstIndex(of pattern: [UInt8], from start: Int) -> Int? {
        guard let base = baseAddress, let first = pattern.first, start >= 0 else { return nil }
        var from = start
        while from + pattern.count <= count, let hit = memchr(base + from, Int32(first), count - from) {
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if at + pattern.count <= count, memcmp(base + at, pattern, pattern.count) == 0 { return at }
            from = at + 1
        }
        return nil
    }
}
