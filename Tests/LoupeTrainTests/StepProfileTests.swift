import Foundation
import LoupeCore
import LoupeReport
import Testing
@testable import LoupeTrain

/// `loupe profile`: one step of a run file as nested spans — the step, its phases, every module's
/// forward pass and its share of the backward pass — and a Chrome trace that parses and nests.
struct StepProfileTests {
    let config = { () throws -> RunConfig in
        try RunConfig(toml: """
            [run]
            name = "profiled"
            seed = 3
            [data]
            dataset = "digits"
            [model]
            input = [64]
            layers = [{ type = "linear", units = 32, activation = "relu" }, { type = "linear", units = 10 }]
            [train]
            loss = "cross_entropy"
            batch_size = 16
            """)
    }

    @Test func aStepIsTimedPerModuleAndItsChromeTraceNests() throws {
        let profile = try TrainingRun(config: config()).profileStep()
        let step = profile.milliseconds("step")
        #expect(step > 0 && profile.batchSize == 16 && profile.loss.isFinite)
        for phase in ["forward", "backward", "optimizer"] { #expect(profile.milliseconds(phase) > 0, "\(phase)") }
        #expect(profile.milliseconds("forward") + profile.milliseconds("backward") + profile.milliseconds("optimizer") <= step)
        let modules = profile.modules
        let linear = try #require(modules.first { $0.module == "layers.1" })   // layers.0 is the builder's flatten
        #expect(linear.forward > 0 && linear.backward > 0 && linear.type == "Linear")
        // Own forward ops are a part of the forward phase; backward groups are a part of the backward pass.
        #expect(modules.reduce(0) { $0 + $1.forwardSelf } <= profile.milliseconds("forward") + 1e-6)
        #expect(modules.reduce(0) { $0 + $1.backward } <= profile.milliseconds("backward") + 1e-6)

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-profile-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try ChromeTrace(spans: profile.spans).write(to: url)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        #expect(events.count == profile.spans.count && events.count < 100)
        // Every event lies inside the innermost event open at its start.
        let spans = events.map { (start: $0["ts"] as! Double, end: ($0["ts"] as! Double) + ($0["dur"] as! Double)) }
        var open: [(start: Double, end: Double)] = []
        for span in spans {
            while let last = open.last, last.end <= span.start + 0.002 { open.removeLast() }
            if let last = open.last { #expect(span.end <= last.end + 0.002) }
            open.append(span)
        }
        #expect(events.first?["name"] as? String == "step")
    }
}
