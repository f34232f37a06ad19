import Foundation
import QuorumGit

/// The formats `export` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    case md, html
}

/// A proposal's text at one snapshot, with what a reader needs around it.
public struct ExportedDocument: Sendable {
    public let slug: String
    public let title: String
    /// "Version v1" or "Round 2 (managers)".
    public let label: String
    public let date: Int64
    public let status: String
    /// Each document's stored bytes, by name.
    public let documents: [(name: String, text: Data)]
    /// What the lead wrote with `cut -m` (Markdown), for a version that has notes.
    public let releaseNotes: String?
    public let changelog: [ChangeEntry]
    public let credits: [Credit]
    /// The text the changes are marked against (`--changes`): the previous
    /// version's documents, or the first draft's when there is none, with
    /// a name for it ("v1", "the first draft"); nil when not asked for.
    public var previous: (label: String, documents: [(name: String, text: Data)])?
}

extension ReviewRepository {
    /// Gathers a proposal's text at a snapshot (its documents' stored
    /// bytes) with its header, a version's release notes (what `cut -m`
    /// wrote into the version's tag), the changelog since the previous
    /// version (each change with its commit's date) and the credits by role.
    /// With `changes`, also the text to mark changes against (`previous`).
    /// Throws a usage error for a round or version the proposal does not have.
    public func exportDocument(slug: String, at snapshot: Snapshot, changes marked: Bool = false) throws -> ExportedDocument {
        let proposal = try proposal(slug)
        let commitID = try commit(of: snapshot, slug: slug)
        let commit = try git.commit(commitID)
        let versions = try versions(slug: slug)
        let label: String
        let status: String
        var date = commit.committer.time
        var previous: VersionReport?
        var notes: String?
        switch snapshot {
        case .version(let name):
            let index = versions.firstIndex { $0.version == name } ?? 0
            let version = versions[index]
            previous = index > 0 ? versions[index - 1] : nil
            notes = try git.referenceTarget(version.tag).flatMap { try git.annotatedTag($0) }.flatMap { Self.releaseNotes(inTagMessage: $0.message) }
            label = "Version \(name)"
            date = version.date
            status = "Official version" + (version.round.flatMap { n in proposal.round(n).map { " (cut from round \(n), \($0.name))" } } ?? "")
        case .start(let n):
            label = n == 1 ? "First draft" : "Start of round \(n)"
            status = n == 1 ? "The text as first proposed" : "The text round \(n) started from"
            previous = nil
        case .current, .round:
            let round: Round? = {
                if case .round(let n) = snapshot { return proposal.round(n) }
                return proposal.openRound ?? proposal.rounds.last
            }()
            label = round.map { "Round \($0.number) (\($0.name))" } ?? "Draft"
            status = round.map { $0.closed ? "Closed review round" : "Draft under review by \($0.audience.joined(separator: ", "))" } ?? "Draft"
            previous = try versions.last { v in
                guard let id = ObjectID(hex: v.commit) else { return false }
                return try git.isAncestor(id, of: commitID)
            }
        }
        let docs = try documents(in: commit.tree, slug: slug).sorted { $0.key < $1.key }.map { entry in
            (name: entry.key, text: try git.readBlob(entry.value))
        }
        var exported = ExportedDocument(
            slug: slug, title: proposal.title, label: label, date: date, status: status, documents: docs, releaseNotes: notes,
            changelog: try changes(from: previous.flatMap { ObjectID(hex: $0.commit) }, to: commitID),
            credits: try creditsByRole(slug: slug))
        if marked {
            let base = try previous.flatMap { ObjectID(hex: $0.commit) } ?? self.commit(of: .start(1), slug: slug)
            let old = try documents(in: git.commit(base).tree, slug: slug).sorted { $0.key < $1.key }.map { entry in
                (name: entry.key, text: try git.readBlob(entry.value))
            }
            exported.previous = (previous.map { $0.version } ?? "the first draft", old)
        }
        return exported
    }
}

/// How an export writes one entry of the changelog or the credits.
private struct PersonStyle {
    /// Whether people appear with their email ("Ana Lima (ana@example.com)")
    /// or by name only ("Ana Lima").
    let emails: Bool

    /// "Ana Lima <ana@example.com>" as the export shows it.
    func callout(_ person: String) -> String {
        guard let parsed = ReviewRepository.person(person) else { return person }
        return emails ? "\(parsed.name) (\(parsed.email))" : parsed.name
    }

    func callout(_ credit: Credit) -> String {
        emails ? "\(credit.name) (\(credit.email))" : credit.name
    }
}

