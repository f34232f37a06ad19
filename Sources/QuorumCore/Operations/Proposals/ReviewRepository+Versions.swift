import Foundation
import QuorumGit

/// A point in a proposal's life whose text can be read: the open round's
/// head, a round's head, or an official version.
public enum Snapshot: Sendable, Equatable, CustomStringConvertible {
    case current
    case round(Int)
    case version(String)
    /// The text round N started from: for round 1 the proposal's first
    /// text (`draft`, `r1^`), for a later one the text the round before
    /// it ended with (`r2^`), as git's `^` names a commit's parent.
    case start(Int)

    /// Parses `r2` / `round-2` / `2` as a round, anything else as a version.
    /// `r0` is a round too (one that no proposal has: rounds start at 1),
    /// so that it is refused as a round, not looked for among versions.
    public init(parsing text: String) {
        var lowered = text.lowercased()
        if lowered == "draft" {
            self = .start(1)
            return
        }
        let start = lowered.hasSuffix("^")
        if start { lowered.removeLast() }
        for prefix in ["round-", "round", "r", ""] where lowered.hasPrefix(prefix) {
            let digits = lowered.dropFirst(prefix.count)
            if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let number = Int(digits) {
                self = start ? .start(number) : .round(number)
                return
            }
        }
        self = .version(text)
    }

    public var description: String {
        switch self {
        case .current: return "the open round"
        case .round(let n): return "round \(n)"
        case .version(let v): return "version \(v)"
        case .start(1): return "the first draft"
        case .start(let n): return "the text round \(n) started from"
        }
    }
}

/// One accepted change, for changelogs.
public struct ChangeEntry: Codable, Sendable {
    public let commit: String
    public let title: String
    public let suggestion: String?
    public let author: String
    public let approvers: [String]
    public let coAuthors: [String]
    /// Objections a lead lifted for the objector: "objector by lead: reason".
    public var overriddenObjections: [String] = []
    /// When the change landed: its commit's committer time (seconds since 1970).
    public var date: Int64 = 0
}

/// What `cut` made.
public struct CutResult: Codable, Sendable {
    public let id: String
    public let slug: String
    public let version: String
    public let tag: String
    public let commit: String
    public let round: Int
    public let changelog: [ChangeEntry]
    public let credits: [String]
    public let message: String
}

/// An official version as `versions` reports it.
public struct VersionReport: Codable, Sendable {
    public let version: String
    public let tag: String
    public let commit: String
    public let date: Int64
    public let by: String
    public let round: Int?
    public let title: String
}

