import Foundation

/// "Did you mean …?" for a name that matches nothing: a command, a
/// proposal's slug, a suggestion's id.
public enum DidYouMean {
    /// The names among `names` closest to `typo`, nearest first (at most
    /// three): those within a few edits of it (an edit inserts, deletes or
    /// replaces a character, or swaps two neighbours; one edit for up to
    /// four characters, two up to eight, then three), and those it begins.
    public static func candidates(for typo: String, among names: [String]) -> [String] {
        let typed = Array(typo.lowercased())
        guard !typed.isEmpty else { return [] }
        let allowed = typed.count <= 4 ? 1 : typed.count <= 8 ? 2 : 3
        var found: [(distance: Int, name: String)] = []
        for name in Set(names) where name.lowercased() != typo.lowercased() {
            let candidate = Array(name.lowercased())
            if typed.count >= 3, candidate.starts(with: typed) {
                found.append((0, name))
                continue
            }
            // Lengths alone already differ by more than allowed.
            guard abs(candidate.count - typed.count) <= allowed else { continue }
            let distance = editDistance(typed, candidate)
            if distance <= allowed { found.append((distance, name)) }
        }
        return found.sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }.prefix(3).map(\.name)
    }

    /// The hint that names them: "did you mean 'a' or 'b'?", or nil.
    public static func hint(for typo: String, among names: [String]) -> String? {
        let close = candidates(for: typo, among: names)
        guard !close.isEmpty else { return nil }
        return "did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?"
    }

    /// Edits from `a` to `b` (optimal string alignment: Levenshtein with
    /// transpositions of neighbours).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
