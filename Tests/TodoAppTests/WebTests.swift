import Foundation
import HTTPTypes
import Testing
import TodoApp
import TodoCore
import TodoTesting

/// The web UI's server side: pages, CSRF, the cookie session and its access tokens. (The browser
/// flow itself is scripts/e2e-browser.py, in a real Chromium.)
@Suite struct WebTests {
    static func cookie(_ r: APIResponse, _ name: String) -> String? {
        for value in r.headers[values: .setCookie] where value.hasPrefix(name + "=") {
            return String(value.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    static func form(_ fields: [String: String]) -> String {
        fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    }

    @Test(arguments: TestDatabase.available)
    func signInSessionTokensAndSignOut(_ kind: TestDatabase) async throws {
        try await TestApp.run(kind) { api in
            let email = "web-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            _ = try await api.send(.post, "/api/v1/auth/signup", json: ["email": .string(email), "password": "web-password-1", "display_name": "W"])
            let token = try #require(
                try await api.send(.post, "/api/v1/auth/login", json: ["email": .string(email), "password": "web-password-1"])["access_token"]?
                    .stringValue)
            _ = try await api.send(.post, "/api/v1/tasks", token: token, json: ["title": "<b>bold</b> & \"quoted\""])

            let page = try await api.send(.get, "/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("unsafe-inline") == false)
            let csrf = try #require(Self.cookie(page, "todo_csrf"))
            #expect(page.text.contains("Sign in"))
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "todo_csrf=\(csrf)"]

            // a forged or missing CSRF token changes nothing
            let forged = try await api.send(
                .post, "/session", raw: Self.form(["csrf": "forged", "email": email, "password": "web-password-1"]), headers: form)
            #expect(forged.status == .forbidden)
            #expect(Self.cookie(forged, "todo_session") == nil)
            let wrong = try await api.send(.post, "/session", raw: Self.form(["csrf": csrf, "email": email, "password": "nope-nope"]), headers: form)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("The email or password is wrong."))

            let signedIn = try await api.send(
                .post, "/session", raw: Self.form(["csrf": csrf, "email": email, "password": "web-password-1"]), headers: form)
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/")
            let setCookie = signedIn.headers[values: .setCookie].first { $0.hasPrefix("todo_session=") } ?? ""
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let session = try #require(Self.cookie(signedIn, "todo_session"))
            let cookies = "todo_csrf=\(csrf); todo_session=\(session)"

            // the first page is rendered with the person's tasks, every string escaped
            // (the start view is Today; every open task is /?status=open, as the sidebar links it)
            #expect(try await api.send(.get, "/", headers: [.cookie: cookies]).text.contains(#"<h2 id="view-title">Today</h2>"#))
            let app = try await api.send(.get, "/?status=open", headers: [.cookie: cookies])
            #expect(app.text.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"))
            #expect(!app.text.contains("<b>bold</b>"))

            // access tokens for the page's script: only with the CSRF header
            #expect(try await api.send(.post, "/session/token", headers: [.cookie: cookies]).status == .forbidden)
            let minted = try await api.send(.post, "/session/token", headers: [.cookie: cookies, HTTPField.Name("X-CSRF-Token")!: csrf])
            #expect(minted.status == .ok)
            let access = try #require(minted["access_token"]?.stringValue)
            #expect(try await api.send(.get, "/api/v1/me", token: access)["email"] == .string(email))

            // signing out revokes the session
            let out = try await api.send(
                .post, "/session/end", raw: Self.form(["csrf": csrf]), headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookies])
            #expect(out.status == .seeOther)
            #expect(
                try await api.send(.post, "/session/token", headers: [.cookie: cookies, HTTPField.Name("X-CSRF-Token")!: csrf]).status
                    == .unauthorized)
            #expect(try await api.send(.get, "/", headers: [.cookie: cookies]).text.contains("Create an account"))
        }
    }

    @Test func assetsHaveContentHashedNamesAndLongCaching() async throws {
        try await TestApp.run { api in
            let page = try await api.send(.get, "/")
            let names = page.text.split(separator: "\"").filter { $0.hasPrefix("/static/") }
            #expect(names.count == 3)  // script, stylesheet, icon
            for name in names {
                let asset = try await api.send(.get, String(name))
                #expect(asset.status == .ok)
                #expect(asset.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(!asset.text.isEmpty)
            }
            #expect(try await api.send(.get, "/static/app.000000000000.js").status == .notFound)
        }
    }

    /// Browsers ask for /favicon.ico whatever the page links; a 404 there is an error in the
    /// console of every page.
    @Test func theIconIsLinkedAndServedAtFaviconICO() async throws {
        try await TestApp.run { api in
            let page = try await api.send(.get, "/")
            let link = try #require(page.text.split(separator: "\n").first { $0.contains("rel=\"icon\"") })
            #expect(link.contains("type=\"image/svg+xml\"") && link.contains("href=\"/static/icon."))
            let favicon = try await api.send(.get, "/favicon.ico")
            #expect(favicon.status == .ok)
            #expect(favicon.headers[.contentType] == "image/svg+xml")
            #expect(favicon.text.hasPrefix("<svg"))
        }
    }

    @Test func signUpInTheFormValidatesAndSignsIn() async throws {
        try await TestApp.run { api in
            let csrf = try #require(Self.cookie(try await api.send(.get, "/"), "todo_csrf"))
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "todo_csrf=\(csrf)"]
            let bad = try await api.send(
                .post, "/session/signup",
                raw: Self.form(["csrf": csrf, "email": "not-an-email", "password": "short", "display_name": "", "time_zone": "Mars/Base"]),
                headers: headers)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("Could not create the account"))
            let good = try await api.send(
                .post, "/session/signup",
                raw: Self.form([
                    "csrf": csrf, "email": "new-web@example.com", "password": "long-enough-1", "display_name": "New", "time_zone": "Asia/Tokyo",
                ]),
                headers: headers)
            #expect(good.status == .seeOther)
            #expect(Self.cookie(good, "todo_session") != nil)
            let again = try await api.send(
                .post, "/session/signup",
                raw: Self.form(["csrf": csrf, "email": "new-web@example.com", "password": "long-enough-1", "display_name": "New", "time_zone": "UTC"]
                ),
                headers: headers)
            #expect(again.status == .conflict)
        }
    }
}
