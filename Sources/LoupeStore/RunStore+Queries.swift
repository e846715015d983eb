import Foundation
import GRDB

/// A metric's summary over a run: its best and last values (NaN when none was finite).
public struct ScalarSummary: Codable, Equatable, Sendable {
    public var key: String
    public var best: Double
    public var bestStep: Int?
    public var last: Double
    public var lastStep: Int
    public var count: Int
}

extension RunStore {
    // MARK: Writing

    func insert(_ info: RunInfo, pid: Int?, _ db: Database) throws {
        guard !info.name.isEmpty else { throw StoreError.invalid(field: "run name", reason: "is empty") }
        try db.execute(sql: """
            INSERT INTO run (id, name, kind, parent_id, command, run_file, run_file_hash, git_commit, git_dirty, host, cpu,
                             threads, version, seed, started_at, ended_at, status, error, pid, heartbeat_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [info.id, info.name, info.kind.rawValue, info.parentID, info.command, info.runFile, info.runFileHash,
                             info.gitCommit, info.gitDirty, info.host, info.cpu, info.threads, info.version,
                             info.seed.map { Int64(bitPattern: $0) }, info.startedAt.timeIntervalSince1970,
                             info.endedAt?.timeIntervalSince1970, info.status.rawValue, info.error, pid,
                             Date().timeIntervalSince1970])
        for tag in info.tags { try db.execute(sql: "INSERT OR IGNORE INTO tag (run_id, tag) VALUES (?, ?)", arguments: [info.id, tag]) }
    }

    func insert(params: [String: ParamValue], run: String, _ db: Database) throws {
        let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO param (run_id, key, type, value) VALUES (?, ?, ?, ?)")
        for (key, value) in params.sorted(by: { $0.key < $1.key }) {
            let (type, stored): (String, DatabaseValueConvertible?) = switch value {
            case let .int(v): ("int", v)
            case let .double(v): ("double", v.isNaN ? nil : v)
            case let .string(v): ("string", v)
            case let .bool(v): ("bool", v)
            }
            try statement.execute(arguments: [run, key, type, stored])
        }
    }

    /// Adds and removes tags of run `id` (tags are single words: letters, digits, - _ . :).
    public func tag(_ id: String, add: [String] = [], remove: [String] = []) throws {
        for tag in add where tag.isEmpty || !tag.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }) {
            throw StoreError.invalid(field: "tag '\(tag)'", reason: "use letters, digits, '-', '_', '.' or ':'")
        }
        try write { db in
            for tag in add { try db.execute(sql: "INSERT OR IGNORE INTO tag (run_id, tag) VALUES (?, ?)", arguments: [id, tag]) }
            for tag in remove { try db.execute(sql: "DELETE FROM tag WHERE run_id = ? AND tag = ?", arguments: [id, tag]) }
        }
    }

    /// Deletes run `id` and everything recorded with it; returns its artifacts so the caller can
    /// delete the files (the store never touches files itself).
    @discardableResult
    public func delete(_ id: String) throws -> [Artifact] {
        let artifacts = try self.artifacts(id)
        try write { db in try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [id]) }
        return artifacts
    }

    /// Marks as `crashed` every `running` run whose process is gone: on this host, its pid no
    /// longer exists; elsewhere, its heartbeat is older than `staleAfter` seconds. Returns their ids.
    @discardableResult
    public func detectCrashes(staleAfter: TimeInterval = 120) throws -> [String] {
        let host = RunEnvironment.current.host, now = Date().timeIntervalSince1970
        return try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, host, pid, heartbeat_at FROM run WHERE status = 'running'")
            var crashed: [String] = []
            for row in rows {
                let id: String = try row.decode(forColumn: "id"), runHost: String = try row.decode(forColumn: "host")
                let pid: Int? = try row.decode(forColumn: "pid"), heartbeat: Double? = try row.decode(forColumn: "heartbeat_at")
                let gone = runHost == host ? !(pid.map(Self.processExists) ?? false) : now - (heartbeat ?? 0) > staleAfter
                guard gone else { continue }
                try db.execute(sql: "UPDATE run SET status = 'crashed', ended_at = heartbeat_at, error = ? WHERE id = ?",
                               arguments: ["the recording process ended without closing the run", id])
                crashed.append(id)
            }
            return crashed
        }
    }

    static func processExists(_ pid: Int) -> Bool {
        // A pid that no process can have (a damaged store) is no process.
        guard let pid = pid_t(exactly: pid), pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    // MARK: Reading

    /// Runs, newest first, optionally only those with `name`, `status`, `kind` or `tag`.
    public func runs(name: String? = nil, status: RunStatus? = nil, kind: RunKind? = nil, tag: String? = nil, limit: Int? = nil) throws -> [RunInfo] {
        var clauses: [String] = [], arguments: [DatabaseValueConvertible?] = []
        if let name { clauses.append("name = ?"); arguments.append(name) }
        if let status { clauses.append("status = ?"); arguments.append(status.rawValue) }
        if let kind { clauses.append("kind = ?"); arguments.append(kind.rawValue) }
        if let tag { clauses.append("id IN (SELECT run_id FROM tag WHERE tag = ?)"); arguments.append(tag) }
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let limitClause = limit.map { " LIMIT \(max($0, 0))" } ?? ""
        return try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM run \(filter) ORDER BY started_at DESC, id DESC\(limitClause)",
                                        arguments: StatementArguments(arguments))
            let tags = try Self.tags(db)
            return try rows.map { try Self.info($0, tags: tags[try $0.decode(forColumn: "id")] ?? []) }
        }
    }

    /// The run with id `id`.
    public func run(_ id: String) throws -> RunInfo {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [id]) else {
                throw StoreError.unknownRun(id)
            }
            let tags = try String.fetchAll(db, sql: "SELECT tag FROM tag WHERE run_id = ? ORDER BY tag", arguments: [id])
            return try Self.info(row, tags: tags)
        }
    }

    /// The id `reference` stands for: an id, a unique prefix of one, or a name (its latest run).
    public func resolve(_ reference: String) throws -> String {
        try read { db in
            if try String.fetchOne(db, sql: "SELECT id FROM run WHERE id = ?", arguments: [reference]) != nil { return reference }
            let escaped = reference.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            let prefixed = try String.fetchAll(db, sql: "SELECT id FROM run WHERE id LIKE ? ESCAPE '\\' ORDER BY id", arguments: [escaped + "%"])
            if prefixed.count == 1 { return prefixed[0] }
            if prefixed.count > 1 { throw StoreError.ambiguousRun(reference, matches: prefixed) }
            if let named = try String.fetchOne(db, sql: "SELECT id FROM run WHERE name = ? ORDER BY started_at DESC, id DESC LIMIT 1",
                                               arguments: [reference]) { return named }
            throw StoreError.unknownRun(reference)
        }
    }

    /// Run `id`'s hyperparameters.
    public func params(_ id: String) throws -> [String: ParamValue] {
        try read { db in
            var params: [String: ParamValue] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, type, value FROM param WHERE run_id = ?", arguments: [id]) {
                params[try row.decode(forColumn: "key")] = try Self.param(row)
            }
            return params
        }
    }

    /// A `param` row's typed value.
    static func param(_ row: Row) throws -> ParamValue {
        switch try row.decode(forColumn: "type") as String {
        case "int": .int(try row.decode(forColumn: "value"))
        case "double": .double((try row.decode(forColumn: "value") as Double?) ?? .nan)
        case "bool": .bool(try row.decode(forColumn: "value"))
        default: .string(try row.decode(forColumn: "value"))
        }
    }

    /// The hyperparameters of every run at once (run id → key → value), optionally only `keys`:
    /// what a table of many runs shows, in one read.
    public func paramsOfAllRuns(keys: [String]? = nil) throws -> [String: [String: ParamValue]] {
        try read { db in
            let filter = keys.map { "WHERE key IN (\(databaseQuestionMarks(count: $0.count)))" } ?? ""
            var all: [String: [String: ParamValue]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT run_id, key, type, value FROM param \(filter)", arguments: StatementArguments(keys ?? [])) {
                all[try row.decode(forColumn: "run_id"), default: [:]][try row.decode(forColumn: "key")] = try Self.param(row)
            }
            return all
        }
    }

    /// How many records of `kind` each run has (runs without any are left out).
    public func recordCounts(kind: String) throws -> [String: Int] {
        try read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT run_id, COUNT(*) AS n FROM record WHERE kind = ? GROUP BY run_id", arguments: [kind]) {
                counts[try row.decode(forColumn: "run_id")] = try row.decode(forColumn: "n")
            }
            return counts
        }
    }

    /// The scalar keys run `id` recorded, sorted (from its summaries: one row per key).
    public func scalarKeys(_ id: String) throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT key FROM summary WHERE run_id = ? ORDER BY key", arguments: [id]) }
    }

    /// One curve of run `id`, by step.
    public func scalars(_ id: String, key: String) throws -> [ScalarPoint] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.step, p.value, p.time FROM point p JOIN series s ON s.id = p.series_id
                WHERE s.run_id = ? AND s.key = ? ORDER BY p.step
                """,
                             arguments: [id, key]).map { ScalarPoint(step: try $0.decode(forColumn: "step"), value: (try $0.decode(forColumn: "value") as Double?) ?? .nan, time: try $0.decode(forColumn: "time")) }
        }
    }

    /// Run `id`'s records, optionally of one `kind`, in the order they were added.
    public func records(_ id: String, kind: String? = nil) throws -> [RunRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT kind, json FROM record WHERE run_id = ? AND (? IS NULL OR kind = ?) ORDER BY seq",
                             arguments: [id, kind, kind]).map { RunRecord(kind: try $0.decode(forColumn: "kind"), json: try $0.decode(forColumn: "json")) }
        }
    }

    /// Run `id`'s artifacts, in the order they were added.
    public func artifacts(_ id: String) throws -> [Artifact] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT role, path, bytes, sha256 FROM artifact WHERE run_id = ? ORDER BY rowid", arguments: [id])
                .map { Artifact(role: try $0.decode(forColumn: "role"), path: try $0.decode(forColumn: "path"), bytes: try $0.decode(forColumn: "bytes"), sha256: try $0.decode(forColumn: "sha256")) }
        }
    }

    /// The runs derived from run `id` (its `--fix` attempts), oldest first.
    public func children(_ id: String) throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT id FROM run WHERE parent_id = ? ORDER BY started_at", arguments: [id]) }
    }

    static func tags(_ db: Database) throws -> [String: [String]] {
        var tags: [String: [String]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT run_id, tag FROM tag ORDER BY tag") { tags[try row.decode(forColumn: "run_id"), default: []].append(try row.decode(forColumn: "tag")) }
        return tags
    }

    static func info(_ row: Row, tags: [String]) throws -> RunInfo {
        RunInfo(id: try row.decode(forColumn: "id"), name: try row.decode(forColumn: "name"), kind: RunKind(rawValue: try row.decode(forColumn: "kind")) ?? .train, parentID: try row.decode(forColumn: "parent_id"),
                command: try row.decode(forColumn: "command"), runFile: try row.decode(forColumn: "run_file"), runFileHash: try row.decode(forColumn: "run_file_hash"), gitCommit: try row.decode(forColumn: "git_commit"),
                gitDirty: try row.decode(forColumn: "git_dirty"), host: try row.decode(forColumn: "host"), cpu: try row.decode(forColumn: "cpu"), threads: try row.decode(forColumn: "threads"), version: try row.decode(forColumn: "version"),
                seed: (try row.decode(forColumn: "seed") as Int64?).map { UInt64(bitPattern: $0) }, startedAt: Date(timeIntervalSince1970: try row.decode(forColumn: "started_at")),
                endedAt: (try row.decode(forColumn: "ended_at") as Double?).map(Date.init(timeIntervalSince1970:)),
                status: RunStatus(rawValue: try row.decode(forColumn: "status")) ?? .failed, error: try row.decode(forColumn: "error"), tags: tags)
    }
}
