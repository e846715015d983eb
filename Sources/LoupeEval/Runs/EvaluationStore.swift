import Foundation
import LoupeCore
import LoupeReport
import LoupeStore

/// Evaluations in the run store: each is a run of kind `eval` (its parent the evaluated training
/// run, when that is in the store) holding one ``Evaluation`` record, its figures as `eval/…`
/// scalars (so run tables and `loupe runs compare` show them) and its report as an artifact.
public enum EvaluationStore {
    /// Records `evaluation` as a new completed `eval` run and returns its id.
    public static func record(_ evaluation: Evaluation, in store: RunStore, command: String, report: URL? = nil) throws -> String {
        let info = store.newRun(name: evaluation.model, kind: .eval, command: command, seed: evaluation.seed, threads: Engine.threads,
                                parentID: evaluation.trainingRunID.flatMap { (try? store.run($0)) != nil ? $0 : nil })
        let recorder = try RunRecorder(store: store, info: info, params: ["data": .string(evaluation.data), "task": .string(evaluation.task.rawValue)])
        do {
            for (name, value) in evaluation.figures { recorder.scalar("eval/\(name)", step: 0, value: value) }
            try recorder.record(evaluation, kind: Evaluation.recordKind)
            if let report { try recorder.artifact(role: "report", url: report) }
            try recorder.finish(evaluation.verdict.map { $0.passed } ?? true ? .completed : .failed,
                                error: evaluation.verdict?.passed == false ? "the verdict is FAIL" : nil)
        } catch {
            try? recorder.finish(.failed, error: "\(error)")
            throw error
        }
        return info.id
    }

    /// The evaluation recorded in run `id` (an `eval` run), or nil.
    public static func evaluation(of id: String, in store: RunStore) throws -> Evaluation? {
        guard let record = try store.records(id, kind: Evaluation.recordKind).last else { return nil }
        return try LoupeJSON.decoder().decode(Evaluation.self, from: Data(record.json.utf8))
    }

    /// The `eval` runs of a training run, newest first.
    public static func evaluations(ofTraining id: String, in store: RunStore) throws -> [(id: String, evaluation: Evaluation)] {
        try store.children(id).compactMap { child in
            guard let info = try? store.run(child), info.kind == .eval, let e = try evaluation(of: child, in: store) else { return nil }
            return (child, e)
        }.sorted { $0.evaluation.createdAt > $1.evaluation.createdAt }
    }

    /// The evaluation a reference names: an `eval` run's id (or prefix), or a training run or run
    /// name whose newest evaluation is meant.
    public static func resolve(_ reference: String, in store: RunStore) throws -> (id: String, evaluation: Evaluation) {
        let id = try store.resolve(reference)
        let info = try store.run(id)
        if info.kind == .eval, let e = try evaluation(of: id, in: store) { return (id, e) }
        if let newest = try evaluations(ofTraining: id, in: store).first { return newest }
        // A name: the newest eval run of that name.
        for run in try store.runs(name: info.name, kind: .eval) {
            if let e = try evaluation(of: run.id, in: store) { return (run.id, e) }
        }
        throw StoreError.invalid(field: reference, reason: "has no evaluation; run `loupe eval \(reference)` first")
    }
}
