import Foundation
import Hummingbird
import HummingbirdTesting
import LoupeDashboard
import LoupeStore
import LoupeTestSupport
import Testing

/// Every route over a fixture store, through Hummingbird's router test client: what each page
/// holds, what each bad input answers, and that nothing but recorded files is served.
@Suite("Dashboard routes")
struct RouteTests {
    /// GETs `uri` from a dashboard over `fixture` and hands back status, headers and body.
    static func get(_ uri: String, _ fixture: Fixture, headers: HTTPFields = [:],
                    configuration: Dashboard.Configuration = .init()) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: String) {
        let app = try Dashboard(store: fixture.store, configuration: configuration).application()
        return try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .get, headers: headers) { response in
                (response.status, response.headers, String(buffer: response.body))
            }
        }
    }

    @Test func healthSaysOK() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let health = try await Self.get("/health", fixture)
        #expect(health.status == .ok && health.body == "ok")
    }

    @Test func runsPageListsEveryRunAndSortsAndFilters() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let page = try await Self.get("/", fixture)
        #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
        for id in [fixture.a, fixture.b, fixture.c] { #expect(page.body.contains("value=\"\(id)\"") && page.body.contains("/runs/\(id)")) }
        #expect(page.body.contains("mlp-adam") && page.body.contains("debug &lt;b&gt;") && !page.body.contains("debug <b>"))
        #expect(page.body.contains("action=\"/compare\"") && page.body.contains(">Compare selected runs</button>"))
        // The key hyperparameters and best metrics have columns; b's best accuracy is 0.95.
        #expect(page.body.contains(">train.<wbr>lr</a>") && page.body.contains(">validation/<wbr>accuracy</a>") && page.body.contains(">0.95</td>"))
        #expect(!page.body.contains("<script") && !page.body.contains("http://") && !page.body.contains("https://"))

        // Best accuracy first: b (0.95) before a (0.9), the debug run (no accuracy) last.
        let sorted = try await Self.get("/?sort=validation/accuracy", fixture)
        let order = [fixture.b, fixture.a, fixture.c].map { sorted.body.range(of: "value=\"\($0)\"")!.lowerBound }
        #expect(order == order.sorted())
        let ascending = try await Self.get("/?sort=validation/accuracy&order=asc", fixture)
        #expect(ascending.body.range(of: "value=\"\(fixture.a)\"")!.lowerBound < ascending.body.range(of: "value=\"\(fixture.b)\"")!.lowerBound)

        let failed = try await Self.get("/?status=failed", fixture)
        #expect(failed.body.contains("value=\"\(fixture.c)\"") && !failed.body.contains("value=\"\(fixture.a)\""))
        let named = try await Self.get("/?name=SGD&kind=train", fixture)
        #expect(named.body.contains("value=\"\(fixture.b)\"") && !named.body.contains("value=\"\(fixture.a)\""))

        let badStatus = try await Self.get("/?status=done", fixture)
        #expect(badStatus.status == .badRequest && badStatus.body.contains("unknown status &#39;done&#39;"))
        let badSort = try await Self.get("/?sort=nonsense", fixture)
        #expect(badSort.status == .badRequest && badSort.body.contains("cannot sort by"))
    }

    @Test func runPageHasCurvesFindingsContextAndEscapedRunFile() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let page = try await Self.get("/runs/\(fixture.b)", fixture)
        #expect(page.status == .ok)
        // One loss chart with the per-step and per-epoch losses, the finding marked at step 50.
        #expect(page.body.contains("aria-label=\"Loss\"") && page.body.contains("<title>train/loss</title>")
            && page.body.contains("<title>validation/loss</title>"))
        let markers = SVGProbe.group("markers", in: page.body)
        #expect(markers.contains(">lr_too_high</text>") && markers.contains("stroke=\"#b26a00\""))
        #expect(page.body.contains("aria-label=\"lr\"") && page.body.contains("aria-label=\"Metrics\""))
        #expect(page.body.contains("The loss rose &lt;fast&gt; after step 50.") && page.body.contains("Lower the learning rate 10×"))
        #expect(page.body.contains("# &lt;script&gt;alert(1)&lt;/script&gt;") && !page.body.contains("<script>alert"))
        #expect(page.body.contains("<dt>seed</dt><dd>7</dd>") && page.body.contains("<dt>threads</dt><dd>2</dd>"))
        #expect(page.body.contains("href=\"/runs/\(fixture.b)/artifacts/0\"") && page.body.contains("href=\"/runs/\(fixture.b)/artifacts/1\""))
        #expect(page.body.contains(">test/accuracy</td>") && !page.body.contains("<script"))
        // The finished run's page has no live script; a prefix and a name reach the same run.
        let byPrefix = try await Self.get("/runs/\(fixture.b.prefix(14))", fixture)
        let byName = try await Self.get("/runs/mlp-sgd", fixture)
        #expect(byPrefix.status == .ok && byName.body.contains("<code>\(fixture.b)</code>"))
        // The failed debug run shows its error and its parent.
        let debug = try await Self.get("/runs/\(fixture.c)", fixture)
        #expect(debug.body.contains("loss became NaN at step 3") && debug.body.contains("href=\"/runs/\(fixture.a)\""))

        let charts = try await Self.get("/runs/\(fixture.b)/charts", fixture)
        #expect(charts.status == .ok && charts.body.hasPrefix("<div class=\"grid\">") && charts.body.contains(">lr_too_high</text>"))
    }

    @Test func unknownRunsAndPagesAre404s() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        for uri in ["/runs/zzzz", "/runs/zzzz/charts", "/runs/zzzz/events", "/runs/zzzz/artifacts/0"] {
            let page = try await Self.get(uri, fixture)
            #expect(page.status == .notFound && page.body.contains("&#39;zzzz&#39;"), "\(uri)")
        }
        let nowhere = try await Self.get("/nowhere", fixture)
        #expect(nowhere.status == .notFound && nowhere.body.contains("There is no page at /nowhere."))
        let badEscape = try await Self.get("/runs/%zz", fixture)
        #expect(badEscape.status == .badRequest)
    }

    @Test func comparePageOverlaysRunsAndDrawsParallelCoordinates() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let page = try await Self.get("/compare?ids=\(fixture.a),\(fixture.b)", fixture)
        #expect(page.status == .ok)
        let (a, b) = ("mlp-adam \(fixture.a.prefix(8))", "mlp-sgd \(fixture.b.prefix(8))")
        // Both runs' series on the shared curves, and one polyline each on the parallel axes.
        #expect(page.body.components(separatedBy: "<title>\(a)</title>").count - 1 >= 4)
        #expect(page.body.contains("<title>\(b)</title>") && page.body.contains("aria-label=\"train/loss\""))
        #expect(page.body.contains("aria-label=\"Hyperparameters and best validation/accuracy\""))
        #expect(page.body.contains("<title>\(a): train.lr 0.01, validation/accuracy 0.9</title>"))
        // The differing hyperparameters, and a metric chosen by the query.
        #expect(page.body.contains("<td>train.optimizer</td><td>adam</td><td>sgd</td>"))
        let loss = try await Self.get("/compare?ids=\(fixture.a)&ids=mlp-sgd&metric=validation/loss", fixture)
        #expect(loss.body.contains("aria-label=\"Hyperparameters and best validation/loss\""))

        for (uri, message) in [("/compare", "two or more"), ("/compare?ids=\(fixture.a)", "two or more"),
                               ("/compare?ids=\(fixture.a),\(fixture.a)", "two or more"),
                               ("/compare?ids=" + (0..<21).map { "r\($0)" }.joined(separator: ","), "at most 20"),
                               ("/compare?ids=\(fixture.a),\(fixture.b)&metric=nope", "recorded &#39;nope&#39;")] {
            let bad = try await Self.get(uri, fixture)
            #expect(bad.status == .badRequest && bad.body.contains(message), "\(uri)")
        }
        let unknown = try await Self.get("/compare?ids=\(fixture.a),nosuchrun", fixture)
        #expect(unknown.status == .notFound && unknown.body.contains("nosuchrun"))
    }

    @Test func onlyRecordedFilesAreServed() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let report = try await Self.get("/runs/\(fixture.a)/artifacts/0", fixture)
        #expect(report.status == .ok && report.body.contains("debug report"))
        #expect(report.headers[.contentType] == "text/html; charset=utf-8" && report.headers[.contentDisposition]?.hasPrefix("inline") == true)
        #expect(report.headers[.contentSecurityPolicy] == "sandbox allow-scripts")
        let trace = try await Self.get("/runs/\(fixture.a)/artifacts/1", fixture)
        #expect(trace.status == .ok && trace.headers[.contentType] == "application/json")
        #expect(trace.headers[.contentDisposition] == "attachment; filename=\"step.chrome.json\"")

        for (uri, status) in [("/runs/\(fixture.a)/artifacts/2", HTTPResponse.Status.notFound), ("/runs/\(fixture.a)/artifacts/-1", .badRequest),
                              ("/runs/\(fixture.a)/artifacts/x", .badRequest), ("/runs/\(fixture.c)/artifacts/0", .notFound),
                              ("/runs/\(fixture.a)/artifacts/..%2F..%2Fetc%2Fpasswd", .badRequest),
                              ("/runs/\(fixture.a)/artifacts/../../../etc/passwd", .notFound)] {
            let response = try await Self.get(uri, fixture)
            #expect(response.status == status && !response.body.contains("root:"), "\(uri)")
        }
        // A recorded file that was deleted since is a 404 that says so.
        try FileManager.default.removeItem(at: fixture.directory.appendingPathComponent("mlp-adam/report.html"))
        let gone = try await Self.get("/runs/\(fixture.a)/artifacts/0", fixture)
        #expect(gone.status == .notFound && gone.body.contains("is no longer there"))
    }

    @Test func aLongRunsPageStaysSmall() async throws {
        let fixture = try Fixture(steps: 10_000)
        defer { fixture.remove() }
        let page = try await Self.get("/runs/\(fixture.a)", fixture)
        #expect(page.status == .ok)
        // 10,000 steps of two per-step curves, thinned to the charts' pixel columns.
        #expect(page.body.utf8.count < 150_000, "\(page.body.utf8.count) bytes")
        let paths = SVGProbe.attributes("d", in: page.body).map { SVGProbe.pathPoints($0).flatMap { $0 }.count }
        #expect(paths.max() ?? 0 <= 2 * 700 + 2 && paths.max() ?? 0 > 100)
    }

    @Test func eventStreamsAreCapped() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let full = try await Self.get("/runs/\(fixture.a)/events", fixture, configuration: .init(maxEventStreams: 0))
        #expect(full.status == .serviceUnavailable && full.body.contains("live streams are open already"))
        // A finished run's stream says where it stands and ends at once.
        let ended = try await Self.get("/runs/\(fixture.a)/events", fixture)
        #expect(ended.status == .ok && ended.headers[.contentType] == "text/event-stream; charset=utf-8")
        #expect(ended.body.hasPrefix("event: progress\ndata: {") && ended.body.contains("event: end\ndata: {\"last_step\":200,"))
    }
}
