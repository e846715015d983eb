import Foundation
import LoupeReport
import LoupeTensorBoard

extension RunStore {
    /// Writes runs as TensorBoard event files under `directory`: one folder per run
    /// (`NAME-ID/`, which TensorBoard lists as a run) holding its scalars, its histograms, its
    /// findings as text and its hyperparameters as an HParams session; and the HParams experiment
    /// (every hyperparameter and metric the runs share) in `directory` itself, so TensorBoard's
    /// HParams tab lists the runs. Returns the run folders written.
    @discardableResult
    public func exportTensorBoard(_ ids: [String], to directory: URL) throws -> [URL] {
        let runs = try ids.map { try run($0) }
        var folders: [URL] = []
        var allParams: [String: [ParamValue]] = [:], metricKeys = Set<String>()
        for info in runs {
            let folder = directory.appendingPathComponent("\(info.name)-\(info.id)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let writer = try EventFileWriter(directory: folder, wallTime: info.startedAt.timeIntervalSince1970)
            for key in try scalarKeys(info.id) {
                for point in try scalars(info.id, key: key) {
                    try writer.addScalar(tag: key, value: point.value, step: point.step, wallTime: point.time)
                }
                if key.hasPrefix("validation/") || key.hasPrefix("final/") { metricKeys.insert(key) }
            }
            for record in try records(info.id, kind: RecordedHistogram.kind) {
                let h = try LoupeJSON.decoder().decode(RecordedHistogram.self, from: Data(record.json.utf8))
                guard let histogram = h.tensorBoardHistogram else { continue }
                try writer.addHistogram(tag: h.tag, histogram, step: h.step)
            }
            let findings = try records(info.id, kind: "finding")
            if !findings.isEmpty {
                try writer.addText(tag: "findings", text: findings.map { "    " + $0.json }.joined(separator: "\n\n"), step: 0)
            }
            let params = try self.params(info.id)
            for (key, value) in params { allParams[key, default: []].append(value) }
            try writer.addHParamsSessionStart(params.mapValues(Self.hparam), groupName: info.name,
                                              startTime: info.startedAt.timeIntervalSince1970)
            try writer.addHParamsSessionEnd(status: Self.status(info.status), endTime: (info.endedAt ?? Date()).timeIntervalSince1970)
            try writer.close()
            folders.append(folder)
        }
        let experiment = try EventFileWriter(directory: directory)
        let infos = allParams.keys.sorted().map { key -> HParamInfo in
            let values = allParams[key]!
            let type: HParamInfo.ValueType = values.allSatisfy { $0.number != nil && !Self.isBool($0) } ? .number
                : values.allSatisfy(Self.isBool) ? .bool : .string
            return HParamInfo(name: key, type: type)
        }
        try experiment.addHParamsExperiment(hparams: infos, metrics: metricKeys.sorted().map {
            HParamMetric(tag: $0, dataset: $0.hasPrefix("validation/") ? .validation : .unknown)
        })
        try experiment.close()
        return folders
    }

    static func isBool(_ value: ParamValue) -> Bool {
        if case .bool = value { true } else { false }
    }

    static func hparam(_ value: ParamValue) -> HParamValue {
        switch value {
        case let .int(v): .number(Double(v))
        case let .double(v): .number(v)
        case let .bool(v): .bool(v)
        case let .string(v): .string(v)
        }
    }

    static func status(_ status: RunStatus) -> HParamSessionStatus {
        switch status {
        case .completed: .success
        case .failed, .crashed: .failure
        case .running: .running
        }
    }

}

extension RecordedHistogram {
    /// As TensorBoard's histogram: the same equal-width buckets over `lower…upper` (the last right
    /// edge exactly `upper`), with `lower` and `upper` as its min and max and, unless recorded
    /// exactly, each value counted at its bucket's centre for the sum and the sum of squares. One
    /// whose values are all the same (`upper == lower`) is one bucket at that value, min and max
    /// both it. Nil for one with nothing to draw.
    public var tensorBoardHistogram: TensorBoardHistogram? {
        guard !counts.isEmpty, lower.isFinite, upper.isFinite, upper >= lower else { return nil }
        if upper == lower {
            let total = Double(counts.reduce(0) { $0 + max($1, 0) })
            guard total > 0 else { return nil }
            return try? TensorBoardHistogram(min: lower, max: upper, count: total, sum: sum ?? lower * total,
                                             sumSquares: sumSquares ?? lower * lower * total, bucketLimits: [upper], bucketCounts: [total])
        }
        let width = (upper - lower) / Double(counts.count)
        let centres = counts.indices.map { lower + (Double($0) + 0.5) * width }
        let weights = counts.map { Double(max($0, 0)) }
        let total = weights.reduce(0, +)
        guard total > 0 else { return nil }
        return try? TensorBoardHistogram(
            min: lower, max: upper, count: total, sum: sum ?? zip(centres, weights).map(*).reduce(0, +),
            sumSquares: sumSquares ?? zip(centres, weights).map { $0 * $0 * $1 }.reduce(0, +),
            bucketLimits: counts.indices.map { $0 == counts.count - 1 ? upper : lower + Double($0 + 1) * width }, bucketCounts: weights)
    }
}
