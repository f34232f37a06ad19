import Foundation

// How the records the commands return are written as JSON: the shapes of
// docs/json.md (see JSONShapes.swift for the conventions). Reading these
// records back from JSON is not supported; the stored event format is
// EventRecord's, and is not written here.
//
// A property added to one of these types is not written until it is added
// to its `encode(to:)` here and to its schema file in docs/schema (whose
// `additionalProperties: false` makes JSONSchemaTests fail on a field the
// schema does not name, never on one left out). JSONFieldsTests is what
// fails on one left out: it finds every stored property of every result
// in its JSON, under its own name or as its table says.

extension SuggestionSummary {
    private enum JSONKeys: String, CodingKey {
        case id, slug, round, title, author, state, approvals, quorum, revisions, createdAt, coAuthors, approvedBy, objectors, damaged
    }

    /// suggestion-summary.json.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(slug, forKey: .slug)
        try c.encode(round, forKey: .round)
        try c.encode(title, forKey: .title)
        try c.encodePerson(author, forKey: .author, encoder: encoder)
        try c.encode(state, forKey: .state)
        try c.encode(approvals, forKey: .approvals)
        try c.encode(quorum, forKey: .quorum)
        try c.encode(revisions, forKey: .revisions)
        try c.encodeTime(created, forKey: .createdAt)
        try c.encodePeople(coAuthors, forKey: .coAuthors, encoder: encoder)
        try c.encodePeople(approvedBy, forKey: .approvedBy, encoder: encoder)
        try c.encodePeople(objectors, forKey: .objectors, encoder: encoder)
        try c.encodeIfPresent(damaged, forKey: .damaged)
    }
}

extension ApprovalReport {
    private enum JSONKeys: String, CodingKey { case by, revisionCommit, counts, reason, message }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encodePerson(email, name: name, forKey: .by, encoder: encoder)
        try c.encode(revision, forKey: .revisionCommit)
        try c.encode(counts, forKey: .counts)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(message, forKey: .message)
    }
}

extension SuggestionDetail {
    private enum JSONKeys: String, CodingKey {
        case id, slug, round, title, message, author, createdAt, state, quorum, revision, revisionCommit, base, documents
        case approvals, mergedAs, mergedBy, coAuthors, revisions, objections, comments, endedBy, endReason
        case conflictedWith, neverMerges, diff, wordDiff, damaged
    }

    /// suggestion.json (`show ID`).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(slug, forKey: .slug)
        try c.encode(round, forKey: .round)
        try c.encode(title, forKey: .title)
        try c.encode(message, forKey: .message)
        try c.encodePerson(author, name: authorName.isEmpty ? nil : authorName, forKey: .author, encoder: encoder)
        try c.encodeTime(created, forKey: .createdAt)
        try c.encode(state, forKey: .state)
        try c.encode(quorum, forKey: .quorum)
        try c.encode(revision, forKey: .revision)
        try c.encode(revisionCommit, forKey: .revisionCommit)
        try c.encode(base, forKey: .base)
        try c.encode(documents, forKey: .documents)
        try c.encode(approvals, forKey: .approvals)
        try c.encodeIfPresent(mergedAs, forKey: .mergedAs)
        if let mergedBy { try c.encodePerson(mergedBy, forKey: .mergedBy, encoder: encoder) }
        try c.encodePeople(coAuthors, forKey: .coAuthors, encoder: encoder)
        try c.encode(revisions, forKey: .revisions)
        try c.encode(objections, forKey: .objections)
        try c.encode(comments, forKey: .comments)
        if let endedBy { try c.encodePerson(endedBy, forKey: .endedBy, encoder: encoder) }
        try c.encodeIfPresent(endReason, forKey: .endReason)
        try c.encodeIfPresent(conflictedWith, forKey: .conflictedWith)
        try c.encodeIfPresent(neverMerges, forKey: .neverMerges)
        try c.encodeIfPresent(diff, forKey: .diff)
        try c.encodeIfPresent(wordDiff, forKey: .wordDiff)
        try c.encodeIfPresent(damaged, forKey: .damaged)
    }
}

