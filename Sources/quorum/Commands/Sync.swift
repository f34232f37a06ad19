import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Exchange review state with a shared repository.",
            discussion: """
                Fetches Quorum's refs (refs/quorum/*), the round branches \
                (refs/heads/quorum/*) and the version tags (refs/tags/rfc/*) from \
                the remote, reconciles what diverged, and pushes back with \
                compare-and-swap, fetching again when someone else pushed first. \
                Event logs that grew apart on both sides keep every event of both, \
                joined by a merge commit; local merges the shared round lacks are \
                made again on top of it. Works in a plain 'git clone' of the \
                shared repository too. Exit 1 when some ref could not be brought \
                across (each is named, with the reason); everything else is synced.

                Examples:
                  quorum sync
                  quorum sync ssh://git.example.com/srv/git/career-framework.git
                """)

        @Argument(help: "A configured remote's name, or the shared repository's path or URL.")
        var remote: String = "origin"

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try ReviewRepository.openForSync(at: options.repo)
            let report = try repo.sync(remote: remote)
            if options.json {
                try Output.json(report)
                if !report.problems.isEmpty { throw ExitCode(1) }
                return
            }
            if report.upToDate && report.problems.isEmpty && report.undone.isEmpty {
                Output.line("Up to date with \(report.remote) (\(report.url))")
                return
            }
            Output.line("Synced with \(report.remote) (\(report.url))")
            if !report.received.isEmpty { Output.line("  received \(Output.count(report.received.count, "ref"))") }
            for ref in report.reconciled { Output.line("  joined events recorded apart on \(ref)") }
            for ref in report.replayed { Output.line("  made local merges again on the shared \(Layout.branchName(ref))") }
            if !report.sent.isEmpty { Output.line("  sent \(Output.count(report.sent.count, "ref"))") }
            for undone in report.undone { Output.line("  \(Layout.branchName(undone.ref)): \(undone.reason)") }
            if let workTree = report.workTree { Output.line("  \(workTree)") }
            guard !report.problems.isEmpty else { return }
            throw QuorumError(
                .refused,
                "\(Output.count(report.problems.count, "ref")) could not be synced:\n  " + report.problems.map(\.description).joined(separator: "\n  "),
                remedy: "everything else is synced; the reasons say what to do")
        }

    }
}
