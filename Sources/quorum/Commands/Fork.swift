import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Fork: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fork",
            abstract: "Open the next review round for a wider audience (leads only).",
            discussion: """
                Round k+1 starts at round k's current text, and round k closes: it \
                accepts no more suggestions, approvals or merges. --carry all (the \
                default) rebases the open suggestions onto the new round, keeping an \
                approval only when the change is exactly the same and its approver is \
                an approver of the new round; --carry none leaves them behind in the \
                closed round; or name the suggestions to carry. The new audience should \
                include every earlier audience: leaving one out is a warning, or a \
                refusal with --strict. Approvers default to the previous round's.

                If a fork is interrupted while carrying suggestions, 'quorum fork SLUG \
                --resume' carries the ones it had not reached yet ('quorum rounds' \
                says when that is needed). 'quorum fork SLUG --resume --carry ID…' \
                carries open suggestions left in a closed round into the open one: \
                one made offline while the round was being forked, say, or one left \
                behind on purpose.

                Examples:
                  quorum fork career-steps --name managers --audience working-group --audience managers
                  quorum fork career-steps --name everyone --audience everyone --quorum 3 --carry none
                  quorum fork career-steps --resume
                  quorum fork career-steps --resume --carry 3f2a1c

                Examples:
                  quorum fork career-steps --name managers --audience managers --carry all
                """)

        @Argument(help: "The proposal.", completion: Completions.slugs)
        var slug: String

        @Option(help: "The new round's name, e.g. managers.")
        var name: String?

        @Option(name: .customLong("audience"), help: ArgumentHelp("A group that may read, suggest and comment; repeat for several.", valueName: "GROUP"))
        var audience: [String] = []

        @Option(name: .customLong("approvers"), help: ArgumentHelp("A group whose members may approve; repeat for several.", valueName: "GROUP"))
        var approvers: [String] = []

        @Option(help: "Approvals a suggestion needs in the new round (default: the policy's, 2).")
        var quorum: Int?

        @Option(parsing: .upToNextOption, help: ArgumentHelp("all, none, or the ids of the suggestions to carry forward.", valueName: "all|none|ID"))
        var carry: [String] = ["all"]

        @Flag(help: "Refuse, instead of warning, when the new audience leaves out an earlier audience.")
        var strict = false

        @Flag(inversion: .prefixedNo, help: "Allow pair edits in the new round (default: not after the first round).")
        var pairEdits: Bool?

        @Flag(help: "Finish an interrupted fork: carry the suggestions it set out to carry and had not reached.")
        var resume = false

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if resume {
                if name != nil || !audience.isEmpty || !approvers.isEmpty || quorum != nil || strict || pairEdits != nil {
                    throw ValidationError("--resume takes only the proposal, and --carry ID… for suggestions left in a closed round")
                }
                if carry != ["all"] && (carry.contains("all") || carry.contains("none")) {
                    throw ValidationError("with --resume, --carry takes the ids of suggestions left in a closed round")
                }
                return
            }
            if name == nil { throw ValidationError("give the new round's name with --name NAME") }
            if audience.isEmpty { throw ValidationError("give the new round's audience with --audience GROUP") }
            if carry.isEmpty { throw ValidationError("--carry takes all, none, or suggestion ids") }
            if carry.count > 1 && (carry.contains("all") || carry.contains("none")) {
                throw ValidationError("--carry takes all, none, or a list of ids, not a mix")
            }
        }

        func run() throws {
            let choice: CarryChoice = carry == ["all"] ? .all : carry == ["none"] ? .none : .some(carry)
            let repo = try options.open()
            let result = resume
                ? try repo.resumeFork(slug: slug, alsoCarrying: carry == ["all"] ? [] : carry)
                : try repo.fork(
                    slug: slug, name: name ?? "", audience: audience, approvers: approvers.isEmpty ? nil : approvers,
                    quorum: quorum, carry: choice, strict: strict, pairEdits: pairEdits)
            for warning in result.warnings { Output.error("quorum: warning: " + Output.escape(warning)) }
            if options.json { return try Output.json(result) }
            let r = result.round
            if resume {
                Output.line("Finished the fork that opened round \(r.number) (\(r.name)) of \(result.slug)")
            } else {
                Output.line("Opened round \(r.number) (\(r.name)) of \(result.slug) on \(Layout.branchName(r.branch)); round \(result.closedRound) is closed")
            }
            Output.line("Audience: \(r.audience.joined(separator: ", ")); approvers: \(r.approvers.joined(separator: ", ")); quorum \(r.quorum)")
            for c in result.carried {
                let kept = c.approvalsKept.isEmpty ? "no approvals kept" : "approvals kept: \(c.approvalsKept.joined(separator: ", "))"
                Output.line("  carried \(Output.short(c.id)) \(c.title) - \(c.conflicted ? "conflicted, its author must revise it" : kept)")
            }
            for id in result.leftBehind { Output.line("  left behind \(Output.short(id)) in round \(result.closedRound)") }
        }
    }
}
