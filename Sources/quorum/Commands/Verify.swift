import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the whole review history against the rules, offline.",
            discussion: """
                Replays every event chain from its first event and checks each event \
                against the rules as of the events before it; checks every commit on \
                every round branch (a merge of exactly an approved change, or an \
                allowed pair edit), every revision pin and every version tag. It is \
                what a shared repository's pre-receive hook checks, applied to all \
                of history at once, and needs no hook and no network: a team on a host \
                without custom hooks, or a newcomer with a fresh clone, can check that \
                the process was kept.

                Prints what it checked and each violation with the rule's code, the \
                event or commit, and the person it names. Exit status 1 when any. \
                What an earlier run found clean is not checked again (history only \
                grows), unless the roster or a proposal changed since, or --fresh.

                Examples:
                  quorum verify
                  quorum verify career-steps --json

                Examples:
                  quorum verify
                  quorum verify career-steps --fresh
                """)

        @Argument(help: "Check one proposal (and the roster) only.", completion: Completions.slugs)
        var slug: String?

        @Flag(help: "Check everything again, ignoring what earlier runs found clean.")
        var fresh = false

        @OptionGroup var options: CommonOptions

        func run() throws {
            let report = try options.open().verify(slug: slug, fresh: fresh)
            if options.json {
                try Output.json(report)
            } else {
                let c = report.checked
                Output.line("Checked \(Output.count(c.chains, "event chain")) (\(Output.count(c.events, "commit"))), \(Output.count(c.roundCommits, "round-branch commit")), \(Output.count(c.tags, "version tag"))\(slug.map { " of '\($0)'" } ?? "")"
                      + (c.cachedRefs > 0 ? "; \(c.cachedRefs) refs found clean before were checked only for what is new" : "") + ".")
                if c.signedEvents + c.unsignedBeforePolicy > 0 {
                    Output.line("Signatures required: \(Output.count(c.signedEvents, "event")) signed"
                          + (c.unsignedBeforePolicy > 0 ? "; \(c.unsignedBeforePolicy) unsigned from before the policy, valid since it applies from its event on" : "") + ".")
                }
                if report.clean {
                    Output.line("No violations: every event and change keeps the review rules.")
                } else {
                    Output.line(Output.count(report.violations.count, "violation") + ":")
                    for violation in report.violations { Output.line("  \(violation)") }
                }
            }
            if !report.clean { throw ExitCode(1) }
        }
    }
}