extension ReviewRepository {
    /// Checks a version name: lower-case letters, digits, dots and dashes,
    /// starting with a letter, and not of the form r<N> (which names rounds).
    public static func checkVersion(_ version: String) throws {
        let bytes = Array(version.utf8)
        let ok = !bytes.isEmpty && bytes.count <= 32 && (97...122).contains(bytes[0])
            && bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 46 || $0 == 45 }
            && !version.contains("..") && !version.hasSuffix(".") && !version.hasSuffix(".lock")
        guard ok, case .version = Snapshot(parsing: version) else {
            throw QuorumError.usage("illegal version name '\(version)'", remedy: "use a name such as v1, v1.1 or v2-final (lower case, starting with a letter; r<N> names a round)")
        }
    }

    /// Cuts an official version: an immutable annotated tag
    /// `rfc/<slug>/<version>` on the open round's head whose message holds
    /// the changelog since the previous version and the credits (leads
    /// only). Refused while suggestions in the round are approved but
    /// unmerged, unless `force`.
    public func cut(slug: String, version: String, notes: String?, force: Bool) throws -> CutResult {
        try Self.checkVersion(version)
        let noteText = try notes.map(Validation.checkMessage)
        let actor = try identity()
        let roster = try roster()
        try enforce(Rules.mayCut(actor.email, roster: roster))
        let proposal = try proposal(slug)
        guard let round = proposal.openRound else { throw QuorumError.refused("proposal '\(slug)' has no open round", remedy: "see 'quorum rounds \(slug)'") }
        let tagRef = Layout.versionTag(slug, version)
        // A tag with no cut event: a cut was interrupted after tagging. The
        // tag stands (versions never move); this run records its event.
        var leftTag: (id: ObjectID, commit: ObjectID, message: String)?
        if let existing = try git.referenceTarget(tagRef) {
            if let cut = proposal.versions.first(where: { $0.version == version }) {
                // Run again after it finished: say so rather than suggest another name.
                if cut.by.lowercased() == actor.email.lowercased(), cut.commit == (try roundHead(round)).hex {
                    throw QuorumError(Refusal(
                        .cutExists, "version \(version) of '\(slug)' was cut already, by you, at round \(round.number)'s head",
                        remedy: "nothing to do: see it with 'quorum versions \(slug)'"))
                }
                throw QuorumError(Refusal(.cutExists, "version \(version) of '\(slug)' exists already; versions are immutable", remedy: "cut a new version name, e.g. \(version).1"))
            }
            let found = try git.annotatedTag(existing)
            guard let tag = found, tag.tagger?.email.lowercased() == actor.email.lowercased() else {
                throw QuorumError(Refusal(
                    .cutExists, "\(tagRef) exists already, made by \(found?.tagger?.email ?? "plain git"), and no cut recorded it",
                    remedy: "a cut interrupted after tagging is finished by the lead who ran it, running it again; or delete the tag ('git tag -d rfc/\(slug)/\(version)') if it was made by hand"))
            }
            leftTag = (existing, tag.target, tag.message)
        }
        let pending = try list(slug: slug, state: .approved).filter { $0.round == round.number }
        if !pending.isEmpty && !force && leftTag == nil {
            throw QuorumError(Refusal(.cutPending,
                "round \(round.number) has approved suggestions not merged yet: " + pending.map { "\(String($0.id.prefix(8))) \($0.title)" }.joined(separator: "; "),
                remedy: "merge them first, or cut anyway with --force"))
        }
        let roundHead = try roundHead(round)
        let head = leftTag?.commit ?? roundHead
        if head != roundHead, !(try git.isAncestor(head, of: roundHead)) {
            throw QuorumError(Refusal(
                .cutExists, "\(tagRef) exists already and tags \(head.short), which is not in round \(round.number) of '\(slug)'",
                remedy: "delete the tag ('git tag -d rfc/\(slug)/\(version)') if it was made by hand, or cut another version name"))
        }
        let previous = try versions(slug: slug).last { $0.version != version }
        let changelog = try changes(from: previous.flatMap { ObjectID(hex: $0.commit) }, to: head)
        let credits = try self.credits(slug: slug)
        var message = "\(proposal.title) \(version)\n\n"
        message += "Official version \(version) of proposal '\(slug)', cut from round \(round.number) (\(round.name)) at \(head.short).\n"
        if let noteText { message += "\n" + noteText + "\n" }
        message += "\nChanges since \(previous.map { "version \($0.version)" } ?? "the proposal was opened"):\n"
        if changelog.isEmpty { message += "  (none)\n" }
        for change in changelog {
            message += "- \(change.title)" + (change.suggestion.map { " (suggestion \($0.prefix(8)))" } ?? "") + "\n"
            message += "  by \(change.author)" + (change.coAuthors.isEmpty ? "" : " with \(change.coAuthors.joined(separator: ", "))")
            message += change.approvers.isEmpty ? " (pair edit)\n" : "; approved by \(change.approvers.joined(separator: ", "))\n"
            for override in change.overriddenObjections { message += "  objection by \(override)\n" }
        }
        message += "\nCredits:\n" + credits.map { "  \($0)\n" }.joined()
        let tagID: ObjectID
        if let leftTag {
            tagID = leftTag.id
            message = leftTag.message
            Notices.post("recorded version \(version), whose tag \(tagID.short) a run of this command that was interrupted had made"
                + (noteText != nil ? " (the tag's notes stand: a version never changes, so -m given now is not used)" : ""))
        } else {
            do {
                tagID = try git.createAnnotatedTag("rfc/\(slug)/\(version)", on: head, tagger: actor, message: message, sign: signing(as: actor))
            } catch let error as GitError where error.isExists {
                throw QuorumError(Refusal(
                    .cutExists, "version \(version) of '\(slug)' was cut by someone else just now; versions are immutable",
                    remedy: "see it with 'quorum versions \(slug)'; cut another version name if this one is still needed"))
            }
        }
        var record = EventRecord(type: .cut)
        record.slug = slug
        record.version = version
        record.tag = tagRef
        record.commit = head.hex
        record.round = round.number
        record.message = noteText
        try retryingLostRaces {
            let fresh = try self.proposal(slug)
            _ = try append(
                record, to: Layout.proposalMeta(slug), summary: "Cut \(slug) \(version)",
                trailers: [(Trailers.proposal, slug), ("Version", version), (Trailers.commit, head.hex)], actor: actor, parent: fresh.metaHead)
        }
        return CutResult(
            id: tagID.hex, slug: slug, version: version, tag: tagRef, commit: head.hex, round: round.number,
            changelog: changelog, credits: credits, message: message)
    }

    /// The official versions of a proposal, oldest first, read from its
    /// tags (the tags are the truth; the proposal chain adds the round).
    public func versions(slug: String) throws -> [VersionReport] {
        let proposal = try proposal(slug)
        let prefix = "refs/tags/rfc/\(slug)/"
        return try git.references(matching: prefix + "*").compactMap { ref -> VersionReport? in
            let version = String(ref.name.dropFirst(prefix.count))
            guard !version.contains("/") else { return nil }
            let tag = try git.annotatedTag(ref.target)
            let commit = tag?.target ?? ref.target
            let when: Int64
            if let time = tag?.tagger?.time { when = time } else { when = try git.commit(commit).committer.time }
            return VersionReport(
                version: version, tag: ref.name, commit: commit.hex, date: when, by: tag?.tagger?.email ?? "",
                round: proposal.versions.last { $0.version == version }?.round,
                title: String(tag?.message.split(separator: "\n").first ?? ""))
        }.sorted { ($0.date, $0.version) < ($1.date, $1.version) }
    }

    /// The commit a snapshot names.
    public func commit(of snapshot: Snapshot, slug: String) throws -> ObjectID {
        let proposal = try proposal(slug)
        switch snapshot {
        case .current:
            guard let round = proposal.openRound ?? proposal.rounds.last else { throw QuorumError(.failure, "proposal '\(slug)' has no rounds", remedy: "'quorum verify \(slug)' names what is wrong with its chain") }
            return try roundHead(round)
        case .round(let number):
            guard let round = proposal.round(number) else {
                let rounds = proposal.rounds.count == 1 ? "r1" : "r1 to r\(proposal.rounds.count)"
                throw QuorumError.usage(
                    number == 0 ? "there is no round 0: round numbers start at 1" : "proposal '\(slug)' has no round \(number)",
                    remedy: "'\(slug)' has \(rounds) (see 'quorum rounds \(slug)')")
            }
            return try roundHead(round)
        case .start(let number):
            guard number >= 1, proposal.round(number) != nil else { return try commit(of: .round(number), slug: slug) }
            if number > 1, let before = proposal.round(number - 1) { return try roundHead(before) }
            // The first draft: where round 1's first-parent line begins.
            guard let first = proposal.round(1) else { return try commit(of: .round(1), slug: slug) }
            var cursor = try roundHead(first)
            while let parent = try git.commit(cursor).parents.first { cursor = parent }
            return cursor
        case .version(let version):
            guard let found = try versions(slug: slug).first(where: { $0.version == version }), let commit = ObjectID(hex: found.commit) else {
                let known = try versions(slug: slug).map(\.version)
                throw QuorumError.usage("proposal '\(slug)' has no version '\(version)'", remedy: known.isEmpty ? "none has been cut yet ('quorum cut')" : "versions: \(known.joined(separator: ", "))")
            }
            return commit
        }
    }

    /// A unified diff of the proposal's text between two snapshots.
    public func diff(slug: String, from: Snapshot, to: Snapshot) throws -> String {
        let old = try git.commit(commit(of: from, slug: slug)).tree
        let new = try git.commit(commit(of: to, slug: slug)).tree
        return try git.diff(from: old, to: new)
    }

    /// The accepted changes after `start` (exclusive) up to `end`, oldest
    /// first, read from first-parent history and trailers.
    func changes(from start: ObjectID?, to end: ObjectID) throws -> [ChangeEntry] {
        var entries: [ChangeEntry] = []
        var cursor: ObjectID? = end
        while let id = cursor, id != start {
            let commit = try git.commit(id)
            let trailers = Trailers.parse(commit.message)
            let title = String(commit.message.split(separator: "\n", maxSplits: 1).first ?? "")
            if let suggestion = trailers.first(Trailers.suggestion) {
                entries.append(ChangeEntry(
                    commit: id.hex, title: title, suggestion: suggestion,
                    author: trailers.first(Trailers.suggestedBy) ?? commit.author.formatted,
                    approvers: trailers.all(Trailers.approvedBy), coAuthors: trailers.all(Trailers.coAuthoredBy),
                    overriddenObjections: trailers.all(Trailers.objectionOverridden), date: commit.committer.time))
            } else if trailers.first(Trailers.pairEdit) != nil {
                entries.append(ChangeEntry(
                    commit: id.hex, title: title, suggestion: nil, author: commit.author.formatted,
                    approvers: [], coAuthors: trailers.all(Trailers.coAuthoredBy), date: commit.committer.time))
            }
            if let start, try git.isAncestor(id, of: start) { break }
            cursor = commit.parents.first
        }
        return entries.reversed()
    }

    /// "Name <email>" as a signature (time 0), or nil.
    static func person(_ text: String) -> Signature? {
        guard let open = text.lastIndex(of: "<"), text.hasSuffix(">") else { return nil }
        let name = text[..<open].trimming(.spaces)
        let email = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        return email.isEmpty ? nil : Signature(name: name.isEmpty ? email : name, email: email, time: 0)
    }

    /// Everyone who proposed, suggested, co-wrote, approved or commented,
    /// as "Name <email>", in alphabetical order of name (the credits a
    /// version's tag lists).
    func credits(slug: String) throws -> [String] {
        try creditsByRole(slug: slug).map(\.formatted)
    }

    /// Everyone who took part in a proposal and how: proposed it;
    /// suggested a change (or co-wrote one, or made a pair edit); approved a
    /// suggestion; commented (or objected). In alphabetical order of name;
    /// a person's name is the first one their events carry.
    public func creditsByRole(slug: String) throws -> [Credit] {
        var people: [String: (name: String, roles: Set<CreditRole>)] = [:]  // lower-cased email → …
        func add(_ sig: Signature, _ role: CreditRole) {
            let key = sig.email.lowercased()
            people[key, default: (sig.name, [])].roles.insert(role)
        }
        let roster = try roster()
        let proposal = try proposal(slug, roster: roster)
        if let author = proposal.author { add(author, .proposed) }
        for summary in try list(slug: slug) {
            guard let id = ObjectID(hex: summary.id) else { continue }
            for event in try log.events(from: try git.referenceTarget(Layout.suggestionMeta(slug, id)) ?? id) {
                switch event.record.type {
                case .suggest, .revise: add(event.actor, .suggested)
                case .approve: add(event.actor, .approved)
                case .comment, .object: add(event.actor, .commented)
                default: break
                }
                for email in event.record.coAuthors ?? [] {
                    if let member = roster.member(email) { add(Signature(name: member.name, email: member.email, time: 0), .suggested) }
                }
            }
        }
        for event in try log.read(Layout.proposalComments(slug))?.events ?? [] { add(event.actor, .commented) }
        // Pair edits have no suggestion chain: their commits name their authors.
        if let round = proposal.openRound ?? proposal.rounds.last {
            for change in try changes(from: nil, to: roundHead(round)) where change.suggestion == nil {
                for person in [change.author] + change.coAuthors {
                    if let parsed = Self.person(person) { add(parsed, .suggested) }
                }
            }
        }
        return people.map { Credit(name: $0.value.name, email: $0.key, roles: CreditRole.allCases.filter($0.value.roles.contains)) }
            .sorted { $0.formatted.lowercased() < $1.formatted.lowercased() }
    }

    /// The release notes a lead gave `cut -m`, read back from the version's
    /// tag message (the tag is the truth: see `cut`, which writes the
    /// notes between its "Official version …" line and "Changes since");
    /// nil when there were none.
    static func releaseNotes(inTagMessage message: String) -> String? {
        guard let header = message.range(of: "\nOfficial version "),
              let lineEnd = message[header.upperBound...].firstIndex(of: "\n") else { return nil }
        let rest = message[message.index(after: lineEnd)...]
        // Changelog and credits lines are one-line titles and names, so the
        // last "Changes since" line is the one cut wrote.
        guard let changes = rest.range(of: "\nChanges since ", options: .backwards) else { return nil }
        let notes = rest[..<changes.lowerBound].trimming(.newlines)
        return notes.isEmpty ? nil : notes
    }
}

/// What a person did for a proposal, for its credits.
public enum CreditRole: String, Codable, Sendable, CaseIterable {
    case proposed, suggested, approved, commented
}

/// One person in a proposal's credits.
public struct Credit: Codable, Sendable, Equatable {
    public let name: String
    /// Lower-cased.
    public let email: String
    /// In `CreditRole.allCases` order.
    public let roles: [CreditRole]

    /// "Name <email>".
    public var formatted: String { "\(name) <\(email)>" }
}
