import CCmarkGFM
import Foundation

/// A heading of a Markdown document and the section it opens.
public struct MarkdownHeading: Sendable, Equatable {
    /// 1 for `#` (or a `===` underline) to 6 for `######`.
    public let level: Int
    /// The heading as a reader sees it: its inline text without markup
    /// (`## *Delivery*` → "Delivery"), spaces collapsed.
    public let text: String
    /// For an ATX heading, the text after its `#`s as typed (`## *Delivery*`
    /// → "*Delivery*"): what section anchors recorded before headings were
    /// parsed by cmark-gfm, still accepted as the heading's name.
    public let typed: String?
    /// The heading's own lines (1-based; a setext heading and its underline are two).
    public let lines: ClosedRange<Int>
    /// The section: from the heading's first line to the last non-blank
    /// line before the next heading of the same or a higher level (a
    /// smaller or equal `level`), or before the end of the document.
    public let section: ClosedRange<Int>

    /// Whether `name` (as given to `--section`) names this heading.
    public func isNamed(_ name: String) -> Bool {
        let given = MarkdownDocument.collapsed(name)
        return text == given || typed == given
    }
}

/// cmark-gfm's extensions are registered once per process, before the
/// first parser looks them up.
private let extensionsRegistered: Void = { cmark_gfm_core_extensions_ensure_registered() }()

/// One Markdown document parsed by cmark-gfm, GitHub's CommonMark engine:
/// CommonMark with GitHub's tables, strikethrough and autolinks, with
/// source positions. Its headings, sections and line numbers, and the HTML
/// `export` writes, all come from this one parse, so a heading is a
/// heading wherever Quorum looks (ATX `## x` or setext `x` over `---`, after
/// a byte order mark, with CRLF endings, with tabs).
///
/// Raw HTML in the text is never passed through: cmark-gfm's safe mode
/// renders it as `<!-- raw HTML omitted -->` (and drops `javascript:` and
/// similar addresses), and everything after it still renders as Markdown.
///
/// Owns the cmark parser and node tree and frees them in `deinit`; no
/// pointer leaves this type. Not thread-safe: use one from one thread.
public final class MarkdownDocument {
    /// The text's lines, as the parse numbers them.
    public let lines: DocumentLines
    private let parser: OpaquePointer
    private let root: OpaquePointer

    /// Parses a document's stored bytes (UTF-8; a byte order mark is skipped).
    public convenience init(_ data: Data) {
        self.init(lines: DocumentLines(data))
    }

    /// Parses a text.
    public convenience init(_ text: String) {
        self.init(lines: DocumentLines(text))
    }

