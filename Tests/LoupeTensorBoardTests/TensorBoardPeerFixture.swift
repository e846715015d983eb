import Foundation
import LoupeCore
import LoupeTensorBoard
import Testing

/// The files for the peer check with the real TensorBoard (scripts/peers/tensorboard-check.sh):
/// when `LOUPE_TB_OUT` names a directory, writes a log directory to `$LOUPE_TB_OUT/logs` (an
/// experiment, two sessions with scalars, histograms and text, and a metrics subdirectory) and
/// everything it wrote to `$LOUPE_TB_OUT/expected.json`, which
/// scripts/peers/tensorboard_readback.py compares with what TensorBoard reads. Skipped otherwise.
///
/// Floats in the JSON are bit patterns in hex ("f32:…", "f64:…"), so the comparison is exact.
struct TensorBoardPeerFixture {
    static let output = ProcessInfo.processInfo.environment["LOUPE_TB_OUT"]

    /// What one run directory should read back as.
    final class Run {
        var scalars: [String: [[Any]]] = [:]
        var histograms: [String: [[String: Any]]] = [:]
        var texts: [String: [[Any]]] = [:]
        var hparamsTags: [String] = []
        let writer: EventFileWriter

        init(_ directory: URL, wallTime: Double) throws {
            writer = try EventFileWriter(directory: directory, wallTime: wallTime)
        }

        func scalar(_ tag: String, _ value: Double, step: Int, wallTime: Double) throws {
            try writer.addScalar(tag: tag, value: value, step: step, wallTime: wallTime)
            scalars[tag, default: []].append([step, f32(Float(value)), f64(wallTime)])
        }

        /// A histogram of `values`, which the check bins again on its own.
        func histogram(_ tag: String, values: [Double], bucketCount: Int, step: Int) throws {
            try writer.addHistogram(tag: tag, values: values, bucketCount: bucketCount, step: step, wallTime: 1_767_225_650)
            record(tag, try TensorBoardHistogram(values: values, bucketCount: bucketCount), values: values, step: step)
        }

        /// A histogram given by its parts.
        func histogram(_ tag: String, _ histogram: TensorBoardHistogram, step: Int) throws {
            try writer.addHistogram(tag: tag, histogram, step: step, wallTime: 1_767_225_650)
            record(tag, histogram, values: nil, step: step)
        }

        private func record(_ tag: String, _ histogram: TensorBoardHistogram, values: [Double]?, step: Int) {
            histograms[tag, default: []].append([
                "step": step, "min": f64(histogram.min), "max": f64(histogram.max), "num": f64(histogram.count),
                "sum": f64(histogram.sum), "sum_squares": f64(histogram.sumSquares),
                "bucket_limit": histogram.bucketLimits.map(f64), "bucket": histogram.bucketCounts.map(f64),
                "values": values.map { $0.map(f64) } ?? NSNull(),
            ])
        }

        func text(_ tag: String, _ text: String, step: Int) throws {
            try writer.addText(tag: tag, text: text, step: step, wallTime: 1_767_225_660)
            texts[tag, default: []].append([step, text])
        }

        var json: [String: Any] {
            ["scalars": scalars, "histograms": histograms, "texts": texts, "hparams_tags": hparamsTags]
        }
    }

