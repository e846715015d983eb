import Foundation
import LoupeCore
import LoupeReport
import LoupeStore
import LoupeTrace

/// Records every traced request a server answers in the run store, as `loupe trace` records its
/// traces: a `trace` run named `served` (params: model, endpoint's trace id, prompt and generated
/// tokens), its per-cycle scalars, and the trace's JSON and page as artifacts written under
/// `folder` — so the dashboard lists served requests with their traces.
///
/// Recording happens on its own queue, never on the engine's thread; a failure is logged by the
/// caller's `onError` and the request is unaffected.
public final class ServedTraceRecorder: Sendable {
    public let store: RunStore
    public let folder: URL
    public let modelName: String
    let onError: @Sendable (String) -> Void
    private let queue = DispatchQueue(label: "loupe.served-traces")

    public init(store: RunStore, folder: URL, modelName: String, onError: @escaping @Sendable (String) -> Void = { _ in }) {
        (self.store, self.folder, self.modelName, self.onError) = (store, folder, modelName, onError)
    }

    /// Records `entry` in the background.
    public func record(_ entry: TraceArchive.Entry) {
        queue.async { [self] in
            do { try write(entry) } catch { onError("the trace \(entry.id) was not recorded in the run store: \(ErrorMessage.plain(error))") }
        }
    }

    /// Waits for the recordings queued so far (tests; shutdown).
    public func flush() { queue.sync {} }

    func write(_ entry: TraceArchive.Entry) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let json = folder.appendingPathComponent("\(entry.id).json"), html = folder.appendingPathComponent("\(entry.id).html")
        try AtomicFile.write(try LoupeJSON.encoder().encode(entry.trace), to: json)
        try AtomicFile.write(Data(TraceHTML.render(entry.trace, tokenTexts: entry.tokenTexts, title: "Loupe trace \(entry.id)").utf8), to: html)
        let trace = entry.trace
        let info = store.newRun(name: "served", kind: .trace, command: "loupe serve (\(modelName))", seed: trace.sampling.seed)
        let recorder = try RunRecorder(store: store, info: info, params: [
            "model": .string(modelName), "trace_id": .string(entry.id), "prompt_tokens": .int(trace.promptTokens.count),
            "generated_tokens": .int(trace.cycles.filter { $0.chosen != nil }.count), "temperature": .double(trace.sampling.temperature),
        ])
        for cycle in trace.cycles {
            recorder.scalar("cycle/ms", step: cycle.index, value: cycle.milliseconds)
            recorder.scalar("cycle/entropy", step: cycle.index, value: cycle.entropy)
            if let chosen = cycle.chosen { recorder.scalar("cycle/chosen_probability", step: cycle.index, value: chosen.probability) }
        }
        try recorder.artifact(role: "trace", url: json)
        try recorder.artifact(role: "report", url: html)
        try recorder.finish(.completed)
    }
}
