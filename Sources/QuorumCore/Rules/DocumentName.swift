import Foundation

// MARK: Document names

/// Document names are stored as their writers typed them (git keeps a
/// path's bytes), but people compare them as text: "café.md" typed on Linux
/// (NFC: é is one code point) and the same name from a Mac's file system
/// (NFD: e followed by a combining accent) look identical and are
/// different paths to git. Two such documents in one proposal would show
/// as one name twice, and Swift's String (which compares in canonical
/// equivalence, as NFC does) would read one in place of the other. So a
/// name that differs from another document's name (or a folder of one)
/// only by Unicode normalisation is refused, naming both.
extension Rules {
    /// Whether document `name` may stand beside `others` (the documents
    /// the proposal has and the other names given with it): refused when,
    /// folder by folder, a part of it equals a part of another name in NFC
    /// but not byte for byte. Names equal byte for byte are the same
    /// document and pass.
    public static func documentName(_ name: String, besides others: [String]) -> Refusal? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        for other in others {
            let otherParts = other.split(separator: "/", omittingEmptySubsequences: false)
            for (mine, theirs) in zip(parts, otherParts) {
                // Swift's == is canonical equivalence: equal in NFC.
                guard mine == theirs else { break }
                if !mine.utf8.elementsEqual(theirs.utf8) {
                    return Refusal(.documentNormalisation,
                        "document '\(name)' differs from '\(other)' only in Unicode normalisation (\(form(mine)) against \(form(theirs))): the two would look the same and be different files",
                        remedy: "give the name exactly as the proposal has it, '\(other)' (copy it from 'quorum status SLUG' or 'git ls-tree'), or choose a name with different letters")
                }
            }
        }
        return nil
    }

    /// Whether the documents of one tree (a revision's, as the hook and
    /// `verify` read it) may stand together: `documentName` of each name
    /// beside the names before it.
    public static func documentNames(_ names: [String]) -> Refusal? {
        for index in names.indices {
            if let refusal = documentName(names[index], besides: Array(names[..<index])) { return refusal }
        }
        return nil
    }

    /// "NFC", "NFD" or "mixed" for how a name writes its accented letters.
    private static func form(_ text: Substring) -> String {
        let string = String(text)
        let nfc = string.precomposedStringWithCanonicalMapping, nfd = string.decomposedStringWithCanonicalMapping
        if string.utf8.elementsEqual(nfc.utf8) { return "NFC" }
        if string.utf8.elementsEqual(nfd.utf8) { return "NFD" }
        return "mixed"
    }
}
