import Foundation
import GRDB
import LoupeTestSupport
import Testing
@testable import LoupeStore

/// The `summary` rows (schema v2) the recorder keeps: folded over many flushes they equal what
/// the scalars say, a v1 store gets them on opening, and the bulk reads and a live run's progress
/// come from them.
@Suite("Run store summaries")
struct SummaryTests {
    /// What the summaries must be, computed from the scalars themselves.
    static func fromScalars(_ store: RunStore, _ id: String) throws -> [String: ScalarSummary] {
        var expected: [String: ScalarSummary] = [:]
        for key in try store.read({ db in try String.fetchAll(db, sql: "SELECT key FROM series WHERE run_id = ?", arguments: [id]) }) {
            let points = try store.scalars(id, key: key)
            let goal = MetricGoal(key: key)
            let best = points.filter { !$0.value.isNaN }.reduce(nil as ScalarPoint?) { best, p in
                best.map { goal.prefers(p.value, over: $0.value) ? p : $0 } ?? p
            }
            expected[key] = ScalarSummary(key: key, best: best?.value ?? .nan, bestStep: best?.step, last: points.last!.value,
                                          lastStep: points.last!.step, count: points.count)
        }
        return expected
    }

    static func same(_ a: [String: ScalarSummary], _ b: [String: ScalarSummary]) -> Bool {
        a.keys.sorted() == b.keys.sorted() && a.keys.allSatisfy { key in
            let (x, y) = (a[key]!, b[key]!)
            return (x.best == y.best || (x.best.isNaN && y.best.isNaN)) && x.bestStep == y.bestStep
                && (x.last == y.last || (x.last.isNaN && y.last.isNaN)) && x.lastStep == y.lastStep && x.count == y.count
        }
    }

    @Test func foldedFlushesMatchTheScalars() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RunStore(path: directory.appendingPathComponent("loupe.sqlite").path)
        let recorder = try RunRecorder(store: store, info: store.newRun(name: "r", kind: .train, command: "x"), flushInterval: .infinity)
        var generator = SystemRandomNumberGenerator()
        // Ties (the first step wins), NaN and ±∞, a NaN last value, across many small flushes.
        for step in 1...300 {
            let value: Double = step % 37 == 0 ? .nan : step % 53 == 0 ? .infinity : Double(Int.random(in: 0..<20, using: &generator)) / 10
            recorder.scalar("train/loss", step: step, value: value)
            recorder.scalar("validation/accuracy", step: step, value: step == 300 ? .nan : Double(step % 7))
            if step % 11 == 0 { try recorder.flush() }
        }
        recorder.scalar("only/nan", step: 1, value: .nan)
        try recorder.finish(.completed)
        let summaries = try store.summaries(recorder.id)
        #expect(Self.same(summaries, try Self.fromScalars(store, recorder.id)))
        #expect(summaries["only/nan"]?.best.isNaN == true && summaries["only/nan"]?.bestStep == nil)
        #expect(try store.progress(recorder.id) == RunProgress(status: .completed, lastStep: 300, points: 601))
        #expect(try store.summariesOfAllRuns(keys: ["validation/accuracy"])[recorder.id]?.keys.sorted() == ["validation/accuracy"])
        #expect(try store.scalarKeysOfAllRuns().map(\.key) == ["only/nan", "train/loss", "validation/accuracy"])
    }

    @Test func aVersionOneStoreGetsItsSummariesOnOpening() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("v1.sqlite").path
        // A store as the first release wrote it: v1 only, with scalars and no summary table.
        let queue = try DatabaseQueue(path: path)
        try StoreSchema.migrator.migrate(queue, upTo: "v1")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO run (id, name, kind, command, host, cpu, threads, version, started_at, status)
                    VALUES ('0000000000000001', 'old', 'train', 'x', 'h', 'c', 1, '0.11', 0, 'completed');
                INSERT INTO scalar (run_id, key, step, value, time) VALUES
                    ('0000000000000001', 'train/loss', 1, 2.0, 0), ('0000000000000001', 'train/loss', 2, 0.5, 0),
                    ('0000000000000001', 'train/loss', 3, 0.5, 0), ('0000000000000001', 'train/loss', 4, NULL, 0),
                    ('0000000000000001', 'validation/accuracy', 2, 0.9, 0);
                """)
        }
        try queue.close()
        let store = try RunStore(path: path)
        let summaries = try store.summaries("0000000000000001")
        #expect(Self.same(summaries, try Self.fromScalars(store, "0000000000000001")))
        #expect(summaries["train/loss"]?.best == 0.5 && summaries["train/loss"]?.bestStep == 2 && summaries["train/loss"]?.last.isNaN == true)
        #expect(try store.progress("0000000000000001") == RunProgress(status: .completed, lastStep: 4, points: 5))
        #expect(throws: StoreError.unknownRun("nope")) { try store.progress("nope") }
    }

    @Test func bulkReadsCoverEveryRun() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RunStore(path: directory.appendingPathComponent("loupe.sqlite").path)
        var ids: [String] = []
        for i in 0..<3 {
            let recorder = try RunRecorder(store: store, info: store.newRun(name: "r\(i)", kind: .train, command: "x"),
                                           params: ["train.lr": .double(Double(i) / 10), "train.optimizer": .string("adam")])
            recorder.scalar("validation/accuracy", step: 1, value: Double(i))
            if i > 0 { try recorder.record(["kind": "k"], kind: "finding") }
            try recorder.finish(.completed)
            ids.append(recorder.id)
        }
        #expect(try store.paramsOfAllRuns(keys: ["train.lr"]) == [ids[0]: ["train.lr": .double(0)], ids[1]: ["train.lr": .double(0.1)],
                                                                 ids[2]: ["train.lr": .double(0.2)]])
        #expect(try store.paramsOfAllRuns()[ids[1]]?["train.optimizer"] == .string("adam"))
        #expect(try store.recordCounts(kind: "finding") == [ids[1]: 1, ids[2]: 1])
        #expect(try store.summariesOfAllRuns().mapValues { $0["validation/accuracy"]?.best } == [ids[0]: 0, ids[1]: 1, ids[2]: 2])
    }
}
