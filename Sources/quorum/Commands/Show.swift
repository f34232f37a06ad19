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
                    Output.line("proposal \(p.status.slug): \(p.status.title)")
                    Output.line("Documents: \(p.status.documents.joined(separator: ", "))")
                    for r in p.rounds {
                        Output.line("Round \(r.number) \(r.name)\(r.closed ? " (closed)" : " (open)"): audience \(r.audience.joined(separator: ", ")); approvers \(r.approvers.joined(separator: ", ")); quorum \(r.quorum)")
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
                Output.line("suggestion \(d.id)")
                Output.line("Proposal:  \(d.slug)\(d.round > 0 ? ", round \(d.round)" : "")")
                if !d.author.isEmpty { Output.line("Author:    \(d.authorName) <\(d.author)>") }
                if d.created > 0 { Output.line("Date:      \(Output.date(d.created))") }
                Output.line("State:     damaged: \(damage)")
                if !d.message.isEmpty {
                    Output.line("")
                    for line in d.message.split(separator: "\n", omittingEmptySubsequences: false) { Output.line("    \(line)") }
                }
                return try Output.endReportingDamage([damage])
            }
            Output.line("suggestion \(d.id)")
            Output.line("Proposal:  \(d.slug), round \(d.round)")
            Output.line("Author:    \(d.authorName) <\(d.author)>\(d.coAuthors.isEmpty ? "" : " with \(d.coAuthors.joined(separator: ", "))")")
            Output.line("Date:      \(Output.date(d.created))")
            var state = d.state.rawValue
            if let merged = d.mergedAs { state += " as \(Output.short(merged)) by \(d.mergedBy ?? "?")" }
            if let by = d.endedBy { state += " by \(by)\(d.endReason.map { ": \($0)" } ?? "")" }
            if let head = d.conflictedWith { state += " with round head \(Output.short(head)); the author must revise it" }
            Output.line("State:     \(state)")
            if let why = d.neverMerges { Output.line("Never merges: \(why)") }
            for r in d.revisions {
                Output.line("Revision \(r.number): \(Output.short(r.commit)) on \(Output.short(r.base)) (\(r.kind) by \(r.by), \(Output.date(r.date)))\(r.number == d.revision ? "  <- current" : "")")
            }
            Output.line("Documents: \(d.documents.joined(separator: ", "))")
            let counting = d.approvals.filter(\.counts).count
            Output.line("Approvals: \(counting) of \(d.quorum)")
            for a in d.approvals {
                let note = a.counts ? "counts" : "does not count: \(a.reason ?? "")"
                Output.line("  \(a.name) <\(a.email)> on \(Output.short(a.revision)) - \(note)\(a.message.map { " - \"\($0)\"" } ?? "")")
            }
            if !d.objections.isEmpty {
                Output.line("Objections:")
                for o in d.objections {
                    let state = o.open ? "open, blocks merging"
                        : o.overrideReason.map { "overridden by \(o.resolvedBy ?? "a lead"): \($0)" } ?? "resolved"
                    Output.line("  \(Output.short(o.id)) by \(o.by) (\(state)): \(o.reason)")
                }
            }
            Output.line("")
            for line in Output.bodyLines(d.message) { Output.line("    \(line)") }
            Output.comments(d.comments)
            if let patch = d.diff {
                Output.line("")
                Output.lines(patch)
            }
        }
    }
}
