import Foundation
import LoupeCore
import LoupeLLM

/// Direct logit attribution of every cycle, after generation, from the rows the tracer's hooks kept.
///
/// The stream after the last block is x = embedding + Σ_l (attention_l + mlp_l), and
/// logit(t) = (x / rms(x)) · direction(t) with direction(t) = finalNorm ⊙ head[t]. With rms fixed
/// at its value for x, every component c contributes (c · direction) / rms. Attention_l is
/// W_o · z with z the heads' outputs side by side, so head h contributes
/// (W_oᵀ · direction)[h's columns] · z[h's columns] / rms: one [jobs, dim] × W_o product per layer
/// covers every cycle.
struct Attributor {
    let model: LlamaModel
    let capture: TraceCapture

    /// One logit (or logit difference) to explain.
    private struct Job {
        var cycle: Int
        var isContrast: Bool
        var token: Int
        var distractor: Int?
        var logit: Double
        /// The logit's direction divided by the final stream's rms, [dim].
        var direction: [Float]
    }

    func attribute(_ trace: inout Trace, rows: [InferenceTracer.CycleRows]) throws {
        let config = model.config, dim = config.dim
        var jobs: [Job] = []
        for (i, row) in rows.enumerated() where row.final.count == dim {
            let meanSquare = row.final.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(dim)
            let inverseRMS = Float(1 / Foundation.sqrt(meanSquare + config.rmsEpsilon))
            if let chosen = trace.cycles[i].chosen, let logit = row.chosenLogit {
                jobs.append(Job(cycle: i, isContrast: false, token: chosen.id, logit: logit,
                                direction: model.logitDirection(chosen.id).map { $0 * inverseRMS }))
            }
            if let pair = capture.contrast, let logit = row.contrastLogit {
                let direction = zip(model.logitDirection(pair.target), model.logitDirection(pair.distractor)).map { ($0 - $1) * inverseRMS }
                jobs.append(Job(cycle: i, isContrast: true, token: pair.target, distractor: pair.distractor, logit: logit, direction: direction))
            }
        }
        guard !jobs.isEmpty else { return }
        let heads = capture.headAttribution ? try headShares(jobs, rows: rows) : nil
        for (n, job) in jobs.enumerated() {
            let parts = rows[job.cycle].parts
            var components: [LogitAttribution.Component] = (0..<(1 + 2 * config.layers)).map { c in
                var dot = 0.0
                for j in 0..<dim { dot += Double(parts[c * dim + j]) * Double(job.direction[j]) }
                let name = c == 0 ? "embedding" : "L\((c - 1) / 2).\((c - 1) % 2 == 0 ? "attention" : "mlp")"
                return .init(component: name, value: dot)
            }
            let sum = components.reduce(0) { $0 + $1.value }
            components.sort { abs($0.value) > abs($1.value) }
            let attribution = LogitAttribution(token: job.token, distractor: job.distractor, logit: job.logit, remainder: job.logit - sum,
                                               components: components, heads: heads?[n])
            if job.isContrast { trace.cycles[job.cycle].contrast = attribution } else { trace.cycles[job.cycle].attribution = attribution }
        }
    }

    /// Every job's per-head shares, largest |value| first.
    private func headShares(_ jobs: [Job], rows: [InferenceTracer.CycleRows]) throws -> [[LogitAttribution.Component]] {
        let config = model.config, dim = config.dim, hd = config.headDim
        let directions = Tensor(jobs.flatMap(\.direction), shape: [jobs.count, dim])
        var shares = [[LogitAttribution.Component]](repeating: [], count: jobs.count)
        for l in 0..<config.layers {
            let weights = Tensor(model.attentionOutputWeights(layer: l), shape: [dim, config.heads * hd])
            let read = try directions.matmul(weights).floats()     // [jobs, heads × hd]
            for (n, job) in jobs.enumerated() {
                let z = rows[job.cycle].heads
                for h in 0..<config.heads {
                    var dot = 0.0
                    for j in (h * hd)..<((h + 1) * hd) { dot += Double(read[n * dim + j]) * Double(z[l * dim + j]) }
                    shares[n].append(.init(component: "L\(l).H\(h)", value: dot))
                }
            }
        }
        return shares.map { $0.sorted { abs($0.value) > abs($1.value) } }
    }
}
