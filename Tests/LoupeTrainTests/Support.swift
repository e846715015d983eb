import Foundation
import LoupeTrain

/// The repository root (tests read the shipped examples/ run files).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func example(_ name: String) throws -> RunConfig {
    try RunConfig(contentsOf: repositoryRoot.appendingPathComponent("examples/\(name)"))
}

/// A fresh temporary directory for run outputs.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
