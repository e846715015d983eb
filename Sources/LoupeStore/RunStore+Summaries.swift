import Foundation
import GRDB

/// Where a run stands, as a live view polls it: its status and how far its scalars have come.
public struct RunProgress: Equatable, Sendable {
    public var status: RunStatus
    /// The highest step any scalar of the run reached (nil before the first write).
    public var lastStep: Int?
    /// Scalars written so far, over all keys.
    public var points: Int

    public init(status: RunStatus, lastStep: Int?, points: Int) {
        (self.status, self.lastStep, self.points) = (status, lastStep, points)
    }
}

extension RunStore {
    /// Folds one flush's scalars into the `summary` rows of run `id` (schema v2): per key the
    /// lowest and highest finite-or-infinite value with the first step it was reached, the value at
    /// the highest step, and the count of writes. NaN (stored as NULL) never becomes low or high.
    func updateSummaries(run id: String, with batch: [(key: String, step: Int, value: Double, time: Double)], _ db: Database) throws {
        struct Fold { var low: (Double, Int)?; var high: (Double, Int)?; var last: (Double, Int); var count: Int }
        var folds: [String: Fold] = [:]
        for s in batch {
            var fold = folds[s.key] ?? Fold(low: nil, high: nil, last: (s.value, s.step), count: 0)
            if !s.value.isNaN {
                if fold.low.map({ s.value < $0.0 || (s.value == $0.0 && s.step < $0.1) }) ?? true { fold.low = (s.value, s.step) }
                if fold.high.map({ s.value > $0.0 || (s.value == $0.0 && s.step < $0.1) }) ?? true { fold.high = (s.value, s.step) }
            }
            // A later write of the same step replaces the scalar, so it is the last value too.
            if s.step >= fold.last.1 { fold.last = (s.value, s.step) }
            fold.count += 1
            folds[s.key] = fold
        }
        // SQLite evaluates every SET expression against the old row, so their order does not matter.
        let statement = try db.makeStatement(sql: """
            INSERT INTO summary (run_id, key, low, low_step, high, high_step, last, last_step, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (run_id, key) DO UPDATE SET
                low = CASE WHEN excluded.low < low OR low IS NULL THEN excluded.low ELSE low END,
                low_step = CASE WHEN excluded.low < low OR low IS NULL OR (excluded.low = low AND excluded.low_step < low_step)
                                THEN COALESCE(excluded.low_step, low_step) ELSE low_step END,
                high = CASE WHEN excluded.high > high OR high IS NULL THEN excluded.high ELSE high END,
                high_step = CASE WHEN excluded.high > high OR high IS NULL OR (excluded.high = high AND excluded.high_step < high_step)
                                 THEN COALESCE(excluded.high_step, high_step) ELSE high_step END,
                last = CASE WHEN excluded.last_step >= last_step THEN excluded.last ELSE last END,
                last_step = MAX(last_step, excluded.last_step),
                count = count + excluded.count
            """)
        for (key, fold) in folds {
            let last: Double? = fold.last.0.isNaN ? nil : fold.last.0
            try statement.execute(arguments: [id, key, fold.low?.0, fold.low?.1, fold.high?.0, fold.high?.1, last, fold.last.1, fold.count])
        }
    }

    /// Best and last value of every scalar of run `id` ("best" by ``MetricGoal``).
    public func summaries(_ id: String) throws -> [String: ScalarSummary] {
        try read { db in
            var summaries: [String: ScalarSummary] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM summary WHERE run_id = ?", arguments: [id]) {
                let summary = try Self.summary(row)
                summaries[summary.key] = summary
            }
            return summaries
        }
    }

    /// The summaries of every run at once (run id → key → summary), optionally only of `keys`:
    /// what a table of many runs shows, in one read.
    public func summariesOfAllRuns(keys: [String]? = nil) throws -> [String: [String: ScalarSummary]] {
        try read { db in
            let filter = keys.map { "WHERE key IN (\(databaseQuestionMarks(count: $0.count)))" } ?? ""
            var all: [String: [String: ScalarSummary]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM summary \(filter)", arguments: StatementArguments(keys ?? [])) {
                let summary = try Self.summary(row)
                all[try row.decode(forColumn: "run_id"), default: [:]][summary.key] = summary
            }
            return all
        }
    }

    /// The scalar keys recorded in any run, sorted, with how many runs recorded each.
    public func scalarKeysOfAllRuns() throws -> [(key: String, runs: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT key, COUNT(*) AS n FROM summary GROUP BY key ORDER BY key").map { (try $0.decode(forColumn: "key"), try $0.decode(forColumn: "n")) }
        }
    }

    /// Run `id`'s status and newest step: what a live view polls (two primary-key reads).
    public func progress(_ id: String) throws -> RunProgress {
        try read { db in
            guard let status = try String.fetchOne(db, sql: "SELECT status FROM run WHERE id = ?", arguments: [id]) else {
                throw StoreError.unknownRun(id)
            }
            let row = try Row.fetchOne(db, sql: "SELECT MAX(last_step) AS step, TOTAL(count) AS n FROM summary WHERE run_id = ?", arguments: [id])
            return RunProgress(status: RunStatus(rawValue: status) ?? .failed, lastStep: row?["step"], points: Int((row?["n"] as Double?) ?? 0))
        }
    }

    static func summary(_ row: Row) throws -> ScalarSummary {
        let key: String = try row.decode(forColumn: "key")
        let minimize = MetricGoal(key: key) == .minimize
        let best: Double? = minimize ? try row.decode(forColumn: "low") : try row.decode(forColumn: "high")
        let bestStep: Int? = minimize ? try row.decode(forColumn: "low_step") : try row.decode(forColumn: "high_step")
        return ScalarSummary(key: key, best: best ?? .nan, bestStep: best == nil ? nil : bestStep, last: (try row.decode(forColumn: "last") as Double?) ?? .nan,
                             lastStep: try row.decode(forColumn: "last_step"), count: try row.decode(forColumn: "count"))
    }
}
