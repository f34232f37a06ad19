import CLibGit2
import Foundation

/// Line diffs of two texts in memory, by libgit2's xdiff (the diff git
/// itself runs), with no repository: the hunks `git diff` finds.
///
/// Pure: bytes in, ranges out; nothing is read or written.
public enum TextDiff {
    /// What a line of a hunk is.
    public enum Origin: Sendable, Equatable {
        case context
        case removed
        case added
    }

    /// One line of a hunk: its 1-based number in the old text (context and
    /// removed lines) and in the new text (context and added lines).
    public struct Line: Sendable, Equatable {
        public let origin: Origin
        public let oldNumber: Int?
        public let newNumber: Int?
    }

    /// A hunk as `git diff` prints it: 1-based starts and line counts in
    /// the old and the new text (a count of 0 starts after line `start`),
    /// the heading git prints after its `@@` (the nearest line above it
    /// that starts with a letter, `$` or `_`, as git's default; empty when
    /// none), and its lines in order, context included.
    public struct Hunk: Sendable, Equatable {
        public let oldStart: Int
        public let oldLines: Int
        public let newStart: Int
        public let newLines: Int
        public let heading: String
        public let lines: [Line]
    }

    /// The hunks between two texts with `context` unchanged lines around
    /// each change (git's default is 3; hunks whose context would touch
    /// are one hunk, as git joins them). Lines end at LF; a CR before it
    /// is part of the line. Git's indent heuristic is on, as in `git diff`.
    /// Throws `GitError` only when libgit2 cannot allocate.
    public static func hunks(from old: UnsafeRawBufferPointer, to new: UnsafeRawBufferPointer, context: Int = 3) throws -> [Hunk] {
        try withPatch(old, new, context: context, heuristic: true) { patch in
            var hunks: [Hunk] = []
            for index in 0..<git_patch_num_hunks(patch) {
                var hunk: UnsafePointer<git_diff_hunk>?
                var count = 0
                try check("git_patch_get_hunk", git_patch_get_hunk(&hunk, &count, patch, index))
                guard let h = hunk?.pointee else { continue }
                var lines: [Line] = []
                lines.reserveCapacity(count)
                for lineIndex in 0..<Int32(count) {
                    var line: UnsafePointer<git_diff_line>?
                    try check("git_patch_get_line_in_hunk", git_patch_get_line_in_hunk(&line, patch, index, Int(lineIndex)))
                    guard let l = line?.pointee else { continue }
                    switch UInt8(bitPattern: l.origin) {
                    case 0x20: lines.append(Line(origin: .context, oldNumber: Int(l.old_lineno), newNumber: Int(l.new_lineno)))
                    case 0x2D: lines.append(Line(origin: .removed, oldNumber: Int(l.old_lineno), newNumber: nil))
                    case 0x2B: lines.append(Line(origin: .added, oldNumber: nil, newNumber: Int(l.new_lineno)))
                    default: continue  // git's "\ No newline at end of file" markers: the bytes tell.
                    }
                }
                hunks.append(Hunk(
                    oldStart: Int(h.old_start), oldLines: Int(h.old_lines), newStart: Int(h.new_start), newLines: Int(h.new_lines),
                    heading: heading(h), lines: lines))
            }
            return hunks
        }
    }

    /// The changed line ranges between two texts, without context and
    /// without git's indent heuristic (as git's word diff runs xdiff on
    /// words written one per line): each change's 1-based start and
    /// length in the old and the new text.
    public static func changes(from old: UnsafeRawBufferPointer, to new: UnsafeRawBufferPointer) throws -> [LineChange] {
        try withPatch(old, new, context: 0, heuristic: false) { patch in
            var changes: [LineChange] = []
            let count = git_patch_num_hunks(patch)
            changes.reserveCapacity(count)
            for index in 0..<count {
                var hunk: UnsafePointer<git_diff_hunk>?
                var lines = 0
                try check("git_patch_get_hunk", git_patch_get_hunk(&hunk, &lines, patch, index))
                guard let h = hunk?.pointee else { continue }
                changes.append(LineChange(oldStart: Int(h.old_start), oldLines: Int(h.old_lines), newStart: Int(h.new_start), newLines: Int(h.new_lines)))
            }
            return changes
        }
    }

    /// The text after the second `@@` of a hunk's header line.
    private static func heading(_ hunk: git_diff_hunk) -> String {
        var header = hunk.header
        let length = min(Int(hunk.header_len), MemoryLayout.size(ofValue: header))
        let bytes = withUnsafeBytes(of: &header) { Array($0.prefix(length)) }
        let line = String(decoding: bytes, as: UTF8.self)
        guard let range = line.range(of: "@@", range: line.index(line.startIndex, offsetBy: min(2, line.count))..<line.endIndex) else { return "" }
        return line[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func withPatch<T>(_ old: UnsafeRawBufferPointer, _ new: UnsafeRawBufferPointer, context: Int, heuristic: Bool, _ body: (OpaquePointer?) throws -> T) throws -> T {
        _ = libraryInit
        var options = git_diff_options()
        try check("git_diff_options_init", git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)))
        options.context_lines = UInt32(max(0, context))
        options.interhunk_lines = 0
        options.flags |= GIT_DIFF_FORCE_TEXT.rawValue
        if heuristic { options.flags |= GIT_DIFF_INDENT_HEURISTIC.rawValue }
        var patch: OpaquePointer?
        try check("git_patch_from_buffers", git_patch_from_buffers(
            &patch, old.baseAddress, old.count, nil, new.baseAddress, new.count, nil, &options))
        defer { git_patch_free(patch) }
        return try body(patch)
    }
}

/// A file that differs between two trees, as `git diff` lists it.
public struct FileChange: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case added, deleted, modified, renamed
    }
    public let status: Status
    public let oldPath: String
    public let newPath: String
    /// The blobs (nil on the side where the file does not exist).
    public let oldBlob: ObjectID?
    public let newBlob: ObjectID?
    /// File modes as git writes them (0o100644; 0 where absent).
    public let oldMode: UInt32
    public let newMode: UInt32
    /// For a rename: how similar the two files are, 0–100 (git's similarity index).
    public let similarity: Int?
}

extension Repository {
    /// The files that differ from one tree to another (`nil`: the empty
    /// tree), in git's path order, renames found as `git diff -M` finds
    /// them (a file deleted and another added with at least half its
    /// content: one rename, as `diff` shows it).
    public func changedFiles(from old: ObjectID?, to new: ObjectID) throws -> [FileChange] {
        try withTreeDiff(from: old, to: new, contextLines: nil, renames: true) { diff in
            var files: [FileChange] = []
            for index in 0..<git_diff_num_deltas(diff) {
                guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
                let status: FileChange.Status
                switch delta.status {
                case GIT_DELTA_ADDED: status = .added
                case GIT_DELTA_DELETED: status = .deleted
                case GIT_DELTA_RENAMED: status = .renamed
                default: status = .modified
                }
                let oldID = ObjectID(delta.old_file.id)
                let newID = ObjectID(delta.new_file.id)
                files.append(FileChange(
                    status: status,
                    oldPath: delta.old_file.path.map { String(cString: $0) } ?? "",
                    newPath: delta.new_file.path.map { String(cString: $0) } ?? "",
                    oldBlob: status == .added ? nil : oldID, newBlob: status == .deleted ? nil : newID,
                    oldMode: UInt32(delta.old_file.mode), newMode: UInt32(delta.new_file.mode),
                    similarity: status == .renamed ? Int(delta.similarity) : nil))
            }
            return files
        }
    }
}
