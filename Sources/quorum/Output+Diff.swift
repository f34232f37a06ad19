import Foundation
import QuorumCore

/// Diffs as people read them, printed through `Output` (escaped, then
/// coloured): word by word by default, git's unified diff with
/// `--line-diff`.
extension Output {
    /// Prints word diffs as `git diff --word-diff` does: git's file and
    /// hunk headers, context lines as they are, and within changed lines
    /// the removed words `[-so-]` and the inserted ones `{+so+}` — or, in
    /// colour, removed in red and inserted in green, without the marks
    /// (as `git diff --color-words`).
    static func wordDiff(_ files: [DocumentDiff]) {
        let color = display.color
        for file in files {
            for header in headers(file) { painted([Span(header, .meta)]) }
            for hunk in file.hunks {
                var header = [Span("@@ -\(range(hunk.oldStart, hunk.oldLines)) +\(range(hunk.newStart, hunk.newLines)) @@", .hunk)]
                if !hunk.heading.isEmpty { header.append(Span(" " + hunk.heading)) }
                painted(header)
                var spans: [Span] = []
                func endLine() {
                    // A CR before the line's LF is the line ending, not text.
                    if let last = spans.last, last.text.hasSuffix("\r") {
                        spans[spans.count - 1] = Span(String(last.text.dropLast()), last.paint)
                    }
                    painted(spans)
                    spans = []
                }
                for operation in hunk.operations {
                    let paint: Paint? = operation.kind == .delete ? .removed : operation.kind == .insert ? .added : nil
                    let pieces = operation.bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
                    for (index, piece) in pieces.enumerated() {
                        if index > 0 { endLine() }
                        var text = String(decoding: piece, as: UTF8.self)
                        if index < pieces.count - 1, text.hasSuffix("\r") { text.removeLast() }
                        guard !text.isEmpty else { continue }
                        if color || paint == nil {
                            spans.append(Span(text, paint))
                        } else {
                            spans.append(Span(operation.kind == .delete ? "[-" : "{+"))
                            spans.append(Span(text))
                            spans.append(Span(operation.kind == .delete ? "-]" : "+}"))
                        }
                    }
                }
                if !spans.isEmpty { endLine() }
                // Only at the end of a file can a side not end in a newline:
                // say so, as git does, or adding or removing it shows nothing.
                let oldOpen = hunk.oldLines > 0 && hunk.oldBytes.last != 0x0A
                let newOpen = hunk.newLines > 0 && hunk.newBytes.last != 0x0A
                if oldOpen != newOpen {
                    painted([Span(newOpen ? "\\ No newline at end of file" : "\\ Newline added at end of file", newOpen ? .removed : .added)])
                } else if newOpen {
                    painted([Span("\\ No newline at end of file")])
                }
            }
        }
    }

    /// Prints git's unified diff, coloured as git colours it when colour is on.
    static func lineDiff(_ patch: String) {
        guard display.color else { return lines(patch) }
        var inHeader = false
        for text in bodyLines(patch.hasSuffix("\n") ? String(patch.dropLast()) : patch) {
            if text.hasPrefix("diff --git ") { inHeader = true }
            if text.hasPrefix("@@") { inHeader = false }
            let paint: Paint? = inHeader ? .meta
                : text.hasPrefix("@@") ? .hunk : text.hasPrefix("+") ? .added : text.hasPrefix("-") ? .removed : nil
            painted([Span(text, paint)])
        }
    }

    /// Git's header lines for one file.
    private static func headers(_ file: DocumentDiff) -> [String] {
        let oldPath = file.oldPath ?? file.path
        let old = file.status == .added ? "/dev/null" : "a/\(oldPath)"
        let new = file.status == .deleted ? "/dev/null" : "b/\(file.path)"
        var lines = ["diff --git a/\(oldPath) b/\(file.path)"]
        switch file.status {
        case .added: lines.append("new file mode \(file.mode)")
        case .deleted: lines.append("deleted file mode \(file.mode)")
        case .modified, .renamed:
            if let oldMode = file.oldMode {
                lines.append("old mode \(oldMode)")
                lines.append("new mode \(file.mode)")
            }
            if file.status == .renamed {
                lines.append("similarity index \(file.similarity ?? 0)%")
                lines.append("rename from \(oldPath)")
                lines.append("rename to \(file.path)")
            }
        }
        // A rename with no change of content has no index line, as in git.
        guard file.oldBlob != file.newBlob else { return lines }
        let sameMode = (file.status == .modified || file.status == .renamed) && file.oldMode == nil
        lines.append("index \(abbreviated(file.oldBlob))..\(abbreviated(file.newBlob))\(sameMode ? " \(file.mode)" : "")")
        if file.binary {
            lines.append("Binary files \(old) and \(new) differ")
        } else if !file.hunks.isEmpty {
            lines.append("--- \(old)")
            lines.append("+++ \(new)")
        }
        return lines
    }

    private static func abbreviated(_ blob: String?) -> String {
        String((blob ?? String(repeating: "0", count: 40)).prefix(7))
    }

    /// A hunk range as git writes it: `start` alone for one line.
    private static func range(_ start: Int, _ count: Int) -> String {
        count == 1 ? "\(start)" : "\(start),\(count)"
    }
}
