import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TodoApp
import TodoCore
import TodoStore

/// `todo doctor`: integrity checks after an incident; exits 1 when any check finds something.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "doctor", abstract: "Check the data for problems an incident can leave.")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        var problems = 0
        try await withDatabase(options, label: "doctor") { db in
            for finding in try await Doctor(db: db).run() {
                print("\(finding.count == 0 ? "ok  " : "FAIL") \(finding.check): \(finding.count)\(finding.count == 0 ? "" : " — \(finding.hint)")")
                if finding.count > 0 { problems += 1 }
            }
        }
        if problems > 0 { throw ExitCode(1) }
    }
}
