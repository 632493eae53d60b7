import Foundation
import HTTPTypes
import Testing
import TodoApp
import TodoCore
import TodoTesting

@Suite struct AuthAPITests {
    @Test func signupLoginRefreshLogout() async throws {
        try await TestApp.run { api in
            let email = "ann-\(UUID().uuidString.lowercased())@example.com"
            let signup = try await api.send(
                .post, "/api/v1/auth/signup",
                json: ["email": .string(email.uppercased()), "password": "secret123", "display_name": "Ann", "time_zone": "Europe/Berlin"])
            #expect(signup.status == .created)
            #expect(signup["email"] == .string(email))
            #expect(signup["time_zone"] == "Europe/Berlin")
            #expect(signup.text.contains("password") == false)
            let again = try await api.send(
                .post, "/api/v1/auth/signup", json: ["email": .string(email), "password": "secret123", "display_name": "Ann"])
            #expect(again.status == .conflict)
            #expect(again["code"] == "email_taken")

            let login = try await api.send(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "secret123"])
            #expect(login.status == .ok)
            #expect(login["token_type"] == "Bearer")
            #expect(login["expires_in"] == .int(3600))
            let access = login["access_token"]!.stringValue!
            let refresh = login["refresh_token"]!.stringValue!
            #expect(try await api.send(.get, "/api/v1/me", token: access)["email"] == .string(email))

            let rotated = try await api.send(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(refresh)])
            #expect(rotated.status == .ok)
            let refresh2 = rotated["refresh_token"]!.stringValue!
            #expect(refresh2 != refresh)
            // Reusing the old refresh token revokes the whole sign-in.
            let reused = try await api.send(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(refresh)])
            #expect(reused.status == .unauthorized)
            #expect(reused["code"] == "refresh_token_reused")
            #expect(try await api.send(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(refresh2)]).status == .unauthorized)

            let second = try await api.send(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "secret123"])
            let refresh3 = second["refresh_token"]!.stringValue!
            #expect(try await api.send(.post, "/api/v1/auth/logout", json: ["refresh_token": .string(refresh3)]).status == .noContent)
            #expect(try await api.send(.post, "/api/v1/auth/refresh", json: ["refresh_token": .string(refresh3)]).status == .unauthorized)
        }
    }

    @Test func badSignupsNameEveryField() async throws {
        try await TestApp.run { api in
            let r = try await api.send(
                .post, "/api/v1/auth/signup", json: ["email": "nope", "password": "short", "display_name": "", "time_zone": "Mars/Olympus"])
            #expect(r.status == .unprocessableContent)
            #expect(r.headers[.contentType] == "application/problem+json")
            let fields = r.errorFields
            #expect(fields == ["email", "password", "display_name", "time_zone"])
        }
    }

    @Test func wrongPasswordAndUnknownEmailLookTheSame() async throws {
        try await TestApp.run { api in
            let email = "b-\(UUID().uuidString.lowercased())@example.com"
            _ = try await api.signIn(email: email)
            let wrong = try await api.send(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "wrong password"])
            let unknown = try await api.send(.post, "/api/v1/auth/login", json: ["email": "nobody@example.com", "password": "wrong password"])
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.text == unknown.text)
        }
    }

    @Test func loginAttemptsAreRateLimitedPerEmail() async throws {
        try await TestApp.run(configure: { $0.loginBurstPerEmail = 3 }) { api in
            let email = "c-\(UUID().uuidString.lowercased())@example.com"
            _ = try await api.signIn(email: email)  // one attempt used
            for _ in 0..<2 {
                #expect(
                    try await api.send(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "wrong password"]).status
                        == .unauthorized)
            }
            let limited = try await api.send(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "correct horse"])
            #expect(limited.status == .tooManyRequests)
            let retry = Int(limited.headers[.retryAfter] ?? "") ?? 0
            #expect(retry > 0 && retry <= 15 * 60)
            // Another email is not affected.
            _ = try await api.signIn()
        }
    }

    @Test func behindATrustedProxyTheForwardedAddressIsLimited() async throws {
        try await TestApp.run(configure: {
            $0.loginBurstPerAddress = 2
            $0.trustedProxyHops = 1
        }) { api in
            func login(from address: String) async throws -> HTTPResponse.Status {
                try await api.send(
                    .post, "/api/v1/auth/login",
                    json: ["email": .string("x-\(UUID().uuidString.lowercased())@example.com"), "password": "whatever1"],
                    headers: [.init("X-Forwarded-For")!: "203.0.113.9, \(address)"]
                ).status
            }
            var statuses: [HTTPResponse.Status] = []
            for address in ["198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2"] {
                statuses.append(try await login(from: address))
            }
            // The third attempt from one client is limited; another client is not affected.
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests, .unauthorized])
        }
    }

    @Test func tokensWithAlgNoneForeignKeysOrExpiryAreRefused() async throws {
        try await TestApp.run { api in
            let token = try await api.signIn()
            let parts = token.split(separator: ".").map(String.init)
            func b64(_ s: String) -> String {
                Data(s.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_")
            }
            let none = b64(#"{"alg":"none","kid":"k1","typ":"JWT"}"#) + "." + parts[1] + "."
            #expect(try await api.send(.get, "/api/v1/me", token: none).status == .unauthorized)
            let otherKey = await TokenIssuer(keys: [(kid: "k1", secret: "another-secret-0123456789abcdef-012345")], lifetime: .hours(1))
            let forged = try await otherKey.accessToken(for: UUID())
            #expect(try await api.send(.get, "/api/v1/me", token: forged).status == .unauthorized)
            let expired = try await api.services.tokens.accessToken(for: UUID(), now: Date().addingTimeInterval(-7200))
            #expect(try await api.send(.get, "/api/v1/me", token: expired).status == .unauthorized)
            #expect(try await api.send(.get, "/api/v1/me").status == .unauthorized)
            #expect(try await api.send(.get, "/api/v1/me", token: parts[0] + "." + parts[1] + ".AAAA").status == .unauthorized)
        }
    }

    @Test func rotatedKeysStillVerifyOldTokens() async throws {
        let old = await TokenIssuer(keys: TestApp.keys, lifetime: .hours(1))
        let rotated = await TokenIssuer(keys: [(kid: "k2", secret: "second-secret-0123456789abcdef-01234567")] + TestApp.keys, lifetime: .hours(1))
        let user = UUID()
        #expect(await rotated.verify(try await old.accessToken(for: user)) == user)
        let fresh = try await rotated.accessToken(for: user)
        #expect(await rotated.verify(fresh) == user)
        #expect(await old.verify(fresh) == nil)
        // A verified (cached) token still expires.
        #expect(await rotated.verify(fresh, now: Date().addingTimeInterval(3601)) == nil)
        #expect(
            fresh.split(separator: ".").first.flatMap { Data(base64Encoded: String($0) + "==") }.map {
                String(decoding: $0, as: UTF8.self).contains("\"k2\"")
            } ?? false)
    }

    @Test func personalTokensHaveScopesAndCannotManageTheAccount() async throws {
        try await TestApp.run { api in
            let session = try await api.signIn()
            let created = try await api.send(
                .post, "/api/v1/tokens", token: session, json: ["name": "cli", "scopes": ["tasks:read"], "expires_in_days": 30])
            #expect(created.status == .created)
            let secret = created["token"]!.stringValue!
            #expect(secret.hasPrefix("todo_pat_"))
            let list = try await api.send(.get, "/api/v1/tokens", token: session)
            #expect(list.text.contains(secret) == false)
            #expect(try await api.send(.get, "/api/v1/tasks", token: secret).status == .ok)
            let write = try await api.createTask(secret, ["title": "nope"])
            #expect(write.status == .forbidden)
            #expect(write["code"] == "insufficient_scope")
            #expect(try await api.send(.get, "/api/v1/tokens", token: secret).status == .forbidden)
            #expect(try await api.send(.patch, "/api/v1/me", token: secret, json: ["display_name": "x"]).status == .forbidden)
            let id = created["id"]!.stringValue!
            #expect(try await api.send(.delete, "/api/v1/tokens/\(id)", token: session).status == .noContent)
            #expect(try await api.send(.get, "/api/v1/tasks", token: secret).status == .unauthorized)
            let bad = try await api.send(.post, "/api/v1/tokens", token: session, json: ["name": "", "scopes": ["admin"], "expires_in_days": 0])
            #expect(bad.status == .unprocessableContent)
        }
    }

    @Test func meCanBeChanged() async throws {
        try await TestApp.run { api in
            let token = try await api.signIn()
            let r = try await api.send(
                .patch, "/api/v1/me", token: token, json: ["display_name": "Pat Q", "time_zone": "America/New_York"],
                headers: [.contentType: "application/merge-patch+json"])
            #expect(r.status == .ok)
            #expect(r["time_zone"] == "America/New_York")
            let pw = try await api.send(.patch, "/api/v1/me", token: token, json: ["password": "new password 1"])
            #expect(pw.status == .unprocessableContent)
            let ok = try await api.send(
                .patch, "/api/v1/me", token: token, json: ["password": "new password 1", "current_password": "correct horse"])
            #expect(ok.status == .ok)
        }
    }
}
