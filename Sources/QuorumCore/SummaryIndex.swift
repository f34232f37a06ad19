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
struct SummaryIndex {
    static let header = "quorum-summaries 2"
    let repository: ReviewRepository

    private var path: String { repository.git.gitDirectory + "quorum/summaries" }

    func summaries() throws -> [SuggestionSummary] {
        // The roster is not a `…/meta` ref: read it on its own.
        var contextParts: [String] = [try repository.git.referenceTarget(Layout.roster).map { Layout.roster + "=" + $0.hex } ?? ""]
        var chains: [(ref: String, head: ObjectID)] = []
        for ref in try repository.git.references(matching: "refs/quorum/*", suffix: "/meta") {
            // refs/quorum/proposals/<slug>/suggestions/<id>/meta has six
            // slashes; a proposal's meta has four. Names are parsed only
            // when a summary must be recomputed.
            switch ref.name.utf8.lazy.filter({ $0 == UInt8(ascii: "/") }).count {
            case 6: chains.append((ref.name, ref.target))
            case 4: if Layout.parseProposalMeta(ref.name) != nil { contextParts.append(ref.name + "=" + ref.target.hex) }
            default: continue
            }
        }
        let context = contextParts.sorted().joined(separator: " ")
        let cached = load(context: context)
        var fresh: [(head: ObjectID, summary: SuggestionSummary)] = []
        fresh.reserveCapacity(chains.count)
        var changed = cached.count != chains.count
        var roster: Roster?
        var proposals: [String: Proposal] = [:]
        var result: [SuggestionSummary] = []
        result.reserveCapacity(chains.count)
        for chain in chains {
            if let hit = cached[chain.head] {
                fresh.append((chain.head, hit))
                result.append(hit)
                continue
            }
            guard let (slug, id) = Layout.parseSuggestionMeta(chain.ref) else { continue }
            changed = true
            if roster == nil { roster = try repository.roster() }
            if proposals[slug] == nil { proposals[slug] = try repository.proposal(slug) }
            let suggestion = try Suggestion(id: id, slug: slug, head: chain.head, events: repository.log.events(from: chain.head))
            let summary = repository.summary(of: suggestion, round: proposals[slug]?.round(suggestion.round), roster: roster ?? Roster(events: []))
            fresh.append((chain.head, summary))
            result.append(summary)
        }
        // Rewrite when anything was recomputed, or entries went away.
        if changed || cached.count != fresh.count { save(fresh, context: context) }
        return result.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
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
            var start = expected.count
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

    private func save(_ entries: [(head: ObjectID, summary: SuggestionSummary)], context: String) {
        var text = SummaryIndex.header + " " + context + "\n"
        for (head, s) in entries {
            let title = s.title.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
            text += "\(head)\t\(s.id)\t\(s.slug)\t\(s.round)\t\(s.state.rawValue)\t\(s.approvals)\t\(s.quorum)\t\(s.revisions)\t\(s.created)\t\(s.author)\t\(title)\t\(s.coAuthors.joined(separator: ","))\t\(s.approvedBy.joined(separator: ","))\t\(s.objectors.joined(separator: ","))\n"
        }
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = path + ".\(getpid()).tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            // A cache that cannot be written only costs speed next time.
            unlink(temporary)
        }
    }
}
