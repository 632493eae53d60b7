import Testing
import TodoCore

/// `If-Match` as a value: absent or `*` admit any version; a list admits the versions it names
/// (RFC 9110 §13.1.1); a list that names none admits nothing. No sentinel version.
@Suite struct VersionPreconditionTests {
    @Test func whatEachFormAdmits() {
        #expect(VersionPrecondition.unconditional.admits(7))
        #expect(VersionPrecondition.anyVersion.admits(7))
        #expect(VersionPrecondition(expecting: 7).admits(7))
        #expect(!VersionPrecondition(expecting: 6).admits(7))
        #expect(VersionPrecondition(expecting: nil) == .unconditional)
        #expect(VersionPrecondition.oneOf([6, 7]).admits(7))
        #expect(!VersionPrecondition.oneOf([]).admits(0))
    }

    @Test func aRefusalSaysWhichVersionsWereAskedFor() {
        #expect(throws: TodoError.preconditionFailed(detail: "The task was changed since you read it (your version 1, now 2).")) {
            try VersionPrecondition(expecting: 1).check(2)
        }
        #expect(throws: TodoError.preconditionFailed(detail: "The task was changed since you read it (your versions 1, 3, now 2).")) {
            try VersionPrecondition.oneOf([1, 3]).check(2)
        }
        #expect(throws: TodoError.preconditionFailed(detail: "The task was changed since you read it (your If-Match names no version, now 2).")) {
            try VersionPrecondition.oneOf([]).check(2)
        }
        #expect(throws: Never.self) { try VersionPrecondition.anyVersion.check(2) }
    }
}
