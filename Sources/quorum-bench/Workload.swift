import Foundation
import QuorumCore

/// Someone taking part in the generated review.
struct Person {
    let name: String
    let email: String
    /// Their SSH private key file, when the workload is signed.
    var key: String?
    /// Who they are to git, and the key git signs with (`gpg.format=ssh`,
    /// `user.signingKey`, passed as git's `GIT_CONFIG_*` variables).
    var identity: [String: String] {
        var env = ["GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email]
        if let key {
            env["GIT_CONFIG_COUNT"] = "2"
            env["GIT_CONFIG_KEY_0"] = "gpg.format"
            env["GIT_CONFIG_VALUE_0"] = "ssh"
            env["GIT_CONFIG_KEY_1"] = "user.signingKey"
            env["GIT_CONFIG_VALUE_1"] = key
        }
        return env
    }
}

/// Small deterministic generator, so every run builds the same workload.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Time spent in one kind of library call while generating.
struct OperationClock {
    var count = 0
    var nanoseconds: UInt64 = 0
    var milliseconds: Double { Double(nanoseconds) / 1e6 }
    var meanMilliseconds: Double { count == 0 ? 0 : milliseconds / Double(count) }
    static func - (a: OperationClock, b: OperationClock) -> OperationClock {
        OperationClock(count: a.count - b.count, nanoseconds: a.nanoseconds - b.nanoseconds)
    }
}

/// The generated review: one repository, four people each with their own
/// open `ReviewRepository`, one proposal, and a growing number of
/// suggestions that each change one line of the round's current text.
final class Workload {
    static let slug = "career-steps"
    static let document = "framework.md"

    /// Ana leads; everyone is in the working group (the first round's
    /// audience and approvers, quorum 2).
    static let ana = 0, bob = 1, carol = 2, dave = 3
    private(set) var people = [
        Person(name: "Ana Lima", email: "ana@example.com"),
        Person(name: "Bob Stone", email: "bob@example.com"),
        Person(name: "Carol Diaz", email: "carol@example.com"),
        Person(name: "Dave Okafor", email: "dave@example.com"),
    ]

    let repositoryPath: String
    private var repos: [ReviewRepository] = []
    /// The round head's text, split at "\n" (so joining restores it exactly).
    private var lines: [String] = []
    /// Lines a suggestion may edit: non-blank, and never two adjacent ones,
    /// so edits of different entries always merge cleanly three-way.
    private(set) var editable: [Int] = []
    private var rng = SplitMix64(state: 20_240_601)
    /// Makes every edit's text unique: " (rev N)".
    private var serial = 0

    /// Suggestions `grow` made, approved and left unmerged, in the order
    /// made (so the longest waiting first): the line each edits, its
    /// author, and `mergeCount` when it was made (its base).
    private var waiting: [(id: String, line: Int, author: Int, mergesBefore: Int)] = []
    /// Line → `mergeCount` when a merge last changed it.
    private var changedAt: [Int: Int] = [:]

    /// Suggestions and events in the repository, whoever made them.
    private(set) var suggestionCount = 0
    private(set) var eventCount = 0
    private(set) var mergeCount = 0

    /// nil: leave libgit2's empty ref directories in place while generating.
    var parking: RefDirectoryParking?
    var parkClock = OperationClock()

    var suggestClock = OperationClock()
    var approveClock = OperationClock()
    var mergeClock = OperationClock()

    init(repositoryPath: String) {
        self.repositoryPath = repositoryPath
    }

    func repository(_ person: Int) -> ReviewRepository { repos[person] }

    /// Lets go of the open repositories, which writes their caches: before
    /// the workload is removed, or they write them into its place again.
    func close() { repos.removeAll() }

