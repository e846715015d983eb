import ArgumentParser
import Foundation
import LoupeCore
import LoupeStore

/// `--store PATH` and `--no-record`, shared by the commands that record runs and by `loupe runs`.
struct StoreOptions: ParsableArguments {
    @Option(help: "The run store (SQLite). Default: $LOUPE_STORE, else runs/loupe.sqlite.") var store: String?
    @Flag(help: "Do not record this run in the run store.") var noRecord = false

    var path: String { store ?? RunStore.defaultPath }

    /// The store to record into, or nil with --no-record.
    func recordingStore() throws -> RunStore? {
        noRecord ? nil : try open()
    }

    /// The store, with runs whose process died marked crashed.
    func open() throws -> RunStore {
        let store = try RunStore(path: path)
        try store.detectCrashes()
        return store
    }

    /// Runs `body` as a recorded run (unless --no-record): the run is created first, then closed
    /// as completed, or as failed with the error `body` throws.
    /// With `reopening`, the run of that id, already in the store, is continued instead.
    func recording<T>(name: String, kind: RunKind, runFile: String? = nil, seed: UInt64? = nil, params: [String: ParamValue] = [:],
                      id: String = RunID.make(), reopening: Bool = false, _ body: (RunRecorder?) throws -> T) throws -> T {
        let recorder = try recordingStore().map { store in
            reopening ? try RunRecorder(store: store, reopening: id, runFile: runFile, params: params)
                : try RunRecorder(store: store, info: store.newRun(name: name, kind: kind, command: Self.commandLine, runFile: runFile,
                                                                   seed: seed, threads: Engine.threads, id: id), params: params)
        }
        do {
            let result = try body(recorder)
            try recorder?.finish(.completed)
            return result
        } catch {
            try? recorder?.finish(.failed, error: "\(error)")
            throw error
        }
    }

    /// How this process was started, for the run's record.
    static var commandLine: String {
        CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}
