import Foundation
import GRDB

/// One project's runs in one SQLite database (WAL mode, so readers never wait for the writer and
/// several processes can record at once): their identity, hyperparameters, scalars, records and
/// artifacts. The store is generic: it knows runs, not what a finding or an evaluation is.
///
/// ```swift
/// let store = try RunStore(path: storeURL.path)
/// let recorder = try RunRecorder(store: store, info: store.newRun(name: "mlp", kind: .train, command: "loupe train mlp.toml"))
/// recorder.scalar("train/loss", step: 1, value: 2.3)
/// try recorder.finish(.completed)
/// let loss = try store.scalars(recorder.id, key: "train/loss")   // [ScalarPoint(step: 1, value: 2.3, …)]
/// ```
public final class RunStore: Sendable {
    /// Where the database is.
    public let path: String
    let pool: DatabasePool

    /// `runs/loupe.sqlite` unless `LOUPE_STORE` says otherwise.
    public static var defaultPath: String {
        ProcessInfo.processInfo.environment["LOUPE_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? "runs/loupe.sqlite"
    }

    /// Opens (creating it and its folder when missing) and migrates the store at `path`.
    ///
    /// - Throws: ``StoreError/newerSchema(path:unknown:)`` for a database a newer Loupe wrote (it is
    ///   left untouched), ``StoreError/unreadable(path:reason:)`` for a file that is not one.
    /// - Parameter busyTimeout: how long a write waits for another process's write to end before
    ///   it fails as ``StoreError/locked(path:)``.
    public init(path: String, busyTimeout: TimeInterval = 15) throws {
        self.path = path
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        // In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses
        // nothing committed (only a power cut could lose the last commits), and a commit costs
        // microseconds instead of an fsync.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        // Opening a new database switches it to WAL, which SQLite does without waiting on its busy
        // handler: a second process opening the same new file at that moment gets SQLITE_BUSY at
        // once. Such a race is retried for up to ~5 s; a store busy for longer is reported as locked.
        var attempt = 0
        while true {
            do {
                pool = try Self.openAndMigrate(path: path, configuration: configuration)
                return
            } catch let error as StoreError {
                throw error
            } catch let error as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && attempt < 50 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.1)
            } catch {
                throw Self.storeError(error, path: path)
            }
        }
    }

    private static func openAndMigrate(path: String, configuration: Configuration) throws -> DatabasePool {
        let pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = StoreSchema.migrator
        let unknown = try pool.read { db in
            try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
        }
        guard unknown.isEmpty else { throw StoreError.newerSchema(path: path, unknown: unknown) }
        // Two processes opening a new store at once both see it unmigrated; the second's migration
        // then fails on the first's tables. That is success once they are all there: it waits (up
        // to ~5 s) for the first to finish, and migrates again what is still missing.
        var attempt = 0
        while true {
            do {
                try migrator.migrate(pool)
                return pool
            } catch {
                if try pool.read({ db in try migrator.hasCompletedMigrations(db) }) { return pool }
                // Only a store another process is migrating is worth waiting for: one being
                // written (busy), or one whose migrations have begun. A database that is not a
                // store, or a damaged one, is an error at once, not after five seconds.
                let busy = (error as? DatabaseError).map { [.SQLITE_BUSY, .SQLITE_LOCKED].contains($0.resultCode) } ?? false
                let begun = (try? pool.read { db in try !migrator.appliedIdentifiers(db).isEmpty }) ?? false
                attempt += 1
                guard attempt < 50, busy || begun else { throw error }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// A GRDB or SQLite error as a ``StoreError`` naming the database.
    static func storeError(_ error: Error, path: String) -> StoreError {
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(path: path)
            default: return .unreadable(path: path, reason: db.message ?? "\(db.resultCode)")
            }
        }
        return .unreadable(path: path, reason: "\(error)")
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as StoreError { throw error } catch { throw Self.storeError(error, path: path) }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as StoreError { throw error } catch { throw Self.storeError(error, path: path) }
    }

    /// A new run's identity with this machine's context filled in (host, CPU, git, version), not yet
    /// in the store: ``RunRecorder`` inserts it. `id` is new unless given (a run whose folder was
    /// named before it was recorded).
    public func newRun(name: String, kind: RunKind, command: String, runFile: String? = nil, seed: UInt64? = nil,
                       threads: Int = 1, parentID: String? = nil, id: String = RunID.make()) -> RunInfo {
        let environment = RunEnvironment.current
        return RunInfo(id: id, name: name, kind: kind, parentID: parentID, command: command, runFile: runFile,
                       runFileHash: runFile.map(RunEnvironment.sha256), gitCommit: environment.gitCommit, gitDirty: environment.gitDirty,
                       host: environment.host, cpu: environment.cpu, threads: threads, version: RunEnvironment.version,
                       seed: seed, startedAt: Date())
    }
}