    /// `quorum init`, three `member add`s and `propose`, in-process. With
    /// `keys` (a directory), each person gets an ed25519 key made by
    /// ssh-keygen there, recorded on the roster, and signatures are
    /// required from the start: every event of the workload is signed.
    func setUp(proposal text: String, keys: String?) throws {
        if let keys {
            try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
            for index in people.indices {
                let path = (keys as NSString).appendingPathComponent(String(people[index].email.prefix { $0 != "@" }))
                let keygen = Process()
                keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
                keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", people[index].email, "-f", path]
                try keygen.run()
                keygen.waitUntilExit()
                guard keygen.terminationStatus == 0 else { throw BenchError("ssh-keygen failed (Debian: openssh-client; 'make deps' installs it)") }
                people[index].key = path
            }
        }
        let (lead, _) = try ReviewRepository.initialize(at: repositoryPath, environment: people[Workload.ana].identity)
        repos = [lead]
        eventCount += 1
        for person in people.dropFirst() {
            let key = try person.key.map { try SSHPublicKey(line: String(contentsOfFile: $0 + ".pub", encoding: .utf8)) }
            try lead.addMember(email: person.email, name: person.name, groups: ["working-group"], lead: false, keys: key.map { [$0] } ?? [])
            eventCount += key == nil ? 1 : 2
        }
        if keys != nil {
            try lead.setPolicy(requireSignatures: true)
            eventCount += 1
        }
        for person in people.dropFirst() {
            repos.append(try ReviewRepository.open(at: repositoryPath, environment: person.identity))
        }
        _ = try lead.propose(
            slug: Workload.slug, title: "Engineering Career Steps",
            documents: [DocumentInput(name: Workload.document, text: Data(text.utf8), source: "bench")])
        eventCount += 1
        lines = text.components(separatedBy: "\n")
        var last = -2
        for (index, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty && index - last >= 2 {
            editable.append(index)
            last = index
        }
        guard editable.count >= 4 else { throw BenchError("the proposal text needs at least 4 separated non-blank lines to edit") }
    }

    /// Re-reads the round head's text (after other processes merged).
    func refreshText() throws {
        let data = try repos[Workload.ana].text(slug: Workload.slug, document: Workload.document)
        let text = String(decoding: data, as: UTF8.self)
        let fresh = text.components(separatedBy: "\n")
        guard fresh.count == lines.count else { throw BenchError("the round's text changed its line count (\(lines.count) → \(fresh.count))") }
        adopt(fresh)
    }

    /// Makes `fresh` the round's text, noting the lines that changed.
    private func adopt(_ fresh: [String]) {
        for index in fresh.indices where index < lines.count && fresh[index] != lines[index] { changedAt[index] = mergeCount }
        lines = fresh
    }

    /// The current text with " (rev N)" appended to editable line `slot`.
    func editedText(slot: Int) -> (text: String, line: Int, serial: Int) {
        serial += 1
        let line = editable[slot % editable.count]
        var copy = lines
        copy[line] += " (rev \(serial))"
        return (copy.joined(separator: "\n"), line, serial)
    }

    /// A new suggestion by `author` editing editable line `slot`; returns its
    /// id, its full text and the line it edits.
    @discardableResult
    func suggest(by author: Int, slot: Int) throws -> (id: String, text: String, line: Int) {
        let edit = editedText(slot: slot)
        let start = nowNanoseconds()
        let result = try repos[author].suggest(
            slug: Workload.slug, message: "Revise line \(edit.line + 1) (rev \(edit.serial))",
            documents: [DocumentInput(name: Workload.document, text: Data(edit.text.utf8), source: "bench")])
        suggestClock.nanoseconds += nowNanoseconds() - start
        suggestClock.count += 1
        suggestionCount += 1
        eventCount += 1
        return (result.id, edit.text, edit.line)
    }

    func approve(_ id: String, by person: Int) throws {
        let start = nowNanoseconds()
        _ = try repos[person].approve(id, message: nil)
        approveClock.nanoseconds += nowNanoseconds() - start
        approveClock.count += 1
        eventCount += 1
    }

    /// Merges in-process; `text` (the suggestion's text) becomes the round's
    /// when the merge was a fast-forward of the text.
    func merge(_ id: String, by person: Int, text: String?) throws {
        let start = nowNanoseconds()
        let result = try repos[person].merge(id)
        mergeClock.nanoseconds += nowNanoseconds() - start
        mergeClock.count += 1
        eventCount += 1
        mergeCount += 1
        if result.threeWay || text == nil {
            try refreshText()
        } else if let text {
            adopt(text.components(separatedBy: "\n"))
        }
    }

    /// The three people other than `person`, in rotation.
    func others(of person: Int) -> [Int] { (1...3).map { (person + $0) % 4 } }

    /// Grows the workload to `size` suggestions: each edits one line of the
    /// round's current text, gets two approvals from people other than its
    /// author, and about one in ten is merged straight away (so the round
    /// head moves and later merges of older suggestions are three-way).
    func grow(to size: Int, progress: (Int) -> Void) throws {
        var index = suggestionCount
        while suggestionCount < size {
            let author = index % 4
            let reviewers = others(of: author)
            let slot = rng.below(editable.count)
            let mergeIt = rng.below(10) == 0
            let made = try suggest(by: author, slot: slot)
            try approve(made.id, by: reviewers[0])
            try approve(made.id, by: reviewers[1])
            if mergeIt {
                try merge(made.id, by: reviewers[2], text: made.text)
            } else {
                waiting.append((made.id, made.line, author, mergeCount))
            }
            index += 1
            if suggestionCount % 64 == 0 { try park() }
            progress(suggestionCount)
        }
    }

    /// Moves empty ref directories aside (see RefDirectoryParking).
    func park() throws {
        guard parking != nil else { return }
        let start = nowNanoseconds()
        try parking!.park()
        parkClock.nanoseconds += nowNanoseconds() - start
        parkClock.count += 1
    }

    /// Puts them all back, before anything is timed.
    func unpark() throws {
        guard parking != nil else { return }
        let start = nowNanoseconds()
        try parking!.restore()
        parkClock.nanoseconds += nowNanoseconds() - start
    }

    /// `count` suggestions by `author`, no approvals: ids.
    func freshSuggestions(_ count: Int, by author: Int) throws -> [String] {
        try (0..<count).map { try suggest(by: author, slot: $0 % editable.count).id }
    }

    /// Up to `count` of the approved suggestions `grow` left, the longest
    /// waiting first (the fewest merges before them), that still merge
    /// cleanly three-way: none since has changed its line, nor will any
    /// other in the batch (one per line), and none edits `avoiding` (lines
    /// that other suggestions, to be merged after them, edit). Ana may merge
    /// them: none is hers. Returns their ids and how many merges each
    /// waited through; they are taken off the waiting list.
    func waitedSuggestions(_ count: Int, avoiding: Set<Int>) -> [(id: String, merges: Int)] {
        var taken: [(id: String, merges: Int)] = []
        var lines = avoiding
        for candidate in waiting where taken.count < count {
            guard candidate.author != Workload.ana, (changedAt[candidate.line] ?? -1) < candidate.mergesBefore,
                  candidate.mergesBefore < mergeCount, !lines.contains(candidate.line) else { continue }
            lines.insert(candidate.line)
            taken.append((candidate.id, mergeCount - candidate.mergesBefore))
        }
        let ids = Set(taken.map(\.id))
        waiting.removeAll { ids.contains($0.id) }
        return taken
    }

    /// Up to `count` suggestions by Dave, each on its own line and each
    /// approved by Bob and Carol; then the round head is moved by merging one
    /// more suggestion (on yet another line), so merging any of them is a
    /// clean three-way merge. Returns their ids and lines (fewer than
    /// `count` when the text has too few lines for them all to be independent).
    func approvedSuggestions(_ count: Int) throws -> [(id: String, line: Int)] {
        let batch = min(count, editable.count - 1)
        let first = rng.below(editable.count)
        var made: [(id: String, line: Int)] = []
        for offset in 0..<batch {
            let suggestion = try suggest(by: Workload.dave, slot: first + offset)
            try approve(suggestion.id, by: Workload.bob)
            try approve(suggestion.id, by: Workload.carol)
            made.append((suggestion.id, suggestion.line))
        }
        let mover = try suggest(by: Workload.ana, slot: first + batch)
        try approve(mover.id, by: Workload.bob)
        try approve(mover.id, by: Workload.carol)
        try merge(mover.id, by: Workload.dave, text: mover.text)
        return made
    }

    /// Texts for suggestions made by other processes: written under
    /// `directory`, each the current text with one new edit.
    func writeSuggestionTexts(_ count: Int, into directory: String, tag: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try (0..<count).map { index in
            let path = (directory as NSString).appendingPathComponent("\(tag)-\(index).md")
            try Data(editedText(slot: index).text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    /// Bookkeeping for what other processes did.
    func noteExternal(suggestions: Int = 0, events: Int = 0, merges: Int = 0) {
        suggestionCount += suggestions
        eventCount += events
        mergeCount += merges
    }
}

/// Keeps the generation from going quadratic, without changing what the
/// timed processes see.
///
/// libgit2 writes every updated ref as a loose file (making its directories)
/// and `git_refdb_compress` later packs it and deletes the file but not the
/// directories, so each suggestion leaves `suggestions/<id>/` and
/// `suggestions/<id>/revs/` behind, empty, for good. Every ref glob (`resolve`
/// in approve and merge, the summary index in list) walks them all: a few
/// syscalls per directory, 20,000 directories at 10,000 suggestions.
///
/// While generating, the bench moves such empty per-suggestion directory
/// trees aside (rename, not delete: deletes slow this disk down), and before
/// timing it moves them all back, so the quorum binary always runs on the
/// directories the library itself left.
struct RefDirectoryParking {
    let suggestions: String
    let lot: String
    private(set) var parked = 0
    private(set) var passes = 0

    init(repository: String, lot: String) {
        suggestions = (repository as NSString).appendingPathComponent(".git/refs/quorum/proposals/\(Workload.slug)/suggestions")
        self.lot = lot
    }

    /// Moves aside every suggestion directory that holds no files.
    mutating func park() throws {
        passes += 1
        let fm = FileManager.default
        try fm.createDirectory(atPath: lot, withIntermediateDirectories: true)
        guard let names = try? fm.contentsOfDirectory(atPath: suggestions) else { return }
        for name in names {
            let path = (suggestions as NSString).appendingPathComponent(name)
            guard RefDirectoryParking.holdsNoFiles(path) else { continue }
            let target = (lot as NSString).appendingPathComponent(name)
            if rename(path, target) == 0 {
                parked += 1
            } else if errno == ENOTEMPTY || errno == EEXIST {
                // Made again after it was parked and emptied again: the
                // parked copy stands for it. Drop this one (two empty dirs).
                _ = rmdir((path as NSString).appendingPathComponent("revs"))
                _ = rmdir(path)
            } else {
                throw BenchError("cannot move \(path) aside: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Puts every parked directory back (where the library made one again
    /// meanwhile, that one is already there).
    mutating func restore() throws {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: lot) else { return }
        for name in names {
            let path = (lot as NSString).appendingPathComponent(name)
            let target = (suggestions as NSString).appendingPathComponent(name)
            if rename(path, target) != 0, errno != ENOTEMPTY, errno != EEXIST {
                throw BenchError("cannot put back \(target): \(String(cString: strerror(errno)))")
            }
        }
        parked = 0
    }

    private static func holdsNoFiles(_ path: String) -> Bool {
        guard let dir = opendir(path) else { return false }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            guard Int32(entry.pointee.d_type) == Int32(DT_DIR) else { return false }
            if !holdsNoFiles((path as NSString).appendingPathComponent(name)) { return false }
        }
        return true
    }
}
