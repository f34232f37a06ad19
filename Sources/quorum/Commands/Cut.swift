import ArgumentParser
import Foundation
import QuorumCore

extension Quorum {
    struct Cut: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cut an official RFC version of a proposal (leads only).",
            discussion: """
                Makes the immutable annotated tag rfc/SLUG/VERSION on the open round's \
                head. Its message holds the changelog since the previous version (each \
                merged suggestion with its title, author and approvers) and the credits: \
                everyone who suggested, approved or commented. Refused while the round \
                has approved suggestions that are not merged, unless --force.
                """)

        @Argument(help: "The proposal.")
        var slug: String

        @Argument(help: "The version's name, e.g. v1.")
        var version: String

        @Option(name: .shortAndLong, help: "Release notes for the tag message.")
        var message: String?

        @Flag(help: "Cut even though approved suggestions are not merged yet.")
        var force = false

        @OptionGroup var options: CommonOptions

        func run() throws {
            let result = try options.open().cut(slug: slug, version: version, notes: message, force: force)
            if options.json { return try Output.json(result) }
            print("Cut \(result.slug) \(result.version): tag \(result.tag.replacingOccurrences(of: "refs/tags/", with: "")) on \(Output.short(result.commit)) (round \(result.round))")
            print("")
            print(result.message, terminator: "")
        }
    }

    struct Versions: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a proposal's official versions.")

        @Argument(help: "The proposal.")
        var slug: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let versions = try options.open().versions(slug: slug)
            if options.json { return try Output.json(versions) }
            if versions.isEmpty { print("No versions of \(slug) yet; a lead cuts one with: quorum cut \(slug) v1") }
            for v in versions {
                print("\(Output.pad(v.version, 10)) \(Output.date(v.date))  \(Output.short(v.commit))  round \(v.round.map(String.init) ?? "?")  by \(v.by)")
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare a proposal's text between two rounds or versions.",
            discussion: "FROM and TO are a round (r1, r2, … or a plain number) or a version name (v1).")

        @Argument(help: "The proposal.")
        var slug: String

        @Argument(help: "A round (r1) or a version (v1).")
        var from: String

        @Argument(help: "A round (r2) or a version (v2).")
        var to: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let patch = try options.open().diff(slug: slug, from: Snapshot(parsing: from), to: Snapshot(parsing: to))
            if options.json {
                struct Result: Encodable { let slug: String; let from: String; let to: String; let diff: String }
                return try Output.json(Result(slug: slug, from: from, to: to, diff: patch))
            }
            print(patch, terminator: "")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a proposal as a self-contained Markdown or HTML document.",
            discussion: """
                The text of the open round (or --round R, or --version V) with a header \
                (proposal, version or round, date, status), the changelog since the \
                previous version, and the credits. HTML is one complete page with its \
                style inline and no external assets.
                """)

        @Argument(help: "The proposal.")
        var slug: String

        @Option(help: "An official version to export.")
        var version: String?

        @Option(help: "A round to export.")
        var round: Int?

        @Option(help: ArgumentHelp("md or html.", valueName: "FORMAT"))
        var format: String = "md"

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "PATH"))
        var output: String?

        @OptionGroup var options: CommonOptions

        func validate() throws {
            if version != nil && round != nil { throw ValidationError("give --version or --round, not both") }
            if ExportFormat(rawValue: format) == nil { throw ValidationError("--format takes md or html") }
        }

        func run() throws {
            let snapshot: Snapshot = version.map(Snapshot.version) ?? round.map(Snapshot.round) ?? .current
            let document = try options.open().exportDocument(slug: slug, at: snapshot)
            let text = format == "html" ? document.html() : document.markdown()
            if let output {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw ValidationError("cannot write \(output): \(error.localizedDescription)")
                }
                if options.json {
                    struct Result: Encodable { let slug: String; let path: String; let format: String; let label: String; let bytes: Int }
                    return try Output.json(Result(slug: slug, path: output, format: format, label: document.label, bytes: text.utf8.count))
                }
                print("Wrote \(document.label) of \(slug) as \(format) to \(output)")
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