extension RevisionReport {
    private enum JSONKeys: String, CodingKey { case revision, revisionCommit, base, kind, by, createdAt }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(number, forKey: .revision)
        try c.encode(commit, forKey: .revisionCommit)
        try c.encode(base, forKey: .base)
        try c.encode(kind, forKey: .kind)
        try c.encodePerson(by, forKey: .by, encoder: encoder)
        try c.encodeTime(date, forKey: .createdAt)
    }
}

extension ObjectionReport {
    private enum JSONKeys: String, CodingKey { case id, by, reason, open, resolvedBy, overrideReason }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodePerson(by, forKey: .by, encoder: encoder)
        try c.encode(reason, forKey: .reason)
        try c.encode(open, forKey: .open)
        if let resolvedBy { try c.encodePerson(resolvedBy, forKey: .resolvedBy, encoder: encoder) }
        try c.encodeIfPresent(overrideReason, forKey: .overrideReason)
    }
}

extension CommentReport {
    private enum JSONKeys: String, CodingKey {
        case id, author, createdAt, text, replyTo, depth, document, section, firstLine, lastLine, outdated
    }

    /// comment.json.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodePerson(author, name: name.isEmpty ? nil : name, forKey: .author, encoder: encoder)
        try c.encodeTime(date, forKey: .createdAt)
        try c.encode(text, forKey: .text)
        try c.encodeIfPresent(replyTo, forKey: .replyTo)
        try c.encode(depth, forKey: .depth)
        try c.encodeIfPresent(document, forKey: .document)
        try c.encodeIfPresent(section, forKey: .section)
        try c.encodeIfPresent(firstLine, forKey: .firstLine)
        try c.encodeIfPresent(lastLine, forKey: .lastLine)
        try c.encode(outdated, forKey: .outdated)
    }
}

extension LogEntry {
    private enum JSONKeys: String, CodingKey { case commit, committedAt, title, suggestion, suggestedBy, approvedBy }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(commit, forKey: .commit)
        try c.encodeTime(date, forKey: .committedAt)
        try c.encode(title, forKey: .title)
        try c.encodeIfPresent(suggestion, forKey: .suggestion)
        try c.encodeIfPresent(suggestedBy.map { PersonJSON(formatted: $0, encoder: encoder) }, forKey: .suggestedBy)
        try c.encode(approvedBy.map { PersonJSON(formatted: $0, encoder: encoder) }, forKey: .approvedBy)
    }
}

extension ProposalStatus {
    private enum JSONKeys: String, CodingKey { case slug, title, documents, openRound, head, counts, suggestions, damaged }

    /// status.json: `openRound` is the proposal's current round (round.json).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(slug, forKey: .slug)
        try c.encode(title, forKey: .title)
        try c.encode(documents, forKey: .documents)
        try c.encode(round, forKey: .openRound)
        try c.encode(head, forKey: .head)
        try c.encode(counts, forKey: .counts)
        try c.encodeIfPresent(suggestions, forKey: .suggestions)
        try c.encodeIfPresent(damaged, forKey: .damaged)
    }
}

extension Round {
    private enum JSONKeys: String, CodingKey {
        case number, name, audience, approvers, quorum, pairEdits, branch, openedAt, openedBy, closed, closedAt, carrying
    }

    /// round.json.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(number, forKey: .number)
        try c.encode(name, forKey: .name)
        try c.encode(audience, forKey: .audience)
        try c.encode(approvers, forKey: .approvers)
        try c.encode(quorum, forKey: .quorum)
        try c.encode(pairEdits, forKey: .pairEdits)
        try c.encode(branch, forKey: .branch)
        try c.encodeTime(opened, forKey: .openedAt)
        try c.encodePerson(openedBy, forKey: .openedBy, encoder: encoder)
        try c.encode(closed, forKey: .closed)
        try c.encodeTime(closedAt, forKey: .closedAt)
        try c.encode(carrying, forKey: .carrying)
    }
}

extension RoundReport {
    private enum JSONKeys: String, CodingKey { case head, suggested, merged, open, notYetCarried }

