import Foundation
import QuorumGit

/// A cache of suggestion summaries, so that `list`, `status` and friends
/// read one small file instead of walking 10,000 event chains.
///
/// It is derived data only, kept at `<git dir>/quorum/summaries`, and built
/// as every local cache of Quorum is (see `LocalFile`): a header line
/// naming the format, then lines only ever appended, so that the first
/// command after a write pays for what changed, not for the whole file:
///
/// - `<chain head> TAB <context> TAB <the summary's 13 fields>`: a
///   suggestion's summary, keyed by its chain's head commit.
/// - `totals TAB <context> TAB <digest of every chain head> TAB
///   <slug>=<state>:<count>,… …`: how many suggestions each proposal has in
///   each state, when the chains were exactly those of the digest.
///
/// `<context>` is a digest of the roster's and every proposal chain's head,
/// whose changes alter every suggestion's state: a line written under
/// another context is not used. Later lines win; a line that cannot be
/// parsed (cut short by a crash, or two writers' bytes interleaved) is
/// skipped. Readers find the totals on the file's last lines. When most
/// lines are outdated the file is written anew (to a temporary file,
/// renamed into place). So the cache can never show a stale state, and
/// deleting it is always safe.
///
/// A suggestion whose chain (or its proposal's) holds an event that cannot
/// be read is summarised as `damaged` and never stored: it is found again
/// on every read (and the totals, whose digest then never matches, are not
/// used while it lasts), so a repaired chain is read as soon as it is.
struct SummaryIndex {
    static let header = "quorum-summaries 7"
    let repository: ReviewRepository

    private var path: String { repository.git.gitDirectory + "quorum/summaries" }

    /// The cache's key (roster and proposal heads) and every suggestion
    /// chain with its head, read from the refs.
    private func scan() throws -> (context: String, chains: [(ref: String, head: ObjectID)], proposals: [(slug: String, head: ObjectID)]) {
        // The roster is not a `…/meta` ref: read it on its own.
        var contextParts: [String] = [try repository.git.referenceTarget(Layout.roster).map { Layout.roster + "=" + $0.hex } ?? ""]
        var chains: [(ref: String, head: ObjectID)] = []
        var proposals: [(slug: String, head: ObjectID)] = []
        for ref in try repository.git.references(matching: "refs/quorum/*", suffix: "/meta") {
            // refs/quorum/proposals/<slug>/suggestions/<id>/meta has six
            // slashes; a proposal's meta has four. Names are parsed only
            // when a summary must be recomputed.
            var slashes = 0
            for byte in ref.name.utf8 where byte == UInt8(ascii: "/") { slashes += 1 }
            switch slashes {
            case 6: chains.append((ref.name, ref.target))
            case 4:
                if let slug = Layout.parseProposalMeta(ref.name) {
                    contextParts.append(ref.name + "=" + ref.target.hex)
                    proposals.append((slug, ref.target))
                }
            default: continue
            }
        }
        return (Self.contextDigest(contextParts.sorted().joined(separator: " ")), chains, proposals)
    }

    /// How many suggestions each proposal has in each state (slug → state →
    /// count). When the cache is current as a whole (its digest of every
    /// chain head matches), read from its totals line without parsing the
    /// summaries; otherwise computed through `summaries()`, which rewrites it.
    /// Also returns every proposal's chain head, read in the same pass
    /// over the refs (each pass costs ~10 ms at 10,000 suggestions).
    /// `damaged` names the events that could not be read on the way.
    func counts() throws -> (counts: [String: [SuggestionState: Int]], proposals: [(slug: String, head: ObjectID)], damaged: [DamagedEvent]) {
        let scanned = try scan()
        if let totals = loadTotals(context: scanned.context, digest: Self.digest(scanned.chains.map(\.head))) {
            return (totals, scanned.proposals, [])
        }
        var counts: [String: [SuggestionState: Int]] = [:]
        var damaged: [DamagedEvent] = []
        for summary in try summaries((scanned.context, scanned.chains)) {
            counts[summary.slug, default: [:]][summary.state, default: 0] += 1
            if let damage = summary.damaged { damaged.append(damage) }
        }
        return (counts, scanned.proposals, damaged)
    }

