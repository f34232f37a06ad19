import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct PolicyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "policy",
            abstract: "Show the repository's policy, or require signed events (leads only).",
            discussion: """
                With --require-signatures, every event, revision, merge and tag written \
                from now on must be signed with its author's SSH key as the roster holds \
                it (see 'quorum member key'): a shared repository's hook refuses anything \
                else, and every clone counts an unsigned or wrongly signed approval for \
                nothing. Events already recorded stay valid: run 'quorum sync' first, so \
                that this covers everything the shared repository holds (it refuses a \
                policy event that does not). The lead turning it on must have their own \
                key configured (git's user.signingKey, gpg.format=ssh) and on the roster. A shared repository takes the policy event only once its \
                hook runs a quorum that knows it: upgrade the server's quorum first.

                Examples:
                  quorum policy
                  quorum policy --require-signatures
                """)

        @Flag(inversion: .prefixedNo, help: "Require signatures from now on (or, with --no-require-signatures, stop requiring them).")
        var requireSignatures: Bool?

        @OptionGroup var options: CommonOptions

        func run() throws {
            let repo = try options.open()
            if let requireSignatures { try repo.setPolicy(requireSignatures: requireSignatures) }
            let roster = try repo.roster()
            if options.json {
                try Output.json(roster.policy)
                return
            }
            if let requireSignatures {
                Output.line(requireSignatures ? "Signatures are required from now on." : "Signatures are no longer required.")
            } else {
                Output.line("Quorum: \(roster.policy.quorum) approvals in a proposal's first round")
                Output.line("Default group: \(roster.policy.defaultGroup)")
                Output.line("Signatures: \(roster.requiresSignatures ? "required" : "not required")")
            }
        }
    }

    struct AllowedSigners: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allowed-signers",
            abstract: "Write git's allowed-signers file from the roster's SSH keys.",
            discussion: """
                One line per key the roster holds or held: the member's email, \
                namespaces="git", and valid-after / valid-before from when the key was \
                added and revoked. With it git checks Quorum's signatures by itself:

                  quorum allowed-signers -o .git/allowed_signers
                  git -c gpg.ssh.allowedSignersFile=.git/allowed_signers log --show-signature quorum/SLUG/1

                Examples:
                  quorum allowed-signers -o .git/allowed_signers && git config gpg.ssh.allowedSignersFile .git/allowed_signers
                """)

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "FILE"), completion: .file())
        var output: String?

        @OptionGroup var options: CommonOptions

        func run() throws {
            let text = try options.open().allowedSigners()
            if options.json {
                struct Result: Encodable {
                    /// The file written, or null when the text is here.
                    let path: String?
                    let keys: Int
                    let text: String?
                }
                if let output { try write(text, to: output) }
                let keys = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.count
                return try Output.json(Result(path: output, keys: keys, text: output == nil ? text : nil))
            }
            guard let output else {
                Output.lines(text)
                return
            }
            try write(text, to: output)
            Output.line("Wrote \(text.split(separator: "\n").count - 1) key(s) to \(output)")
        }

        private func write(_ text: String, to output: String) throws {
            do {
                try Data(utf8: text).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw ValidationError("cannot write \(output): \(error.localizedDescription)")
            }
        }
    }
}