    /// A round (round.json's fields) with its counts, for `rounds`.
    public func encode(to encoder: Encoder) throws {
        try round.encode(to: encoder)
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(head, forKey: .head)
        try c.encode(suggested, forKey: .suggested)
        try c.encode(merged, forKey: .merged)
        try c.encode(open, forKey: .open)
        try c.encode(notYetCarried, forKey: .notYetCarried)
    }
}

extension ForkResult {
    private enum JSONKeys: String, CodingKey { case id, slug, round, newRound, closedRound, carried, leftBehind, warnings }

    /// `round` is the new round's number, `newRound` the new round.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(slug, forKey: .slug)
        try c.encode(round.number, forKey: .round)
        try c.encode(round, forKey: .newRound)
        try c.encode(closedRound, forKey: .closedRound)
        try c.encode(carried, forKey: .carried)
        try c.encode(leftBehind, forKey: .leftBehind)
        try c.encode(warnings, forKey: .warnings)
    }
}

extension CarriedSuggestion {
    private enum JSONKeys: String, CodingKey { case id, title, approvalsKept, conflicted }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encodePeople(approvalsKept, forKey: .approvalsKept, encoder: encoder)
        try c.encode(conflicted, forKey: .conflicted)
    }
}

extension VersionReport {
    private enum JSONKeys: String, CodingKey { case version, tag, commit, cutAt, by, round, title }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(tag, forKey: .tag)
        try c.encode(commit, forKey: .commit)
        try c.encodeTime(date, forKey: .cutAt)
        try c.encode(PersonJSON(formatted: by, encoder: encoder), forKey: .by)
        try c.encodeIfPresent(round, forKey: .round)
        try c.encode(title, forKey: .title)
    }
}

extension ChangeEntry {
    private enum JSONKeys: String, CodingKey { case commit, title, suggestion, author, approvedBy, coAuthors, overriddenObjections, mergedAt }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(commit, forKey: .commit)
        try c.encode(title, forKey: .title)
        try c.encodeIfPresent(suggestion, forKey: .suggestion)
        try c.encode(PersonJSON(formatted: author, encoder: encoder), forKey: .author)
        try c.encode(approvers.map { PersonJSON(formatted: $0, encoder: encoder) }, forKey: .approvedBy)
        try c.encode(coAuthors.map { PersonJSON(formatted: $0, encoder: encoder) }, forKey: .coAuthors)
        try c.encode(overriddenObjections, forKey: .overriddenObjections)
        try c.encodeTime(date, forKey: .mergedAt)
    }
}

extension CutResult {
    private enum JSONKeys: String, CodingKey { case id, slug, version, tag, commit, round, changelog, credits, message }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(slug, forKey: .slug)
        try c.encode(version, forKey: .version)
        try c.encode(tag, forKey: .tag)
        try c.encode(commit, forKey: .commit)
        try c.encode(round, forKey: .round)
        try c.encode(changelog, forKey: .changelog)
        try c.encode(credits.map { PersonJSON(formatted: $0, encoder: encoder) }, forKey: .credits)
        try c.encode(message, forKey: .message)
    }
}

extension SuggestResult {
    private enum JSONKeys: String, CodingKey { case id, shortId, slug, round, title, revision, revisionCommit, base, documents }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(shortId, forKey: .shortId)
        try c.encode(slug, forKey: .slug)
        try c.encode(round, forKey: .round)
        try c.encode(title, forKey: .title)
        try c.encode(1, forKey: .revision)
        try c.encode(revision, forKey: .revisionCommit)
        try c.encode(base, forKey: .base)
        try c.encode(documents, forKey: .documents)
    }
}

extension RevisionResult {
    private enum JSONKeys: String, CodingKey { case id, suggestion, revision, revisionCommit, base, approvalsKept, approvalsStale, state }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(suggestion, forKey: .suggestion)
        try c.encode(revision, forKey: .revision)
        try c.encode(commit, forKey: .revisionCommit)
        try c.encode(base, forKey: .base)
        try c.encodePeople(approvalsKept, forKey: .approvalsKept, encoder: encoder)
        try c.encodePeople(approvalsStale, forKey: .approvalsStale, encoder: encoder)
        try c.encode(state, forKey: .state)
    }
}

