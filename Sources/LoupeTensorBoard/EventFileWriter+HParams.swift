import Foundation
import SwiftProtobuf

/// The HParams plugin's records, written as `tensorboard.plugins.hparams.summary` writes them: a
/// summary value tagged `_hparams_/experiment`, `_hparams_/session_start_info` or
/// `_hparams_/session_end_info`, whose metadata names the `hparams` plugin and carries a serialized
/// `HParamsPluginData` (version 0), with an empty float tensor as its value.
///
/// The plugin's layout of a log directory: the experiment may sit in any run (usually the log
/// directory itself); each session is a run (a subdirectory) holding its start and end records and
/// its scalars, which the plugin looks up as the experiment's metrics.
///
/// ```swift
/// let root = try EventFileWriter(directory: logDirectory)
/// try root.addHParamsExperiment(
///     hparams: [HParamInfo(name: "lr", type: .number, domain: .interval(min: 1e-4, max: 1)),
///               HParamInfo(name: "optimizer", type: .string, domain: .discrete(["sgd", "adam"]))],
///     metrics: [HParamMetric(tag: "val/accuracy", dataset: .validation)])
/// let run = try EventFileWriter(directory: logDirectory.appendingPathComponent("lr-0.01"))
/// try run.addHParamsSessionStart(["lr": 0.01, "optimizer": "adam"])
/// try run.addScalar(tag: "val/accuracy", value: 0.91, step: 100)
/// try run.addHParamsSessionEnd(status: .success)
/// ```
extension EventFileWriter {
    static let experimentTag = "_hparams_/experiment"
    static let sessionStartTag = "_hparams_/session_start_info"
    static let sessionEndTag = "_hparams_/session_end_info"

    /// Declares the experiment: its hyperparameters (names unique, domains of the declared type)
    /// and metrics (each `(group, tag)` once). `timeCreated` defaults to now.
    public func addHParamsExperiment(hparams: [HParamInfo], metrics: [HParamMetric], description: String = "",
                                     timeCreated: Double? = nil) throws(TensorBoardError) {
        var experiment = Tensorboard_Hparams_Experiment()
        experiment.description_p = description
        experiment.timeCreatedSecs = timeCreated ?? Date().timeIntervalSince1970
        var names: Set<String> = []
        for info in hparams {
            guard names.insert(info.name).inserted else {
                throw TensorBoardError.invalidHParams(name: info.name, reason: "declared twice")
            }
            experiment.hparamInfos.append(try Self.encoded(info))
        }
        var metricNames: Set<[String]> = []
        for metric in metrics {
            guard !metric.tag.isEmpty else {
                throw TensorBoardError.invalidHParams(name: metric.tag, reason: "a metric's tag cannot be empty")
            }
            guard metricNames.insert([metric.group, metric.tag]).inserted else {
                throw TensorBoardError.invalidHParams(name: metric.tag, reason: "metric declared twice in group \"\(metric.group)\"")
            }
            experiment.metricInfos.append(Self.encoded(metric))
        }
        var data = Tensorboard_Hparams_HParamsPluginData()
        data.experiment = experiment
        try writeHParams(data, tag: Self.experimentTag, wallTime: experiment.timeCreatedSecs)
    }

    /// Records that this run is a session with these hyperparameter values (names not empty,
    /// numbers finite). Sessions sharing a non-empty `groupName` are shown as one group (repeats of
    /// one configuration). `startTime` defaults to now.
    public func addHParamsSessionStart(_ hparams: [String: HParamValue], groupName: String = "",
                                       startTime: Double? = nil) throws(TensorBoardError) {
        var start = Tensorboard_Hparams_SessionStartInfo()
        start.groupName = groupName
        start.startTimeSecs = startTime ?? Date().timeIntervalSince1970
        for (name, value) in hparams {
            guard !name.isEmpty else { throw TensorBoardError.invalidHParams(name: name, reason: "a name cannot be empty") }
            start.hparams[name] = try Self.encoded(value, name: name)
        }
        var data = Tensorboard_Hparams_HParamsPluginData()
        data.sessionStartInfo = start
        try writeHParams(data, tag: Self.sessionStartTag, wallTime: start.startTimeSecs)
    }

