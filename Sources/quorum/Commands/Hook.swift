import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Hook: ParsableCommand {
        enum Name: String, ExpressibleByArgument, CaseIterable {
            case preReceive = "pre-receive"
            case postReceive = "post-receive"
        }

        static let configuration = CommandConfiguration(
            commandName: "hook",
            abstract: "Run a server-side hook of a shared repository (git runs this).",
            discussion: """
                hooks/pre-receive and hooks/post-receive run this in the shared bare \
                repository, with git's '<old> <new> <ref>' lines on standard input. \
                pre-receive checks every pushed ref against the review rules and \
                refuses the whole push (exit 1) when any breaks them, saying why; it \
                reads the pushed objects from the push's quarantine. post-receive \
                sends each new event as a line of JSON to the command set with \
                'git config quorum.notify COMMAND', and points HEAD at the open round of \
                the proposal pushed to (while HEAD names no other branch), so that a \
                clone checks it out.
                """)

        @Argument(help: "pre-receive or post-receive.")
        var name: Name

        func run() throws {
            let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            let updates = try PushedRef.parse(input)
            let shared = try SharedRepository.openForHook()
            switch name {
            case .preReceive:
                let rejections = shared.check(updates)
                guard !rejections.isEmpty else { return }
                var text = "quorum: push refused: it breaks the review rules\n"
                // One line each: git shows them as 'remote:' lines on the
                // pusher's terminal, so nothing in them may act on it.
                for rejection in rejections { text += "  " + Output.escape(rejection.description) + "\n" }
                text += "hint: make changes with quorum ('quorum merge', 'quorum sync'), which keeps the rules; "
                text += "if quorum itself wrote this, the shared repository's quorum may be older than yours: upgrade it and run 'quorum hooks install' there\n"
                Output.error(text)
                throw ExitCode(1)
            case .postReceive:
                // The push is in already: a failing notification is reported, never fatal.
                do {
                    if let outcome = try shared.notify(updates), outcome.status != 0 {
                        Output.error("quorum: the notify command exited \(outcome.status) (\(outcome.events) events)")
                    }
                } catch {
                    Output.error("quorum: could not send notifications: \(error)")
                }
                shared.pointHeadAtActiveRound(after: updates)
            }
        }
    }
}
