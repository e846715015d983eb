import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#elseif canImport(SQLite3)
import SQLite3
#endif

/// Writes curve points, the store's one hot write: `(series_id, step) → value, time`, bound
/// straight through SQLite's C API. GRDB's `execute(arguments:)` boxes every argument, which cost
/// more than the insert itself for rows this small (`loupe bench store`).
struct PointWriter {
    private let statement: Statement
    private let db: Database

    init(_ db: Database) throws {
        self.db = db
        statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO point (series_id, step, value, time) VALUES (?, ?, ?, ?)")
    }

    /// Writes one point (`value` NaN is stored as NULL).
    func write(series: Int64, step: Int, value: Double, time: Double) throws {
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, series)
        sqlite3_bind_int64(s, 2, Int64(step))
        if value.isNaN { sqlite3_bind_null(s, 3) } else { sqlite3_bind_double(s, 3, value) }
        sqlite3_bind_double(s, 4, time)
        let code = sqlite3_step(s)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                                sql: statement.sql)
        }
    }

    /// The ids of run `run`'s series `keys`, created when missing.
    static func seriesIDs(run: String, keys: some Sequence<String>, _ db: Database) throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        let insert = try db.cachedStatement(sql: "INSERT INTO series (run_id, key) VALUES (?, ?) ON CONFLICT (run_id, key) DO NOTHING")
        let select = try db.cachedStatement(sql: "SELECT id FROM series WHERE run_id = ? AND key = ?")
        for key in keys {
            try insert.execute(arguments: [run, key])
            ids[key] = try Int64.fetchOne(select, arguments: [run, key])
        }
        return ids
    }
}
