import Foundation
import QuorumGit

/// What a comment points at: a document, optionally a line range or a
/// Markdown section, in the text of one commit.
public struct CommentAnchor: Codable, Sendable, Equatable {
    public var document: String
    /// First and last line (1-based) in `commit`'s text.
    public var firstLine: Int?
    public var lastLine: Int?
    /// A Markdown heading's text as a reader sees it (`MarkdownHeading.text`).
    public var section: String?
    /// The commit whose text the lines refer to.
    public var commit: String
}

/// One comment as recorded.
public struct Comment: Sendable {
    public let id: ObjectID
    public let by: Signature
    public let text: String
    public let anchor: CommentAnchor?
    public let reply: ObjectID?

    init(event: Event) {
        id = event.id
        by = event.actor
        text = event.record.message ?? ""
        anchor = event.record.anchor
        reply = event.record.reply.flatMap(ObjectID.init(hex:))
    }
}

/// A comment as `show` prints it: in thread order, its anchor mapped onto
/// the current text.
public struct CommentReport: Codable, Sendable {
    public let id: String
    public let author: String
    public let name: String
    public let date: Int64
    public let text: String
    public let replyTo: String?
    /// 0 for a thread's first comment, 1 for a reply to it, …
    public let depth: Int
    public let document: String?
    public let section: String?
    /// Where the anchored lines are in the current text.
    public let firstLine: Int?
    public let lastLine: Int?
    /// The anchored lines (or section) changed or went away since.
    public let outdated: Bool
}