extension ExportedDocument {
    /// A day as export writes dates: UTC, yyyy-MM-dd.
    private static func day(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    private var day: String { Self.day(date) }

    /// One changelog entry's words after its title: "by …; approved by …".
    private func attribution(_ change: ChangeEntry, _ style: PersonStyle) -> String {
        var line = "by \(style.callout(change.author))"
        if !change.coAuthors.isEmpty { line += " with \(change.coAuthors.map(style.callout).joined(separator: ", "))" }
        line += change.approvers.isEmpty ? " (pair edit)" : "; approved by \(change.approvers.map(style.callout).joined(separator: ", "))"
        for override in change.overriddenObjections { line += "; objection by \(override)" }
        return line
    }

    /// The credits grouped by role, roles in `CreditRole` order, each with
    /// the people who had it: [("Suggested", ["Ben Okafor", …]), …].
    private func creditsByRole(_ style: PersonStyle) -> [(role: String, people: [String])] {
        CreditRole.allCases.compactMap { role in
            let people = credits.filter { $0.roles.contains(role) }.map(style.callout)
            return people.isEmpty ? nil : (role.rawValue.prefix(1).uppercased() + role.rawValue.dropFirst(), people)
        }
    }

    /// The documents as the page shows them: text as a reader sees it, the
    /// first document without a leading level-1 heading that repeats the
    /// title (the header shows the title once).
    private func readerDocuments() -> [(name: String, markdown: MarkdownDocument, text: String)] {
        documents.enumerated().map { index, doc in
            let markdown = MarkdownDocument(doc.text)
            var lines = markdown.lines.lines
            if index == 0, let title = markdown.removeLeadingTitle(title) {
                var drop = title.upperBound
                while drop < lines.count, markdown.lines.isBlank(drop + 1) { drop += 1 }
                lines.removeFirst(min(drop, lines.count))
            }
            let text = lines.map { $0.text + ($0.ending == .none ? "" : "\n") }.joined()
            return (doc.name, markdown, text)
        }
    }

    /// A Markdown document: header block, release notes, the text,
    /// changelog (each entry dated) and credits by role. People appear by
    /// name, with their email when `emails`. Line endings are LF and there
    /// is no byte order mark, whatever the documents are stored with.
    public func markdown(emails: Bool = false) -> String {
        let style = PersonStyle(emails: emails)
        var out = "> **\(title)** — proposal `\(slug)`  \n"
        out += "> \(label) · \(day) · \(status)\n\n"
        if let releaseNotes { out += "## Release notes\n\n" + DocumentLines(releaseNotes).readerText + "\n\n" }
        let docs = readerDocuments()
        if docs.count == 1, let only = docs.first {
            out += only.text
        } else {
            out += docs.map { "<!-- \($0.name) -->\n\n" + $0.text }.joined(separator: "\n\n---\n\n")
        }
        if !out.hasSuffix("\n") { out += "\n" }
        out += "\n---\n\n## Changelog\n\n"
        if changelog.isEmpty { out += "No changes were merged since the previous version.\n" }
        for change in changelog {
            out += "- \(Self.day(change.date)) — **\(change.title)** — \(attribution(change, style))\n"
        }
        out += "\n## Credits\n\n" + creditsByRole(style).map { "- **\($0.role):** \($0.people.joined(separator: ", "))" }.joined(separator: "\n") + "\n"
        return out
    }

    /// A complete, self-contained HTML page (inline style, no external
    /// assets): the header, release notes, the text rendered by cmark-gfm in
    /// its safe mode (raw HTML omitted, images as their alt text, links
    /// only to web pages, email addresses and the page itself), the
    /// changelog and the credits by role. People appear by name, with
    /// their email when `emails`.
    public func html(emails: Bool = false) -> String {
        let style = PersonStyle(emails: emails)
        let text = readerDocuments().map { doc in
            if let marked = marked(doc.name) {
                let markdown = MarkdownDocument(marked.markdown)
                if doc.name == documents.first?.name { markdown.removeLeadingTitle(title) }
                markdown.makeSelfContained()
                return "<article data-document=\"\(escape(doc.name))\">\n" + marked.html(markdown.html()) + "</article>"
            }
            doc.markdown.makeSelfContained()
            return "<article data-document=\"\(escape(doc.name))\">\n" + doc.markdown.html() + "</article>"
        }.joined(separator: "\n<hr>\n")
        // The changes, shown or hidden by a checkbox and CSS alone (no script).
        let toggle = previous.map { previous in
            "<input type=\"checkbox\" id=\"show-changes\" class=\"changes\" checked>"
                + "<label for=\"show-changes\" class=\"changes\">Show changes since \(escape(previous.label))</label>\n"
        } ?? ""
        let notes = releaseNotes.map { notes -> String in
            let markdown = MarkdownDocument(notes)
            markdown.makeSelfContained()
            return "<section class=\"notes\" id=\"release-notes\">\n<h2>Release notes</h2>\n" + markdown.html() + "</section>\n"
        } ?? ""
        let changes = changelog.isEmpty
            ? "<p>No changes were merged since the previous version.</p>"
            : "<ul>\n" + changelog.map { change in
                "<li><time>\(Self.day(change.date))</time> <strong>\(escape(change.title))</strong> — \(escape(attribution(change, style)))</li>"
            }.joined(separator: "\n") + "\n</ul>"
        let people = "<dl class=\"credits\">\n" + creditsByRole(style).map { group in
            "<dt>\(group.role)</dt><dd>\(group.people.map(escape).joined(separator: ", "))</dd>"
        }.joined(separator: "\n") + "\n</dl>"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <meta name="generator" content="quorum export">
            <title>\(escape(title)) — \(escape(label))</title>
            <style>
            body { font: 16px/1.6 Georgia, "DejaVu Serif", serif; color: #1d1d1f; background: #fff; margin: 0; }
            .page { max-width: 46rem; margin: 0 auto; padding: 2.5rem 1.5rem 4rem; }
            header.meta { border-bottom: 3px solid #2b5f8a; padding-bottom: 1rem; margin-bottom: 2rem; font-family: "DejaVu Sans", Arial, sans-serif; }
            header.meta .kind { text-transform: uppercase; letter-spacing: .08em; font-size: .75rem; color: #2b5f8a; }
            header.meta h1 { margin: .2rem 0 .4rem; font-size: 1.9rem; line-height: 1.2; }
            header.meta dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; font-size: .9rem; }
            header.meta dt { color: #666; }
            header.meta dd { margin: 0; }
            h1, h2, h3 { font-family: "DejaVu Sans", Arial, sans-serif; line-height: 1.25; }
            h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2.2rem; }
            h3 { color: #2b5f8a; }
            code { background: #f3f3f3; padding: 0 .25rem; border-radius: 3px; }
            hr { border: 0; border-top: 1px solid #ccc; margin: 2.5rem 0; }
            table { border-collapse: collapse; margin: 1rem 0; }
            th, td { border: 1px solid #ccc; padding: .25rem .6rem; }
            section.notes { border-left: 4px solid #2b5f8a; padding: 0 1.25rem; margin-bottom: 2rem; }
            section.notes h2 { border: 0; margin-top: 0; font-size: 1.15rem; }
            section.review { font-family: "DejaVu Sans", Arial, sans-serif; font-size: .92rem; background: #f6f8fa; border-radius: 6px; padding: .5rem 1.25rem 1rem; margin-top: 2.5rem; }
            section.review h2 { border: 0; font-size: 1.15rem; }
            section.review time { color: #666; font-variant-numeric: tabular-nums; }
            dl.credits { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
            dl.credits dt { font-weight: bold; }
            dl.credits dd { margin: 0; }
            input.changes { margin-right: .4rem; }
            label.changes { font-family: "DejaVu Sans", Arial, sans-serif; font-size: .9rem; color: #555; }
            ins { background: #dafbe1; text-decoration: none; }
            del { background: #ffebe9; color: #82071e; }
            #show-changes:not(:checked) ~ main del { display: none; }
            #show-changes:not(:checked) ~ main ins { background: none; }
            @media print { section.review { background: none; } input.changes, label.changes { display: none; } }
            </style>
            </head>
            <body>
            <div class="page">
            <header class="meta">
            <div class="kind">Quorum proposal · \(escape(slug))</div>
            <h1>\(escape(title))</h1>
            <dl>
            <dt>\(label.hasPrefix("Version") ? "Version" : "Round")</dt><dd>\(escape(label.hasPrefix("Version ") ? String(label.dropFirst(8)) : String(label.dropFirst(6))))</dd>
            <dt>Date</dt><dd>\(escape(day))</dd>
            <dt>Status</dt><dd>\(escape(status))</dd>
            </dl>
            </header>
            \(notes)\(toggle)<main>
            \(text)
            </main>
            <section class="review" id="changelog">
            <h2>Changelog</h2>
            \(changes)
            </section>
            <section class="review" id="credits">
            <h2>Credits</h2>
            \(people)
            </section>
            </div>
            </body>
            </html>

            """
    }

    /// A document's text as a reader sees it with the changes since
    /// `previous` marked; nil without `previous`. A document that is new
    /// since then is marked inserted whole.
    private func marked(_ name: String) -> ChangeMarks? {
        guard let previous, let new = documents.first(where: { $0.name == name }) else { return nil }
        let old = previous.documents.first { $0.name == name }.map { DocumentLines($0.text).readerText } ?? ""
        return try? ChangeMarks(from: old, to: DocumentLines(new.text).readerText)
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
