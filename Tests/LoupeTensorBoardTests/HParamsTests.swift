import Foundation
import LoupeTestSupport
import SwiftProtobuf
import Testing
@testable import LoupeTensorBoard

struct HParamsTests {
    /// One summary value read back from a fresh writer after `body` wrote it.
    func written(_ body: (EventFileWriter) throws -> Void) throws -> (step: Int64, value: Tensorboard_Summary.Value) {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try EventFileWriter(directory: directory)
        try body(writer)
        let values = summaryValues(try events(at: writer.url))
        try #require(values.count == 1)
        return values[0]
    }

    /// What `tensorboard.plugins.hparams.summary` writes around the plugin data.
    func expectPluginRecord(_ record: (step: Int64, value: Tensorboard_Summary.Value), tag: String) {
        #expect(record.step == 0 && record.value.tag == tag)
        #expect(record.value.metadata.pluginData.pluginName == "hparams")
        #expect(record.value.tensor.dtype == .dtFloat && record.value.tensor.tensorShape.dim.map(\.size) == [0])
        #expect(record.value.tensor.stringVal.isEmpty)
    }

    @Test func theExperimentDeclaresHParamsAndMetrics() throws {
        let record = try written { writer in
            try writer.addHParamsExperiment(
                hparams: [
                    HParamInfo(name: "lr", type: .number, domain: .interval(min: 1e-4, max: 1), displayName: "learning rate"),
                    HParamInfo(name: "optimizer", type: .string, domain: .discrete(["sgd", "adam"]), description: "*which*"),
                    HParamInfo(name: "augment", type: .bool, domain: .discrete([true, false])),
                    HParamInfo(name: "layers", type: .number),
                ],
                metrics: [
                    HParamMetric(tag: "accuracy", group: "validation", displayName: "val acc", dataset: .validation),
                    HParamMetric(tag: "loss", description: "cross-entropy", dataset: .training),
                    HParamMetric(tag: "loss", group: "validation"),
                ],
                description: "a sweep", timeCreated: 1234.5)
        }
        expectPluginRecord(record, tag: "_hparams_/experiment")
        let data = try hparamsData(record.value)
        #expect(data.version == 0)
        let experiment = data.experiment
        #expect(experiment.description_p == "a sweep" && experiment.timeCreatedSecs == 1234.5)
        let infos = experiment.hparamInfos
        #expect(infos.map(\.name) == ["lr", "optimizer", "augment", "layers"])
        #expect(infos.map(\.type) == [.float64, .string, .bool, .float64])
        #expect(infos[0].displayName == "learning rate" && infos[0].domainInterval.minValue == 1e-4 && infos[0].domainInterval.maxValue == 1)
        #expect(infos[1].description_p == "*which*" && infos[1].domainDiscrete.values.map(\.stringValue) == ["sgd", "adam"])
        #expect(infos[2].domainDiscrete.values.map(\.boolValue) == [true, false])
        #expect(infos[3].domain == nil)
        let metrics = experiment.metricInfos
        #expect(metrics.map(\.name.tag) == ["accuracy", "loss", "loss"] && metrics.map(\.name.group) == ["validation", "", "validation"])
        #expect(metrics.map(\.datasetType) == [.datasetValidation, .datasetTraining, .datasetUnknown])
        #expect(metrics[0].displayName == "val acc" && metrics[1].description_p == "cross-entropy")
    }

