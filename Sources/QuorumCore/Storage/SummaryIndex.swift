import Foundation
import QuorumGit

/// A cache of suggestion summaries, so that `list`, `status` and friends
/// read one small file instead of walking 10,000 event chains.
///
/// It is derived data only, kept at `<git dir>/quorum/summaries`: each line
/// is keyed by the suggestion chain's head commit, and the whole file by the
/// heads of the roster and proposal chains (whose changes alter every
/// suggestion's state). A line whose key no longer matches is recomputed,
/// so the cache can never show a stale state; deleting it is always safe.
/// Writes go to a temporary file and are renamed into place, so
/// concurrent readers see the old or the new file, never half of one.
///
/// A suggestion whose chain (or its proposal's) holds an event that cannot
/// be read is summarised as `damaged` and never stored: it is found again
/// on every read (and the totals, whose digest then never matches, are not
/// used while it lasts), so a repaired chain is read as soon as it is.
struct SummaryIndex {
    static let header = "quorum-summaries 6"
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
            switch ref.name.utf8.lazy.filter({ $0 == UInt8(ascii: "/") }).count {
            case 6: chains.append((ref.name, ref.target))
            case 4:
                if let slug = Layout.parseProposalMeta(ref.name) {
                    contextParts.append(ref.name + "=" + ref.target.hex)
                    proposals.append((slug, ref.target))
                }
            default: continue
            }
        }
        return (contextParts.sorted().joined(separator: " "), chains, proposals)
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
        let cached = load(context: context)
        var fresh: [(head: ObjectID, summary: SuggestionSummary)] = []
        fresh.reserveCapacity(chains.count)
        var changed = cached.count != chains.count
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
            changed = true
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
        // Rewrite when anything was recomputed, or entries went away.
        if changed || cached.count != fresh.count { save(fresh, context: context) }
        return result.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    /// The proposal `slug` as of its chain's head, or the event that keeps
    /// it from being read.
    private func proposalReading(_ slug: String, roster: Roster) throws -> Result<Proposal, DamagedEvent> {
        guard let head = try repository.git.referenceTarget(Layout.proposalMeta(slug)) else {
            throw QuorumError.usage("no proposal '\(slug)'", remedy: "see 'quorum status' for the proposals there are")
        }
        return try repository.proposalReading(slug, head: head, roster: roster)
    }

    private func load(context: String) -> [ObjectID: SuggestionSummary] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        let expected = Array((SummaryIndex.header + " " + context + "\n").utf8)
        // Split by hand over the raw bytes: Data.split is several times slower
        // at 10,000 lines, and this is most of what `list` does.
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [ObjectID: SuggestionSummary] in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count >= expected.count, bytes.prefix(expected.count).elementsEqual(expected) else { return [:] }
            var result: [ObjectID: SuggestionSummary] = [:]
            var fields: [String] = []
            fields.reserveCapacity(14)
            // Skip the totals line (see `save`).
            var start = expected.count
            while start < bytes.count && bytes[start] != 10 { start += 1 }
            start += 1
            var index = start
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 9 || byte == 10 {
                    fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                    start = index + 1
                    if byte == 10 {
                        guard let summary = Self.summary(fields), let head = ObjectID(hex: fields[0]) else { return [:] }  // unreadable: rebuild it all
                        result[head] = summary
                        fields.removeAll(keepingCapacity: true)
                    }
                }
                index += 1
            }
            return result
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
        field.isEmpty ? [] : field.split(separator: ",").map(String.init)
    }

    /// The totals line of a cache whose key and digest match, parsed.
    private func loadTotals(context: String, digest: String) -> [String: [SuggestionState: Int]]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let expected = Data((SummaryIndex.header + " " + context + "\ntotals " + digest + " ").utf8)
        guard data.starts(with: expected), let end = data[expected.count...].firstIndex(of: 10) else { return nil }
        var result: [String: [SuggestionState: Int]] = [:]
        for entry in String(decoding: data[expected.count..<end], as: UTF8.self).split(separator: " ") {
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

    private func save(_ entries: [(head: ObjectID, summary: SuggestionSummary)], context: String) {
        var text = SummaryIndex.header + " " + context + "\n"
        var totals: [String: [SuggestionState: Int]] = [:]
        for (_, summary) in entries { totals[summary.slug, default: [:]][summary.state, default: 0] += 1 }
        text += "totals " + Self.digest(entries.map(\.head)) + " " + totals.keys.sorted().map { slug in
            slug + "=" + totals[slug, default: [:]].sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue):\($0.value)" }.joined(separator: ",")
        }.joined(separator: " ") + "\n"
        for (head, s) in entries {
            let title = s.title.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
            text += "\(head)\t\(s.id)\t\(s.slug)\t\(s.round)\t\(s.state.rawValue)\t\(s.approvals)\t\(s.quorum)\t\(s.revisions)\t\(s.created)\t\(s.author)\t\(title)\t\(s.coAuthors.joined(separator: ","))\t\(s.approvedBy.joined(separator: ","))\t\(s.objectors.joined(separator: ","))\n"
        }
        // A cache that cannot be written only costs speed next time.
        try? LocalFile.replace(path, with: Data(text.utf8))
    }
}
