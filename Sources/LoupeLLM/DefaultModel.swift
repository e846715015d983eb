import Foundation

/// Where the default model lives: `scripts/fetch-model.sh` (run by `make demo` / `make test`)
/// puts SmolLM2-135M-Instruct Q4_1 in `$LOUPE_MODEL_DIR` or `~/.cache/loupe/models/`.
public enum DefaultModel {
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    public static var url: URL {
        let dir = ProcessInfo.processInfo.environment["LOUPE_MODEL_DIR"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe/models").path
        return URL(fileURLWithPath: dir).appendingPathComponent(fileName)
    }

    /// `path` if given, else the default model; an error says how to get it when it is missing.
    public static func resolve(_ path: String?) throws -> URL {
        let url = path.map { URL(fileURLWithPath: $0) } ?? Self.url
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw path == nil ? ModelFileError.defaultMissing(path: url.path) : ModelFileError.missing(path: url.path)
        }
        return url
    }
}

/// A model file that is not where it was looked for.
public enum ModelFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The default model has not been fetched yet.
    case defaultMissing(path: String)
    /// A path the user gave does not exist.
    case missing(path: String)

    public var description: String {
        switch self {
        case let .defaultMissing(path):
            "\(path): the default model is not there; run scripts/fetch-model.sh (make demo does) or pass --model PATH"
        case let .missing(path):
            "\(path): model file does not exist"
        }
    }
}
