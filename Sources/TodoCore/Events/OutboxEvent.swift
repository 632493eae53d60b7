import Foundation

/// An event as written to the outbox: a CloudEvents 1.0 structured-mode document plus where it
/// goes. `id` is the idempotency key everywhere.
public struct OutboxEvent: Sendable, Equatable {
    public var id: UUID
    public var topic: Topic
    public var type: String
    /// The partition key: the user id (per-user ordering).
    public var key: String
    public var subject: String?
    public var time: Date
    public var data: JSONValue
    /// W3C trace context of the request (or event) that caused this event.
    public var traceparent: String?
    /// The person whose request caused it (`actorid`; nil for a service's own work).
    public var actor: UUID?

    public init(
        id: UUID = .v7(), topic: Topic, type: String, key: String, subject: String?, time: Date, data: JSONValue,
        traceparent: String? = TraceContext.traceparent, actor: UUID? = EventActor.id
    ) {
        self.traceparent = traceparent
        self.actor = actor
        self.id = id
        self.topic = topic
        self.type = type
        self.key = key
        self.subject = subject
        self.time = time
        self.data = data
    }

    public var partition: Int { Topic.partition(forKey: key) }

    /// The CloudEvent (structured JSON, `application/cloudevents+json`).
    public var cloudEvent: JSONValue {
        var members: [(String, JSONValue)] = [
            ("specversion", "1.0"), ("id", .string(id.lowercased)), ("source", "/todo/tasks"), ("type", .string(type)),
        ]
        if let subject { members.append(("subject", .string(subject))) }
        members += [
            ("time", .string(Timestamp.millis(time))), ("datacontenttype", "application/json"),
            ("partitionkey", .string(key)),
        ]
        if let traceparent { members.append(("traceparent", .string(traceparent))) }
        if let actor { members.append(("actorid", .string(actor.lowercased))) }
        members.append(("data", data))
        return .object(members)
    }
}
