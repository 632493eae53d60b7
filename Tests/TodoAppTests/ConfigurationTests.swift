import Foundation
import Testing
import TodoApp

@Suite struct ConfigurationTests {
    @Test func jwtSecretHoldsSeveralKeys() throws {
        let keys = try AppConfiguration.parseJWTKeys("2026-11:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,2026-05:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
        #expect(keys.map(\.kid) == ["2026-11", "2026-05"])
        #expect(try AppConfiguration.parseJWTKeys("cccccccccccccccccccccccccccccccccc").map(\.kid) == ["default"])
        #expect(throws: (any Error).self) { try AppConfiguration.parseJWTKeys("short") }
        #expect(throws: (any Error).self) { try AppConfiguration.parseJWTKeys("a:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,a:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb") }
    }

    @Test func secretsComeFromFiles() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID())").path
        FileManager.default.createFile(atPath: path, contents: Data("k9:dddddddddddddddddddddddddddddddddddd\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try AppConfiguration.fromEnvironment(["JWT_SECRET_FILE": path, "DB_POOL_SIZE": "30", "DB_MAX_OVERFLOW": "20"])
        #expect(config.jwtKeys.map(\.kid) == ["k9"])
        #expect(config.poolSize == 30)
        #expect(config.maxOverflow == 20)
        #expect(throws: (any Error).self) { try AppConfiguration.fromEnvironment(["DB_POOL_SIZE": "lots"]) }
    }
}
