import Foundation
import LoupeFineTune
import LoupeTrain
import Testing
@testable import LoupeDebug

/// The fine-tune findings on hand-made telemetry, each over and under its threshold, and their fixes.
struct FineTuneRuleTests {
    static func mask(format: LossMaskSummary.Format = .chat, examples: Int = 16, empty: Int = 0, markers: [String: Int] = [:]) -> LossMaskSummary {
        let json = #"{"format": "\#(format.rawValue)", "examples": \#(examples), "tokens": 800, "supervisedTokens": \#(examples == empty ? 0 : 300), "examplesWithoutTargets": \#(empty), "emptyExamples": \#(Array(1...max(empty, 1)).prefix(empty)), "preview": [], "chatMarkers": {}}"#
        var m = try! JSONDecoder().decode(LossMaskSummary.self, from: Data(json.utf8))
        m.chatMarkers = markers
        return m
    }

    static func telemetry(_ mask: LossMaskSummary, probe: [(Int, Double, Double)] = [], validation: [Double] = []) -> Telemetry {
        var t = Telemetry()
        t.loss = [3, 2.5, 2, 1.5]
        t.learningRate = [1e-3, 1e-3, 1e-3, 1e-3]
        var f = FineTuneTelemetry(lossMask: mask)
        f.probe = probe.map { .init(step: $0.0, perplexity: $0.1, basePerplexity: 18, meanKL: $0.2) }
        f.initialValidationLoss = validation.first
        t.fineTune = f
        t.epochs = validation.dropFirst().enumerated().map { EpochRecord(epoch: $0.offset + 1, step: 2 * ($0.offset + 1), trainLoss: 2, validation: ["loss": $0.element], learningRate: 1e-3) }
        return t
    }

    static func config(_ toml: String = "") throws -> RunConfig {
        try RunConfig(toml: "[data]\ndataset = \"text:data.jsonl\"\n[model]\nbase = \"smollm2\"\n[lora]\nrank = 8\nalpha = 16\n[train]\nlr = 0.01\nsteps = 4\n" + toml)
    }

    @Test func anEmptyMaskIsAnErrorAndAFewEmptyExamplesAWarning() throws {
        let all = Diagnosis(telemetry: Self.telemetry(Self.mask(examples: 8, empty: 8))).findings()
        #expect(all.first?.kind == .labelMaskEmpty && all.first?.severity == .error)
        let some = Diagnosis(telemetry: Self.telemetry(Self.mask(empty: 2))).labelMaskEmpty()
        #expect(some?.severity == .warning && some?.explanation.contains("2 of the 16") == true)
        #expect(Diagnosis(telemetry: Self.telemetry(Self.mask(examples: 100, empty: 1))).labelMaskEmpty() == nil)
        #expect(Diagnosis(telemetry: Self.telemetry(Self.mask())).labelMaskEmpty() == nil)
    }

    @Test func conversationsReadAsTextAreATemplateMismatchThatFixReadsAsChat() throws {
        let config = try Self.config()
        let found = try #require(Diagnosis(telemetry: Self.telemetry(Self.mask(format: .text, markers: ["{\"messages\"": 16])), config: config).templateMismatch())
        #expect(found.fixes.first?.action == .readAsChat)
        let fixed = try #require(Fixer.apply(.readAsChat, to: config))
        #expect(fixed.data.dataset == .chat(path: "data.jsonl"))
        // Another template's markup is named, without an automatic fix.
        let inst = try #require(Diagnosis(telemetry: Self.telemetry(Self.mask(format: .text, markers: ["[INST]": 5]))).templateMismatch())
        #expect(inst.explanation.contains("[INST]") && inst.fixes.allSatisfy { $0.action == nil })
        #expect(Diagnosis(telemetry: Self.telemetry(Self.mask(format: .text, markers: ["[INST]": 2]))).templateMismatch() == nil)
        #expect(Diagnosis(telemetry: Self.telemetry(Self.mask(markers: ["{\"messages\"": 16]))).templateMismatch() == nil, "chat data is rendered, not read as text")
    }

    @Test func forgettingIsFoundWhenTheProbeDegradesFarMoreThanTheTaskImproves() throws {
        let config = try Self.config()
        let forgot = Self.telemetry(Self.mask(), probe: [(0, 18, 0), (10, 400, 3), (20, 900, 4)], validation: [3, 2, 1.8])
        let finding = try #require(Diagnosis(telemetry: forgot, config: config).catastrophicForgetting())
        #expect(finding.severity == .error && finding.firstStep == 10)
        #expect(finding.fixes.map(\.action).contains(.loraRank(4)))
        let halved = try #require(Fixer.apply(.loraRank(4), to: config))
        #expect(halved.lora?.rank == 4 && halved.lora?.alpha == 8, "the α/r scale is kept")
        // A small drift, or one the task's gain dwarfs, is not forgetting.
        #expect(Diagnosis(telemetry: Self.telemetry(Self.mask(), probe: [(0, 18, 0), (20, 21, 0.1)], validation: [3, 1]), config: config).catastrophicForgetting() == nil)
        #expect(Diagnosis(telemetry: Self.telemetry(Self.mask(), probe: [(0, 18, 0), (20, 36, 0.6)], validation: [3, 0.5]), config: config).catastrophicForgetting() == nil)
    }
}
