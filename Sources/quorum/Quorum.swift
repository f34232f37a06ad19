import ArgumentParser
import Foundation
import QuorumCore
import QuorumGit

@main
struct Quorum: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quorum",
        abstract: "RFC-style review of documents stored in git.",
        discussion: """
            A working group proposes a document, suggests edits, and merges each \
            suggestion once two people other than its author have approved it. \
            Everything is stored in the git repository as ordinary commits and refs.

            Exit status: 0 success, 1 refused (a rule said no), 3 a listing \
            (list, status, inbox, show) met events it could not read and shows \
            what they belong to as damaged, 64 bad usage or input, 70 the \
            repository could not be read or written.
            """,
        version: "0.1.0",
        subcommands: [
            Init.self, Members.self, Propose.self, Suggest.self, Revise.self, Rebase.self, Approve.self,
            Object.self, Resolve.self, Withdraw.self, Reject.self, Merge.self, Edit.self, Comment.self,
            Fork.self, Rounds.self, Cut.self, Versions.self, Diff.self, Export.self,
            Status.self, List.self, Inbox.self, Show.self, Log.self, Cat.self,
            Sync.self, Hooks.self, Hook.self, Verify.self, PolicyCommand.self, AllowedSigners.self,
        ]
    )

    /// What the library did on the side (a stale lock removed), on standard error.
    static func printNotices() {
        for notice in Notices.drain() { Output.error("quorum: note: \(notice)") }
    }

    static func main() {
        do {
            var command = try parseAsRoot()
            defer { printNotices() }
            try command.run()
        } catch let error as QuorumError {
            // A full disk or an unwritable repository is said as what it is.
            let explained = error.explained(repository: CommonOptions.repository)
            Output.error("quorum: \(explained)")
            Foundation.exit(explained.exitCode)
        } catch let error as GitError {
            if let explained = QuorumError.explaining(error, repository: CommonOptions.repository) {
                Output.error("quorum: \(explained)")
                Foundation.exit(explained.exitCode)
            }
            Output.error("quorum: git error: \(error)")
            Foundation.exit(70)
        } catch {
            exit(withError: error)
        }
    }
}
