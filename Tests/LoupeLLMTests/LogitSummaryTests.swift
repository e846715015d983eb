import Foundation
import LoupeCore
import Testing
@testable import LoupeLLM

/// LogitSummary (one SIMD pass, chunks combined by online softmax) against a double-precision
/// two-pass softmax written out here (LogProbabilities is built on LogitSummary, so it is no
/// reference).
struct LogitSummaryTests {
    static func logits(_ n: Int, seed: UInt64, scale: Float) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<n).map { _ in (Float(rng.next() % 100_000) / 100_000 - 0.5) * scale }
    }

    @Test(arguments: [(1, 1.0), (37, 4.0), (4099, 30.0), (49152, 12.0)] as [(Int, Float)])
    func matchesTheTwoPassSoftmax(count: Int, scale: Float) {
        let x = Self.logits(count, seed: UInt64(count), scale: scale)
        let m = Double(x.max()!)
        let lse = m + Foundation.log(x.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) })
        let logprobs = x.map { Double($0) - lse }
        let entropy = logprobs.reduce(0.0) { $0 - Foundation.exp($1) * $1 }
        let best = logprobs.indices.sorted { logprobs[$0] != logprobs[$1] ? logprobs[$0] > logprobs[$1] : $0 < $1 }.prefix(5)
        let whole = LogitSummary(x[...], top: 5)
        // The same row in uneven chunks, the largest value in a late one.
        var chunked = LogitSummary(top: 5)
        var start = 0, size = 3
        x.withUnsafeBufferPointer { p in
            while start < count {
                let n = min(size, count - start)
                chunked.add(p.baseAddress! + start, count: n, offset: start)
                start += n
                size = size * 3 + 1
            }
        }
        for s in [whole, chunked] {
            #expect(abs(s.logSumExp - lse) < 1e-4 * max(1, abs(lse)))
            #expect(abs(s.entropy - entropy) < 1e-4 * max(1, entropy))
            #expect(s.top.map(\.id) == Array(best))
            for (a, b) in zip(s.top, best) { #expect(abs(a.logprob - logprobs[b]) < 1e-4) }
        }
    }

    @Test func masksAndTiesBehave() {
        let x: [Float] = [-.infinity, 2, 2, -.infinity, 1]
        let s = LogitSummary(x[...], top: 2)
        #expect(s.top.map(\.id) == [1, 2])   // ties: lower id first
        let z = 2 * Foundation.exp(2.0) + Foundation.exp(1.0)
        let p = [Foundation.exp(2.0) / z, Foundation.exp(2.0) / z, Foundation.exp(1.0) / z]
        #expect(abs(s.entropy - p.reduce(0) { $0 - $1 * Foundation.log($1) }) < 1e-6)
        #expect(abs(s.logSumExp - Foundation.log(z)) < 1e-6)
    }
}
