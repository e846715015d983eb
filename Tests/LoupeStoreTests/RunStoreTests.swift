import Foundation
import GRDB
import LoupeTestSupport
import Testing
@testable import LoupeStore

/// The run store: what goes in comes out (typed parameters, NaN and ±∞ scalars, records,
/// artifacts), ids resolve by prefix and name, two writers lose nothing, a dead process's run reads
/// as crashed, and a database from a newer Loupe or not a database at all is refused clearly.
@Suite("Run store")
struct RunStoreTests {
    static func store() throws -> (RunStore, URL) {
        let directory = try temporaryDirectory()
        return (try RunStore(path: directory.appendingPathComponent("sub/loupe.sqlite").path), directory)
    }

    @Test func recordsRoundTrip() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        var info = store.newRun(name: "mlp", kind: .train, command: "loupe train mlp.toml", runFile: "[run]\nname = \"mlp\"\n", seed: UInt64.max, threads: 2)
        info.tags = ["baseline"]
        let recorder = try RunRecorder(store: store, info: info, params: ["train.lr": .double(0.01), "train.batch_size": .int(64),
                                                                          "train.optimizer": .string("adam"), "data.shuffle": .bool(true)])
        for step in 1...5 { recorder.scalar("train/loss", step: step, value: 2.0 / Double(step)) }
        recorder.scalar("train/loss", step: 6, value: .nan)
        recorder.scalar("grad_norm", step: 6, value: .infinity)
        recorder.scalar("validation/accuracy", step: 3, value: 0.5)
        recorder.scalar("validation/accuracy", step: 6, value: 0.75)
        recorder.scalar("validation/accuracy", step: 9, value: 0.7)
        struct Finding: Codable, Equatable { var kind: String; var value: Double }
        try recorder.record(Finding(kind: "lr_too_high", value: .nan), kind: "finding")
        try recorder.records([Finding(kind: "a", value: 1), Finding(kind: "b", value: 2)], kind: "note")
        let file = directory.appendingPathComponent("report.html")
        try Data("<html></html>".utf8).write(to: file)
        try recorder.artifact(role: "report", url: file)
        try recorder.finish(.completed)

