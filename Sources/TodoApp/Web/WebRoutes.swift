import Foundation
import HTTPTypes
import Hummingbird
import TodoCore
import TodoStore

/// The web UI's server side (served by `todo serve` and the backend at `/`; `todo frontend`
/// forwards it): pages rendered here with every user string escaped, static assets under
/// content-hashed names, and the browser session.
///
/// Session: signing in sets `todo_session`, an HttpOnly, SameSite=Strict cookie (Secure behind
/// TLS) holding a refresh token of its own sign-in family. The page's script trades it for
/// short-lived access tokens (`POST /session/token`) kept in memory and calls the API with them,
/// like any client. Every state-changing web request carries the CSRF token (double submit: the
/// `todo_csrf` cookie and a form field or `X-CSRF-Token` header that must match).
struct WebRoutes {
    let services: AppServices

    static let sessionCookie = "todo_session"
    static let csrfCookie = "todo_csrf"

    func add(to router: Router<AppRequestContext>) {
        router.get("/") { request, context in try await home(request, context: context) }
        router.post("session") { request, context in try await signIn(request, context: context) }
        router.post("session/signup") { request, context in try await signUp(request, context: context) }
        router.post("session/token") { request, context in try await token(request, context: context) }
        router.post("session/end") { request, context in try await signOut(request, context: context) }
        router.get("invite/{token}") { request, context in try await invitation(request, context: context) }
        router.post("invite/{token}") { request, context in try await answerInvitation(request, context: context) }
        router.get("static/{name}") { _, context in
            guard let asset = WebAssets.byName[context.parameters.get("name") ?? ""] else { return Response(status: .notFound) }
            return asset.response(cacheControl: "public, max-age=31536000, immutable")
        }
        // Pages link the icon by its hashed name; browsers still ask for /favicon.ico on their own
        // (and a 404 there is an error in every console): the same SVG, cached for a day.
        router.get("favicon.ico") { _, _ in WebAssets.icon.response(cacheControl: "public, max-age=86400") }
    }

    // MARK: pages

