import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a suggestion (state, revisions, approvals, objections, comments) or a proposal (rounds, comments).",
            discussion: """
                Approvals are listed with whether they count and, when not, why \
                (author, co-author, stale: approved an older revision, not an approver). \
                Comment threads are printed in order, with line anchors mapped onto \
                the current text or marked outdated.
                """)

        @Argument(help: "A suggestion's id (a unique prefix will do) or a proposal's slug.")
        var target: String

        @Flag(help: "Include a suggestion's change as a unified diff against the text it was written on.")
        var diff = false

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            if try repo.hasProposal(target) {
                let listing = try repo.showProposalListing(target)
                let p = listing.items[0]
                if options.json {
                    try Output.json(p)
                } else {
                    print("proposal \(p.status.slug): \(p.status.title)")
                    print("Documents: \(p.status.documents.joined(separator: ", "))")
                    for r in p.rounds {
                        print("Round \(r.number) \(r.name)\(r.closed ? " (closed)" : " (open)"): audience \(r.audience.joined(separator: ", ")); approvers \(r.approvers.joined(separator: ", ")); quorum \(r.quorum)")
                    }
                    Output.comments(p.comments)
                }
                return try Output.endReportingDamage(listing.damaged)
            }
            let d = try repo.show(target, diff: diff)
            if options.json {
                try Output.json(d)
                return try Output.endReportingDamage(d.damaged.map { [$0] } ?? [])
            }
            if let damage = d.damaged {
                print("suggestion \(d.id)")
                print("Proposal:  \(d.slug)\(d.round > 0 ? ", round \(d.round)" : "")")
                if !d.author.isEmpty { print("Author:    \(d.authorName) <\(d.author)>") }
                if d.created > 0 { print("Date:      \(Output.date(d.created))") }
                print("State:     damaged: \(damage)")
                if !d.message.isEmpty {
                    print("")
                    for line in d.message.split(separator: "\n", omittingEmptySubsequences: false) { print("    \(line)") }
                }
                return try Output.endReportingDamage([damage])
            }
            print("suggestion \(d.id)")
            print("Proposal:  \(d.slug), round \(d.round)")
            print("Author:    \(d.authorName) <\(d.author)>\(d.coAuthors.isEmpty ? "" : " with \(d.coAuthors.joined(separator: ", "))")")
            print("Date:      \(Output.date(d.created))")
            var state = d.state.rawValue
            if let merged = d.mergedAs { state += " as \(Output.short(merged)) by \(d.mergedBy ?? "?")" }
            if let by = d.endedBy { state += " by \(by)\(d.endReason.map { ": \($0)" } ?? "")" }
            if let head = d.conflictedWith { state += " with round head \(Output.short(head)); the author must revise it" }
            print("State:     \(state)")
            if let why = d.neverMerges { print("Never merges: \(why)") }
            for r in d.revisions {
                print("Revision \(r.number): \(Output.short(r.commit)) on \(Output.short(r.base)) (\(r.kind) by \(r.by), \(Output.date(r.date)))\(r.number == d.revision ? "  <- current" : "")")
            }
            print("Documents: \(d.documents.joined(separator: ", "))")
            let counting = d.approvals.filter(\.counts).count
            print("Approvals: \(counting) of \(d.quorum)")
            for a in d.approvals {
                let note = a.counts ? "counts" : "does not count: \(a.reason ?? "")"
                print("  \(a.name) <\(a.email)> on \(Output.short(a.revision)) - \(note)\(a.message.map { " - \"\($0)\"" } ?? "")")
            }
            if !d.objections.isEmpty {
                print("Objections:")
                for o in d.objections {
                    let state = o.open ? "open, blocks merging"
                        : o.overrideReason.map { "overridden by \(o.resolvedBy ?? "a lead"): \($0)" } ?? "resolved"
                    print("  \(Output.short(o.id)) by \(o.by) (\(state)): \(o.reason)")
                }
            }
            print("")
            for line in d.message.split(separator: "\n", omittingEmptySubsequences: false) { print("    \(line)") }
            Output.comments(d.comments)
            if let patch = d.diff {
                print("")
                print(patch, terminator: "")
            }
        }
    }
}