    @Test(.enabled(if: output != nil, "set LOUPE_TB_OUT to write the peer-check files"))
    func writeTheFilesForTensorBoard() throws {
        let out = URL(fileURLWithPath: try #require(Self.output))
        let logs = out.appendingPathComponent("logs")
        try? FileManager.default.removeItem(at: logs)

        let hparams = [
            HParamInfo(name: "lr", type: .number, domain: .interval(min: 1e-4, max: 1), displayName: "learning rate"),
            HParamInfo(name: "optimizer", type: .string, domain: .discrete(["sgd", "adam"]), description: "*which* update"),
            HParamInfo(name: "augment", type: .bool, domain: .discrete([true, false])),
            HParamInfo(name: "batch", type: .number, domain: .discrete([32, 64])),
        ]
        let metrics = [
            HParamMetric(tag: "train/loss", displayName: "training loss", dataset: .training),
            HParamMetric(tag: "accuracy", group: "validation", description: "top-1", dataset: .validation),
        ]
        let root = try Run(logs, wallTime: 1_767_225_600.25)
        try root.writer.addHParamsExperiment(hparams: hparams, metrics: metrics, description: "a sweep", timeCreated: 1_767_225_600.5)
        root.hparamsTags = ["_hparams_/experiment"]

        var runs: [String: Run] = [".": root]
        var sessions: [String: Any] = [:]
        let plans: [(name: String, values: [String: HParamValue], status: HParamSessionStatus, statusName: String, losses: [Double])] = [
            ("lr-0.01", ["lr": 0.01, "optimizer": "adam", "augment": true, "batch": 32], .success, "STATUS_SUCCESS",
             [2.3, 1.1, .nan, .infinity, -.infinity, 0.1 + 0.2, 1e-45, 3.4e38]),
            ("lr-0.1", ["lr": 0.1, "optimizer": "sgd", "augment": false, "batch": 64], .failure, "STATUS_FAILURE",
             [2.3, 0.7, 0.25]),
        ]
        var rng = RandomGenerator(seed: 13)
        for (index, plan) in plans.enumerated() {
            let run = try Run(logs.appendingPathComponent(plan.name), wallTime: 1_767_225_601 + Double(index))
            let validation = try Run(logs.appendingPathComponent(plan.name).appendingPathComponent("validation"), wallTime: 1_767_225_601)
            try run.writer.addHParamsSessionStart(plan.values, startTime: 1_767_225_610 + Double(index))
            for (step, loss) in plan.losses.enumerated() {
                try run.scalar("train/loss", loss, step: step * 100, wallTime: 1_767_225_620 + Double(step))
            }
            let accuracies = [0.5, 0.75, 0.875 - Double(index) / 8]
            for (step, accuracy) in accuracies.enumerated() {
                try validation.scalar("accuracy", accuracy, step: step * 100, wallTime: 1_767_225_630 + Double(step))
            }
            for step in 0..<2 {
                let values = (0..<(200 + 37 * step)).map { _ in Double(rng.nextFloat()) * 4 - 1 + Double(index) }
                try run.histogram("fc.weight", values: values, bucketCount: 20 + step, step: step)
            }
            try run.histogram("same", values: [0.25, 0.25], bucketCount: 30, step: 3)
            try run.histogram("given", TensorBoardHistogram(
                min: -3, max: 5, count: 7, sum: 4.5, sumSquares: 40, bucketLimits: [-1, 0, 2, 5], bucketCounts: [2, 0, 4, 1]), step: 4)
            try run.text("notes", "# \(plan.name)\n\nlr **\(plan.name.dropFirst(3))**, ünïcödé ✓", step: 0)
            try run.text("notes", "", step: 5)
            try run.writer.addHParamsSessionEnd(status: plan.status, endTime: 1_767_225_700 + Double(index))
            run.hparamsTags = ["_hparams_/session_start_info", "_hparams_/session_end_info"]
            runs[plan.name] = run
            runs["\(plan.name)/validation"] = validation

            sessions[plan.name] = [
                "hparams": plan.values.mapValues(Self.json),
                "group_name": "",
                "start_time_secs": f64(1_767_225_610 + Double(index)),
                "end_time_secs": f64(1_767_225_700 + Double(index)),
                "status": plan.statusName,
                "metrics": [
                    ["group": "", "tag": "train/loss", "step": (plan.losses.count - 1) * 100, "value": f32(Float(plan.losses.last!))],
                    ["group": "validation", "tag": "accuracy", "step": 200, "value": f32(Float(accuracies.last!))],
                ],
            ]
        }
        for run in runs.values { try run.writer.close() }

        let expected: [String: Any] = [
            "runs": runs.mapValues(\.json),
            "experiment": [
                "description": "a sweep",
                "time_created_secs": f64(1_767_225_600.5),
                "hparams": hparams.map(Self.json),
                "metrics": metrics.map(Self.json),
            ],
            "sessions": sessions,
        ]
        let data = try JSONSerialization.data(withJSONObject: expected, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: out.appendingPathComponent("expected.json"))
    }

    static func json(_ value: HParamValue) -> [String: Any] {
        switch value {
        case let .number(n): ["number": f64(n)]
        case let .string(s): ["string": s]
        case let .bool(b): ["bool": b]
        }
    }

    static func json(_ info: HParamInfo) -> [String: Any] {
        let domain: Any = switch info.domain {
        case .unspecified: NSNull()
        case let .discrete(values): ["discrete": values.map(json)]
        case let .interval(min, max): ["interval": [f64(min), f64(max)]]
        }
        let type = switch info.type {
        case .number: "DATA_TYPE_FLOAT64"
        case .string: "DATA_TYPE_STRING"
        case .bool: "DATA_TYPE_BOOL"
        }
        return ["name": info.name, "type": type, "domain": domain, "display_name": info.displayName, "description": info.description]
    }

    static func json(_ metric: HParamMetric) -> [String: Any] {
        let dataset = switch metric.dataset {
        case .unknown: "DATASET_UNKNOWN"
        case .training: "DATASET_TRAINING"
        case .validation: "DATASET_VALIDATION"
        }
        return ["group": metric.group, "tag": metric.tag, "display_name": metric.displayName,
                "description": metric.description, "dataset_type": dataset]
    }
}

private func f32(_ value: Float) -> String { "f32:" + String(format: "%08x", value.bitPattern) }
private func f64(_ value: Double) -> String { "f64:" + String(format: "%016llx", value.bitPattern) }
