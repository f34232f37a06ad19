import Foundation
import QuorumGit

extension ReviewRepository {
    /// Adds a person to the roster, or updates their name, groups and lead
    /// flag when they are already on it (what is not given stays as it was;
    /// a new member needs a name, and joins the default group unless groups
    /// are given). Leads only.
    /// With `keys`, also records those SSH keys as theirs (as `addKey`
    /// does), in the same update of the roster: all or nothing.
    @discardableResult
    public func addMember(email: String, name: String?, groups: [String], lead: Bool?, keys: [SSHPublicKey] = []) throws -> (member: Member, added: Bool, event: ObjectID) {
        try Validation.checkEmail(email)
        if let name { try Validation.checkName(name) }
        for group in groups { try Validation.checkSlug(group, what: "group name") }
        let actor = try identity()
        return try retryingLostRaces {
            let chain = try currentRoster()
            let roster = chain.roster
            if !roster.isLead(actor.email) { try enforce(Rules.mayChangeRoster(actor.email, to: Member(email: email, name: name ?? email, groups: [], lead: false), roster: roster)) }
            let existing = roster.member(email)
            guard let member = Self.member(email: email, name: name, groups: groups, lead: lead, in: roster) else {
                throw QuorumError.usage("\(email) is new to the roster: give their name with --name", remedy: "quorum member add \(email) --name \"Their Name\"")
            }
            if existing == member, keys.isEmpty {
                throw QuorumError.refused("\(email) is already on the roster exactly so; nothing to change", remedy: "see 'quorum member list'")
            }
            var events: [PendingEvent] = []
            var after = roster
            if existing != member {
                try enforce(Rules.mayChangeRoster(actor.email, to: member, roster: roster))
                var record = EventRecord(type: .member)
                record.member = member
                let verb = existing == nil ? "Add" : "Update"
                events.append(PendingEvent(record: record, summary: "\(verb) member \(member.formatted)", trailers: [(Trailers.member, member.email)]))
                after = roster.with(member, by: actor)
            }
            for key in keys {
                try enforce(Rules.mayAddKey(actor.email, key, to: member.email, roster: after))
                events.append(keyEvent(.keyAdd, email: member.email, key: key))
            }
            let event = try appendAll(events, to: Layout.roster, actor: actor, parent: chain.head)
            return (member, existing == nil, event)
        }
    }

    /// The member `email` is once what is given is applied: nil (not
    /// given) keeps what the roster has, and a new member joins the
    /// policy's default group unless groups are given, and is no lead
    /// unless said. Nil when `email` is new and no name is given.
    static func member(email: String, name: String?, groups: [String], lead: Bool?, in roster: Roster) -> Member? {
        let existing = roster.member(email)
        guard let finalName = name ?? existing?.name else { return nil }
        let finalGroups = groups.isEmpty ? (existing?.groups ?? [roster.policy.defaultGroup]) : Array(Set(groups)).sorted()
        return Member(email: existing?.email ?? email, name: finalName, groups: finalGroups, lead: lead ?? existing?.lead ?? false)
    }

    /// Records an SSH public key as `email`'s, valid from now on (leads
    /// only). Refused when another member holds or held the key.
    @discardableResult
    public func addKey(email: String, key: SSHPublicKey) throws -> ObjectID {
        try changeKey(.keyAdd, email: email, key: key) { Rules.mayAddKey($0, key, to: email, roster: $1) }
    }

    /// Ends one of `email`'s keys now: what was signed with it before stays
    /// valid, nothing signed with it after is (leads only).
    @discardableResult
    public func revokeKey(email: String, key: SSHPublicKey) throws -> ObjectID {
        try changeKey(.keyRevoke, email: email, key: key) { Rules.mayRevokeKey($0, key, of: email, roster: $1) }
    }

    private func changeKey(_ kind: EventRecord.Kind, email: String, key: SSHPublicKey, rule: (String, Roster) -> Refusal?) throws -> ObjectID {
        try Validation.checkEmail(email)
        let actor = try identity()
        return try retryingLostRaces {
            let chain = try currentRoster()
            try enforce(rule(actor.email, chain.roster))
            return try appendAll([keyEvent(kind, email: email, key: key)], to: Layout.roster, actor: actor, parent: chain.head)
        }
    }

