import LoupeStore

extension Telemetry {
    /// Puts the per-layer measurements into the run store: each layer's series as scalars at the
    /// sampled steps (`layers/<path>/grad_norm`, `weight_norm`, `update_ratio` for parameter layers;
    /// `mean`, `std`, `zero_fraction`, `dead_unit_fraction`, `saturated_fraction` for activations;
    /// steps where a series was not measured are left out), and each histogram as a
    /// ``RecordedHistogram``: `activations/<path>`, and `weights/<path>` and `gradients/<path>`
    /// with their exact sums and non-finite counts.
    public func record(into recorder: RunRecorder) throws {
        for layer in layers {
            let series: [(String, [Float])] = layer.kind == .parameters
                ? [("grad_norm", layer.gradNorm), ("weight_norm", layer.weightNorm), ("update_ratio", layer.updateRatio)]
                : [("mean", layer.mean), ("std", layer.std), ("zero_fraction", layer.zeroFraction),
                   ("dead_unit_fraction", layer.deadUnitFraction), ("saturated_fraction", layer.saturatedFraction)]
            for (name, values) in series {
                for (step, value) in zip(sampledSteps, values) where !value.isNaN {
                    recorder.scalar("layers/\(layer.path)/\(name)", step: step, value: Double(value))
                }
            }
        }
        let activations = histograms.map {
            RecordedHistogram(tag: "activations/\($0.path)", step: $0.step, lower: Double($0.lower), upper: Double($0.upper), counts: $0.counts)
        }
        try recorder.records(activations + parameterHistograms.map(\.recorded), kind: RecordedHistogram.kind)
    }
}

extension ParameterHistogram {
    /// As the run store and the TensorBoard writers take it: tagged `weights/<path>` or
    /// `gradients/<path>`.
    public var recorded: RecordedHistogram {
        RecordedHistogram(tag: "\(kind.rawValue)/\(path)", step: step, lower: Double(lower), upper: Double(upper), counts: counts,
                          sum: sum, sumSquares: sumOfSquares, nonFinite: nonFinite)
    }
}
