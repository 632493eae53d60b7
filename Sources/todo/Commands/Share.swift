import ArgumentParser
import Foundation
import TodoApp
import TodoCore

/// `todo share PROJECT EMAIL [--role editor]`: invites someone to a project (an owner's right).
struct ShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share", abstract: "Invite someone to a project by email (owner, editor or viewer), through the API.")
    @OptionGroup var api: APIOptions
    @Argument(help: "The project, by name (case-insensitive, or a unique prefix).") var project: String
    @Argument(help: "The address to invite.") var email: String
    @Option(help: "owner, editor (default) or viewer.") var role: String = "editor"

    func validate() throws {
        guard MemberRole(rawValue: role) != nil else { throw ValidationError("--role must be owner, editor or viewer") }
    }

    func run() async throws {
        let client = try api.client()
        let id = try await ListCommand.find(project, in: "/api/v1/projects", kind: "project", client: client)
        let invitation = try await reportingFailures("share") {
            try await client.post("/api/v1/projects/\(id)/invitations", .object([("email", .string(email)), ("role", .string(role))]))
        }
        let until = String(invitation["expires_at"]?.stringValue?.prefix(10) ?? "")
        if let link = invitation["link"]?.stringValue {
            print("Invited \(email) as \(role). This server sends no email: give them this link (one use, until \(until)):\n\(link)")
        } else {
            print("Invited \(email) as \(role): the link is on its way by email (one use, until \(until)).")
        }
    }
}

/// `todo members PROJECT`: who is in a project; `--role EMAIL=ROLE`, `--remove EMAIL`,
/// `--transfer EMAIL`, `--leave`.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members", abstract: "List a project's people, change a role, remove someone or leave, through the API.")
    @OptionGroup var api: APIOptions
    @Argument(help: "The project, by name (case-insensitive, or a unique prefix).") var project: String
    @Option(name: .customLong("role"), help: "Change a member's role: EMAIL=owner|editor|viewer.") var setRole: String?
    @Option(help: "Remove the member with this address (their tasks are unassigned).") var remove: String?
    @Option(help: "Make the member with this address the project's holder (you stay an owner).") var transfer: String?
    @Flag(help: "Leave the project yourself.") var leave = false

    func validate() throws {
        if [setRole != nil, remove != nil, transfer != nil, leave].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --role, --remove, --transfer, --leave")
        }
        if let setRole {
            let parts = setRole.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, MemberRole(rawValue: String(parts[1])) != nil else {
                throw ValidationError("--role takes EMAIL=ROLE, the role being owner, editor or viewer")
            }
        }
    }

    func run() async throws {
        let client = try api.client()
        let id = try await ListCommand.find(project, in: "/api/v1/projects", kind: "project", client: client)
        let path = "/api/v1/projects/\(id)/members"
        if leave {
            try await reportingFailures("members") { try await client.delete("\(path)/me") }
            print("You left \(project).")
            return
        }
        let listed = try await reportingFailures("members") { try await client.get(path) }
        guard case .array(let members)? = listed["items"] else { return }
        func member(_ email: String) throws -> String {
            guard let m = members.first(where: { $0["email"]?.stringValue?.lowercased() == email.lowercased() }), let id = m["user_id"]?.stringValue
            else { throw ValidationError("\(email) is not a member of \(project)") }
            return id
        }
        if let setRole {
            let parts = setRole.split(separator: "=", maxSplits: 1).map(String.init)
            let user = try member(parts[0])
            _ = try await reportingFailures("members") { try await client.patch("\(path)/\(user)", .object([("role", .string(parts[1]))])) }
            print("\(parts[0]) is now \(parts[1]) of \(project).")
            return
        }
        if let transfer {
            let user = try member(transfer)
            _ = try await reportingFailures("members") {
                try await client.post("/api/v1/projects/\(id)/transfer", .object([("user_id", .string(user))]))
            }
            print("\(transfer) now holds \(project); you stay an owner.")
            return
        }
        if let remove {
            let user = try member(remove)
            try await reportingFailures("members") { try await client.delete("\(path)/\(user)") }
            print("Removed \(remove) from \(project).")
            return
        }
        for (i, m) in members.enumerated() {
            let name = (m["display_name"]?.stringValue ?? "").padding(toLength: 20, withPad: " ", startingAt: 0)
            let email = (m["email"]?.stringValue ?? "").padding(toLength: 32, withPad: " ", startingAt: 0)
            print("\(name) \(email) \(m["role"]?.stringValue ?? "")\(i == 0 ? " (holds the project)" : "")")
        }
    }
}
