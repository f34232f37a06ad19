import Foundation

extension Data {
    /// `text`'s UTF-8 bytes: what `Data(text.utf8)` makes, without that
    /// generic initialiser's dynamic cast (`as? ContiguousBytes`), whose
    /// first use in a process scans every protocol conformance record of
    /// the binary (about 0.25 M instructions, a write command's largest
    /// single start-up cost after the argument parser's).
    public init(utf8 text: String) {
        var text = text
        self = text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return Data() }
            return Data(bytes: base, count: bytes.count)
        }
    }
}
