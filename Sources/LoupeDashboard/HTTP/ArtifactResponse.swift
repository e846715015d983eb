import Foundation
import Hummingbird
import LoupeStore

/// `GET /runs/{id}/artifacts/{index}`: the `index`-th file run `id` recorded (0-based, in the
/// order of its page's table) — only a path the store lists for that run, never one the URL names,
/// so no request can read another file.
///
/// HTML pages (the debug report, the trace page) and plain text open in the browser; everything
/// else (JSON such as a Chrome trace, checkpoints) downloads under its own name. An HTML file is
/// served sandboxed: its scripts run, but in an origin of their own that cannot read the
/// dashboard's cookie or call its pages.
struct ArtifactResponse {
    let store: RunStore
    let id: String
    let index: String

    func response(context: some RequestContext) async throws -> Response {
        guard let position = Int(index), position >= 0 else {
            throw RequestError.badRequest("artifact index '\(index)' is not a number; the run's page links each file by its index")
        }
        let artifacts = try store.artifacts(id)
        guard position < artifacts.count else {
            throw RequestError.notFound("run \(id) has \(artifacts.count) recorded file(s); there is no file \(position)")
        }
        let artifact = artifacts[position]
        let url = URL(fileURLWithPath: artifact.path)
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw RequestError.notFound("\(artifact.path), recorded by run \(id), is no longer there (moved or deleted)")
        }
        let (type, inline) = Self.contentType(of: url)
        var headers = HTMLResponse.headers(contentType: type)
        let name = url.lastPathComponent.replacingOccurrences(of: "\"", with: "_")
        headers[.contentDisposition] = "\(inline ? "inline" : "attachment"); filename=\"\(name)\""
        headers[.contentSecurityPolicy] = inline && type.hasPrefix("text/html") ? "sandbox allow-scripts" : "sandbox"
        let body = try await FileIO().loadFile(path: url.path, context: context)
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The content type of a file by its extension, and whether browsers should show it rather
    /// than download it.
    static func contentType(of url: URL) -> (type: String, inline: Bool) {
        switch url.pathExtension.lowercased() {
        case "html", "htm": ("text/html; charset=utf-8", true)
        case "txt", "toml", "log", "csv", "md": ("text/plain; charset=utf-8", true)
        case "svg": ("image/svg+xml", true)
        case "png": ("image/png", true)
        case "json": ("application/json", false)
        case "jsonl": ("application/x-ndjson", false)
        default: ("application/octet-stream", false)
        }
    }
}
