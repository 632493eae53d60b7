import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TodoCore
import TodoStore

/// `GET /api/v1/export`: everything a person holds as one `todo.export` document;
/// `POST /api/v1/import` (`?dry_run=true`): takes one back (docs/EXPORT.md).
struct TransferRoutes {
    let services: AppServices

    /// An import's body may be this large (a 100,000-task export is about 60 MB).
    static let maxImportSize = 128 << 20

    func add(to group: RouterGroup<AppRequestContext>) {
        group.get("export", use: export)
        group.post("import", use: importDocument)
    }

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksRead)
        guard let user = try await services.accounts.user(id: principal.userID) else { throw TodoError.notFound(resource: "account") }
        let data = try await TransferStore(db: services.db).export(userID: principal.userID)
        var w = JSONWriter(capacity: 4096 + data.tasks.count * 600)
        w.object { w in
            w.key("format")
            w.string(TodoExport.format)
            w.key("version")
            w.int(TodoExport.version)
            w.key("exported_at")
            w.millis(Date())
            w.key("account")
            w.value(
                .object([
                    ("id", .string(user.id.lowercased)), ("email", .string(user.email)), ("display_name", .string(user.displayName)),
                    ("time_zone", .string(user.timeZone.identifier)),
                ]))
            w.key("projects")
            w.value(
                .array(
                    data.projects.map { p in
                        .object([
                            ("id", .string(p.id.lowercased)), ("name", .string(p.name)), ("color", .string(p.color.rawValue)),
                            ("description", .string(p.description)), ("archived", .bool(p.archived)), ("position", .string(p.position.key)),
                            ("created_at", .string(Timestamp.millis(p.createdAt))), ("updated_at", .string(Timestamp.millis(p.updatedAt))),
                            (
                                "sections",
                                .array(
                                    data.sections.filter { $0.projectID == p.id }.map { s in
                                        .object([
                                            ("id", .string(s.id.lowercased)), ("name", .string(s.name)), ("position", .string(s.position.key)),
                                            ("created_at", .string(Timestamp.millis(s.createdAt))),
                                            ("updated_at", .string(Timestamp.millis(s.updatedAt))),
                                        ])
                                    })
                            ),
                        ])
                    }))
            w.key("filters")
            w.value(.array(data.filters.map { FilterRoutes.json($0) }))
            w.key("tasks")
            w.array { w in for task in data.tasks { TaskResponse(task).write(to: &w) } }
        }
        let day = String(Timestamp.millis(Date()).prefix(10))
        return .json(bytes: w.bytes, headers: [.contentDisposition: "attachment; filename=\"todo-export-\(day).json\""])
    }

    /// `POST /api/v1/import`: a `todo.export` document (any size up to 128 MB), or with
    /// `?from=todoist` Todoist's CSV (`&project=Name`), `?from=vikunja` Vikunja's data.json;
    /// `?dry_run=true` says what it would create. The answer counts what was created and what was there already,
    /// and lists the members the format does not know (not fatal).
    @Sendable func importDocument(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.user()
        try principal.require(.tasksWrite)
        var dryRun = false
        var from = "todo"
        var projectName: String?
        for (key, value) in request.uri.queryParameters {
            switch key {
            case "dry_run":
                guard let flag = Bool(String(value)) else { throw TodoError.invalid("dry_run", "must be true or false") }
                dryRun = flag
            case "from":
                guard ["todo", "todoist", "vikunja"].contains(String(value)) else {
                    throw TodoError.invalid("from", "must be todo, todoist or vikunja")
                }
                from = String(value)
            case "project": projectName = String(value)
            default: throw TodoError.invalid(String(key), "is not a parameter of an import (dry_run, from, project)")
            }
        }
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingOWS().lowercased() }
        let expected = from == "todoist" ? ["text/csv", "text/plain"] : ["application/json"]
        guard let type, expected.contains(type) else {
            throw Problem(
                .unsupportedMediaType, code: "unsupported_media_type",
                detail: from == "todoist" ? "Send Todoist's CSV as text/csv." : "Send the document as application/json.")
        }
        let buffer = try await request.body.collect(upTo: Self.maxImportSize)
        let userID = principal.userID
        let zone = try await services.timeZone(of: userID)
        let now = Date().truncatedToMillis
        var doc: JSONValue
        var unknown: [String] = []
        var converterNotes: [String] = []
        switch from {
        case "todoist":
            guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else { throw TodoError.invalid("csv", "must be UTF-8 text") }
            let name = try ProjectRules.name(.string(projectName ?? "Todoist"), field: "project")
            let converted = try TodoistCSV.convert(text, projectName: name, timeZone: zone, now: now, sourceID: Self.sourceID)
            (doc, unknown, converterNotes) = (converted.document, converted.unknown, converted.notes)
        case "vikunja":
            let converted = try VikunjaExport.convert(try JSONValue.parse(Data(buffer.readableBytesView)), timeZone: zone, sourceID: Self.sourceID)
            (doc, unknown, converterNotes) = (converted.document, converted.unknown, converted.notes)
        default:
            doc = try JSONValue.parse(Data(buffer.readableBytesView))
        }
        let plan = try TodoExport.plan(doc, userID: userID, timeZone: zone, now: now) { Self.mapped($0, for: userID) }
        unknown += plan.unknownFields
        let (created, existing, notes) = try await TransferStore(db: services.db).apply(plan, userID: userID, dryRun: dryRun, now: now)
        func counts(_ c: TransferStore.Counts) -> JSONValue {
            .object([
                ("projects", .int(Int64(c.projects))), ("sections", .int(Int64(c.sections))), ("filters", .int(Int64(c.filters))),
                ("tasks", .int(Int64(c.tasks))), ("reminders", .int(Int64(c.reminders))),
            ])
        }
        return .json(
            .object([
                ("dry_run", .bool(dryRun)), ("created", counts(created)), ("existing", counts(existing)),
                ("unknown_fields", .array(unknown.map(JSONValue.string))), ("notes", .array((converterNotes + notes).map(JSONValue.string))),
            ]))
    }

    /// A stable id for an item that has none in its app's export (a CSV row): a UUIDv8 from
    /// SHA-256 of its name.
    static func sourceID(_ name: String) -> UUID { uuid(Array(name.utf8)) }

    /// The id a source id gets in this person's account: the same every time (so an import
    /// repeated finds what it wrote), different per person (two people importing one export get
    /// separate tasks). A UUIDv8 from SHA-256 of both.
    static func mapped(_ source: UUID, for userID: UUID) -> UUID {
        var input = [UInt8]()
        withUnsafeBytes(of: userID.uuid) { input += $0 }
        withUnsafeBytes(of: source.uuid) { input += $0 }
        return uuid(input)
    }

    static func uuid(_ input: [UInt8]) -> UUID {
        var b = Array(SHA256.hash(data: input).prefix(16))
        b[6] = (b[6] & 0x0F) | 0x80
        b[8] = (b[8] & 0x3F) | 0x80
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}