    @Test func aSessionStartsWithTypedValuesAndEnds() throws {
        let start = try written { writer in
            try writer.addHParamsSessionStart(["lr": 0.01, "batch": 32, "optimizer": "adam", "augment": true],
                                              groupName: "g", startTime: 10)
        }
        expectPluginRecord(start, tag: "_hparams_/session_start_info")
        let info = try hparamsData(start.value)
        #expect(info.version == 0 && info.sessionStartInfo.groupName == "g" && info.sessionStartInfo.startTimeSecs == 10)
        let hparams = info.sessionStartInfo.hparams
        #expect(hparams["lr"] == Google_Protobuf_Value(numberValue: 0.01) && hparams["batch"] == Google_Protobuf_Value(numberValue: 32))
        #expect(hparams["optimizer"] == Google_Protobuf_Value(stringValue: "adam") && hparams["augment"] == Google_Protobuf_Value(boolValue: true))
        #expect(hparams.count == 4)

        for (status, proto) in [(HParamSessionStatus.success, Tensorboard_Hparams_Status.success), (.failure, .failure),
                                (.running, .running), (.unknown, .unknown)] {
            let end = try written { try $0.addHParamsSessionEnd(status: status, endTime: 20) }
            expectPluginRecord(end, tag: "_hparams_/session_end_info")
            let data = try hparamsData(end.value)
            #expect(data.version == 0 && data.sessionEndInfo.status == proto && data.sessionEndInfo.endTimeSecs == 20)
        }
    }

    /// The same values give the same bytes: map entries are written in key order.
    @Test func sessionStartBytesAreDeterministic() throws {
        let hparams: [String: HParamValue] = Dictionary(uniqueKeysWithValues: (0..<20).map { ("h\($0)", .number(Double($0))) })
        let a = try written { try $0.addHParamsSessionStart(hparams, startTime: 1) }
        let b = try written { try $0.addHParamsSessionStart(Dictionary(uniqueKeysWithValues: hparams.reversed()), startTime: 1) }
        #expect(a.value.metadata.pluginData.content == b.value.metadata.pluginData.content)
    }

    @Test func declarationsTheHParamsPluginWouldMisreadThrow() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try EventFileWriter(directory: directory)
        func experiment(_ hparams: [HParamInfo], _ metrics: [HParamMetric] = []) throws(TensorBoardError) {
            try writer.addHParamsExperiment(hparams: hparams, metrics: metrics)
        }
        #expect(throws: TensorBoardError.invalidHParams(name: "lr", reason: "declared twice")) {
            try experiment([HParamInfo(name: "lr", type: .number), HParamInfo(name: "lr", type: .string)])
        }
        #expect(throws: TensorBoardError.invalidHParams(name: "", reason: "a name cannot be empty")) {
            try experiment([HParamInfo(name: "", type: .number)])
        }
        #expect(throws: TensorBoardError.invalidHParams(name: "opt", reason: "domain value number(1.0) is not of the declared type string")) {
            try experiment([HParamInfo(name: "opt", type: .string, domain: .discrete(["sgd", 1]))])
        }
        #expect(throws: TensorBoardError.invalidHParams(name: "opt", reason: "an interval domain needs the number type, not string")) {
            try experiment([HParamInfo(name: "opt", type: .string, domain: .interval(min: 0, max: 1))])
        }
        #expect(throws: TensorBoardError.invalidHParams(name: "lr", reason: "interval [1.0, 0.0] is not a finite range with min ≤ max")) {
            try experiment([HParamInfo(name: "lr", type: .number, domain: .interval(min: 1, max: 0))])
        }
        #expect(throws: TensorBoardError.invalidHParams(name: "lr", reason: "value nan is not finite")) {
            try experiment([HParamInfo(name: "lr", type: .number, domain: .discrete([0.1, .number(.nan)]))])
        }
        #expect(throws: TensorBoardError.invalidHParams(name: "loss", reason: "metric declared twice in group \"\"")) {
            try experiment([], [HParamMetric(tag: "loss"), HParamMetric(tag: "loss")])
        }
        #expect(throws: TensorBoardError.invalidHParams(name: "", reason: "a metric's tag cannot be empty")) {
            try experiment([], [HParamMetric(tag: "")])
        }
        #expect(throws: TensorBoardError.invalidHParams(name: "lr", reason: "value inf is not finite")) {
            try writer.addHParamsSessionStart(["lr": .number(.infinity)])
        }
        #expect(throws: TensorBoardError.invalidHParams(name: "", reason: "a name cannot be empty")) {
            try writer.addHParamsSessionStart(["": 1])
        }
        #expect(try events(at: writer.url).count == 1, "nothing was written")
        #expect("\(TensorBoardError.invalidHParams(name: "lr", reason: "declared twice"))" == "tensorboard: hparams \"lr\": declared twice")
    }
}
