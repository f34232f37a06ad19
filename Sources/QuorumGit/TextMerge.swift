import CLibGit2
import Foundation

/// Three-way merge and diff of texts held in memory, by git's own line
/// algorithm (xdiff, through libgit2's `git_merge_file` and
/// `git_patch_from_buffers`). No repository is needed; nothing is written.
public enum TextMerge {
    /// How a conflict is written into the merged text.
    public enum Style: Sendable {
        /// `<<<<<<<`, ours, `=======`, theirs, `>>>>>>>` (git's default).
        case merge
        /// As `merge`, with the ancestor's lines after `|||||||` (`git merge-file --diff3`).
        case diff3
    }

    /// The result of merging three texts.
    public struct Result: Sendable, Equatable {
        /// True when no region conflicted: `text` is then the merge.
        public let automergeable: Bool
        /// The merged text, with conflict markers where a region conflicted.
        public let text: [UInt8]
    }

    /// Merges `ours` and `theirs`, both changed from `ancestor`, line by
    /// line as `git merge-file` does (changes to the same or adjacent lines
    /// conflict; the same change made on both sides does not). Texts are
    /// bytes, taken as they are (no line-ending or encoding conversion).
    /// Throws a `GitError` when libgit2 fails (out of memory).
    public static func merge(
        ancestor: ArraySlice<UInt8>, ours: ArraySlice<UInt8>, theirs: ArraySlice<UInt8>, style: Style = .merge
    ) throws -> Result {
        _ = libraryInit
        var options = git_merge_file_options()
        _ = try check("git_merge_file_options_init", git_merge_file_options_init(&options, UInt32(GIT_MERGE_FILE_OPTIONS_VERSION)))
        if style == .diff3 { options.flags = GIT_MERGE_FILE_STYLE_DIFF3.rawValue }
        var result = git_merge_file_result()
        defer { git_merge_file_result_free(&result) }
        try withInput(ancestor) { a in
            try withInput(ours) { o in
                try withInput(theirs) { t in
                    _ = try check("git_merge_file", git_merge_file(&result, a, o, t, &options))
                }
            }
        }
        let text = result.ptr.map { pointer in
            pointer.withMemoryRebound(to: UInt8.self, capacity: result.len) { Array(UnsafeBufferPointer(start: $0, count: result.len)) }
        } ?? []
        return Result(automergeable: result.automergeable != 0, text: text)
    }

    /// The changed line ranges from `old` to `new`, without context, as
    /// git's diff finds them: each hunk's 1-based start and length in both
    /// texts (a pure insertion has `oldLines == 0` and starts after line
    /// `oldStart`). Throws a `GitError` when libgit2 fails.
    public static func lineChanges(from old: ArraySlice<UInt8>, to new: ArraySlice<UInt8>) throws -> [LineChange] {
        _ = libraryInit
        var options = git_diff_options()
        _ = try check("git_diff_options_init", git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)))
        options.context_lines = 0
        options.interhunk_lines = 0
        options.flags |= GIT_DIFF_FORCE_TEXT.rawValue
        var patch: OpaquePointer?
        try old.withUnsafeBytes { o in
            try new.withUnsafeBytes { n in
                _ = try check("git_patch_from_buffers", git_patch_from_buffers(
                    &patch, o.baseAddress, o.count, nil, n.baseAddress, n.count, nil, &options))
            }
        }
        defer { git_patch_free(patch) }
        var changes: [LineChange] = []
        for index in 0..<git_patch_num_hunks(patch) {
            var hunk: UnsafePointer<git_diff_hunk>?
            var lines = 0
            _ = try check("git_patch_get_hunk", git_patch_get_hunk(&hunk, &lines, patch, index))
            guard let h = hunk?.pointee else { continue }
            changes.append(LineChange(oldStart: Int(h.old_start), oldLines: Int(h.old_lines), newStart: Int(h.new_start), newLines: Int(h.new_lines)))
        }
        return changes
    }

    /// Runs `body` with a `git_merge_file_input` describing `bytes`, valid
    /// only inside it (no path, no mode: contents only).
    private static func withInput(_ bytes: ArraySlice<UInt8>, _ body: (UnsafePointer<git_merge_file_input>) throws -> Void) throws {
        var input = git_merge_file_input()
        _ = try check("git_merge_file_input_init", git_merge_file_input_init(&input, UInt32(GIT_MERGE_FILE_INPUT_VERSION)))
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else {
                // libgit2 reads `size` bytes; an empty text still gets a pointer.
                var nothing: CChar = 0
                try withUnsafePointer(to: &nothing) { pointer in
                    input.ptr = pointer
                    input.size = 0
                    try withUnsafePointer(to: &input) { try body($0) }
                }
                return
            }
            input.ptr = base.assumingMemoryBound(to: CChar.self)
            input.size = raw.count
            try withUnsafePointer(to: &input) { try body($0) }
        }
    }
}