    func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        let csrf = Self.cookie(request, Self.csrfCookie) ?? OpaqueToken.make()
        if let user = try await sessionUser(request) {
            let view = try await webView(request, user: user)
            // A project's view is read whole (up to 200), so its sections group all of it.
            let limit = view.project != nil ? "200" : "50"
            var query = (try? TaskQuery(parameters: view.parameters + [("limit", limit)], timeZone: user.timeZone)) ?? TaskQuery()
            // (a filter deleted since the view was read: the list without it)
            try? await services.applySavedFilter(to: &query, userID: user.id, zone: user.timeZone, now: Date())
            let first = try await services.tasks.list(userID: user.id, query: query)
            let tags = try await services.tasks.tags(userID: user.id).filter { $0.openCount > 0 }.map { (name: $0.name, open: $0.openCount) }
            let unread = try await NotificationStore(db: services.db).unreadCount(userID: user.id)
            let projects = try await services.projects.list(userID: user.id)
            let html = WebPages.app(
                user: user, tasks: first.items, nextCursor: first.nextCursor, view: view, projects: projects,
                filters: try await services.filters.list(userID: user.id), tags: tags, unread: unread, csrf: csrf,
                sharing: try await sharing(projects, user: user))
            return page(html, csrf: csrf, request: request)
        }
        return page(WebPages.signIn(csrf: csrf, error: nil, email: ""), csrf: csrf, request: request)
    }

    /// The people of the person's shared projects, and the projects they may only read.
    func sharing(_ projects: [ProjectSummary], user: User) async throws -> WebSharing {
        var sharing = WebSharing(names: [user.id: user.displayName])
        let shared = projects.filter { $0.memberCount > 1 }
        let people = try await MemberStore(db: services.db).people(ofProjects: shared.map(\.project.id), userID: user.id)
        for summary in shared {
            let members = people[summary.project.id] ?? []
            for person in members { sharing.names[person.userID] = person.displayName }
            sharing.people[summary.project.id] = members.map(\.userID)
            if summary.role == .viewer { sharing.readOnly.insert(summary.project.id) }
        }
        return sharing
    }

    /// `GET /invite/{token}`, the link of an invitation email: signed in, what it invites to with
    /// Join and Decline; else the sign-in page, which comes back here after signing in or up.
    func invitation(_ request: Request, context: AppRequestContext) async throws -> Response {
        let csrf = Self.cookie(request, Self.csrfCookie) ?? OpaqueToken.make()
        let token = context.parameters.get("token") ?? ""
        guard let invitation = try? await MemberStore(db: services.db).invitation(tokenHash: OpaqueToken.hash(token)) else {
            return page(
                WebPages.signIn(csrf: csrf, error: "This invitation link is not valid (it may have been replaced by a newer one).", email: ""),
                csrf: csrf, request: request, status: .notFound)
        }
        guard let user = try await sessionUser(request) else {
            return page(
                WebPages.signIn(
                    csrf: csrf, error: nil, email: invitation.email, next: "/invite/\(token)",
                    note: "Sign in or create an account to join “\(invitation.projectName)”."),
                csrf: csrf, request: request)
        }
        return page(WebPages.invitation(invitation, user: user, token: token, csrf: csrf, error: nil), csrf: csrf, request: request)
    }

    /// `POST /invite/{token}` (`answer` accept or decline, `confirm` for another address): joins
    /// and opens the project, or declines and opens the start page.
    func answerInvitation(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context: context)
        let csrf = try checkCSRF(request, form["csrf"])
        let token = context.parameters.get("token") ?? ""
        guard let user = try await sessionUser(request) else { return Response(status: .seeOther, headers: [.location: "/invite/\(token)"]) }
        let store = MemberStore(db: services.db)
        let accept = form["answer"] != "decline"
        do {
            let project = try await EventActor.$id.withValue(user.id) {
                try await store.answer(.token(hash: OpaqueToken.hash(token)), accept: accept, userID: user.id, confirm: form["confirm"] == "true")
            }
            let location = accept ? "/?project=\(project.lowercased)&sort=manual" : "/"
            return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        } catch let error as TodoError {
            guard let invitation = try? await store.invitation(tokenHash: OpaqueToken.hash(token)) else { throw error }
            let message =
                if case .conflict(_, let detail) = error { detail } else { "The invitation could not be answered." }
            return page(
                WebPages.invitation(invitation, user: user, token: token, csrf: csrf, error: message), csrf: csrf, request: request,
                status: .conflict)
        }
    }

    /// The list the URL asks for, with its title (a project or filter of someone else's: Today).
    func webView(_ request: Request, user: User) async throws -> WebView {
        var parameters = WebView.parameters(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
        var project: ProjectSummary?
        var title = "All tasks"
        for (name, value) in parameters {
            switch (name, value) {
            case ("view", "today"): title = "Today"
            case ("view", "upcoming"): title = "Upcoming"
            case ("view", "inbox"): title = "Inbox"
            case ("assignee", "me"): title = "Assigned to me"
            case ("project", let id):
                project = try? await services.projects.get(id: UUID(canonical: id) ?? UUID(), userID: user.id)
                title = project?.project.name ?? "Today"
                if project == nil { parameters = WebView.start }
            case ("filter", let id):
                let saved = try? await services.filters.get(id: UUID(canonical: id) ?? UUID(), userID: user.id)
                title = saved?.name ?? "Today"
                if saved == nil { parameters = WebView.start }
            case ("q", let q) where !q.isEmpty: title = "Search: \(q)"
            default: break
            }
        }
        var view = WebView(parameters: parameters, title: title, project: project)
        if let project { view.sections = try await services.projects.sections(projectID: project.project.id, userID: user.id) }
        return view
    }

    func signIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context: context)
        let csrf = try checkCSRF(request, form["csrf"])
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let failed = { (message: String) in
            page(WebPages.signIn(csrf: csrf, error: message, email: email, next: form["next"]), csrf: csrf, request: request, status: .unauthorized)
        }
        guard let normalized = try? AccountRules.email(.string(email)), let password = form["password"], !password.isEmpty else {
            return failed("Enter your email and password.")
        }
        guard let user = try await AccountRoutes(services: services).verifyLogin(email: normalized, password: password, request, context) else {
            return failed("The email or password is wrong.")
        }
        return try await startSession(user.id, request: request, next: form["next"])
    }

    func signUp(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context: context)
        let csrf = try checkCSRF(request, form["csrf"])
        var body: [(String, JSONValue)] = ["email", "password", "display_name"].map { ($0, .string(form[$0] ?? "")) }
        if let zone = form["time_zone"], !zone.isEmpty { body.append(("time_zone", .string(zone))) }
        let refused = { (message: String, status: HTTPResponse.Status) in
            page(
                WebPages.signIn(csrf: csrf, error: message, email: form["email"] ?? "", next: form["next"]), csrf: csrf, request: request,
                status: status)
        }
        let user: User
        do {
            user = try await AccountRoutes(services: services).createAccount(.object(body), logger: context.logger)
        } catch TodoError.validation(let errors) {
            let message = errors.map { "\($0.field.replacingOccurrences(of: "_", with: " ")) \($0.reason)" }.joined(separator: "; ")
            return refused("Could not create the account: \(message).", .unprocessableContent)
        } catch TodoError.conflict {
            return refused("An account with this email exists; sign in instead.", .conflict)
        }
        return try await startSession(user.id, request: request, next: form["next"])
    }

    /// `POST /session/token` (header `X-CSRF-Token`): an access token for the page's script.
    func token(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try checkCSRF(request, request.headers[HTTPField.Name("X-CSRF-Token")!])
        guard let user = try await sessionUser(request) else {
            throw TodoError.unauthorized(code: "no_session", detail: "Sign in again.")
        }
        return .json(
            .object([
                ("access_token", .string(try await services.tokens.accessToken(for: user.id))),
                ("expires_in", .int(services.tokens.lifetime.components.seconds)),
            ]),
            headers: [.cacheControl: "no-store"])
    }

    func signOut(_ request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context: context)
        _ = try checkCSRF(request, form["csrf"])
        if let session = Self.cookie(request, Self.sessionCookie) {
            _ = try await services.accounts.revokeRefreshFamily(hash: OpaqueToken.hash(session))
        }
        var headers: HTTPFields = [.location: "/", .cacheControl: "no-store"]
        headers.append(HTTPField(name: .setCookie, value: "\(Self.sessionCookie)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"))
        return Response(status: .seeOther, headers: headers)
    }

    // MARK: session plumbing

    /// Signs in: the session cookie, then the start page — or `next` when it is an invitation's
    /// page (nothing else, so the form cannot send people elsewhere).
    func startSession(_ userID: UUID, request: Request, next: String? = nil) async throws -> Response {
        let refresh = try await AccountRoutes(services: services).newRefreshToken(for: userID, familyID: .v7())
        let lifetime = services.config.refreshTokenLifetime
        let safeNext = next.flatMap { n in
            n.hasPrefix("/invite/") && n.dropFirst(8).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") } ? n : nil
        }
        var headers: HTTPFields = [.location: safeNext ?? "/", .cacheControl: "no-store"]
        headers.append(
            HTTPField(
                name: .setCookie,
                value:
                    "\(Self.sessionCookie)=\(refresh); Path=/; Max-Age=\(lifetime.components.seconds); HttpOnly; SameSite=Strict\(Self.secure(request))"
            ))
        return Response(status: .seeOther, headers: headers)
    }

    func sessionUser(_ request: Request) async throws -> User? {
        guard let session = Self.cookie(request, Self.sessionCookie), !session.isEmpty,
            let id = try await services.accounts.sessionUser(refreshHash: OpaqueToken.hash(session))
        else { return nil }
        return try await services.accounts.user(id: id)
    }

    /// The double-submit check: the form field or header equals the `todo_csrf` cookie.
    func checkCSRF(_ request: Request, _ sent: String?) throws -> String {
        guard let cookie = Self.cookie(request, Self.csrfCookie), let sent, !cookie.isEmpty, constantTimeEqual(cookie, sent) else {
            throw TodoError.forbidden(code: "csrf", detail: "The page is out of date or the request did not come from it; reload and try again.")
        }
        return cookie
    }

    /// An HTML page: no caching, a Content-Security-Policy without inline code, the CSRF cookie.
    func page(_ html: String, csrf: String, request: Request, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            HTTPField.Name("Content-Security-Policy")!:
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "same-origin",
        ]
        headers.append(HTTPField(name: .setCookie, value: "\(Self.csrfCookie)=\(csrf); Path=/; SameSite=Strict\(Self.secure(request))"))
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `; Secure` when the page was reached over TLS (directly or through a proxy that says so).
    static func secure(_ request: Request) -> String {
        request.uri.scheme?.rawValue == "https" || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https" ? "; Secure" : ""
    }

    static func cookie(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(name + "=") { return String(pair.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }

    /// An `application/x-www-form-urlencoded` body (at most 64 KiB).
    static func form(_ request: inout Request, context: AppRequestContext) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: 64 * 1024)
        var fields: [String: String] = [:]
        for pair in String(buffer: body).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            fields[decode(kv[0])] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return fields
    }
}

