import Foundation
import GRDB
import LoupeCore
import LoupeReport

/// Records one run into a ``RunStore``: creates its row (status `running`), buffers scalars and
/// writes them in one transaction at most once a second (a killed process loses at most the last
/// second), and closes the run with its final status.
///
/// Thread-safe: a trainer's callbacks and a debugger's monitor may record from any thread.
public final class RunRecorder: @unchecked Sendable {
    public let store: RunStore
    /// The run's id.
    public let id: String
    /// Pending scalars are written when this much time has passed since the last write.
    public let flushInterval: TimeInterval
    private let lock = NSLock()
    private var pending: [(key: String, step: Int, value: Double, time: Double)] = []
    private var lastFlush = Date().timeIntervalSince1970
    private var flushError: Error?
    private var finished = false
    /// The ids of this run's series (one per key), as the store numbered them.
    private var seriesIDs: [String: Int64] = [:]

    /// Inserts `info` (as `running`, with this process's pid for crash detection) and `params`.
    public init(store: RunStore, info: RunInfo, params: [String: ParamValue] = [:], flushInterval: TimeInterval = 1) throws {
        (self.store, id, self.flushInterval) = (store, info.id, flushInterval)
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        try store.write { db in
            try store.insert(info, pid: pid, db)
            try store.insert(params: params, run: info.id, db)
        }
    }

    /// Reopens run `id` to record more of it (`loupe train --resume`): it is `running` again, from
    /// this process, with its earlier curves, records and files kept. Steps recorded again replace
    /// the earlier values of those steps. `runFile` and `params`, when given, replace the run's (a
    /// resumed run may have been given more epochs).
    ///
    /// - Throws: ``StoreError/unknownRun(_:)`` when the store has no run `id`.
    public init(store: RunStore, reopening id: String, runFile: String? = nil, params: [String: ParamValue] = [:],
                flushInterval: TimeInterval = 1) throws {
        (self.store, self.id, self.flushInterval) = (store, id, flushInterval)
        let pid = Int(ProcessInfo.processInfo.processIdentifier), now = Date().timeIntervalSince1970
        try store.write { db in
            try db.execute(sql: "UPDATE run SET status = 'running', error = NULL, ended_at = NULL, pid = ?, heartbeat_at = ? WHERE id = ?",
                           arguments: [pid, now, id])
            guard db.changesCount == 1 else { throw StoreError.unknownRun(id) }
            if let runFile {
                try db.execute(sql: "UPDATE run SET run_file = ?, run_file_hash = ? WHERE id = ?",
                               arguments: [runFile, RunEnvironment.sha256(runFile), id])
            }
            try store.insert(params: params, run: id, db)
        }
    }

    /// Adds `value` of `key` at `step` (NaN and ±∞ are kept: a diverged loss is worth seeing).
    public func scalar(_ key: String, step: Int, value: Double) {
        let now = Date().timeIntervalSince1970
        lock.lock()
        pending.append((key, step, value, now))
        let due = now - lastFlush >= flushInterval || pending.count >= 50_000
        lock.unlock()
        if due { flushRemembering() }
    }

    /// Writes the pending scalars and the heartbeat now.
    public func flush() throws {
        lock.lock()
        let batch = pending, known = seriesIDs
        pending.removeAll(keepingCapacity: true)
        lastFlush = Date().timeIntervalSince1970
        lock.unlock()
        // New series' ids are kept once their transaction committed.
        let ids = try store.write { db in
            var ids = known
            let newKeys = Set(batch.lazy.map(\.key)).subtracting(ids.keys)
            if !newKeys.isEmpty { ids.merge(try PointWriter.seriesIDs(run: id, keys: newKeys, db)) { a, _ in a } }
            let points = try PointWriter(db)
            for s in batch { try points.write(series: ids[s.key]!, step: s.step, value: s.value, time: s.time) }
            try store.updateSummaries(run: id, with: batch, db)
            try db.execute(sql: "UPDATE run SET heartbeat_at = ? WHERE id = ?", arguments: [Date().timeIntervalSince1970, id])
            return ids
        }
        lock.lock()
        seriesIDs.merge(ids) { a, _ in a }
        lock.unlock()
    }

    /// Adds hyperparameters (replacing values of the same keys).
    public func params(_ params: [String: ParamValue]) throws {
        try store.write { db in try store.insert(params: params, run: id, db) }
    }

    /// Attaches `value` as a record of `kind` (a finding, an evaluation), in Loupe's JSON policy.
    public func record(_ value: some Encodable, kind: String) throws {
        let json = String(decoding: try LoupeJSON.encoder().encode(value), as: UTF8.self)
        try store.write { db in
            try db.execute(sql: "INSERT INTO record (run_id, kind, json) VALUES (?, ?, ?)", arguments: [id, kind, json])
        }
    }

    /// Several records of one kind in one transaction: a debug run's hundred histograms cost one
    /// commit, not a hundred.
    public func records(_ values: [some Encodable], kind: String) throws {
        let encoder = LoupeJSON.encoder()
        let jsons = try values.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try store.write { db in
            for json in jsons {
                try db.execute(sql: "INSERT INTO record (run_id, kind, json) VALUES (?, ?, ?)", arguments: [id, kind, json])
            }
        }
    }

    /// Attaches the file at `url` (its size and SHA-256 are read now) as an artifact of `role`.
    public func artifact(role: String, url: URL) throws {
        let artifact = try Artifact(role: role, url: url)
        try store.write { db in
            // A file recorded again (a resumed run's checkpoint) replaces its earlier entry.
            try db.execute(sql: "DELETE FROM artifact WHERE run_id = ? AND path = ?", arguments: [id, artifact.path])
            try db.execute(sql: "INSERT INTO artifact (run_id, role, path, bytes, sha256) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, artifact.role, artifact.path, artifact.bytes, artifact.sha256])
        }
    }

    /// Flushes and closes the run as `status` (with `error` for a failed run). A second call does
    /// nothing. Rethrows a failure of an earlier automatic flush, after closing.
    public func finish(_ status: RunStatus, error: String? = nil) throws {
        lock.lock()
        let already = finished
        finished = true
        lock.unlock()
        guard !already else { return }
        try flush()
        try store.write { db in
            try db.execute(sql: "UPDATE run SET status = ?, error = ?, ended_at = ?, heartbeat_at = ? WHERE id = ?",
                           arguments: [status.rawValue, error, Date().timeIntervalSince1970, Date().timeIntervalSince1970, id])
        }
        lock.lock()
        let earlier = flushError
        lock.unlock()
        if let earlier { throw earlier }
    }

    /// An automatic flush inside `scalar`, which cannot throw: the first error is kept for `finish`.
    private func flushRemembering() {
        do { try flush() } catch {
            lock.lock()
            if flushError == nil { flushError = error }
            lock.unlock()
        }
    }
}

extension Artifact {
    /// The file at `url`, hashed in 1 MiB chunks.
    init(role: String, url: URL) throws {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw StoreError.invalid(field: "artifact \(url.path)", reason: "cannot be read")
        }
        defer { try? handle.close() }
        var hash = SHA256(), bytes = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hash.update(chunk)
            bytes += chunk.count
        }
        self.init(role: role, path: url.standardizedFileURL.path, bytes: bytes, sha256: hash.hexDigest())
    }
}
