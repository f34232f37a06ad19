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

                Examples:
                  quorum show 8a49c2 --diff
                  quorum show 8a49c2 --since-approval
                  quorum show career-steps
                """)

        @Argument(help: "A suggestion's id (a unique prefix will do) or a proposal's slug.", completion: Completions.slugsOrIds)
        var target: String

        @Flag(help: "Include a suggestion's change against the text it was written on, word by word.")
        var diff = false

        @Flag(name: .customLong("line-diff"), help: "Show changes as git's unified line diff instead of word by word (implies --diff without --since-approval or --interdiff).")
        var lineDiff = false

        @Flag(name: .customLong("since-approval"), help: "Show only what changed in the suggestion since the revision you approved.")
        var sinceApproval = false

        @Option(help: ArgumentHelp("Compare two revisions of the suggestion (numbers as 'show' lists them, e.g. 1..3).", valueName: "R1..R2"))
        var interdiff: RevisionRange?

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if sinceApproval && interdiff != nil {
                throw ValidationError("--since-approval and --interdiff each choose what to compare; give one")
            }
            if diff && (sinceApproval || interdiff != nil) {
                throw ValidationError("--diff shows the whole change; --since-approval and --interdiff show a part of it: give one")
            }
        }

        func run() throws {
            let repo = try options.open()
            if sinceApproval || interdiff != nil {
                if try repo.hasProposal(target) {
                    throw QuorumError(
                        .usage, "\(sinceApproval ? "--since-approval" : "--interdiff") compares revisions of a suggestion, and '\(target)' is a proposal",
                        remedy: "name one of its suggestions (see 'quorum list \(target)')")
                }
                let comparison = try interdiff.map { try repo.interdiff(target, from: $0.from, to: $0.to) } ?? repo.sinceApproval(target)
                return try printComparison(comparison)
            }
            if try repo.hasProposal(target) {
                let listing = try repo.showProposalListing(target)
                let p = listing.items[0]
                if options.json {
                    try Output.json(p)
                } else {
                    Output.page()
                    Output.line("proposal \(p.status.slug): \(p.status.title)")
                    Output.line("Documents: \(p.status.documents.joined(separator: ", "))")
                    for r in p.rounds {
                        Output.line("Round \(r.number) \(r.name)\(r.closed ? " (closed)" : " (open)"): audience \(r.audience.joined(separator: ", ")); approvers \(r.approvers.joined(separator: ", ")); quorum \(r.quorum)")
                    }
                    Output.comments(p.comments)
                }
                return try Output.endReportingDamage(listing.damaged)
            }
            let d = try repo.show(target, diff: diff || lineDiff)
            if options.json {
                try Output.json(d)
                return try Output.endReportingDamage(d.damaged.map { [$0] } ?? [])
            }
            Output.page()
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
                if lineDiff { Output.lineDiff(patch) } else { Output.wordDiff(d.wordDiff ?? []) }
            }
        }

        private func printComparison(_ c: RevisionComparison) throws {
            if options.json { return try Output.json(c) }
            Output.page()
            func name(_ r: RevisionReport) -> String { "revision \(r.number) (\(Output.short(r.commit)))" }
            if sinceApproval && c.from.number == c.to.number {
                return Output.line("suggestion \(c.suggestion): you approved \(name(c.to)), the current one; nothing has changed since")
            }
            let what = sinceApproval ? "since your approval of \(name(c.from))" : "from \(name(c.from))"
            Output.line("suggestion \(c.suggestion): changes \(what) to \(name(c.to))")
            switch c.comparison {
            case .sameBase: break
            case .replayed:
                Output.line("(the revisions were written on different round texts: \(name(c.from))'s change is replayed onto \(Output.short(c.to.base)) first, so the round's own changes in between are not shown)")
            case .texts:
                Output.line("(the revisions were written on different round texts, and \(name(c.from))'s change does not replay onto \(Output.short(c.to.base)): the texts are compared as they are, the round's own changes in between included)")
            }
            guard !c.wordDiff.isEmpty else {
                return Output.line(c.from.number == c.to.number ? "No change: that is one revision." : "No change: the two have the same text.")
            }
            Output.line("")
            if lineDiff { Output.lineDiff(c.diff) } else { Output.wordDiff(c.wordDiff) }
        }
    }
}

/// `R1..R2`: two revision numbers (`1..3`, `r1..r3`).
struct RevisionRange: ExpressibleByArgument {
    let from: Int
    let to: Int

    init?(argument: String) {
        let parts = argument.lowercased().components(separatedBy: "..")
        guard parts.count == 2 else { return nil }
        let numbers = parts.map { part -> Int? in
            let digits = part.hasPrefix("r") ? String(part.dropFirst()) : part
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let n = Int(digits), n >= 1 else { return nil }
            return n
        }
        guard let from = numbers[0], let to = numbers[1] else { return nil }
        self.from = from
        self.to = to
    }
}
