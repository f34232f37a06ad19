import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Make a directory a Quorum repository.",
            discussion: """
                Runs git init (through libgit2) when PATH is not a git repository yet, \
                makes you its first lead, and writes the default policy: suggestions \
                need 2 approvals from people other than their author, and new \
                proposals open their first round for the group 'working-group'.

                Examples:
                  quorum init
                  quorum init ~/career-framework
                """)

        @Argument(help: "The directory (default: --repo, or the current directory).")
        var path: String?

        @OptionGroup var options: CommonOptions

        func run() throws {
            let target = path ?? options.repo
            CommonOptions.repository = target
            let (repo, lead) = try ReviewRepository.initialize(at: target)
            let location = repo.git.workDirectory ?? repo.git.gitDirectory
            if options.json {
                struct Result: Encodable { let id: String; let path: String; let lead: QuorumCore.Member; let quorum: Int }
                let head = try repo.git.referenceTarget(Layout.roster)?.hex ?? ""
                try Output.json(Result(id: head, path: location, lead: lead, quorum: try repo.roster().policy.quorum))
            } else {
                Output.line("Initialised Quorum repository in \(location)")
                Output.line("Lead: \(lead.formatted) (group \(lead.groups.joined(separator: ", ")))")
                Output.line("Policy: 2 independent approvals per suggestion. Next: quorum member add EMAIL --name NAME")
            }
        }
    }
}
