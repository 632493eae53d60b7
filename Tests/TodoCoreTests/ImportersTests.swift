import Foundation
import Testing
import TodoCore

/// The importers' translation into a todo.export document. (Whole files through the API and the
/// CLI: scripts/e2e-transfer.py.)
@Suite struct ImportersTests {
    let ids: @Sendable (String) -> UUID = { name in
        var bytes = [UInt8](repeating: 0, count: 16)
        for (i, b) in name.utf8.enumerated() { bytes[i % 16] = bytes[i % 16] &* 31 &+ b }
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12],
                bytes[13], bytes[14], bytes[15]
            ))
    }

    @Test func todoistCSVQuotingAndIndents() throws {
        let csv =
            "\u{FEFF}TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT\r\ntask,\"Say \"\"hi\"\", then go\",\"line one\nline two\",2,1\r\ntask,Child,,,2\r\ntask,Orphan,,4,3\n"
        let converted = try TodoistCSV.convert(csv, projectName: "P", timeZone: "UTC", now: Date(), sourceID: ids)
        let tasks = converted.document["tasks"]!.arrayValue!
        #expect(tasks.map { $0["title"]!.stringValue! } == ["Say \"hi\", then go", "Child", "Orphan"])
        #expect(tasks[0]["description"] == "line one\nline two" && tasks[0]["priority"] == "high")
        #expect(tasks[1]["parent_id"] == tasks[0]["id"] && tasks[1]["priority"] == "urgent")  // empty PRIORITY is p1, as Todoist reads it
        #expect(tasks[2]["parent_id"] == tasks[1]["id"])
        // The same file gives the same ids.
        let again = try TodoistCSV.convert(csv, projectName: "P", timeZone: "UTC", now: Date(), sourceID: ids)
        #expect(again.document["tasks"]!.arrayValue!.map { $0["id"] } == tasks.map { $0["id"] })
        #expect(throws: TodoError.self) { try TodoistCSV.convert("TITLE,WHEN\nx,y\n", projectName: "P", timeZone: "UTC", now: Date(), sourceID: ids) }
        #expect(throws: TodoError.self) {
            try TodoistCSV.convert("TYPE,CONTENT\ntask,\"open", projectName: "P", timeZone: "UTC", now: Date(), sourceID: ids)
        }
    }

    @Test func vikunjaRepeatsBecomeRules() throws {
        func rule(_ after: Int64, _ mode: Int64) throws -> JSONValue? {
            let doc: JSONValue = .array([
                .object([
                    ("id", .int(1)), ("title", "P"),
                    (
                        "tasks",
                        .array([
                            .object([
                                ("id", .int(2)), ("title", "T"), ("due_date", "2027-01-01T09:00:00Z"), ("repeat_after", .int(after)),
                                ("repeat_mode", .int(mode)),
                            ])
                        ])
                    ),
                ])
            ])
            return try VikunjaExport.convert(doc, timeZone: "UTC", sourceID: ids).document["tasks"]!.arrayValue![0]["recurrence"]
        }
        #expect(try rule(86400, 0)?["rule"] == "FREQ=DAILY")
        #expect(try rule(3 * 7 * 86400, 2)?["rule"] == "FREQ=WEEKLY;INTERVAL=3")
        #expect(try rule(3 * 7 * 86400, 2)?["anchor"] == "completion")
        #expect(try rule(0, 1)?["rule"] == "FREQ=MONTHLY")
        #expect(try rule(90, 0) == nil)  // 90 s: no rule says it
        #expect(try rule(0, 0) == nil)
    }
}
