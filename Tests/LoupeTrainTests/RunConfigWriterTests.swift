import Foundation
import LoupeCore
import LoupeReport
import LoupeTestSupport
import Testing
@testable import LoupeTrain

/// `tomlText` writes a run file that reads back as the same configuration, and writing that again
/// gives the same bytes; config.json does the same in JSON.
@Suite("Writing run files")
struct RunConfigWriterTests {
    static let shippedRunFiles: [String] = ["examples", "examples/faults"].flatMap { dir in
        ((try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent(dir).path)) ?? [])
            .filter { $0.hasSuffix(".toml") }.sorted().map { "\(dir)/\($0)" }
    }

    /// Written, read back and written again: an equal configuration, then the same text (tomlText
    /// is a fixed point).
    static func expectRoundTrip(_ config: RunConfig, _ comment: Comment? = nil) throws {
        let text = config.tomlText
        let again = try RunConfig(toml: text)
        #expect(again == config, comment)
        #expect(again.tomlText == text, comment)
    }

    @Test func everyShippedRunFileIsThere() {
        #expect(Self.shippedRunFiles.count > 50)
    }

    @Test("every shipped run file round-trips", arguments: shippedRunFiles)
    func shippedRunFileRoundTrips(file: String) throws {
        try Self.expectRoundTrip(try RunConfig(contentsOf: repositoryRoot.appendingPathComponent(file)), "\(file)")
    }

    @Test func writesEveryField() throws {
        var c = RunConfig()
        c.run.name = "all"
        c.data.labelNoise = 0.25
        c.data.exclude = "runs/x/suspect_labels.json"
        c.data.shuffle = false
        c.model.layers = [.linear(units: 4, initializer: .normal(std: 0.5), biasInit: -1)]
        c.train.steps = 10
        c.train.epochs = nil
        c.train.gradClip = 1
        c.train.labelSmoothing = 0.1
        try Self.expectRoundTrip(c)
    }

    @Test("every layer type, initializer, optimizer and schedule round-trips")
    func everyKindRoundTrips() throws {
        var c = RunConfig()
        c.model.layers = LayerSpec.allKinds + Initializer.allKinds.map { .linear(units: 3, initializer: $0) }
        for optimizer in OptimizerSpec.allKinds + [.sgd(momentum: 0.9)] {
            for schedule in ScheduleSpec.allKinds + [.constant(warmup: 10), .cosine(warmup: 20)] {
                c.train.optimizer = optimizer
                c.train.schedule = schedule
                try Self.expectRoundTrip(c, "\(optimizer), \(schedule)")
            }
        }
    }

    /// Paths are free text: whatever they hold, the file stays valid TOML and reads back the same.
    @Test("paths with tabs, newlines, quotes, backslashes and unicode round-trip", arguments: [
        "runs/with\ttab/suspect.json", "two\nlines.json", "a \"quoted\" name.json", #"C:\data\new\table.json"#,
        "données/日本語/🙂.json", "'''\"\"\"] [train]\nlr = 5", "trailing backslash\\", "\r\u{1b}[0m\u{7f}",
    ])
    func awkwardPaths(path: String) throws {
        var c = RunConfig()
        c.model.layers = [.linear(units: 10)]
        c.data.exclude = path
        c.data.dataset = .csv(path: path)
        try Self.expectRoundTrip(c)
    }

    @Test("numbers keep their exact value and read as numbers")
    func numbers() throws {
        var c = RunConfig()
        c.model.layers = [.linear(units: 10, biasInit: 0.1 + 0.2)]
        c.train.lr = 3e-4
        c.train.weightDecay = 1.0 / 3
        c.data.inputScale = -1e-30
        try Self.expectRoundTrip(c)
        #expect(c.tomlText.contains("lr = 0.0003\n"))
    }

    @Test("config.json has the run file's keys and reads back the same", arguments: shippedRunFiles)
    func json(file: String) throws {
        let config = try RunConfig(contentsOf: repositoryRoot.appendingPathComponent(file))
        let data = try LoupeJSON.encoder(pretty: true).encode(config)
        #expect(try LoupeJSON.decoder().decode(RunConfig.self, from: data) == config)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        #expect(object["train"]?["batch_size"] as? Int == config.train.batchSize)
        if let base = config.model.base {
            #expect(object["model"]?["base"] as? String == base && object["lora"] != nil)
            return
        }
        let layers = try #require(object["model"]?["layers"] as? [[String: Any]])
        #expect(layers.map { $0["type"] as? String } == config.model.layers.map(\.type))
    }

    @Test("config.json read back goes through the parser's checks")
    func jsonErrors() throws {
        let json = #"{"model": {"layers": [{"type": "linear", "units": 4, "colour": "red"}]}}"#
        #expect(throws: RunConfigError.unknownKey(key: "model.layers[0].colour", allowed: ["type", "units", "activation", "init", "bias_init"])) {
            try LoupeJSON.decoder().decode(RunConfig.self, from: Data(json.utf8))
        }
    }
}