    private func keyEvent(_ kind: EventRecord.Kind, email: String, key: SSHPublicKey) -> PendingEvent {
        var record = EventRecord(type: kind)
        record.email = email
        record.key = key.line
        let verb = kind == .keyAdd ? "Add" : "Revoke"
        return PendingEvent(record: record, summary: "\(verb) SSH key \(key.fingerprint) of \(email)", trailers: [(Trailers.member, email)])
    }

    /// Turns the signature policy on or off (leads only). Turning it on
    /// needs the lead's own key configured and on the roster (or the lead
    /// could sign nothing more), and records every event chain's head as
    /// it is here: those events stay valid unsigned, everything after them
    /// must be signed. Refused when it is so already.
    @discardableResult
    public func setPolicy(requireSignatures: Bool) throws -> ObjectID {
        let actor = try identity()
        return try retryingLostRaces {
            let chain = try currentRoster()
            let roster = chain.roster
            var policy = roster.policy
            guard roster.requiresSignatures != requireSignatures else {
                throw QuorumError.refused("signatures are \(requireSignatures ? "required" : "not required") already; nothing to change", remedy: "see 'quorum policy'")
            }
            policy.requireSignatures = requireSignatures
            try enforce(Rules.mayChangePolicy(actor.email, to: policy, roster: roster))
            var heads: [GrandfatheredHead] = []
            if requireSignatures {
                guard let signer = try signer() else {
                    throw QuorumError.refused(
                        "you have no SSH signing key configured; once signatures are required you could sign nothing",
                        remedy: "run 'git config gpg.format ssh' and 'git config user.signingKey ~/.ssh/id_ed25519', and record its public key with 'quorum member key add \(actor.email) KEY'")
                }
                guard roster.holds(signer.publicKey, for: actor.email) else {
                    throw QuorumError.refused(
                        "your signing key \(signer.publicKey.fingerprint) is not on the roster as yours; once signatures are required you could sign nothing",
                        remedy: "record it first: quorum member key add \(actor.email) \"\(signer.publicKey.line)\"")
                }
                heads = try eventChainHeads()
            }
            var record = EventRecord(type: .policy)
            record.policy = policy
            return try appendAll(
                [PendingEvent(record: record, summary: requireSignatures ? "Require signed events" : "Stop requiring signed events", trailers: [])],
                to: Layout.roster, actor: actor, parent: chain.head, grandfathered: heads)
        }
    }

    /// The head of every review ref but the roster: the last event of each
    /// event chain (for a reconciling merge, the events it joins), each
    /// round branch's head and each version tag.
    func eventChainHeads() throws -> [GrandfatheredHead] {
        var heads: [GrandfatheredHead] = []
        for prefix in SharedRef.namespaces {
            for ref in try git.references(matching: prefix + "*") {
                switch SharedRef(ref.name) {
                case .proposalMeta, .proposalComments, .suggestionMeta: break
                case .round, .versionTag:
                    heads.append(GrandfatheredHead(ref: ref.name, commit: ref.target))
                    continue
                default: continue
                }
                var stack = [ref.target]
                while let id = stack.popLast() {
                    let commit = try git.commit(id)
                    if commit.parents.count > 1, try git.blobID(in: commit.tree, at: EventLog.fileName) == nil {
                        stack += commit.parents
                    } else {
                        heads.append(GrandfatheredHead(ref: ref.name, commit: id))
                    }
                }
            }
        }
        return heads
    }

    /// git's allowed-signers file (`gpg.ssh.allowedSignersFile`, format in
    /// ssh-keygen(1) "ALLOWED SIGNERS"): one line per key the roster ever
    /// held, principal the member's email, `namespaces="git"`, and the
    /// key's window as `valid-after` / `valid-before` (UTC, seconds), so
    /// that `git verify-commit` judges a signature by the committer time
    /// as Quorum does.
    public func allowedSigners() throws -> String {
        let roster = try roster()
        func stamp(_ seconds: Int64) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMddHHmmss"
            return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))) + "Z"
        }
        var text = "# Written by 'quorum allowed-signers' from the roster; do not edit.\n"
        // A key revoked in the second it was added was never valid.
        for key in roster.keys where key.validBefore.map({ $0 > key.validAfter }) ?? true {
            var options = "namespaces=\"git\",valid-after=\"\(stamp(key.validAfter))\""
            // ssh-keygen takes valid-before as "at or before": a second
            // earlier than the revocation, which Quorum takes as "before".
            if let before = key.validBefore { options += ",valid-before=\"\(stamp(before - 1))\"" }
            text += "\(key.email) \(options) \(key.key.line)\n"
        }
        return text
    }
}
