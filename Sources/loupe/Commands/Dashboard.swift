import ArgumentParser
import Foundation
import LoupeDashboard
import LoupeStore
import LoupeHTTP

/// `loupe dashboard`: the web dashboard over the run store, until Ctrl-C.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve the run store as web pages: runs, curves, findings, files, comparisons, live runs.",
        discussion: """
            Listens on 127.0.0.1 (this machine only) unless --host says otherwise; any other \
            address needs an access token, which --token gives or is generated and printed. Every \
            request must then carry it: open the printed URL (its ?token= sets a cookie), or send \
            "Authorization: Bearer TOKEN". The pages load nothing from the network. Stop with Ctrl-C.

            Examples:
              loupe dashboard
              loupe dashboard --port 8080 --store runs/loupe.sqlite
              loupe dashboard --host 0.0.0.0 --token "$(openssl rand -hex 16)"
            """
    )

    @Option(help: "The port (0 picks a free one).") var port = 7788
    @Option(help: "The address to listen on; anything but loopback needs a token.") var host = "127.0.0.1"
    @Option(help: "The access token every request must carry (at least 16 letters, digits, '-', '.', '_', '~').") var token: String?
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let store = try storeOptions.open()
        let token = token ?? (AccessToken.isLoopback(host) ? nil : AccessToken.generate())
        let dashboard = try Dashboard(store: store, configuration: .init(host: host, port: port, token: token))
        let failure = ErrorBox()
        let done = DispatchSemaphore(value: 0)
        let server = Task {
            do {
                try await dashboard.run { port in
                    print("Loupe dashboard on \(dashboard.url(port: port))  (store \(store.path); Ctrl-C stops it)")
                    if self.token == nil, token != nil { print("A token was generated for this non-loopback address: \(token!)") }
                    fflush(stdout)
                }
            } catch {
                failure.error = error
            }
            done.signal()
        }
        // Ctrl-C and SIGTERM cancel the server task, which closes the listener and ends open
        // event streams at once (a graceful drain would wait on live pages forever).
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { server.cancel() }
            source.resume()
            return source
        }
        done.wait()
        signals.forEach { $0.cancel() }
        if let error = failure.error { throw error }
    }
}

/// Carries the server task's error back to the waiting command.
private final class ErrorBox: @unchecked Sendable {
    var error: Error?
}
