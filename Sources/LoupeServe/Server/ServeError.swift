import LoupeHTTP

/// Why a server cannot start: each names what to change.
public enum ServeError: Error, CustomStringConvertible, Equatable {
    case keyRequired(host: String)
    case invalidKey(reason: String)
    case invalidPort(Int)
    case portInUse(host: String, port: Int)
    case cannotListen(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .keyRequired(let host):
            "serving on \(host) would let other machines call the model: give --api-key KEY (or --api-key-file), or bind 127.0.0.1"
        case .invalidKey(let reason): "the API key cannot be used: \(reason)"
        case .invalidPort(let port): "port \(port) is not in 0...65535"
        case .portInUse(let host, let port): "\(host):\(port) is in use; choose another --port (0 picks a free one)"
        case .cannotListen(let host, let port, let reason): "cannot listen on \(host):\(port): \(reason)"
        }
    }

    /// Checks the address and key a server is asked to use.
    static func check(host: String, port: Int, apiKey: String?) throws(ServeError) {
        guard (0...65535).contains(port) else { throw .invalidPort(port) }
        if let apiKey, let problem = AccessToken.problem(with: apiKey) { throw .invalidKey(reason: problem) }
        guard apiKey != nil || AccessToken.isLoopback(host) else { throw .keyRequired(host: host) }
    }
}
