import ArgumentParser
import Foundation
import QuorumCore

/// Printing helpers shared by the commands, and the only code of the CLI
/// that writes to standard output or standard error.
///
/// Text people typed (titles, names, messages, comments) reaches other
/// people's terminals, which obey control characters instead of showing
/// them. So every line printed goes through `escape`, whoever wrote its
/// parts: each control character (C0 but tab, DEL, C1) is shown as `\x`
/// and two hex digits (ESC as `\x1b`, CR as `\x0d`, CSI U+009B as
/// `\x9b`), on a terminal or not. Multi-line text (message bodies,
/// comments, diffs, error messages) keeps its newlines (and a CR right
/// before one). JSON is left to JSONEncoder, which writes them as JSON
/// escapes; `document` writes a document's own bytes (`cat`, `export`).
///
/// Colour and paging are decided here too, once per process (`configure`,
/// see "Colour and paging" below), for every command: text is escaped
/// first and coloured after, so the only escape sequences that reach a
/// terminal are Quorum's own, and never in JSON.
enum Output {
    /// `text` with every control character but tab written as `\xHH`;
    /// with `multiline`, LF (and CR before LF) kept as they are.
    static func escape(_ text: String, multiline: Bool = false) -> String {
        guard needsEscaping(text, keepingNewlines: multiline) else { return text }
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            let keep = multiline && (scalar == "\n" || (scalar == "\r" && index + 1 < scalars.count && scalars[index + 1] == "\n"))
            if Rules.isControl(scalar) && !keep {
                out.append(contentsOf: "\\x".unicodeScalars)
                out.append(contentsOf: String(format: "%02x", scalar.value).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Whether any byte could start a control character: one scan of the
    /// UTF-8 (C1 characters are encoded 0xC2 0x80–0x9F), so that the
    /// thousands of lines of `list` cost nothing when there are none.
    /// With `keepingNewlines`, a newline is no reason (multi-line output
    /// such as `list`'s keeps them, and would otherwise always take the
    /// slow path: a fifth of `list`'s time at 10,000 suggestions).
    private static func needsEscaping(_ text: String, keepingNewlines: Bool) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if (byte < 0x20 && byte != 0x09 && !(keepingNewlines && byte == 0x0A)) || byte == 0x7F
                || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) { return true }
            previous = byte
        }
        return false
    }

    /// Prints one line: a newline inside it is escaped too, so that no
    /// text can make a line that looks like another.
    static func line(_ text: String) {
        Swift.print(escape(text))
    }

    /// Prints one line made of runs of text, each escaped and then, when
    /// colour is on, coloured with its paint.
    static func painted(_ spans: [Span]) {
        var out = ""
        for span in spans {
            let text = escape(span.text)
            if let paint = span.paint, display.color, !text.isEmpty {
                out += paint.start(blank: text.allSatisfy { $0 == " " || $0 == "\t" }) + text + Paint.reset
            } else {
                out += text
            }
        }
        Swift.print(out)
    }

    /// Prints multi-line text as it is, its lines escaped; a final newline
    /// is printed when `text` has none and `terminated` is true.
    static func lines(_ text: String, terminated: Bool = false) {
        let escaped = escape(text, multiline: true)
        Swift.print(escaped, terminator: terminated && !escaped.hasSuffix("\n") ? "\n" : "")
    }

