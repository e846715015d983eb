import GRDB

/// The store's tables, one registered migration per version. Never edit a registered migration:
/// add the next one (`"v2"`, …); a database with a migration this list lacks is refused
/// (``StoreError/newerSchema(path:unknown:)``).
///
/// - `run`: one row per run (``RunInfo``), plus the recording process's `pid` and `heartbeat_at`,
///   which crash detection reads.
/// - `tag`, `param` (typed: `type` is int, double, string or bool), `record` (kind + JSON, in order),
///   `artifact`.
/// - `scalar` (v1, v2): `(run_id, key, step) → value, time`. v3 splits it into `series` (one row
///   per run and key, with an integer id) and `point`: `(series_id, step) → value, time`, clustered
///   by that key so one curve is one range read. SQLite stores NaN as NULL: NULL in `value` means NaN.
/// - `summary` (v2): per run and key, the lowest and highest value with the first step each was
///   reached, the last step's value and the count of writes, kept up to date by ``RunRecorder``'s
///   flushes, so tables of many runs and a live run's newest step read a few rows instead of every
///   scalar (1,000 runs × 10,000 steps: see `loupe bench dashboard`).
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "run") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("parent_id", .text).references("run", onDelete: .setNull)
                t.column("command", .text).notNull()
                t.column("run_file", .text)
                t.column("run_file_hash", .text)
                t.column("git_commit", .text)
                t.column("git_dirty", .boolean)
                t.column("host", .text).notNull()
                t.column("cpu", .text).notNull()
                t.column("threads", .integer).notNull()
                t.column("version", .text).notNull()
                t.column("seed", .integer)
                t.column("started_at", .double).notNull()
                t.column("ended_at", .double)
                t.column("status", .text).notNull()
                t.column("error", .text)
                t.column("pid", .integer)
                t.column("heartbeat_at", .double)
            }
            try db.create(index: "run_by_name", on: "run", columns: ["name", "started_at"])
            try db.create(index: "run_by_start", on: "run", columns: ["started_at"])
            try db.create(table: "tag", options: .withoutRowID) { t in
                t.column("run_id", .text).notNull().references("run", onDelete: .cascade)
                t.column("tag", .text).notNull()
                t.primaryKey(["run_id", "tag"])
            }
            try db.create(table: "param", options: .withoutRowID) { t in
                t.column("run_id", .text).notNull().references("run", onDelete: .cascade)
                t.column("key", .text).notNull()
                t.column("type", .text).notNull()
                t.column("value")
                t.primaryKey(["run_id", "key"])
            }
            try db.create(table: "scalar", options: .withoutRowID) { t in
                t.column("run_id", .text).notNull().references("run", onDelete: .cascade)
                t.column("key", .text).notNull()
                t.column("step", .integer).notNull()
                t.column("value", .double)
                t.column("time", .double).notNull()
                t.primaryKey(["run_id", "key", "step"])
            }
            try db.create(table: "record") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("run_id", .text).notNull().references("run", onDelete: .cascade)
                t.column("kind", .text).notNull()
                t.column("json", .text).notNull()
            }
            try db.create(index: "record_by_run", on: "record", columns: ["run_id", "kind"])
            try db.create(table: "artifact") { t in
                t.column("run_id", .text).notNull().references("run", onDelete: .cascade)
                t.column("role", .text).notNull()
                t.column("path", .text).notNull()
                t.column("bytes", .integer).notNull()
                t.column("sha256", .text).notNull()
            }
            try db.create(index: "artifact_by_run", on: "artifact", columns: ["run_id"])
        }
        migrator.registerMigration("v2") { db in
            try db.create(table: "summary", options: .withoutRowID) { t in
                t.column("run_id", .text).notNull().references("run", onDelete: .cascade)
                t.column("key", .text).notNull()
                t.column("low", .double)
                t.column("low_step", .integer)
                t.column("high", .double)
                t.column("high_step", .integer)
                t.column("last", .double)
                t.column("last_step", .integer).notNull()
                t.column("count", .integer).notNull()
                t.primaryKey(["run_id", "key"])
            }
            // Summaries of the scalars recorded before this version.
            try db.execute(sql: """
                INSERT INTO summary (run_id, key, low, high, last_step, count)
                    SELECT run_id, key, MIN(value), MAX(value), MAX(step), COUNT(*) FROM scalar GROUP BY run_id, key;
                UPDATE summary SET
                    low_step = (SELECT MIN(step) FROM scalar s WHERE s.run_id = summary.run_id AND s.key = summary.key AND s.value = summary.low),
                    high_step = (SELECT MIN(step) FROM scalar s WHERE s.run_id = summary.run_id AND s.key = summary.key AND s.value = summary.high),
                    last = (SELECT value FROM scalar s WHERE s.run_id = summary.run_id AND s.key = summary.key AND s.step = summary.last_step);
                """)
        }
        migrator.registerMigration("v3") { db in
            // Interned series: a point row is four numbers instead of repeating the run id and the
            // key, which made the recorder's writes about 3x dearer (`loupe bench store`).
            try db.create(table: "series") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .text).notNull().references("run", onDelete: .cascade)
                t.column("key", .text).notNull()
                t.uniqueKey(["run_id", "key"])
            }
            try db.create(table: "point", options: .withoutRowID) { t in
                t.column("series_id", .integer).notNull()
                t.column("step", .integer).notNull()
                t.column("value", .double)
                t.column("time", .double).notNull()
                t.primaryKey(["series_id", "step"])
            }
            // No foreign key on `point` (checking it would cost a lookup per written point): a
            // trigger removes a series' points with it, also when a deleted run cascades to it.
            try db.execute(sql: """
                CREATE TRIGGER series_points_delete AFTER DELETE ON series BEGIN
                    DELETE FROM point WHERE series_id = OLD.id;
                END;
                INSERT INTO series (run_id, key) SELECT DISTINCT run_id, key FROM scalar ORDER BY run_id, key;
                INSERT INTO point (series_id, step, value, time)
                    SELECT s.id, c.step, c.value, c.time FROM scalar c JOIN series s ON s.run_id = c.run_id AND s.key = c.key;
                DROP TABLE scalar;
                """)
        }
        return migrator
    }
}