/// The static files of the UI, named by a hash of their content (cached for a year).
enum WebAssets {
    struct Asset {
        var name: String
        var contentType: String
        var bytes: [UInt8]

        func response(cacheControl: String) -> Response {
            Response(
                status: .ok, headers: [.contentType: contentType, .cacheControl: cacheControl], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// The page script's ES modules, each after the modules it imports; `app` is the entry.
    static let moduleOrder = [
        "api", "dom", "list", "editor", "quickadd", "notifications", "settings", "data", "keyboard", "sidebar", "order", "share", "app",
    ]

    /// Each module with its imports (`"./list.js"`) rewritten to the hashed names, then hashed
    /// itself: a changed module changes the names of every module that imports it, so the
    /// year-long cache never serves a stale mix (no build step: this is done once, at start).
    static let modules: [String: Asset] = {
        var done: [String: Asset] = [:]
        for name in moduleOrder {
            var text = String(decoding: read(name, "js"), as: UTF8.self)
            for (dependency, asset) in done { text = text.replacingOccurrences(of: "\"./\(dependency).js\"", with: "\"./\(asset.name)\"") }
            done[name] = asset(name, "js", "text/javascript; charset=utf-8", Array(text.utf8))
        }
        return done
    }()
    static let script = modules["app"]!
    static let style = load("app", "css", "text/css; charset=utf-8")
    static let icon = load("icon", "svg", "image/svg+xml")
    static let byName: [String: Asset] = Dictionary(
        uniqueKeysWithValues: (Array(modules.values) + [style, icon]).map { ($0.name, $0) })

    static func read(_ name: String, _ ext: String) -> [UInt8] {
        let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "web")
        return url.flatMap { try? Data(contentsOf: $0) }.map { Array($0) } ?? []
    }

    static func load(_ name: String, _ ext: String, _ type: String) -> Asset { asset(name, ext, type, read(name, ext)) }

    static func asset(_ name: String, _ ext: String, _ type: String, _ bytes: [UInt8]) -> Asset {
        let hash = OpaqueToken.hash(String(decoding: bytes, as: UTF8.self)).prefix(12)
        return Asset(name: "\(name).\(hash).\(ext)", contentType: type, bytes: bytes)
    }
}
