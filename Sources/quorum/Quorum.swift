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

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as QuorumError {
            FileHandle.standardError.write(Data("quorum: \(error)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch let error as GitError {
            FileHandle.standardError.write(Data("quorum: git error: \(error)\n".utf8))
            Foundation.exit(70)
        } catch {
            exit(withError: error)
        }
    }
}
