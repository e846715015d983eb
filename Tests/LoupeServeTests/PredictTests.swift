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
