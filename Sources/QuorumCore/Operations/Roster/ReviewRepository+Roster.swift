import Foundation
import QuorumGit

extension ReviewRepository {
    /// Adds a person to the roster, or updates their name, groups and lead
    /// flag when they are already on it (what is not given stays as it was;
    /// a new member needs a name, and joins the default group unless groups
    /// are given). Leads only.
    @discardableResult
    public func addMember(email: String, name: String?, groups: [String], lead: Bool?) throws -> (member: Member, added: Bool, event: ObjectID) {
        try Validation.checkEmail(email)
        if let name { try Validation.checkName(name) }
        for group in groups { try Validation.checkSlug(group, what: "group name") }
        let actor = try identity()
        return try retryingLostRaces {
            guard let chain = try log.read(Layout.roster) else { throw QuorumError.usage("not a Quorum repository") }
            let roster = Roster(events: chain.events)
            if !roster.isLead(actor.email) { try enforce(Rules.mayChangeRoster(actor.email, to: Member(email: email, name: name ?? email, groups: [], lead: false), roster: roster)) }
            let existing = roster.member(email)
            let finalGroups = groups.isEmpty ? (existing?.groups ?? [roster.policy.defaultGroup]) : Array(Set(groups)).sorted()
            guard let finalName = name ?? existing?.name else {
                throw QuorumError.usage("\(email) is new to the roster: give their name with --name")
            }
            let finalLead = lead ?? existing?.lead ?? false
            let member = Member(email: existing?.email ?? email, name: finalName, groups: finalGroups, lead: finalLead)
            if existing == member {
                throw QuorumError.refused("\(email) is already on the roster exactly so; nothing to change")
            }
            try enforce(Rules.mayChangeRoster(actor.email, to: member, roster: roster))
            var record = EventRecord(type: .member)
            record.member = member
            let verb = existing == nil ? "Add" : "Update"
            let event = try append(record, to: Layout.roster, summary: "\(verb) member \(member.formatted)", trailers: [(Trailers.member, member.email)], actor: actor, parent: chain.head)
            return (member, existing == nil, event)
        }
    }
}
