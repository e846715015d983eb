import LoupeStore

extension Telemetry {
    /// Puts the per-layer measurements into the run store: each layer's series as scalars at the
    /// sampled steps (`layers/<path>/grad_norm`, `weight_norm`, `update_ratio` for parameter layers;
    /// `mean`, `std`, `zero_fraction`, `dead_unit_fraction`, `saturated_fraction` for activations;
    /// steps where a series was not measured are left out), and each activation histogram as a
    /// ``RecordedHistogram`` (`activations/<path>`).
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
        for h in histograms {
            try recorder.record(RecordedHistogram(tag: "activations/\(h.path)", step: h.step, lower: Double(h.lower), upper: Double(h.upper),
                                                  counts: h.counts), kind: RecordedHistogram.kind)
        }
    }
}