    /// Forgets the cache (when a round branch moved back, which the keys
    /// do not see: only sync does that, undoing a merge refused upstream).
    func invalidate() {
        unlink(path)
    }

    func summaries() throws -> [SuggestionSummary] {
        try summariesAndProposals().summaries
    }

    /// `summaries()`, with every proposal's chain head from the same pass
    /// over the refs.
    func summariesAndProposals() throws -> (summaries: [SuggestionSummary], proposals: [(slug: String, head: ObjectID)]) {
        let scanned = try scan()
        return (try summaries((scanned.context, scanned.chains)), scanned.proposals)
    }

    private func summaries(_ scanned: (context: String, chains: [(ref: String, head: ObjectID)])) throws -> [SuggestionSummary] {
        let (context, chains) = scanned
        let stored = load(context: context)
        let cached = stored.entries
        var fresh: [(head: ObjectID, summary: SuggestionSummary)] = []
        fresh.reserveCapacity(chains.count)
        var added: [(head: ObjectID, summary: SuggestionSummary)] = []
        var roster: Roster?
        var proposals: [String: Result<Proposal, DamagedEvent>] = [:]
        let facts = repository.localFacts()
        var result: [SuggestionSummary] = []
        result.reserveCapacity(chains.count)
        // Signatures of the chains to recompute are checked on all cores
        // first, when there are many and the policy asks for them.
        let stale = chains.filter { cached[$0.head] == nil }
        if stale.count > 32, try repository.roster().requiresSignatures {
            try repository.log.signatures.prefetch(repository.git.commits(from: stale.map(\.head), excluding: []))
        }
        for chain in chains {
            if let hit = cached[chain.head] {
                fresh.append((chain.head, hit))
                result.append(hit)
                continue
            }
            guard let (slug, id) = Layout.parseSuggestionMeta(chain.ref) else { continue }
            let rosterNow = try roster ?? repository.roster()
            roster = rosterNow
            let proposal = try proposals[slug] ?? proposalReading(slug, roster: rosterNow)
            proposals[slug] = proposal
            let damage: DamagedEvent
            switch proposal {
            case .failure(let damaged):
                damage = damaged
            case .success(let proposal):
                switch try repository.suggestionReading(slug, id, head: chain.head, proposal: proposal, roster: rosterNow, facts: facts) {
                case .success(let suggestion):
                    let summary = repository.summary(of: suggestion, round: proposal.round(suggestion.round), roster: rosterNow)
                    fresh.append((chain.head, summary))
                    added.append((chain.head, summary))
                    result.append(summary)
                    continue
                case .failure(let damaged):
                    damage = damaged
                }
            }
            // Not kept in `fresh`: a damaged chain is read again every time.
            let quorum = (try? proposal.get())?.rounds.last?.quorum ?? rosterNow.policy.quorum
            result.append(repository.damagedSummary(slug, id, damage: damage, quorum: quorum))
        }
        // Written when anything was recomputed, or the totals are not those
        // of these chains (some went away): appended, or the whole file
        // anew when most of its lines are outdated.
        let digest = Self.digest(fresh.map(\.head))
        if !added.isEmpty || stored.totalsDigest != digest {
            let rewrite = !stored.appendable || stored.lines > 2 * fresh.count + 64
            save(rewrite ? fresh : added, totalsOf: fresh, digest: digest, context: context, rewrite: rewrite)
        }
        return result.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    /// The proposal `slug` as of its chain's head, or the event that keeps
    /// it from being read.
    private func proposalReading(_ slug: String, roster: Roster) throws -> Result<Proposal, DamagedEvent> {
        guard let head = try repository.git.referenceTarget(Layout.proposalMeta(slug)) else {
            throw repository.noSuchProposal(slug)
        }
        return try repository.proposalReading(slug, head: head, roster: roster)
    }

    /// What the file holds under `context`: the summaries by chain head,
    /// how many summary lines it has in all (outdated ones included), the
    /// digest of the last totals line, and whether it can be appended to
    /// (its header is this format's and it ends with a whole line).
    private struct Stored {
        var entries: [ObjectID: SuggestionSummary] = [:]
        var lines = 0
        var totalsDigest: String?
        var appendable = false
    }

    private func load(context: String) -> Stored {
        guard let data = FileManager.default.contents(atPath: path) else { return Stored() }
        let header = Array((SummaryIndex.header + "\n").utf8)
        let contextBytes = Array(context.utf8)
        let totalsTag = Array("totals".utf8)
        // Split by hand over the raw bytes: Data.split is several times slower
        // at 10,000 lines, and this is most of what `list` does.
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Stored in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count >= header.count, bytes.prefix(header.count).elementsEqual(header) else { return Stored() }
            var stored = Stored()
            stored.appendable = bytes.last == 10
            var fields: [String] = []
            fields.reserveCapacity(14)
            var lineStart = header.count
            while let lineEnd = UnsafeBufferPointer(rebasing: bytes[lineStart...]).firstIndex(of: 10).map({ $0 + lineStart }) {
                defer { lineStart = lineEnd + 1 }
                let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])
                // The first two fields: the key, and the context it was written under.
                guard let firstTab = line.firstIndex(of: 9) else { continue }
                let rest = UnsafeBufferPointer(rebasing: line[(firstTab + 1)...])
                guard let secondTab = rest.firstIndex(of: 9) else { continue }
                let key = UnsafeBufferPointer(rebasing: line[..<firstTab])
                let sameContext = UnsafeBufferPointer(rebasing: rest[..<secondTab]).elementsEqual(contextBytes)
                if key.elementsEqual(totalsTag) {
                    let after = UnsafeBufferPointer(rebasing: rest[(secondTab + 1)...])
                    let digestEnd = after.firstIndex(of: 9) ?? after.endIndex
                    stored.totalsDigest = sameContext ? String(decoding: UnsafeBufferPointer(rebasing: after[..<digestEnd]), as: UTF8.self) : nil
                    continue
                }
                stored.lines += 1
                guard sameContext, let head = ObjectID(hex: String(decoding: key, as: UTF8.self)) else { continue }
                fields.removeAll(keepingCapacity: true)
                fields.append("")
                var start = secondTab + 1
                for index in (secondTab + 1)...rest.count where index == rest.count || rest[index] == 9 {
                    fields.append(String(decoding: UnsafeBufferPointer(rebasing: rest[start..<index]), as: UTF8.self))
                    start = index + 1
                }
                guard let summary = Self.summary(fields) else { continue }  // cut short or mixed up: skipped
                stored.entries[head] = summary
            }
            return stored
        }
    }

    private static func summary(_ f: [String]) -> SuggestionSummary? {
        guard f.count == 14, let round = Int(f[3]), let state = SuggestionState(rawValue: f[4]),
              let approvals = Int(f[5]), let quorum = Int(f[6]), let revisions = Int(f[7]), let created = Int64(f[8])
        else { return nil }
        return SuggestionSummary(
            id: f[1], slug: f[2], round: round, title: f[10], author: f[9], state: state,
            approvals: approvals, quorum: quorum, revisions: revisions, created: created,
            coAuthors: list(f[11]), approvedBy: list(f[12]), objectors: list(f[13]))
    }

    private static func list(_ field: String) -> [String] {
        // Split as bytes: String's own split compares Characters, which cost
        // a sixth of a warm `list` at 10,000 suggestions.
        field.isEmpty ? [] : field.utf8.split(separator: UInt8(ascii: ",")).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The totals line of a cache whose key and digest match, parsed.
    private func loadTotals(context: String, digest: String) -> [String: [SuggestionState: Int]]? {
        guard let data = FileManager.default.contents(atPath: path),
              data.starts(with: Data(utf8: (SummaryIndex.header + "\n"))) else { return nil }
        // The last totals line: written after the summaries it counts, so
        // among the file's last lines (looked for in its last 64).
        let expected = Data(utf8: "totals\t\(context)\t\(digest)\t")
        var end = data.endIndex
        if data.last != 10 { end = data.lastIndex(of: 10) ?? data.startIndex }  // a line cut short
        var found: Range<Data.Index>?
        for _ in 0..<64 where end > data.startIndex {
            let start = data[..<end].lastIndex(of: 10).map { $0 + 1 } ?? data.startIndex
            if data[start..<end].starts(with: Data(utf8: "totals\t")) {
                found = start..<end
                break
            }
            end = start - 1
        }
        guard let line = found, data[line].starts(with: expected) else { return nil }
        var result: [String: [SuggestionState: Int]] = [:]
        for entry in String(decoding: data[(line.lowerBound + expected.count)..<line.upperBound], as: UTF8.self).split(separator: " ") {
            guard let equals = entry.firstIndex(of: "=") else { return nil }
            var states: [SuggestionState: Int] = [:]
            for pair in entry[entry.index(after: equals)...].split(separator: ",") {
                let parts = pair.split(separator: ":")
                guard parts.count == 2, let state = SuggestionState(rawValue: String(parts[0])), let count = Int(parts[1]) else { return nil }
                states[state] = count
            }
            result[String(entry[..<equals])] = states
        }
        return result
    }

    /// The `<context>` of the file's lines: the first 128 bits of the
    /// SHA-256 of the roster's and proposal chains' heads, in hex.
    private static func contextDigest(_ heads: String) -> String {
        Digest.sha256Hex(heads, bytes: 16)
    }

    /// An order-independent digest of a set of chain heads (and their
    /// number): equal digests mean the cache holds exactly these chains.
    private static func digest(_ heads: [ObjectID]) -> String {
        var first: UInt64 = 0
        var second: UInt64 = 0
        for head in heads {
            let (a, b) = head.stableHash
            first &+= a
            second &+= b
        }
        return "\(heads.count)-\(String(first, radix: 16))-\(String(second, radix: 16))"
    }

    /// Writes `entries` and the totals of `totalsOf` (whose chain heads
    /// have `digest`): the whole file anew with `rewrite`, else appended.
    private func save(
        _ entries: [(head: ObjectID, summary: SuggestionSummary)], totalsOf all: [(head: ObjectID, summary: SuggestionSummary)],
        digest: String, context: String, rewrite: Bool
    ) {
        var totals: [String: [SuggestionState: Int]] = [:]
        for (_, summary) in all { totals[summary.slug, default: [:]][summary.state, default: 0] += 1 }
        let totalsLine = "totals\t\(context)\t\(digest)\t" + totals.keys.sorted().map { slug in
            slug + "=" + totals[slug, default: [:]].sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue):\($0.value)" }.joined(separator: ",")
        }.joined(separator: " ") + "\n"
        // Written byte by byte into one buffer: building it as a String
        // (interpolation, and replacing tabs in every title) was most of the
        // cost of the first `list` after a write at 10,000 suggestions.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(totalsLine.utf8.count + 32 + entries.count * 240)
        if rewrite { bytes.append(contentsOf: (SummaryIndex.header + "\n").utf8) }
        // Ids, slugs, numbers, states and emails hold no tab or newline.
        func field(_ text: String) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(9)
        }
        // A title may: each is written as a space (it would split the line).
        func title(_ text: String) {
            let start = bytes.count
            bytes.append(contentsOf: text.utf8)
            bytes.withUnsafeMutableBufferPointer { buffer in
                for index in start..<buffer.count where buffer[index] == 9 || buffer[index] == 10 { buffer[index] = 32 }
            }
            bytes.append(9)
        }
        func list(_ items: [String], last: Bool = false) {
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: item.utf8)
            }
            bytes.append(last ? 10 : 9)
        }
        for (head, s) in entries {
            field(head.hex)
            field(context)
            field(s.id)
            field(s.slug)
            field(String(s.round))
            field(s.state.rawValue)
            field(String(s.approvals))
            field(String(s.quorum))
            field(String(s.revisions))
            field(String(s.created))
            field(s.author)
            title(s.title)
            list(s.coAuthors)
            list(s.approvedBy)
            list(s.objectors, last: true)
        }
        bytes.append(contentsOf: totalsLine.utf8)
        // A cache that cannot be written only costs speed next time.
        if rewrite {
            try? LocalFile.replace(path, with: Data(bytes))
        } else {
            try? LocalFile.append(path, Data(bytes))
        }
    }
}
