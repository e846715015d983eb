import Foundation
import LoupeCore
import LoupeTOML

extension RunConfig {
    /// Reads and validates a run file.
    public init(contentsOf url: URL) throws {
        let text: String
        do {
            guard let decoded = String(data: try InputFile.read(url.path), encoding: .utf8) else {
                throw RunConfigError.unreadable(file: url.path, reason: "it is not UTF-8 text")
            }
            text = decoded
        } catch let error as InputFileError {
            throw RunConfigError.unreadable(file: url.path, reason: error.reason)
        }
        try self.init(toml: text, file: url.path)
    }

    /// Parses and validates TOML text: unknown keys, wrong types and out-of-range values are
    /// errors naming the key, the value and what is allowed.
    public init(toml text: String, file: String = "<run file>") throws {
        let root: TOMLValue
        do { root = try TOML.parse(text) } catch {
            throw RunConfigError.syntax(file: file, line: error.line, column: error.column, message: error.message)
        }
        self = try TableReader.read(RunFileValue(root), path: "", RunConfig.init(reading:))
        try validate()
    }
}