        let run = try store.run(recorder.id)
        #expect(run.name == "mlp" && run.kind == .train && run.status == .completed && run.endedAt != nil)
        #expect(run.seed == UInt64.max && run.threads == 2 && run.tags == ["baseline"] && run.runFile == info.runFile)
        #expect(run.runFileHash == SHA256Check.hex(info.runFile!))
        #expect(try store.params(recorder.id) == ["train.lr": .double(0.01), "train.batch_size": .int(64),
                                                  "train.optimizer": .string("adam"), "data.shuffle": .bool(true)])
        let loss = try store.scalars(recorder.id, key: "train/loss")
        #expect(loss.map(\.step) == [1, 2, 3, 4, 5, 6] && loss[0].value == 2 && loss[5].value.isNaN)
        #expect(try store.scalars(recorder.id, key: "grad_norm").first?.value == .infinity)
        #expect(try store.scalarKeys(recorder.id) == ["grad_norm", "train/loss", "validation/accuracy"])
        let summaries = try store.summaries(recorder.id)
        #expect(summaries["train/loss"]?.best == 0.4 && summaries["train/loss"]?.bestStep == 5 && summaries["train/loss"]?.last.isNaN == true)
        #expect(summaries["validation/accuracy"]?.best == 0.75 && summaries["validation/accuracy"]?.bestStep == 6)
        #expect(summaries["validation/accuracy"]?.last == 0.7 && summaries["validation/accuracy"]?.count == 3)
        let records = try store.records(recorder.id, kind: "finding")
        #expect(records.count == 1 && records[0].json.contains(#""value":"NaN""#))
        let notes = try store.records(recorder.id, kind: "note")
        #expect(notes.map(\.json) == [#"{"kind":"a","value":1}"#, #"{"kind":"b","value":2}"#])
        let artifacts = try store.artifacts(recorder.id)
        #expect(artifacts.count == 1 && artifacts[0].bytes == 13 && artifacts[0].sha256 == SHA256Check.hex("<html></html>"))
    }

    @Test func idsResolveByPrefixAndName() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        var ids: [String] = []
        for name in ["a", "b", "a"] {
            let recorder = try RunRecorder(store: store, info: store.newRun(name: name, kind: .train, command: "x"))
            recorder.scalar("loss", step: 1, value: 1)
            recorder.scalar("lr", step: 1, value: 0.1)
            try recorder.finish(.completed)
            ids.append(recorder.id)
            Thread.sleep(forTimeInterval: 0.002)
        }
        #expect(try store.resolve(ids[1]) == ids[1])
        #expect(try store.resolve(String(ids[1].prefix(15))) == ids[1] || ids[1].prefix(15) == ids[0].prefix(15))
        #expect(try store.resolve("a") == ids[2])   // a name is its latest run
        #expect(throws: StoreError.ambiguousRun("", matches: ids.sorted())) { try store.resolve("") }
        #expect(throws: StoreError.unknownRun("zz%")) { try store.resolve("zz%") }
        #expect(try store.runs().map(\.id) == ids.reversed())
        #expect(try store.runs(name: "a").count == 2)
        try store.tag(ids[0], add: ["best", "v1"])
        try store.tag(ids[0], remove: ["v1"])
        #expect(try store.run(ids[0]).tags == ["best"] && store.runs(tag: "best").map(\.id) == [ids[0]])
        #expect(throws: StoreError.self) { try store.tag(ids[0], add: ["two words"]) }
        func points() throws -> Int { try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM point")! } }
        #expect(try points() == 6)
        try store.delete(ids[0])
        #expect(throws: StoreError.unknownRun(ids[0])) { try store.run(ids[0]) }
        // The run's series and, through the trigger, their points went with it.
        #expect(try points() == 4)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM series WHERE run_id = ?", arguments: [ids[0]])! } == 0)
    }

    @Test func twoWritersLoseNothing() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        let second = try RunStore(path: store.path)   // another connection pool, as another process would have
        let recorders = [try RunRecorder(store: store, info: store.newRun(name: "one", kind: .train, command: "x"), flushInterval: 0.01),
                         try RunRecorder(store: second, info: second.newRun(name: "two", kind: .train, command: "x"), flushInterval: 0.01)]
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            for step in 0..<3000 { recorders[i].scalar("loss", step: step, value: Double(step)) }
        }
        for recorder in recorders { try recorder.finish(.completed) }
        for recorder in recorders { #expect(try store.scalars(recorder.id, key: "loss").count == 3000) }
    }

    @Test func twoOpenersOfANewStoreBothSucceed() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for trial in 0..<20 {
            let path = directory.appendingPathComponent("new-\(trial).sqlite").path
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 2) { _ in
                do { _ = try RunStore(path: path) } catch { failures.add("\(error)") }
            }
            #expect(failures.all.isEmpty, "trial \(trial): \(failures.all)")
        }
    }

    /// Errors collected from concurrent work.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var all: [String] = []
        func add(_ failure: String) { lock.lock(); all.append(failure); lock.unlock() }
    }

    @Test func aDeadProcessesRunIsCrashed() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let info = store.newRun(name: "killed", kind: .train, command: "x")
        try store.write { db in try store.insert(info, pid: Int(process.processIdentifier), db) }
        let alive = try RunRecorder(store: store, info: store.newRun(name: "alive", kind: .train, command: "x"))
        #expect(try store.detectCrashes() == [info.id])
        #expect(try store.run(info.id).status == .crashed && store.run(alive.id).status == .running)
        try alive.finish(.failed, error: "boom")
        #expect(try store.run(alive.id).status == .failed && store.run(alive.id).error == "boom")
        // A pid no process can have (a damaged store) is a dead process, not a trap.
        let odd = store.newRun(name: "odd-pid", kind: .train, command: "x")
        try store.write { db in try store.insert(odd, pid: Int(Int32.max) + 1, db) }
        #expect(try store.detectCrashes() == [odd.id])
        #expect(!RunStore.processExists(Int.max) && !RunStore.processExists(-1) && !RunStore.processExists(0))
    }

    @Test func aReopenedRunContinuesWhereItStopped() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try RunRecorder(store: store, info: store.newRun(name: "r", kind: .train, command: "x", runFile: "a = 1"),
                                    params: ["train.epochs": .int(1)])
        for step in 1...10 { first.scalar("train/loss", step: step, value: Double(step)) }
        let file = directory.appendingPathComponent("last.safetensors")
        try Data([1]).write(to: file)
        try first.artifact(role: "checkpoint", url: file)
        try first.finish(.failed, error: "interrupted")
        // Resumed from a checkpoint at step 8: steps 9 and 10 are recorded again, then 11…15.
        let resumed = try RunRecorder(store: store, reopening: first.id, runFile: "a = 2", params: ["train.epochs": .int(2)])
        #expect(try store.run(first.id).status == .running && store.run(first.id).error == nil && store.run(first.id).endedAt == nil)
        for step in 9...15 { resumed.scalar("train/loss", step: step, value: Double(step) + 0.5) }
        try Data([1, 2]).write(to: file)
        try resumed.artifact(role: "checkpoint", url: file)
        try resumed.finish(.completed)
        let info = try store.run(first.id)
        #expect(info.status == .completed && info.runFile == "a = 2" && info.runFileHash == RunEnvironment.sha256("a = 2"))
        #expect(try store.params(first.id) == ["train.epochs": .int(2)])
        let loss = try store.scalars(first.id, key: "train/loss")
        #expect(loss.map(\.step) == Array(1...15) && loss[7].value == 8 && loss[8].value == 9.5)
        #expect(try store.artifacts(first.id).map(\.bytes) == [2])   // recorded again, listed once
        #expect(try store.runs().count == 1)
        #expect(throws: StoreError.unknownRun("0000000000000000")) { try RunRecorder(store: store, reopening: "0000000000000000") }
    }

    @Test func aStoreLockedTooLongIsAClearError() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Another process's long write transaction, held while this one tries to record.
        let other = try DatabaseQueue(path: store.path)
        let locked = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), released = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? other.inTransaction(.immediate) { _ in
                locked.signal()
                release.wait()
                return .rollback
            }
            released.signal()
        }
        locked.wait()
        let impatient = try RunStore(path: store.path, busyTimeout: 0.2)
        #expect(throws: StoreError.locked(path: store.path)) {
            try RunRecorder(store: impatient, info: impatient.newRun(name: "r", kind: .train, command: "x"))
        }
        // Reading still works while it is locked (WAL), and once it is free, recording does.
        #expect(try impatient.runs().isEmpty)
        release.signal()
        released.wait()
        let recorder = try RunRecorder(store: impatient, info: impatient.newRun(name: "r", kind: .train, command: "x"))
        try recorder.finish(.completed)
        #expect(try store.runs().map(\.id) == [recorder.id])
        #expect(StoreError.locked(path: "p").description.contains("locked by another process"))
    }

    @Test func newerOrBrokenDatabasesAreRefused() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        try store.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
        #expect(throws: StoreError.newerSchema(path: store.path, unknown: ["v99"])) { try RunStore(path: store.path) }
        let garbage = directory.appendingPathComponent("garbage.sqlite")
        try Data(repeating: 0x42, count: 4096).write(to: garbage)
        #expect {
            try RunStore(path: garbage.path)
        } throws: { error in
            guard case let StoreError.unreadable(path, _) = error else { return false }
            return path == garbage.path
        }
    }
}

/// An independent SHA-256 for the checks: coreutils' `sha256sum`.
enum SHA256Check {
    static func hex(_ text: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        (process.standardInput, process.standardOutput) = (input, output)
        try? process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }
}
