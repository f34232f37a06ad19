import Foundation
import Ink
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
    public let documents: [(name: String, text: String)]
    public let changelog: [ChangeEntry]
    public let credits: [String]
}

extension ReviewRepository {
    /// Gathers a proposal's text at a snapshot with its header, changelog
    /// (since the previous version) and credits.
    public func exportDocument(slug: String, at snapshot: Snapshot) throws -> ExportedDocument {
        let proposal = try proposal(slug)
        let commitID = try commit(of: snapshot, slug: slug)
        let commit = try git.commit(commitID)
        let versions = try versions(slug: slug)
        let label: String
        let status: String
        var date = commit.committer.time
        var previous: VersionReport?
        switch snapshot {
        case .version(let name):
            let index = versions.firstIndex { $0.version == name } ?? 0
            let version = versions[index]
            previous = index > 0 ? versions[index - 1] : nil
            label = "Version \(name)"
            date = version.date
            status = "Official version" + (version.round.flatMap { n in proposal.round(n).map { " (cut from round \(n), \($0.name))" } } ?? "")
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
            (name: entry.key, text: String(decoding: try git.readBlob(entry.value), as: UTF8.self))
        }
        return ExportedDocument(
            slug: slug, title: proposal.title, label: label, date: date, status: status, documents: docs,
            changelog: try changes(from: previous.flatMap { ObjectID(hex: $0.commit) }, to: commitID),
            credits: try credits(slug: slug))
    }
}

extension ExportedDocument {
    private var day: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(date)))
    }

    private var changelogMarkdown: String {
        if changelog.isEmpty { return "No changes were merged since the previous version.\n" }
        return changelog.map { change in
            var line = "- **\(change.title)** — by \(plain(change.author))"
            if !change.coAuthors.isEmpty { line += " with \(change.coAuthors.map(plain).joined(separator: ", "))" }
            line += change.approvers.isEmpty ? " (pair edit)" : "; approved by \(change.approvers.map(plain).joined(separator: ", "))"
            for override in change.overriddenObjections { line += "; objection by \(override)" }
            return line
        }.joined(separator: "\n") + "\n"
    }

    /// "Ana Lima <ana@example.com>" → "Ana Lima (ana@example.com)", safe in Markdown.
    private func plain(_ person: String) -> String {
        person.replacingOccurrences(of: " <", with: " (").replacingOccurrences(of: ">", with: ")")
    }

    private func body(markdownHeadings: Bool) -> String {
        if documents.count == 1, let only = documents.first { return only.text }
        return documents.map { doc in
            (markdownHeadings ? "<!-- \(doc.name) -->\n\n" : "") + doc.text
        }.joined(separator: "\n\n---\n\n")
    }

    /// A Markdown document: header block, the text, changelog and credits.
    public func markdown() -> String {
        var out = "> **\(title)** — proposal `\(slug)`  \n"
        out += "> \(label) · \(day) · \(status)\n\n"
        out += body(markdownHeadings: true)
        if !out.hasSuffix("\n") { out += "\n" }
        out += "\n---\n\n## Changelog\n\n" + changelogMarkdown
        out += "\n## Credits\n\n" + credits.map { "- \(plain($0))" }.joined(separator: "\n") + "\n"
        return out
    }

    /// A complete, self-contained HTML page (inline style, no external assets).
    public func html() -> String {
        let parser = MarkdownParser()
        let text = documents.map { doc in
            "<article data-document=\"\(escape(doc.name))\">\n" + selfContained(parser.html(from: doc.text)) + "\n</article>"
        }.joined(separator: "\n<hr>\n")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
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
            section.review { font-family: "DejaVu Sans", Arial, sans-serif; font-size: .92rem; background: #f6f8fa; border-radius: 6px; padding: .5rem 1.25rem 1rem; margin-top: 2.5rem; }
            section.review h2 { border: 0; font-size: 1.15rem; }
            @media print { section.review { background: none; } }
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
            <main>
            \(text)
            </main>
            <section class="review" id="changelog">
            <h2>Changelog</h2>
            \(selfContained(parser.html(from: changelogMarkdown)))
            </section>
            <section class="review" id="credits">
            <h2>Credits</h2>
            <ul>
            \(credits.map { "<li>\(escape(plain($0)))</li>" }.joined(separator: "\n"))
            </ul>
            </section>
            </div>
            </body>
            </html>

            """
    }

    /// Keeps the page self-contained and inert whatever the Markdown held:
    /// the tags Markdown produces stay (without attributes, except a link's
    /// web or in-page address); images become their alt text, since loading
    /// them would reach another server; any other raw HTML (scripts, styles,
    /// frames) is shown as text.
    private func selfContained(_ html: String) -> String {
        let plain: Set<String> = [
            "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "em", "strong", "code", "pre",
            "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "del", "s",
        ]
        var out = ""
        var rest = html[...]
        while let open = rest.firstIndex(of: "<") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let tag = rest[open...close]
            rest = rest[rest.index(after: close)...]
            let inner = tag.dropFirst().dropLast()
            let closing = inner.hasPrefix("/")
            let name = inner.drop(while: { $0 == "/" }).prefix(while: { $0.isLetter || $0.isNumber }).lowercased()
            if plain.contains(name) {
                out += closing ? "</\(name)>" : (inner.hasSuffix("/") ? "<\(name)/>" : "<\(name)>")
            } else if name == "a" {
                if closing {
                    out += "</a>"
                } else if let href = attribute("href", in: String(inner)), href.hasPrefix("https://") || href.hasPrefix("http://") || href.hasPrefix("mailto:") || href.hasPrefix("#") {
                    out += "<a href=\"\(escape(href))\" rel=\"noreferrer\">"
                } else {
                    out += "<a>"
                }
            } else if name == "img" {
                out += "[image: \(escape(attribute("alt", in: String(inner)) ?? ""))]"
            } else {
                out += escape(String(tag))
            }
        }
        return out + rest
    }

    /// The value of `name="…"` in a tag's text (Ink writes double quotes).
    private func attribute(_ name: String, in tag: String) -> String? {
        guard let start = tag.range(of: name + "=\"") else { return nil }
        let value = tag[start.upperBound...].prefix(while: { $0 != "\"" })
        return String(value)
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
