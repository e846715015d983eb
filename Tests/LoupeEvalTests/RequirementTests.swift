import LoupeTestSupport
import Testing
@testable import LoupeEval

struct RequirementTests {
    @Test func example() throws {
        // example: Requirement
        let requirement = try Requirement("recall[class=3] >= 0.9")
        let line = try requirement.check(against: ["recall[class=3]": 0.93])   // passed, actual 0.93
        // end example
        #expect(line.passed && line.actual == 0.93 && requirement.key == "recall[class=3]")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeEval/Requirement.swift", markedAs: "Requirement", in: #filePath) == nil)
    }

    @Test("the issue's lines parse, spaces or not")
    func parses() throws {
        #expect(try Requirement("recall[class=3] >= 0.9") == Requirement("recall[ class = 3 ]>=0.9"))
        let r = try Requirement("  macro_f1 >= 0.95 ")
        #expect(r.metric == "macro_f1" && r.classIndex == nil && r.comparison == .atLeast && r.threshold == 0.95)
        #expect(try Requirement("p95_latency_ms <= 2").comparison == .atMost)
        #expect(try Requirement("usd_per_million <= 0.05").threshold == 0.05)
        #expect(try Requirement("ece < 1e-2").threshold == 0.01)
        #expect(try Requirement("Accuracy > .5").metric == "accuracy")
    }

    @Test("a malformed line says where and what was expected")
    func malformed() {
        func message(_ text: String) -> String {
            do { _ = try Requirement(text); return "parsed" } catch { return "\(error)" }
        }
        #expect(message("macro_f1 => 0.9").contains("at character 10, expected a comparison: >=, <=, >, <, =="))
        #expect(message("macro_f1 >= high").contains("expected a finite number"))
        #expect(message("macro_f1 >= nan").contains("expected a finite number"))
        #expect(message("recall[3] >= 0.9").contains("expected class=K inside the brackets"))
        #expect(message("recall[class=-1] >= 0.9").contains("expected a class index"))
        #expect(message("recall[class=1 >= 0.9").contains("expected ] to close the class"))
        #expect(message(">= 0.9").contains("at character 1, expected a figure's name"))
        #expect(message("accuracy >= 0.9 and more").contains("at character 17, expected nothing after the number"))
        #expect(message("").contains("expected a figure's name"))
    }

    @Test("a verdict passes only when every line does; an unknown figure names the known ones")
    func verdict() throws {
        let metrics = try ClassificationMetrics(labels: [0, 1, 1, 2], probabilities: [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
        let figures = metrics.figures
        #expect(figures["accuracy"] == 0.75 && figures["recall[class=1]"] == 0.5 && figures["macro_f1"] != nil)
        let pass = try Verdict([Requirement("accuracy >= 0.75"), Requirement("recall[class=0] == 1")], figures: figures)
        #expect(pass.passed && pass.lines.count == 2)
        let fail = try Verdict([Requirement("accuracy >= 0.75"), Requirement("recall[class=1] >= 0.9")], figures: figures)
        #expect(!fail.passed && fail.lines.map(\.passed) == [true, false] && fail.lines[1].actual == 0.5)
        #expect(throws: RequirementError.self) { try Verdict([Requirement("recall[class=7] >= 0.9")], figures: figures) }
        do { _ = try Verdict([Requirement("f1_macro >= 0.9")], figures: figures) } catch {
            #expect("\(error)".contains("no such figure") && "\(error)".contains("macro_f1"))
        }
        #expect(try RegressionMetrics(targets: [1, 2], predictions: [1, 2]).figures == ["mae": 0, "rmse": 0, "r2": 1])
    }
}