    /// Records how this run's session ended. `endTime` defaults to now.
    public func addHParamsSessionEnd(status: HParamSessionStatus, endTime: Double? = nil) throws(TensorBoardError) {
        var end = Tensorboard_Hparams_SessionEndInfo()
        end.endTimeSecs = endTime ?? Date().timeIntervalSince1970
        end.status = switch status {
        case .unknown: .unknown
        case .success: .success
        case .failure: .failure
        case .running: .running
        }
        var data = Tensorboard_Hparams_HParamsPluginData()
        data.sessionEndInfo = end
        try writeHParams(data, tag: Self.sessionEndTag, wallTime: end.endTimeSecs)
    }

    /// Appends the summary holding `data` at step 0, as the plugin's own writer does.
    private func writeHParams(_ data: Tensorboard_Hparams_HParamsPluginData, tag: String, wallTime: Double) throws(TensorBoardError) {
        var content = data
        content.version = 0
        var value = try Self.value(tag: tag)
        value.metadata = Self.pluginMetadata(plugin: "hparams", content: Data(try Self.encoded(content, tag: tag)))
        // metadata.NULL_TENSOR in tensorboard/plugins/hparams: an empty float tensor of shape [0].
        value.tensor = .with {
            $0.dtype = .dtFloat
            $0.tensorShape.dim = [.with { $0.size = 0 }]
        }
        try write(value, step: 0, wallTime: wallTime)
    }

    private static func encoded(_ info: HParamInfo) throws(TensorBoardError) -> Tensorboard_Hparams_HParamInfo {
        guard !info.name.isEmpty else { throw TensorBoardError.invalidHParams(name: info.name, reason: "a name cannot be empty") }
        var proto = Tensorboard_Hparams_HParamInfo()
        proto.name = info.name
        proto.displayName = info.displayName
        proto.description_p = info.description
        proto.type = switch info.type {
        case .number: .float64
        case .string: .string
        case .bool: .bool
        }
        switch info.domain {
        case .unspecified:
            break
        case let .discrete(values):
            if let other = values.first(where: { $0.type != info.type }) {
                throw TensorBoardError.invalidHParams(name: info.name, reason: "domain value \(other) is not of the declared type \(info.type)")
            }
            proto.domainDiscrete = Google_Protobuf_ListValue(values: try values.map { (v) throws(TensorBoardError) in try encoded(v, name: info.name) })
        case let .interval(min, max):
            guard info.type == .number else {
                throw TensorBoardError.invalidHParams(name: info.name, reason: "an interval domain needs the number type, not \(info.type)")
            }
            guard min.isFinite, max.isFinite, min <= max else {
                throw TensorBoardError.invalidHParams(name: info.name, reason: "interval [\(min), \(max)] is not a finite range with min ≤ max")
            }
            proto.domainInterval = .with {
                $0.minValue = min
                $0.maxValue = max
            }
        }
        return proto
    }

    private static func encoded(_ metric: HParamMetric) -> Tensorboard_Hparams_MetricInfo {
        .with {
            $0.name.group = metric.group
            $0.name.tag = metric.tag
            $0.displayName = metric.displayName
            $0.description_p = metric.description
            $0.datasetType = switch metric.dataset {
            case .unknown: .datasetUnknown
            case .training: .datasetTraining
            case .validation: .datasetValidation
            }
        }
    }

    /// The value as the plugin stores it; numbers must be finite (the plugin serves them as JSON).
    private static func encoded(_ value: HParamValue, name: String) throws(TensorBoardError) -> Google_Protobuf_Value {
        switch value {
        case let .number(number):
            guard number.isFinite else {
                throw TensorBoardError.invalidHParams(name: name, reason: "value \(number) is not finite")
            }
            return Google_Protobuf_Value(numberValue: number)
        case let .string(string):
            return Google_Protobuf_Value(stringValue: string)
        case let .bool(bool):
            return Google_Protobuf_Value(boolValue: bool)
        }
    }
}
