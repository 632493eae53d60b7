import Foundation

/// A project quick add may name (`+Work`), with its sections (`/Doing`).
public struct QuickAddProject: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var isInbox: Bool
    public var sections: [(id: UUID, name: String)]

    public init(id: UUID, name: String, isInbox: Bool = false, sections: [(id: UUID, name: String)] = []) {
        (self.id, self.name, self.isInbox, self.sections) = (id, name, isInbox, sections)
    }

    public static func == (a: QuickAddProject, b: QuickAddProject) -> Bool {
        a.id == b.id && a.name == b.name && a.isInbox == b.isInbox && a.sections.map(\.id) == b.sections.map(\.id)
            && a.sections.map(\.name) == b.sections.map(\.name)
    }
}

/// `+Project` and `/Section`: a name of the person's (case-insensitive; a name of several words
/// as written, longest first) or a unique prefix of one. An unknown or ambiguous name stays in
/// the title and is reported among the result's `unknown` pieces.
extension Parser {
    mutating func project(_ i: Int) -> Int? {
        guard let k = key(i), k.hasPrefix("+"), k.count > 1, !projects.isEmpty else { return nil }
        guard let (project, n) = Self.match(words: wordsFrom(i, prefix: "+"), among: projects.map { ($0, $0.name) }) else {
            result.unknown.append(token(i, i + 1, .project, record: false))
            return nil
        }
        result.projectID = project.id
        chosenProject = project
        token(i, i + n, .project)
        return n
    }

    /// Sections are matched after everything else, in the project the line chose (else the Inbox).
    mutating func sections() {
        guard let project = chosenProject ?? projects.first(where: \.isInbox) else { return }
        for i in words.indices {
            guard let k = key(i), k.hasPrefix("/"), k.count > 1 else { continue }
            guard let (section, n) = Self.match(words: wordsFrom(i, prefix: "/"), among: project.sections.map { ($0, $0.name) }) else {
                result.unknown.append(token(i, i + 1, .section, record: false))
                continue
            }
            if result.sectionID == nil {
                result.sectionID = section.id
                token(i, i + n, .section)
            }
        }
    }

    /// The lowercased words from `i` on (the first without its prefix), up to the next one used.
    func wordsFrom(_ i: Int, prefix: String) -> [String] {
        var out: [String] = []
        var j = i
        while let k = key(j), out.count < 8 {
            out.append(j == i ? String(k.dropFirst(prefix.count)) : k)
            j += 1
        }
        return out
    }

    /// The longest run of `words` that is an item's whole name; else the first word as the
    /// unique prefix of one name.
    static func match<T>(words: [String], among items: [(T, String)]) -> (T, Int)? {
        let keyed = items.map { ($0.0, ProjectRules.nameKey($0.1)) }
        for n in stride(from: words.count, through: 1, by: -1) {
            let phrase = words.prefix(n).joined(separator: " ")
            if let hit = keyed.first(where: { $0.1 == phrase }) { return (hit.0, n) }
        }
        guard let first = words.first, !first.isEmpty else { return nil }
        let prefixed = keyed.filter { $0.1.hasPrefix(first) }
        return prefixed.count == 1 ? (prefixed[0].0, 1) : nil
    }
}