extension ApproveResult {
    private enum JSONKeys: String, CodingKey { case id, suggestion, revisionCommit, approvals, quorum, state }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(suggestion, forKey: .suggestion)
        try c.encode(revision, forKey: .revisionCommit)
        try c.encode(approvals, forKey: .approvals)
        try c.encode(quorum, forKey: .quorum)
        try c.encode(state, forKey: .state)
    }
}

extension MergeResult {
    private enum JSONKeys: String, CodingKey { case id, suggestion, commit, branch, approvedBy, threeWay, workTree }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(suggestion, forKey: .suggestion)
        try c.encode(commit, forKey: .commit)
        try c.encode(branch, forKey: .branch)
        try c.encode(approvedBy.map { PersonJSON(formatted: $0, encoder: encoder) }, forKey: .approvedBy)
        try c.encode(threeWay, forKey: .threeWay)
        try c.encodeIfPresent(workTree, forKey: .workTree)
    }
}

extension PairEditResult {
    private enum JSONKeys: String, CodingKey { case id, slug, round, branch, coAuthor, threeWay, workTree }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(slug, forKey: .slug)
        try c.encode(round, forKey: .round)
        try c.encode(branch, forKey: .branch)
        try c.encode(PersonJSON(formatted: coAuthor, encoder: encoder), forKey: .coAuthor)
        try c.encode(threeWay, forKey: .threeWay)
        try c.encodeIfPresent(workTree, forKey: .workTree)
    }
}

extension EventNotification {
    private enum JSONKeys: String, CodingKey { case ref, id, type, slug, suggestion, actor, createdAt, summary, record }

    /// notification.json: one line per new event.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(ref, forKey: .ref)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(slug, forKey: .slug)
        try c.encode(suggestion, forKey: .suggestion)
        try c.encodePerson(actor, name: actorName, forKey: .actor, encoder: encoder)
        try c.encodeTime(time, forKey: .createdAt)
        try c.encode(summary, forKey: .summary)
        try c.encode(record, forKey: .record)
    }
}

extension ProposalStatus {
    /// The status with only the suggestions still under review (not
    /// merged, withdrawn or rejected): what `status SLUG` lists, as text
    /// and as JSON alike. `list --slug` lists them all.
    public var underReview: ProposalStatus {
        var status = ProposalStatus(
            slug: slug, title: title, documents: documents, round: round, head: head, counts: counts,
            suggestions: suggestions?.filter { !$0.state.isFinal })
        status.damaged = damaged
        return status
    }
}

extension MemberKey: Encodable {
    private enum JSONKeys: String, CodingKey { case member, key, fingerprint, addedAt, addedBy, revokedAt, revokedBy }

    /// An element of `member list`'s `keys`: whose key it is, the key and
    /// its fingerprint, and when and by whom (a lead) it was added and
    /// revoked.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encodePerson(email, forKey: .member, encoder: encoder)
        try c.encode(key.line, forKey: .key)
        try c.encode(key.fingerprint, forKey: .fingerprint)
        try c.encodeTime(validAfter, forKey: .addedAt)
        try c.encodePerson(addedBy, forKey: .addedBy, encoder: encoder)
        if let validBefore { try c.encodeTime(validBefore, forKey: .revokedAt) }
        if let revokedBy { try c.encodePerson(revokedBy, forKey: .revokedBy, encoder: encoder) }
    }
}

extension PushRejection {
    private enum JSONKeys: String, CodingKey { case ref, object, code, reason, actor, hint }

    /// rejection.json: `actor` a person.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(ref, forKey: .ref)
        try c.encodeIfPresent(object, forKey: .object)
        try c.encode(code, forKey: .code)
        try c.encode(reason, forKey: .reason)
        try c.encodeIfPresent(actor.map { PersonJSON(formatted: $0, encoder: encoder) }, forKey: .actor)
        try c.encodeIfPresent(hint, forKey: .hint)
    }
}
