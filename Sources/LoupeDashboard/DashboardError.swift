/// Why the dashboard cannot start, naming the address or option to change.
public enum DashboardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Another process listens on the port already.
    case portInUse(host: String, port: Int)
    /// Listening failed for another reason (an address this machine does not have, a port below
    /// 1024 without the right, ...).
    case cannotListen(host: String, port: Int, reason: String)
    /// A host other than loopback was asked for without an access token.
    case tokenRequired(host: String)
    /// A token the cookie and URL rules cannot carry, or too short to guess hard.
    case invalidToken(reason: String)
    /// A port outside 0...65535.
    case invalidPort(Int)

    public var description: String {
        switch self {
        case let .portInUse(host, port):
            "port \(port) is already in use on \(host); stop the other server or pass --port with another port (0 picks a free one)"
        case let .cannotListen(host, port, reason):
            "cannot listen on \(host):\(port): \(reason)"
        case let .tokenRequired(host):
            "listening on \(host), which is not loopback, needs an access token (--token, or let loupe dashboard generate one)"
        case let .invalidToken(reason):
            "invalid --token: \(reason)"
        case let .invalidPort(port):
            "invalid --port \(port): use 0...65535 (0 picks a free one)"
        }
    }
}
