import Foundation
import Testing
@testable import LoupeServe

/// The predict server's request reader and its micro-batcher.
struct PredictTests {
    @Test func examplesAreReadFlatOrNestedAndCheckedAgainstTheModelsSize() throws {
        let r = try PredictRequest.read(Data(#"{"inputs": [[1, 2, 3, 4], [[5, 6], [7, 8]]]}"#.utf8), size: 4, maxExamples: 10)
        #expect(r.examples == [[1, 2, 3, 4], [5, 6, 7, 8]] && !r.single)
        #expect(try PredictRequest.read(Data(#"{"input": [1, 2, 3, 4]}"#.utf8), size: 4, maxExamples: 10).single)
        let cases: [(String, String?)] = [
            (#"{"inputs": [[1, 2, 3]]}"#, "inputs[0]"), (#"{"inputs": [[1, 2, 3, 4, 5]]}"#, "inputs[0]"),
            (#"{"inputs": [[1, 2, "x", 4]]}"#, "inputs[0]"), (#"{"inputs": [[1, 2, true, 4]]}"#, "inputs[0]"),
            (#"{"inputs": []}"#, "inputs"), (#"{"x": 1}"#, "inputs"), ("[1]", nil), ("{", nil),
            (#"{"inputs": [[1,2,3,4],[1,2,3,4],[1,2,3,4]]}"#, "inputs"),
        ]
        for (body, param) in cases {
            let error = #expect(throws: APIError.self, "\(body)") { try PredictRequest.read(Data(body.utf8), size: 4, maxExamples: 2) }
            #expect(error?.status == 400 && error?.param == param, "\(body): \(String(describing: error))")
        }
    }

    @Test("the body reader is strict JSON: what Python's json module rejects is rejected, other fields are skipped")
    func strictJSON() throws {
        let accepted = [
            #" { "model" : "x", "opts": {"a": [1, {"b": null}], "c": "\u00e9\n"}, "inputs" : [ [ 1e0 , -0.5E+1 , 3 , 4.25 ] ] } "#,
            #"{"\u0069nputs": [[0, 0, 0, 0]]}"#, "{\"inputs\":[[1,2],[[3],[4]]]}".replacingOccurrences(of: "],[[3]", with: ",3],[[3],4,5]").replacingOccurrences(of: "[[1,2,3]", with: "[[1,2,3,4]"),
        ]
        #expect(try PredictRequest.read(Data(accepted[0].utf8), size: 4, maxExamples: 2).examples == [[1, -5, 3, 4.25]])
        #expect(try PredictRequest.read(Data(accepted[1].utf8), size: 4, maxExamples: 2).examples == [[0, 0, 0, 0]])
        // Each of these is invalid JSON to Python's json.loads (checked when written).
        for body in [#"{"inputs": [[1, 2, 3, 4],]}"#, #"{"inputs": [[01, 2, 3, 4]]}"#, #"{"inputs": [[1., 2, 3, 4]]}"#,
                     #"{"inputs": [[1, 2, 3, 4]]} x"#, #"{"inputs": [[+1, 2, 3, 4]]}"#, #"{'inputs': [[1, 2, 3, 4]]}"#,
                     #"{"a": "\x", "inputs": [[1, 2, 3, 4]]}"#, #"{"a": tru, "inputs": [[1, 2, 3, 4]]}"#, "{\"a\": \"\u{1}\"}",
                     #"{"inputs": [[1, 2, 3, 4]]"#,
                     // (Python accepts a lone surrogate; a Swift string cannot hold one, so it is refused.)
                     #"{"a": "\ud800", "inputs": [[1, 2, 3, 4]]}"#] {
            let error = #expect(throws: APIError.self, "\(body)") { try PredictRequest.read(Data(body.utf8), size: 4, maxExamples: 2) }
            #expect(error?.message.contains("not valid JSON") == true, "\(body): \(String(describing: error))")
        }
        // Numbers a float cannot hold are refused, naming the example.
        let huge = #expect(throws: APIError.self) { try PredictRequest.read(Data(#"{"input": [1e39, 2, 3, 4]}"#.utf8), size: 4, maxExamples: 2) }
        #expect(huge?.param == "input")
        let deep = String(repeating: "[", count: 9) + "1" + String(repeating: "]", count: 9)
        let nested = #expect(throws: APIError.self) { try PredictRequest.read(Data(#"{"input": \#(deep)}"#.utf8), size: 4, maxExamples: 2) }
        #expect(nested?.param == "input")
    }

    @Test func theReplyIsJSONWithOneRowPerExample() throws {
        let text = PredictServer.reply([[0, 1], [2, .nan]], classifier: true, single: false, latency: 1.5, modelMilliseconds: 0.25, batchSize: 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let predictions = try #require(object["predictions"] as? [[String: Any]])
        #expect(predictions.count == 2 && predictions[0]["class"] as? Int == 1 && object["batch_size"] as? Int == 2)
        let regression = PredictServer.reply([[3.5]], classifier: false, single: true, latency: 1, modelMilliseconds: 1, batchSize: 1)
        #expect(((try JSONSerialization.jsonObject(with: Data(regression.utf8)) as? [String: Any])?["prediction"] as? [String: Any])?["value"] as? Double == 3.5)
    }

    @Test func concurrentRequestsShareBatchesAndGetTheirOwnRows() async throws {
        let batches = BatchLog()
        let batcher = MicroBatcher(maxBatch: 8, maxWait: .milliseconds(50)) { examples in
            batches.append(examples.count)
            return examples.map { [$0[0] * 2] }
        }
        let results = try await withThrowingTaskGroup(of: (Int, MicroBatcher.Result).self) { group in
            for i in 0..<12 { group.addTask { (i, try await batcher.predict([[Float(i)]])) } }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (i, result) in results { #expect(result.outputs == [[Float(2 * i)]]) }
        #expect(batches.sizes.reduce(0, +) == 12 && batches.sizes.allSatisfy { $0 <= 8 })
        #expect(batches.sizes.count < 12, "requests arriving together share batches: \(batches.sizes)")
        batcher.stop()
    }
}

final class BatchLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func append(_ n: Int) { lock.withLock { list.append(n) } }
    var sizes: [Int] { lock.withLock { list } }
}
