import Foundation
import LoupeReport
import LoupeTestSupport
import Testing

/// The one JSON policy: sorted keys, non-finite numbers as "NaN" / "Infinity" / "-Infinity",
/// read back exactly, for Codable values and for values built on the fly alike.
struct LoupeJSONTests {
    struct Sample: Codable, Equatable {
        var loss: Double
        var values: [Float]
        var name: String
    }

    @Test func codableNonFiniteNumbersRoundTrip() throws {
        let sample = Sample(loss: .nan, values: [1.5, .infinity, -.infinity, .nan], name: "x")
        let data = try LoupeJSON.encoder().encode(sample)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text == #"{"loss":"NaN","name":"x","values":[1.5,"Infinity","-Infinity","NaN"]}"#)
        let back = try LoupeJSON.decoder().decode(Sample.self, from: data)
        #expect(back.loss.isNaN && back.name == "x")
        #expect(back.values[0] == 1.5 && back.values[1] == .infinity && back.values[2] == -.infinity && back.values[3].isNaN)
    }

    @Test func builtObjectsFollowTheSamePolicy() throws {
        let object: [String: Any] = ["b": [Double.nan, 2.0], "a": ["c": Float.infinity, "d": -Double.infinity], "e": 3, "f": NSNull()]
        let text = String(decoding: try LoupeJSON.data(object), as: UTF8.self)
        #expect(text == #"{"a":{"c":"Infinity","d":"-Infinity"},"b":["NaN",2],"e":3,"f":null}"#)
        // What Foundation itself reads back: the strings stay strings, finite numbers numbers.
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect((parsed["b"] as? [Any])?.first as? String == LoupeJSON.nan)
    }

    @Test func prettyOutputIsSortedAndIndented() throws {
        let text = String(decoding: try LoupeJSON.data(["z": 1, "a": Double.nan], pretty: true), as: UTF8.self)
        #expect(text.contains("\n") && text.firstRange(of: "\"a\"")!.lowerBound < text.firstRange(of: "\"z\"")!.lowerBound)
        #expect(text.contains(#""NaN""#))
    }

    @Test func policyStringsAreWhatOtherLanguagesParse() {
        // Python's float() and JavaScript's Number() both read these spellings.
        #expect([LoupeJSON.nan, LoupeJSON.infinity, LoupeJSON.negativeInfinity] == ["NaN", "Infinity", "-Infinity"])
        #expect(Double(LoupeJSON.infinity) == .infinity && Double(LoupeJSON.negativeInfinity) == -.infinity)
        #expect(Double(LoupeJSON.nan)?.isNaN == true)
    }
}

extension LoupeJSONTests {
    @Test func docExample() throws {
        // example: LoupeJSON
        let data = try LoupeJSON.encoder().encode(["loss": Double.nan])   // {"loss":"NaN"}
        let loss = try LoupeJSON.decoder().decode([String: Double].self, from: data)["loss"]  // nan
        let line = try LoupeJSON.data(["epoch": 3, "loss": Double.infinity])  // {"epoch":3,"loss":"Infinity"}
        // end example
        #expect(String(decoding: data, as: UTF8.self) == #"{"loss":"NaN"}"#)
        #expect(loss?.isNaN == true)
        #expect(String(decoding: line, as: UTF8.self) == #"{"epoch":3,"loss":"Infinity"}"#)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/JSON/LoupeJSON.swift", markedAs: "LoupeJSON", in: #filePath) == nil)
    }
}

extension LoupeJSONTests {
    @Test func slashesAreNotEscaped() throws {
        #expect(String(decoding: try LoupeJSON.encoder().encode(["validation/accuracy": "runs/a/b"]), as: UTF8.self)
                == #"{"validation/accuracy":"runs/a/b"}"#)
        #expect(String(decoding: try LoupeJSON.data(["path": "runs/x"]), as: UTF8.self) == #"{"path":"runs/x"}"#)
    }
}
