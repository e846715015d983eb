import Foundation
import LoupeCore

/// The logit lens: residual-stream rows read as if they left the last block — the final RMSNorm,
/// then the output head. Both forms fire no hooks; call them outside `evaluate` (not from a hook).
extension LlamaContext {
    /// Logits [R, vocabulary] of rows [R, dim], on the kernels that compute the model's own logits
    /// for one token (so the last block's row gives exactly the model's logits). One quantized
    /// head-sized product per row: for a few rows.
    public func logitLens(_ residual: [Float]) -> [Float] {
        let c = model.config
        let rows = residual.count / c.dim
        var logits = [Float](repeating: 0, count: rows * c.vocabulary)
        let normed = finalNorm(residual)
        normed.withUnsafeBufferPointer { n in
            logits.withUnsafeMutableBufferPointer { out in
                for r in 0..<rows {
                    project(n.baseAddress! + r * c.dim, tokens: 1, [(model.head, out.baseAddress! + r * c.vocabulary)], matrixVector: true)
                }
            }
        }
        return logits
    }

    /// The top-`k` tokens and entropy of each of rows [R, dim], for many rows (every layer of
    /// every cycle of a trace): the head is dequantized once, a slice of the vocabulary at a time,
    /// and multiplied with all rows by sgemm; each slice of logits is folded into per-row running
    /// statistics (``LogitSummary``), so no [R, vocabulary] matrix is ever held. Float32 throughout:
    /// equal to the quantized-kernel logits up to rounding.
    public func logitLens(_ residual: [Float], top k: Int) -> [LogitSummary] {
        let c = model.config, dim = c.dim
        let rows = residual.count / dim
        guard rows > 0 else { return [] }
        let normed = finalNorm(residual)
        let threads = self.threads
        var summaries = [LogitSummary](repeating: LogitSummary(top: k), count: rows)
        let slice = 2048                                   // vocabulary rows per dequantized slice (4.5 MB)
        let block = min(rows, 512)                        // rows per sgemm: ≤ 4 MB of logits
        let weights = UnsafeMutablePointer<Float>.allocate(capacity: slice * dim)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: block * slice)
        defer { weights.deallocate(); logits.deallocate() }
        normed.withUnsafeBufferPointer { x in
            summaries.withUnsafeMutableBufferPointer { out in
                var v0 = 0
                while v0 < c.vocabulary {
                    let n = min(slice, c.vocabulary - v0)
                    model.head.dequantize(rows: v0..<(v0 + n), into: weights)
                    var r0 = 0
                    while r0 < rows {
                        let rb = min(block, rows - r0)
                        rowBlockGemm(x.baseAddress! + r0 * dim, rows: rb, weights, outputs: n, inner: dim, into: logits, outStride: n, threads: threads)
                        parallelFor(threads) { part, parts in
                            for i in (rb * part / parts)..<(rb * (part + 1) / parts) { out[r0 + i].add(logits + i * n, count: n, offset: v0) }
                        }
                        r0 += rb
                    }
                    v0 += n
                }
            }
        }
        return summaries
    }

    /// RMSNorm with the model's final weights, row by row.
    private func finalNorm(_ residual: [Float]) -> [Float] {
        let c = model.config, rows = residual.count / c.dim
        var normed = [Float](repeating: 0, count: rows * c.dim)
        residual.withUnsafeBufferPointer { x in
            normed.withUnsafeMutableBufferPointer { n in
                for r in 0..<rows {
                    RowKernels.rmsNorm(x.baseAddress! + r * c.dim, model.outputNorm, n.baseAddress! + r * c.dim, count: c.dim, epsilon: Float(c.rmsEpsilon))
                }
            }
        }
        return normed
    }
}
