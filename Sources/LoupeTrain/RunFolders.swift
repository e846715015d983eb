import Foundation
import LoupeCore
import LoupeStore

/// Where runs keep their files: `<root>/<name>/<run id>/`, one folder per run, so a second run of a
/// name never overwrites the first one's checkpoints, logs or reports, and two processes running
/// the same run file at once write to two folders. `<root>/<name>/latest` is a symbolic link to the
/// newest run's folder (`runs/mlp/latest/report.html`).
///
/// ```swift
/// let folders = RunFolders(root: runsDirectory)
/// let folder = folders.folder(name: "mlp", id: "0193a1c2d3e4f5a6")     // runs/mlp/0193a1c2d3e4f5a6
/// try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
/// try RunFolders.markLatest(folder)                                   // runs/mlp/latest → 0193a1c2d3e4f5a6
/// let latest = folders.latest(name: "mlp")                            // that folder
/// ```
public struct RunFolders: Sendable {
    /// The folder that holds one folder per run name (`runs`).
    public let root: URL

    public init(root: URL = URL(fileURLWithPath: "runs")) { self.root = root }

    /// Run `id`'s folder.
    public func folder(name: String, id: String) -> URL {
        root.appendingPathComponent(name, isDirectory: true).appendingPathComponent(id, isDirectory: true)
    }

    /// The folder `<root>/<name>/latest` points at, when the link exists and its target does.
    public func latest(name: String) -> URL? {
        let link = root.appendingPathComponent(name).appendingPathComponent(Self.latestName)
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link.path),
              !target.contains("/"), RunID.isValid(target) else { return nil }
        let folder = root.appendingPathComponent(name, isDirectory: true).appendingPathComponent(target, isDirectory: true)
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) && isDirectory.boolValue ? folder : nil
    }

    /// The run of `name` that `--resume` continues, with its id (nil for a folder from before runs
    /// had ids): the newest of `recorded` (ids from the run store, newest first) whose folder has a
    /// last checkpoint; else the folder `latest` names, if it has one; else `<root>/<name>/` itself
    /// when an older Loupe left its checkpoint there.
    public func resumable(name: String, recorded: [String]) -> (id: String?, folder: URL)? {
        func hasCheckpoint(_ folder: URL) -> Bool {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent(TrainingRun.lastCheckpoint).path)
        }
        if let id = recorded.first(where: { hasCheckpoint(folder(name: name, id: $0)) }) { return (id, folder(name: name, id: id)) }
        if let latest = latest(name: name), hasCheckpoint(latest) { return (latest.lastPathComponent, latest) }
        let legacy = root.appendingPathComponent(name, isDirectory: true)
        return hasCheckpoint(legacy) ? (nil, legacy) : nil
    }

    /// Removes run `id`'s folder — the folder named `id` that holds any of `paths` (its recorded
    /// files) — with everything in it, and the `latest` link beside it when it named this run.
    /// Returns the folder removed, or nil when none of `paths` lies in such a folder.
    @discardableResult
    public static func removeFolder(of id: String, holding paths: [String]) throws -> URL? {
        guard let folder = folder(of: id, holding: paths) else { return nil }
        let link = folder.deletingLastPathComponent().appendingPathComponent(latestName)
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)) == id { try FileManager.default.removeItem(at: link) }
        if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// Run `id`'s folder: the folder named `id` that holds any of `paths` (its recorded files).
    public static func folder(of id: String, holding paths: [String]) -> URL? {
        guard RunID.isValid(id) else { return nil }
        for path in paths {
            var folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            while folder.path != "/" && folder.lastPathComponent != id { folder.deleteLastPathComponent() }
            if folder.lastPathComponent == id { return folder }
        }
        return nil
    }

    static let latestName = "latest"

    /// Points `latest`, beside `folder`, at it (atomically: see ``AtomicFile/symlink(_:at:)``).
    public static func markLatest(_ folder: URL) throws {
        try AtomicFile.symlink(folder.lastPathComponent, at: folder.deletingLastPathComponent().appendingPathComponent(latestName))
    }
}
