import ArgumentParser
import Foundation
import TodoApp
import TodoCore

/// `todo export [--output FILE]`: everything you hold as one `todo.export` document.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write everything you hold (projects, sections, filters, tasks) as a todo.export JSON document.")
    @OptionGroup var api: APIOptions
    @Option(name: .shortAndLong, help: "The file to write (default: standard output).") var output: String?

    func run() async throws {
        let client = try api.client()
        let bytes = try await reportingFailures("export") { try await client.download("/api/v1/export") }
        if let output {
            try Data(bytes).write(to: URL(fileURLWithPath: output))
            let doc = try JSONValue.parse(Data(bytes))
            if case .array(let tasks)? = doc["tasks"] { print("Exported \(tasks.count) tasks to \(output).") }
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }
}

/// `todo import FILE [--dry-run]`: a `todo.export` document into your account, in parts of
/// `--batch` tasks (each part a request, parents before their subtasks), with a progress bar.
/// Repeating it creates nothing twice.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a todo.export document (todo export, GET /api/v1/export); repeating it creates nothing twice.")
    @OptionGroup var api: APIOptions
    @Argument(help: "The document (a file, or - for standard input).") var file: String
    @Flag(help: "Say what would be created, create nothing.") var dryRun = false
    @Option(help: "Tasks per request.") var batch = 1000
    @Option(help: "The file's app: todo (default), todoist (its CSV export) or vikunja (its export zip, or the data.json in it).")
    var from = "todo"
    @Option(help: "With --from todoist: the project the CSV's tasks go into (default: the file's name).") var project: String?

    func validate() throws {
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be from 1 to 10000") }
        guard ["todo", "todoist", "vikunja"].contains(from) else { throw ValidationError("--from must be todo, todoist or vikunja") }
    }

    func run() async throws {
        let client = try api.client()
        var data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        if from != "todo" {
            if from == "vikunja" && data.starts(with: [0x50, 0x4B]) { data = try Self.unzip(file, member: "data.json") }
            var path = "/api/v1/import?from=\(from)\(dryRun ? "&dry_run=true" : "")"
            if from == "todoist" {
                let name = project ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                path += "&project=" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "Todoist")
            }
            let answer = try await reportingFailures("import") {
                try await client.post(path, bytes: Array(data), contentType: from == "todoist" ? "text/csv" : "application/json")
            }
            Self.report([answer], dryRun: dryRun)
            return
        }
        let doc: JSONValue
        do { doc = try JSONValue.parse(data) } catch { throw ValidationError("\(file) is not JSON: \(error)") }
        guard case .object(let members) = doc else { throw ValidationError("\(file) is not a todo.export document") }
        let tasks: [JSONValue]
        if case .array(let list)? = doc["tasks"] { tasks = list } else { tasks = [] }
        // Every part carries the projects and filters (already there after the first: not created twice).
        let head = members.filter { $0.0 != "tasks" }
        let parts = dryRun ? [tasks[...]] : stride(from: 0, to: max(tasks.count, 1), by: batch).map { tasks[$0..<min($0 + batch, tasks.count)] }
        var answers: [JSONValue] = []
        let bar = ProgressBar(total: tasks.count, label: dryRun ? "Checking" : "Importing")
        var done = 0
        for part in parts {
            let answer = try await reportingFailures("import") {
                try await client.post("/api/v1/import\(dryRun ? "?dry_run=true" : "")", .object(head + [("tasks", .array(Array(part)))]))
            }
            answers.append(answer)
            done += part.count
            bar.update(done)
        }
        bar.finish()
        Self.report(answers, dryRun: dryRun)
    }

    /// What the answers of an import's parts say together.
    static func report(_ answers: [JSONValue], dryRun: Bool) {
        let order = ["projects", "sections", "filters", "tasks", "reminders"]
        var created: [String: Int64] = [:]
        var existing: [String: Int64] = [:]
        var unknown: Set<String> = []
        var notes: [String] = []
        for (i, answer) in answers.enumerated() {
            for kind in order {
                if case .int(let n)? = answer["created"]?[kind] { created[kind, default: 0] += n }
                // Projects and filters come with every part: count them once.
                if case .int(let n)? = answer["existing"]?[kind], kind == "tasks" || kind == "reminders" || i == 0 { existing[kind, default: 0] += n }
            }
            unknown.formUnion((answer["unknown_fields"]?.arrayValue ?? []).compactMap(\.stringValue))
            notes += (answer["notes"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        func summary(_ counts: [String: Int64]) -> String { order.map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ") }
        print("\(dryRun ? "Would create" : "Created"): \(summary(created)).")
        print("Already there: \(summary(existing)).")
        if !unknown.isEmpty { print("Not part of the format (left out): \(unknown.sorted().joined(separator: ", ")).") }
        for note in notes.prefix(20) { print("Note: \(note)") }
        if notes.count > 20 { print("… and \(notes.count - 20) more notes.") }
    }

    /// One member of a zip file, by `unzip -p` (Vikunja's export is a zip).
    static func unzip(_ file: String, member: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["unzip", "-p", file, member]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, !data.isEmpty else {
            throw ValidationError("could not read \(member) from \(file) (is unzip installed?); unzip it and import \(member)")
        }
        return data
    }
}

/// A progress bar on standard error: redrawn in place on a terminal, a line per tenth otherwise.
final class ProgressBar {
    let total: Int
    let label: String
    let terminal = isatty(2) == 1
    var lastTenth = -1

    init(total: Int, label: String) { (self.total, self.label) = (total, label) }

    func update(_ done: Int) {
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let width = 30
        let filled = Int((fraction * Double(width)).rounded(.down))
        let line = "\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) tasks"
        if terminal {
            FileHandle.standardError.write(Data("\r\(line)".utf8))
        } else if Int(fraction * 10) != lastTenth {
            lastTenth = Int(fraction * 10)
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func finish() { if terminal { FileHandle.standardError.write(Data("\n".utf8)) } }
}
