import ArgumentParser
import Foundation
import QuorumCore

/// The message a command records, from `-m` given once or more (each a
/// paragraph, as `git commit -m` takes them) or, where one is required
/// and none is given, from an editor, as `git commit` opens one.
enum Message {
    /// The paragraphs joined by a blank line; nil when there are none.
    static func optional(_ paragraphs: [String]) -> String? {
        paragraphs.isEmpty ? nil : paragraphs.joined(separator: "\n\n")
    }

    /// The message of `paragraphs`, or, when there are none, the one
    /// written in the editor: `<git dir>/QUORUM_EDITMSG` starts as
    /// `purpose` in comment lines; lines starting with `#` are dropped,
    /// and an empty message aborts (exit 1), as with `git commit`. The
    /// editor is git's: `GIT_EDITOR`, `core.editor`, `VISUAL`, `EDITOR`,
    /// then `vi` — but only on a terminal: with no terminal and no editor
    /// set, a usage error (exit 64) says to give `-m` instead of waiting.
    static func required(_ paragraphs: [String], in repo: ReviewRepository, purpose: String) throws -> String {
        if let given = optional(paragraphs) { return given }
        let environment = ProcessInfo.processInfo.environment
        let terminal = isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1
        let dumb = (environment["TERM"] ?? "dumb") == "dumb"
        let configured = [
            environment["GIT_EDITOR"],
            try? repo.git.configString("core.editor"),
            dumb ? nil : environment["VISUAL"],
            environment["EDITOR"],
        ].lazy.compactMap { $0 }.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let editor = configured ?? (terminal && !dumb ? "vi" : nil) else {
            throw ValidationError("no message given (-m), and no editor to write one in (no terminal, and none of GIT_EDITOR, core.editor, VISUAL or EDITOR is set); give it with -m MESSAGE")
        }
        let path = repo.git.gitDirectory + "QUORUM_EDITMSG"
        let template = "\n" + purpose.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 }.joined(separator: "\n")
            + "\n# Lines starting with '#' are ignored, and an empty message aborts.\n"
        try Data(utf8: template).write(to: URL(fileURLWithPath: path))
        // As git does: through the shell, so that an editor set as
        // "code --wait" or with its own options works.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", editor + " \"$@\"", editor, path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Output.error("quorum: the editor '\(editor)' exited \(process.terminationStatus); nothing was recorded")
            throw ExitCode(1)
        }
        let written = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data(), as: UTF8.self)
        let kept = written.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }
        let message = kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !message.isEmpty else {
            Output.error("quorum: aborting: the message is empty; nothing was recorded")
            throw ExitCode(1)
        }
        return message
    }
}