    /// Parses already split lines.
    public init(lines: DocumentLines) {
        _ = extensionsRegistered
        self.lines = lines
        // CMARK_OPT_DEFAULT is the safe mode (no CMARK_OPT_UNSAFE).
        // cmark-gfm's allocator aborts when memory runs out, so these never return NULL.
        guard let parser = cmark_parser_new(CMARK_OPT_DEFAULT | CMARK_OPT_SOURCEPOS | CMARK_OPT_VALIDATE_UTF8) else {
            preconditionFailure("cmark_parser_new returned NULL")
        }
        for name in ["table", "strikethrough", "autolink"] {
            if let extensionHandle = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, extensionHandle)
            }
        }
        // The text after the byte order mark, endings as stored: cmark reads
        // LF, CRLF and CR as DocumentLines does, so line N is the same line.
        var text = lines.bytes
        if lines.hasByteOrderMark { text.removeFirst(3) }
        text.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress {
                cmark_parser_feed(parser, base.assumingMemoryBound(to: CChar.self), buffer.count)
            }
        }
        guard let root = cmark_parser_finish(parser) else { preconditionFailure("cmark_parser_finish returned NULL") }
        self.parser = parser
        self.root = root
    }

    deinit {
        cmark_node_free(root)
        cmark_parser_free(parser)
    }

    // MARK: Headings and sections

    /// Every heading in document order, with the section each opens.
    public lazy var headings: [MarkdownHeading] = {
        var found: [(level: Int, text: String, typed: String?, lines: ClosedRange<Int>)] = []
        walk { node, entering in
            guard entering, cmark_node_get_type(node) == CMARK_NODE_HEADING else { return }
            let lines = Self.lines(of: node)
            found.append((Int(cmark_node_get_heading_level(node)), Self.collapsed(plainText(of: node)), typedText(line: lines.lowerBound), lines))
        }
        return found.enumerated().map { index, heading in
            let next = found[(index + 1)...].first { $0.level <= heading.level }
            var end = next.map { $0.lines.lowerBound - 1 } ?? lines.count
            while end > heading.lines.upperBound && lines.isBlank(end) { end -= 1 }
            return MarkdownHeading(
                level: heading.level, text: heading.text, typed: heading.typed, lines: heading.lines,
                section: heading.lines.lowerBound...max(end, heading.lines.upperBound))
        }
    }()

    /// The first heading `name` names (its text, or for an ATX heading the
    /// text after its `#`s as typed), or nil.
    public func heading(named name: String) -> MarkdownHeading? {
        headings.first { $0.isNamed(name) }
    }

    /// The lines a block node spans (1-based). cmark closes a setext
    /// heading on the line after its underline, at column 0: that line is
    /// not the heading's.
    private static func lines(of node: OpaquePointer) -> ClosedRange<Int> {
        let first = Int(cmark_node_get_start_line(node))
        var last = Int(cmark_node_get_end_line(node))
        if cmark_node_get_end_column(node) == 0 { last -= 1 }
        return first...max(first, last)
    }

    /// The text of an ATX heading's line after its `#`s, as the hand-written
    /// finder before cmark-gfm read it; nil for other lines.
    private func typedText(line: Int) -> String? {
        guard let text = lines.text(ofLine: line)?.drop(while: { $0 == " " }), text.hasPrefix("#") else { return nil }
        let rest = text.drop(while: { $0 == "#" })
        guard rest.first == " " || rest.first == "\t" else { return nil }
        return Self.collapsed(String(rest))
    }

    /// A node's inline text without markup: text and code spans as
    /// written, line breaks as spaces, raw HTML left out.
    private func plainText(of node: OpaquePointer) -> String {
        var out = ""
        walk(from: node) { child, entering in
            guard entering else { return }
            let type = cmark_node_get_type(child)
            if type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE {
                out += cmark_node_get_literal(child).map { String(cString: $0) } ?? ""
            } else if type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK {
                out += " "
            }
        }
        return out
    }

    /// Runs of spaces and tabs as one space, trimmed.
    static func collapsed(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    // MARK: Editing before rendering

    /// Removes the document's first block when it is a level-1 heading
    /// reading `title` (spaces collapsed, letter case ignored), so that an
    /// export that prints the title in its header does not print it twice.
    /// Returns the removed heading's lines, or nil when nothing was removed.
    @discardableResult
    public func removeLeadingTitle(_ title: String) -> ClosedRange<Int>? {
        guard let first = cmark_node_first_child(root), cmark_node_get_type(first) == CMARK_NODE_HEADING,
              cmark_node_get_heading_level(first) == 1,
              Self.collapsed(plainText(of: first)).lowercased() == Self.collapsed(title).lowercased() else { return nil }
        let removed = Self.lines(of: first)
        cmark_node_free(first)
        return removed
    }

    /// Makes the rendered page load nothing and lead nowhere unexpected:
    /// an image becomes its alt text in brackets ("[image: logo]"), since
    /// loading it would reach another server; a link keeps its address
    /// only when that is a web page (http, https), an email (mailto) or a
    /// place in the page (#…), and is otherwise just its text.
    public func makeSelfContained() {
        var images: [OpaquePointer] = []
        var links: [OpaquePointer] = []
        walk { node, entering in
            guard entering else { return }
            let type = cmark_node_get_type(node)
            if type == CMARK_NODE_IMAGE { images.append(node) }
            if type == CMARK_NODE_LINK { links.append(node) }
        }
        for link in links {
            let url = cmark_node_get_url(link).map { String(cString: $0) } ?? ""
            let lowered = url.lowercased()
            if ["https://", "http://", "mailto:", "#"].contains(where: lowered.hasPrefix) { continue }
            while let child = cmark_node_first_child(link) { cmark_node_insert_before(link, child) }
            cmark_node_free(link)
        }
        // Last first: an image inside another's description (a descendant
        // comes after its ancestor in document order) becomes text before
        // the outer one reads its description and is freed with it.
        for image in images.reversed() {
            if let text = cmark_node_new(CMARK_NODE_TEXT) {
                cmark_node_set_literal(text, "[image: \(Self.collapsed(plainText(of: image)))]")
                cmark_node_insert_before(image, text)
            }
            cmark_node_free(image)
        }
    }

    // MARK: Rendering

    /// The document as an HTML fragment (no `<html>` or `<body>`), in
    /// cmark-gfm's safe mode: raw HTML omitted, tables, strikethrough and
    /// autolinks rendered.
    public func html() -> String {
        let extensions = cmark_parser_get_syntax_extensions(parser)
        guard let rendered = cmark_render_html(root, CMARK_OPT_DEFAULT, extensions) else { return "" }
        defer { free(rendered) }
        return String(cString: rendered)
    }

    // MARK: Walking

    /// Calls `visit` for each node under `start` (the whole document by
    /// default) on entering it and on leaving it (`entering` false; leaf
    /// nodes are only entered). The tree must not change during the walk.
    private func walk(from start: OpaquePointer? = nil, _ visit: (OpaquePointer, _ entering: Bool) -> Void) {
        guard let iterator = cmark_iter_new(start ?? root) else { return }
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            if let node = cmark_iter_get_node(iterator) { visit(node, event == CMARK_EVENT_ENTER) }
        }
    }
}
