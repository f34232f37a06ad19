import Foundation
import QuorumGit

/// An event a fold did not apply because a rule refused it: it counts for
/// nothing. The hook refuses a push that brings one; `quorum verify`
/// reports each.
public struct Violation: Sendable {
    /// The event's commit.
    public let event: ObjectID
    /// Who the event says wrote it.
    public let actor: Signature
    public let refusal: Refusal

    init(event: Event, refusal: Refusal) {
        self.event = event.id
        self.actor = event.actor
        self.refusal = refusal
    }
}
