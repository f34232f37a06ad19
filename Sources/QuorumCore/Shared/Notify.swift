import Foundation
import QuorumGit

// The post-receive hook: new events handed to a configured command.

/// One new event, as the post-receive hook hands it to the configured
/// notification command: one JSON object per line.
public struct EventNotification: Codable, Sendable {
    /// The chain it was recorded on.
    public let ref: String
    /// The event's commit id.
    public let id: String
    public let type: String
    public let slug: String?
    /// The suggestion it belongs to, for suggestion events.
    public let suggestion: String?
    public let actor: String
    public let actorName: String
    public let time: Int64
    /// The first line of its commit message ("Approve: Make Delivery step 1 concrete").
    public let summary: String
    public let record: EventRecord
}

extension SharedRepository {
    /// The events new in these updates, oldest first within each chain.
    public func notifications(for updates: [PushedRef]) throws -> [EventNotification] {
        var result: [EventNotification] = []
        for update in updates {
            guard let new = update.new else { continue }
            let kind = SharedRef(update.name)
            guard kind.isEventChain else { continue }
            var suggestion: String?
            var slug: String?
            switch kind {
            case .suggestionMeta(let s, let id): slug = s; suggestion = id.hex
            case .proposalMeta(let s), .proposalComments(let s): slug = s
            default: break
            }
            for id in try git.commits(from: new, excluding: update.old.map { [$0] } ?? []) {
                let commit = try git.commit(id)
                guard commit.parents.count <= 1, let event = try? review.log.decode(commit) else { continue }
                result.append(EventNotification(
                    ref: update.name, id: id.hex, type: event.record.type.rawValue, slug: event.record.slug ?? slug,
                    suggestion: suggestion, actor: event.actor.email, actorName: event.actor.name, time: event.actor.time,
                    summary: String(commit.message.split(separator: "\n").first ?? ""), record: event.record))
            }
        }
        return result
    }

    /// Runs the command configured as `quorum.notify` (with `sh -c`, in the
    /// repository's directory) with one JSON line per new event on its
    /// standard input. Returns nil, doing nothing, when no command is
    /// configured or there is nothing new; otherwise how many events were
    /// sent and the command's exit status.
    @discardableResult
    public func notify(_ updates: [PushedRef]) throws -> (events: Int, status: Int32)? {
        guard let command = try git.configString(SharedRepository.notifyKey), !command.trimming(.spaces).isEmpty else {
            return nil
        }
        let notifications = try notifications(for: updates)
        guard !notifications.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines = Data()
        for notification in notifications {
            lines += try encoder.encode(notification) + Data(utf8: "\n")
        }
        // The lines go through a file, so a command that does not read its
        // input can never block the push.
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("quorum-notify-\(getpid())-\(UUID().uuidString)")
        try lines.write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: git.gitDirectory)
        let handle = try FileHandle(forReadingFrom: input)
        defer { try? handle.close() }
        process.standardInput = handle
        try process.run()
        process.waitUntilExit()
        return (notifications.count, process.terminationStatus)
    }
}
