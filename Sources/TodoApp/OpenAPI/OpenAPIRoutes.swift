import Foundation
import Hummingbird
import NIOCore

/// `GET /openapi.json`: the API's description (`docs/openapi.json`, shipped as a resource of this
/// module; `scripts/test.sh` checks the two copies are the same and schemathesis tests the server
/// against it).
struct OpenAPIRoutes {
    func add(to router: Router<AppRequestContext>) {
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
    }
}

/// The OpenAPI description's bytes, read once.
enum OpenAPIDocument {
    static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url)
        else { return Array(#"{"openapi":"3.1.0","info":{"title":"Todo","version":"missing"},"paths":{}}"#.utf8) }
        return Array(data)
    }()
}
