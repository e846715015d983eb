import Foundation
import LoupeTestSupport
import Testing
@testable import LoupeTrain

struct EvalSectionTests {
    @Test("[eval] require and price_per_core_hour are read, kept in config.json, and checked")
    func readsAndRoundTrips() throws {
        let toml = """
            [run]
            name = "e"
            [model]
            layers = [{ type = "linear", units = 3 }]
            [eval]
            require = ["macro_f1 >= 0.95", "p95_latency_ms <= 2"]
            price_per_core_hour = 0.1
            """
        let config = try RunConfig(toml: toml, file: "e.toml")
        #expect(config.eval.require == ["macro_f1 >= 0.95", "p95_latency_ms <= 2"] && config.eval.pricePerCoreHour == 0.1)
        let json = try JSONEncoder().encode(config)
        #expect(try JSONDecoder().decode(RunConfig.self, from: json) == config)
        func message(_ text: String) -> String {
            do { _ = try RunConfig(toml: "[model]\nlayers = [{ type = \"linear\", units = 3 }]\n" + text, file: "e.toml"); return "read" } catch { return "\(error)" }
        }
        #expect(message("[eval]\nrequire = \"macro_f1 >= 0.9\"").contains("eval.require"))
        #expect(message("[eval]\nrequire = [\"  \"]").contains("eval.require[0]"))
        #expect(message("[eval]\nprice_per_core_hour = -1").contains("eval.price_per_core_hour"))
        #expect(message("[eval]\nthreshold = 1").contains("unknown key 'eval.threshold'"))
    }
}
