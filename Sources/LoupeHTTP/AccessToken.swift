/// A server's secret — the dashboard's access token, the LLM server's API key: generated, checked
/// for what a header, a cookie and a URL can carry, and compared in constant time.
public enum AccessToken {
    /// The cookie a dashboard `?token=` request sets, so the page's links and live updates keep working.
    public static let cookieName = "loupe_token"

    /// 32 random hex digits (128 bits) from the system's generator.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// Nil when `token` can be used; else why not. It travels in a header, a URL and a cookie, so
    /// only unreserved URL characters are allowed, and at least 16 of them.
    public static func problem(with token: String) -> String? {
        guard token.count >= 16 else { return "use at least 16 characters" }
        guard token.count <= 256 else { return "use at most 256 characters" }
        guard token.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._~".unicodeScalars.contains($0)) })
        else { return "use only letters, digits, '-', '.', '_' and '~'" }
        return nil
    }

    /// Whether `given` equals `token`, in time that depends only on their lengths.
    public static func matches(_ given: Substring, _ token: String) -> Bool {
        let a = Array(given.utf8), b = Array(token.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Whether `host` names this machine only (127.0.0.0/8, ::1, localhost): the one case where
    /// a server may run without a token or key.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]"
            || (host.hasPrefix("127.") && host.split(separator: ".").count == 4)
    }
}

extension AccessToken {
    /// The token of an `Authorization: Bearer TOKEN` header value, if it has that form.
    public static func bearer(_ authorization: String?) -> Substring? {
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else { return nil }
        return authorization.dropFirst(7)
    }
}
