import Foundation
import LoupeCore

/// The context a run records about where it ran: host, CPU model, the git commit of the working
/// directory (and whether it had uncommitted changes), Loupe's version.
struct RunEnvironment: Sendable {
    var host: String
    var cpu: String
    var gitCommit: String?
    var gitDirty: Bool?

    /// The version recorded with each run.
    static let version = "0.12.0"

    static let current = RunEnvironment(host: ProcessInfo.processInfo.hostName, cpu: cpuModel(), gitCommit: git(["rev-parse", "HEAD"]),
                                        gitDirty: git(["status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty })

    /// `model name` from /proc/cpuinfo, else the architecture.
    static func cpuModel() -> String {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? ProcessInfo.processInfo.operatingSystemVersionString
    }

    /// `git ARGS` in the working directory, trimmed; nil outside a repository or without git.
    static func git(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// SHA-256 of `text`'s UTF-8, in hex.
    static func sha256(_ text: String) -> String { SHA256.hex(text.utf8) }
}
