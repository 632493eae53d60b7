import Foundation

/// A real SMTP server for a test: `scripts/smtp-sink.py` (aiosmtpd) in its own process, storing
/// what it accepts as .eml files. `scripts/test.sh` installs aiosmtpd.
final class SMTPSink: @unchecked Sendable {
    let port: Int
    let maildir: URL
    let control: URL
    private var process: Process?
    let arguments: [String]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    nonisolated(unsafe) static var nextPort = 18_700 + Int(ProcessInfo.processInfo.processIdentifier % 50) * 4
    static let lock = NSLock()

    /// A throwaway CA and a localhost certificate (made once per test run).
    static let certs: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("todo-smtp-certs-\(ProcessInfo.processInfo.processIdentifier)")
        let p = Process()
        p.executableURL = root.appendingPathComponent("scripts/smtp-certs.sh")
        p.arguments = [dir.path]
        try? p.run()
        waitForExit(p, seconds: 60)
        return dir
    }()

    enum Mode { case starttls, implicitTLS, plain }

    /// `pipelining`: the server offers PIPELINING (RFC 2920) and marks each message `X-Pipelined`.
    init(mode: Mode, auth: String? = "todo:secret-password", pipelining: Bool = false) throws {
        port = Self.lock.withLock {
            defer { Self.nextPort += 1 }
            return Self.nextPort
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("todo-smtp-\(UUID().uuidString)")
        maildir = dir.appendingPathComponent("mail")
        control = dir.appendingPathComponent("control")
        try FileManager.default.createDirectory(at: maildir, withIntermediateDirectories: true)
        var args = [
            Self.root.appendingPathComponent("scripts/smtp-sink.py").path, "--port", "\(port)", "--maildir", maildir.path, "--control", control.path,
        ]
        if mode != .plain {
            args += ["--cert", Self.certs.appendingPathComponent("cert.pem").path, "--key", Self.certs.appendingPathComponent("key.pem").path]
        }
        if mode == .implicitTLS { args.append("--implicit-tls") }
        if let auth { args += ["--auth", auth] }
        if pipelining { args.append("--pipelining") }
        arguments = args
        try start()
    }

    var caFile: String { Self.certs.appendingPathComponent("ca.pem").path }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        let output = Pipe()
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = output
        try p.run()
        let line = output.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).contains("ready") else { throw SinkError("smtp-sink.py did not start") }
        process = p
    }

    /// Stops the server (the port then refuses connections).
    func stop() {
        if let p = process {
            p.terminate()
            waitForExit(p, seconds: 5)
        }
        process = nil
    }

    /// The reply to DATA from now on ("451 4.3.0 try later", "550 5.1.1 no such user"); nil accepts.
    func reply(_ text: String?) throws {
        try (text ?? "").write(to: control, atomically: true, encoding: .utf8)
    }

    /// The messages received so far, oldest first.
    func messages() throws -> [String] {
        try FileManager.default.contentsOfDirectory(at: maildir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "eml" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
            .map { try String(contentsOf: $0, encoding: .utf8) }
    }

    deinit { stop() }
}

/// Waits for a process to end, killing it after `seconds` (Foundation's `waitUntilExit` spins a
/// CPU on Linux when called off the main thread).
func waitForExit(_ p: Process, seconds: Double) {
    let deadline = Date().addingTimeInterval(seconds)
    while p.isRunning && Date() < deadline { usleep(10_000) }
    if p.isRunning {
        kill(p.processIdentifier, SIGKILL)
        while p.isRunning { usleep(10_000) }
    }
}

struct SinkError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A header's value from a raw message (unfolded).
func header(_ name: String, in message: String) -> String? {
    var value: String?
    for line in message.components(separatedBy: "\r\n") {
        if line.isEmpty { break }
        if let v = value, line.hasPrefix(" ") || line.hasPrefix("\t") {
            value = v + line.trimmingCharacters(in: .whitespaces)
        } else if value != nil {
            return value
        } else if line.lowercased().hasPrefix(name.lowercased() + ":") {
            value = String(line.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces)
        }
    }
    return value
}

/// Decodes RFC 2047 `=?UTF-8?B?…?=` words.
func decodeWords(_ text: String) -> String {
    var out = ""
    for word in text.components(separatedBy: "=?UTF-8?B?") where !word.isEmpty {
        if let end = word.range(of: "?=") {
            out += String(decoding: Data(base64Encoded: String(word[..<end.lowerBound])) ?? Data(), as: UTF8.self)
        } else {
            out += word
        }
    }
    return out
}