    /// "1 commit", "2 commits": a count and its noun, plural when it is not one.
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// Writes to standard error (an error, a warning, a hook's refusal,
    /// which git shows as `remote:` lines): multi-line, escaped.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((escape(text, multiline: true) + (text.hasSuffix("\n") ? "" : "\n")).utf8))
    }

    /// Writes a document's own bytes (`cat`, `export`): the document is
    /// its writers', kept byte for byte, and meant to be redirected into a
    /// file; a pager such as `less` shows its control characters.
    static func document(_ data: Data) {
        FileHandle.standardOutput.write(data)
    }

    /// Names of people by lower-cased email, for the `name` of a person
    /// a record knows only by email: read from the roster when JSON is
    /// printed (set by `CommonOptions.open`), so text output never pays.
    nonisolated(unsafe) static var names: (() -> [String: String])?

    /// The top-level fields `--fields` selected (nil: all of them).
    nonisolated(unsafe) static var fields: [String]?

    /// Prints a value as JSON, in the shapes of docs/json.md: keys sorted,
    /// times as RFC 3339 strings, people as `{"name", "email"}`. With
    /// `--fields`, only those top-level fields (of each element, for a
    /// list); an unknown field is a usage error naming the known ones.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(JSONTime.string(date))
        }
        if let names { encoder.userInfo[.quorumNames] = names() }
        var data = try encoder.encode(value)
        if let fields { data = try select(fields, from: data) }
        FileHandle.standardOutput.write(escapingC1(data) + Data(utf8: "\n"))
    }

    /// The JSON with only `fields` of its object (or of each object of
    /// its array), as gh's `--json FIELDS` selects them.
    private static func select(_ fields: [String], from data: Data) throws -> Data {
        let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        let objects: [[String: Any]]
        if let object = value as? [String: Any] {
            objects = [object]
        } else if let array = value as? [Any] {
            objects = array.compactMap { $0 as? [String: Any] }
        } else {
            throw QuorumError(.usage, "--fields: this command's JSON is not an object", remedy: "leave --fields out")
        }
        let known = Set(objects.flatMap(\.keys))
        if !objects.isEmpty, let unknown = fields.first(where: { !known.contains($0) }) {
            throw QuorumError(
                .usage, "--fields: unknown field '\(unknown)'",
                remedy: "the fields here are: \(known.sorted().joined(separator: ", ")) (see docs/json.md)")
        }
        func pick(_ object: [String: Any]) -> [String: Any] { object.filter { fields.contains($0.key) } }
        let selected: Any = value is [String: Any] ? pick(objects[0]) : objects.map(pick)
        return try JSONSerialization.data(withJSONObject: selected, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
    }

    /// JSONEncoder writes C0 controls as JSON escapes, but DEL and C1
    /// (U+0080–U+009F) as they are; in JSON text they can only be inside
    /// strings, so they are written as `\u007f`…`\u009f`: the same value
    /// to a JSON reader, and nothing a terminal obeys when piped to one.
    private static func escapingC1(_ data: Data) -> Data {
        guard data.contains(0x7F) || zip(data, data.dropFirst()).contains(where: { $0 == 0xC2 && (0x80...0x9F).contains($1) }) else { return data }
        var out = Data(capacity: data.count + 16)
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            let next = data.index(after: index)
            if byte == 0x7F {
                out.append(contentsOf: Array("\\u007f".utf8))
            } else if byte == 0xC2, next < data.endIndex, (0x80...0x9F).contains(data[next]) {
                out.append(contentsOf: Array(String(format: "\\u%04x", data[next]).utf8))
                index = data.index(after: next)
                continue
            } else {
                out.append(byte)
            }
            index = next
        }
        return out
    }

    static func date(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static func short(_ id: String) -> String { String(id.prefix(8)) }

    /// Pads to a width (by characters) for simple tables.
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func summaryLine(_ s: SuggestionSummary, showSlug: Bool) -> String {
        let votes = s.state.isFinal || s.state == .damaged ? "" : " \(s.approvals)/\(s.quorum)"
        let slug = showSlug ? pad(s.slug, 16) + " " : ""
        let objected = s.objectors.isEmpty ? "" : "  [objection: \(s.objectors.joined(separator: ", "))]"
        let damaged = s.damaged.map { "  [damaged: event \(short($0.commit)) cannot be read]" } ?? ""
        return "\(short(s.id))  \(slug)\(pad(s.state.rawValue + votes, 13)) \(pad(s.author, 22)) \(s.title)\(objected)\(damaged)"
    }

    /// The exit status of a listing that could not read everything: it
    /// showed what it could, and marked or left out the rest.
    static let damagedExitStatus: Int32 = 3

    /// Names on standard error each event a listing could not read, and
    /// ends the command with `damagedExitStatus` (its output is printed).
    static func endReportingDamage(_ damaged: [DamagedEvent]) throws {
        guard !damaged.isEmpty else { return }
        let one = damaged.count == 1
        var text = "quorum: \(one ? "an event" : "\(damaged.count) events") could not be read; what \(one ? "it belongs" : "they belong") to is shown as damaged or left out, and everything else is listed:\n"
        for damage in damaged { text += "  \(damage)\n" }
        var remedies: [String] = []
        for damage in damaged where !remedies.contains(damage.remedy) { remedies.append(damage.remedy) }
        for remedy in remedies { text += "hint: \(remedy)\n" }
        error(text)
        throw ExitCode(damagedExitStatus)
    }

    static func comments(_ comments: [CommentReport]) {
        guard !comments.isEmpty else { return }
        line("")
        line("Comments:")
        for c in comments {
            let indent = String(repeating: "    ", count: c.depth + 1)
            var place = ""
            if let doc = c.document {
                place = " on \(doc)"
                if let section = c.section { place += " section \"\(section)\"" }
                if let a = c.firstLine, let b = c.lastLine { place += a == b ? " line \(a)" : " lines \(a)-\(b)" }
                if c.outdated { place += " (outdated: the text there changed)" }
            }
            line("\(indent)\(short(c.id)) \(c.name) <\(c.author)>, \(date(c.date))\(place):")
            for text in bodyLines(c.text) { line("\(indent)  \(text)") }
        }
    }

    /// A message's lines, split at LF (a CR before it goes with it), for
    /// printing indented one by one.
    static func bodyLines(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var line = String(String.UnicodeScalarView(line))
            if line.unicodeScalars.last == "\r" { line.unicodeScalars.removeLast() }
            return line
        }
    }

    static func revision(_ r: RevisionResult, verb: String) {
        line("\(verb) \(short(r.suggestion)): revision \(r.revision) (\(short(r.commit)) on \(short(r.base))), now \(r.state.rawValue)")
        if !r.approvalsKept.isEmpty { line("Approvals still counting: \(r.approvalsKept.joined(separator: ", "))") }
        if !r.approvalsStale.isEmpty { line("Approvals now stale (approved an older revision): \(r.approvalsStale.joined(separator: ", "))") }
    }

    // MARK: Colour and paging

    /// A run of text and how to colour it (nil: not at all).
    struct Span {
        let text: String
        let paint: Paint?

        init(_ text: String, _ paint: Paint? = nil) {
            self.text = text
            self.paint = paint
        }
    }

    /// The colours Quorum uses, git's: removed red, added green, hunk
    /// headers cyan, file headers bold.
    enum Paint {
        case removed, added, hunk, meta

        /// The SGR sequence that starts it; whitespace alone is shown
        /// on a coloured background, or it could not be seen.
        func start(blank: Bool) -> String {
            switch self {
            case .removed: return blank ? "\u{1B}[41m" : "\u{1B}[31m"
            case .added: return blank ? "\u{1B}[42m" : "\u{1B}[32m"
            case .hunk: return "\u{1B}[36m"
            case .meta: return "\u{1B}[1m"
            }
        }

        static let reset = "\u{1B}[m"
    }

    /// How standard output is shown: in colour or not, through a pager or not.
    struct Display: Equatable {
        var color: Bool
        /// The pager's shell command, when output to a terminal is paged.
        var pager: String?
    }

    /// The display, decided once: by `configure` (each command that opens
    /// a repository, so that its git config counts), or on first use from
    /// the environment alone.
    nonisolated(unsafe) private static var decided: Display?
    static var display: Display {
        if let decided { return decided }
        let made = decide(color: nil, paging: true, json: false, config: { _ in nil })
        decided = made
        return made
    }

    /// Decides colour and paging once, from the command's options, git's
    /// config (read through libgit2) and the environment:
    ///
    /// - Colour: `--color=always|never` wins; then git's `color.ui`
    ///   (`always`; `never` or false; `auto` or true); then `NO_COLOR`
    ///   (set and not empty: none); then auto: on when standard output is
    ///   a terminal and `TERM` is not `dumb` (and, when paging, unless
    ///   `color.pager` is false). JSON is never coloured.
    /// - Paging: only when standard output is a terminal, not with
    ///   `--no-pager` or `--json`; the pager is git's choice, in git's
    ///   order: `GIT_PAGER`, `core.pager`, `PAGER`, then `less` (with
    ///   `LESS=FRX` and `LV=-c` when those are unset, as git sets them,
    ///   which is `less -FRX`: it exits at once when the text fits on one
    ///   screen, and shows colour). An empty pager or `cat` means none.
    static func configure(color: ColorWhen?, paging: Bool, json: Bool, config: (String) -> String?) {
        decided = decide(color: color, paging: paging, json: json, config: config)
    }

    private static func decide(color flag: ColorWhen?, paging: Bool, json: Bool, config: (String) -> String?) -> Display {
        let environment = ProcessInfo.processInfo.environment
        let terminal = isatty(STDOUT_FILENO) == 1
        var pager: String?
        if paging && terminal && !json {
            let chosen = environment["GIT_PAGER"] ?? config("core.pager") ?? environment["PAGER"] ?? "less"
            let trimmed = chosen.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty && trimmed != "cat" { pager = chosen }
        }
        let when = flag ?? colorSetting(config("color.ui")) ?? .auto
        var color: Bool
        switch when {
        case .always: color = true
        case .never: color = false
        case .auto:
            color = terminal && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
            if pager != nil, colorSetting(config("color.pager")) == .never { color = false }
        }
        return Display(color: color && !json, pager: pager)
    }

    /// A git colour setting (`color.ui`, `color.pager`), as git reads it.
    private static func colorSetting(_ value: String?) -> ColorWhen? {
        switch value?.lowercased() {
        case "always": return .always
        case "never", "false", "no", "off", "0": return .never
        case "auto", "true", "yes", "on", "1": return .auto
        default: return nil
        }
    }

    /// The pager's process, once started.
    nonisolated(unsafe) private static var pagerProcess: pid_t = 0

    /// Sends the rest of this process's standard output (and standard
    /// error, when that is a terminal too) through the pager, when the
    /// display has one; a command whose output can be long calls it
    /// before printing. The pager is waited for when the process exits,
    /// or is interrupted. A pager that cannot be started is no pager.
    static func page() {
        guard pagerProcess == 0, let command = display.pager else { return }
        // The default pager only when it is there: sh would say "not found"
        // and the output would be lost.
        if command == "less" && !onPath("less") { return }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        #else
        var actions: posix_spawn_file_actions_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        var environment = ProcessInfo.processInfo.environment
        if environment["LESS"] == nil { environment["LESS"] = "FRX" }
        if environment["LV"] == nil { environment["LV"] = "-c" }
        let arguments: [String] = ["sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, "/bin/sh", &actions, nil, &argv, &envp)
        close(fds[0])
        guard spawned == 0 else {
            close(fds[1])
            return
        }
        fflush(nil)
        dup2(fds[1], STDOUT_FILENO)
        if isatty(STDERR_FILENO) == 1 { dup2(fds[1], STDERR_FILENO) }
        close(fds[1])
        pagerProcess = child
        atexit { Output.waitForPager(flushing: true) }
        for signal in [SIGINT, SIGHUP, SIGTERM, SIGQUIT] {
            _ = Glibc.signal(signal) { received in
                Output.waitForPager(flushing: false)
                _ = Glibc.signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    /// Ends the pager's input and waits for it to exit (the person reads
    /// to the end, or quits), so that the shell's prompt comes after.
    /// In a signal handler, nothing is flushed (only close and waitpid,
    /// which are safe there).
    private static func waitForPager(flushing: Bool) {
        guard pagerProcess > 0 else { return }
        if flushing { fflush(nil) }
        close(STDOUT_FILENO)
        close(STDERR_FILENO)
        var status: Int32 = 0
        while waitpid(pagerProcess, &status, 0) < 0 && errno == EINTR {}
        pagerProcess = 0
    }

    private static func onPath(_ program: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(program)", X_OK) == 0 }
    }
}

/// `--color=WHEN`.
enum ColorWhen: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never
}
