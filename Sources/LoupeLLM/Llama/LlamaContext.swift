import Foundation
import CLoupeKernels
import LoupeCore
import LoupeGGUF

/// One conversation with a ``LlamaModel``: its KV cache, its position and its working buffers.
/// ``evaluate(_:logits:)`` runs the forward pass for the next tokens (a whole prompt at once or
/// one generated token) and returns logits.
///
/// How the work is done (docs/LLM.md has the measurements):
/// - one token (generation): every projection is a quantized matrix–vector product read straight
///   from the mapped file, rows split across ``threads``;
/// - several tokens (prompt processing): each weight matrix is dequantized once into a scratch
///   buffer and multiplied by BLAS sgemm, which reuses it for all tokens;
/// - attention reads the float32 KV cache, one (head, token) pair per work item.
public final class LlamaContext {
    public let model: LlamaModel
    /// Threads the forward pass uses (default: the engine's, 2 on the reference machine).
    public var threads: Int
    /// Tokens evaluated per forward call; longer inputs are split (bounds the buffers' size).
    public let maxBatch: Int
    /// From this many tokens on, projections dequantize and use sgemm instead of matrix–vector.
    public var gemmThreshold = 8
    let cache: KVCache
    private var buffers = Buffers()
    private let inverseFrequencies: [Double]

    /// Which positions' logits ``evaluate(_:logits:)`` returns.
    public enum LogitRows: Sendable { case last, all }

    /// - Parameters:
    ///   - contextLength: the most positions this context holds (default: the model's training context).
    public init(model: LlamaModel, contextLength: Int? = nil, threads: Int = Engine.threads, maxBatch: Int = 512) {
        self.model = model
        self.threads = max(1, threads)
        self.maxBatch = max(1, maxBatch)
        let c = model.config
        cache = KVCache(layers: c.layers, kvHeads: c.kvHeads, headDim: c.headDim, limit: min(contextLength ?? c.context, c.context))
        inverseFrequencies = (0..<(c.headDim / 2)).map { Foundation.pow(c.ropeBase, -2 * Double($0) / Double(c.headDim)) }
    }

    /// The position of the next token (tokens evaluated so far).
    public var position: Int { cache.count }
    /// The most positions this context holds.
    public var contextLength: Int { cache.limit }
    /// Bytes held by the KV cache.
    public var cacheBytes: Int { cache.byteCount }

    /// Forgets everything evaluated (a new conversation).
    public func reset() { cache.truncate(to: 0) }

    /// Forgets the positions from `position` on, keeping the ones before.
    public func rewind(to position: Int) { cache.truncate(to: position) }

    /// Evaluates `tokens` at the next positions and returns logits, [rows, vocabulary] flattened:
    /// one row (the last token's) or one per token.
    public func evaluate(_ tokens: [Int], logits rows: LogitRows = .last) throws -> [Float] {
        let vocabulary = model.config.vocabulary
        guard !tokens.isEmpty else { throw LLMError(message: "evaluate: no tokens were given") }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw LLMError(message: "token id \(bad) is outside the vocabulary (0..<\(vocabulary))")
        }
        try cache.reserve(cache.count + tokens.count)
        var result = [Float]()
        result.reserveCapacity((rows == .all ? tokens.count : 1) * vocabulary)
        var start = 0
        while start < tokens.count {
            let chunk = Array(tokens[start..<min(tokens.count, start + maxBatch)])
            let isLast = start + chunk.count == tokens.count
            let logits = try forward(chunk, [Segment(cache: cache, start: cache.count, count: chunk.count)],
                                     logitRows: rows == .all ? chunk.count : (isLast ? 1 : 0), decoding: false)
            result.append(contentsOf: logits)
            start += chunk.count
        }
        return result
    }

    /// One step of several conversations at once (continuous batching): `steps[i].token` is
    /// evaluated at the next position of `steps[i].context`, all in one forward pass, so each weight
    /// row is read once for all of them. Returns each conversation's logits [vocabulary].
    ///
    /// Every row is computed by the same matrix–vector kernels as a lone token (never the sgemm path,
    /// whatever the batch), so a conversation's logits are bit-identical whoever it is batched with.
    /// The pass runs in the first context's buffers and threads. Hooks hear one conversation at a
    /// time: with a hook listening, a batch of more than one is refused.
    public static func decode(_ steps: [(context: LlamaContext, token: Int)]) throws -> [[Float]] {
        guard let lead = steps.first?.context else { return [] }
        let vocabulary = lead.model.config.vocabulary
        guard steps.count <= lead.maxBatch else {
            throw LLMError(message: "decode: \(steps.count) conversations in one step; this context batches at most \(lead.maxBatch)")
        }
        if steps.count > 1 && Hooks.areListening {
            throw LLMError(message: "decode: hooks hear one conversation at a time; trace a conversation on its own")
        }
        for (i, step) in steps.enumerated() {
            guard step.context.model === lead.model else { throw LLMError(message: "decode: conversation \(i) runs a different model") }
            guard (0..<vocabulary).contains(step.token) else {
                throw LLMError(message: "token id \(step.token) is outside the vocabulary (0..<\(vocabulary))")
            }
            guard !steps[..<i].contains(where: { $0.context === step.context }) else {
                throw LLMError(message: "decode: conversation \(i) appears twice in one step")
            }
            try step.context.cache.reserve(step.context.cache.count + 1)
        }
        let segments = steps.map { Segment(cache: $0.context.cache, start: $0.context.cache.count, count: 1) }
        let logits = try lead.forward(steps.map(\.token), segments, logitRows: steps.count, decoding: true)
        return steps.indices.map { Array(logits[($0 * vocabulary)..<(($0 + 1) * vocabulary)]) }
    }

    // MARK: The forward pass

    /// A run of consecutive batch rows that continue one conversation: rows at positions
    /// `start ..< start+count` of `cache`.
    struct Segment {
        let cache: KVCache
        let start: Int
        let count: Int
    }

    /// Runs `tokens` (T ≤ maxBatch, split into `segments`) through every block, appends their keys
    /// and values to each segment's cache, and returns the logits of the last `logitRows` rows.
    /// `decoding` keeps every projection on the matrix–vector kernels (one row per conversation).
    private func forward(_ tokens: [Int], _ segments: [Segment], logitRows: Int, decoding: Bool) throws -> [Float] {
        guard let spans = Profiler.current else {
            return try forwardPass(tokens, segments, logitRows: logitRows, decoding: decoding, spans: nil)
        }
        return try spans.measure("forward", category: "pass") {
            try forwardPass(tokens, segments, logitRows: logitRows, decoding: decoding, spans: spans)
        }
    }

    /// The pass itself; with a profiler installed, each block is a span ("blocks.L") made of op spans.
    private func forwardPass(_ tokens: [Int], _ segments: [Segment], logitRows: Int, decoding: Bool, spans: SpanRecorder?) throws -> [Float] {
        let c = model.config, t = tokens.count, dim = c.dim, kvDim = c.kvHeads * c.headDim
        let positions = segments.flatMap { $0.start..<($0.start + $0.count) }
        buffers.ensure(tokens: t, config: c, positions: segments.map(\.cache.capacity).max() ?? 0, threads: threads,
                       scratch: t >= gemmThreshold && !decoding)
        let b = buffers
        func op(_ name: String, layer: Int? = nil, _ body: () throws -> Void) rethrows {
            if let spans { try spans.measure(name, category: "op", layer: layer, body) } else { try body() }
        }
        func project(_ input: UnsafePointer<Float>, tokens t: Int, _ targets: [(QuantizedMatrix, UnsafeMutablePointer<Float>)]) {
            self.project(input, tokens: t, targets, matrixVector: decoding)
        }
        try op("embedding") {
            for (i, token) in tokens.enumerated() { model.embedding.dequantize(rows: token..<(token + 1), into: b.x + i * dim) }
            try LlamaHookPoint.embedding.emit(layer: 0, b.x, shape: [t, dim])
            ropeTables(positions: positions)
        }

        for (l, block) in model.blocks.enumerated() {
            let blockStart = spans == nil ? 0 : SpanRecorder.now()
            op("attention.qkv", layer: l) {
                for i in 0..<t { RowKernels.rmsNorm(b.x + i * dim, block.attentionNorm, b.normed + i * dim, count: dim, epsilon: Float(c.rmsEpsilon)) }
                project(b.normed, tokens: t, [(block.query, b.q), (block.key, b.k), (block.value, b.v)])
                let half = c.headDim / 2
                for i in 0..<t {
                    RowKernels.rope(b.q + i * dim, heads: c.heads, headDim: c.headDim, cos: b.cos + i * half, sin: b.sin + i * half)
                    RowKernels.rope(b.k + i * kvDim, heads: c.kvHeads, headDim: c.headDim, cos: b.cos + i * half, sin: b.sin + i * half)
                }
                var row = 0
                for segment in segments {
                    segment.cache.store(layer: l, at: segment.start, keys: b.k + row * kvDim, values: b.v + row * kvDim, count: segment.count)
                    row += segment.count
                }
            }
            try op("attention.heads", layer: l) {
                try attend(layer: l, segments: segments, positions: positions)
                try LlamaHookPoint.attentionHeads.emit(layer: l, b.attended, shape: [t, dim])
            }
            try op("attention.output", layer: l) {
                project(b.attended, tokens: t, [(block.output, b.projected)])
                try LlamaHookPoint.attentionOutput.emit(layer: l, b.projected, shape: [t, dim])
                add(b.projected, into: b.x, count: t * dim)
            }
            try op("mlp.gate_up", layer: l) {
                for i in 0..<t { RowKernels.rmsNorm(b.x + i * dim, block.mlpNorm, b.normed + i * dim, count: dim, epsilon: Float(c.rmsEpsilon)) }
                project(b.normed, tokens: t, [(block.gate, b.gate), (block.up, b.up)])
                RowKernels.swiGLU(b.gate, b.up, count: t * c.ffn)
                try LlamaHookPoint.mlpHidden.emit(layer: l, b.gate, shape: [t, c.ffn])
            }
            try op("mlp.down", layer: l) {
                project(b.gate, tokens: t, [(block.down, b.projected)])
                try LlamaHookPoint.mlpOutput.emit(layer: l, b.projected, shape: [t, dim])
                add(b.projected, into: b.x, count: t * dim)
                try LlamaHookPoint.residual.emit(layer: l, b.x, shape: [t, dim])
            }
            spans?.append(Span(name: "blocks.\(l)", category: "layer", start: blockStart, end: SpanRecorder.now(), layer: l))
        }
        for segment in segments { segment.cache.count = segment.start + segment.count }

        guard logitRows > 0 else { return [] }
        var logits = [Float](repeating: 0, count: logitRows * c.vocabulary)
        try op("head") {
            let first = t - logitRows
            for i in 0..<logitRows {
                RowKernels.rmsNorm(b.x + (first + i) * dim, model.outputNorm, b.normed + i * dim, count: dim, epsilon: Float(c.rmsEpsilon))
            }
            try LlamaHookPoint.finalNorm.emit(layer: c.layers, b.normed, shape: [logitRows, dim])
            try logits.withUnsafeMutableBufferPointer { out in
                project(b.normed, tokens: logitRows, [(model.head, out.baseAddress!)])
                try LlamaHookPoint.logits.emit(layer: c.layers, out.baseAddress!, shape: [logitRows, c.vocabulary])
            }
        }
        return logits
    }

    private func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }

    /// cos/sin [T, headDim/2] of each row's rotation angles (computed in double precision).
    private func ropeTables(positions: [Int]) {
        let half = inverseFrequencies.count
        for (i, p) in positions.enumerated() {
            for j in 0..<half {
                let angle = Double(p) * inverseFrequencies[j]
                buffers.cos[i * half + j] = Float(Foundation.cos(angle))
                buffers.sin[i * half + j] = Float(Foundation.sin(angle))
            }
        }
    }

    // MARK: Projections

    /// out_m [T, m.rows] = input [T, columns] · W_mᵀ for every (matrix, output) pair (all with
    /// the same input width).
    func project(_ input: UnsafePointer<Float>, tokens t: Int, _ targets: [(QuantizedMatrix, UnsafeMutablePointer<Float>)],
                         matrixVector: Bool = false) {
        let columns = targets[0].0.columns
        if t >= gemmThreshold && !matrixVector {
            for (m, out) in targets { gemm(input, tokens: t, m, out) }
            return
        }
        // Matrix–vector products: each input row is quantized once, then the rows of all
        // targets form one range split across threads.
        let totalRows = targets.reduce(0) { $0 + $1.0.rows }
        QuantizedActivation.withScratch(rows: t, columns: columns) { scratch in
            let rows = (0..<t).map { i in QuantizedActivation(input + i * columns, row: i, of: scratch) }
            // Several rows (a batch of conversations) walk the weights in tiles, so a tile read
            // from memory serves every row while it is in cache. One tiling for every T: a row's
            // result never depends on how many others share the pass.
            let tile = 32
            parallelFor(threads) { part, parts in
                let lo = totalRows * part / parts, hi = totalRows * (part + 1) / parts
                var tileStart = lo
                while tileStart < hi {
                    let tileEnd = min(hi, tileStart + tile)
                    var offset = 0
                    for (m, out) in targets {
                        let a = max(tileStart - offset, 0), b = min(tileEnd - offset, m.rows)
                        if a < b {
                            if t == 1 {
                                m.multiply(rows[0], into: out + a, rows: a..<b)
                            } else {
                                m.multiply(rows, into: (0..<t).map { out + $0 * m.rows + a }, rows: a..<b)
                            }
                        }
                        offset += m.rows
                    }
                    tileStart = tileEnd
                }
            }
        }
    }

    /// out [T, m.rows] = input [T, m.columns] · Wᵀ with W dequantized in row chunks that fit the
    /// scratch buffer.
    func gemm(_ input: UnsafePointer<Float>, tokens t: Int, _ m: QuantizedMatrix, _ out: UnsafeMutablePointer<Float>) {
        let chunkRows = max(1, buffers.scratchCount / m.columns)
        var start = 0
        while start < m.rows {
            let rows = min(chunkRows, m.rows - start)
            let scratch = buffers.scratch
            parallelFor(threads) { part, parts in
                let lo = rows * part / parts, hi = rows * (part + 1) / parts
                if lo < hi { m.dequantize(rows: (start + lo)..<(start + hi), into: scratch + lo * m.columns) }
            }
            rowBlockGemm(input, rows: t, scratch, outputs: rows, inner: m.columns, into: out + start, outStride: m.rows, threads: threads)
            start += rows
        }
    }

    // MARK: Attention

    /// attended [T, dim] = softmax(q·Kᵀ/√d + causal mask)·V per head: row i reads its own
    /// segment's cache at positions 0 ... positions[i] (causal within the segment).
    private func attend(layer: Int, segments: [Segment], positions: [Int]) throws {
        let c = model.config, hd = c.headDim, dim = c.dim
        let t = positions.count, group = c.heads / c.kvHeads
        // The cache each row reads (rows of one segment are consecutive).
        let rowCaches = segments.flatMap { Array(repeating: $0.cache, count: $0.count) }
        let b = buffers
        let scale = 1 / Float(hd).squareRoot()
        let listening = Hooks.areListening
        // Probabilities of all (head, token) rows when a hook will read them (one segment: the
        // hook's shape [heads, T, positions] is one conversation's), else per-thread rows.
        let total = (positions.last ?? 0) + 1
        let probabilities = listening ? UnsafeMutablePointer<Float>.allocate(capacity: c.heads * t * total) : nil
        defer { probabilities?.deallocate() }
        probabilities?.initialize(repeating: 0, count: c.heads * t * total)
        let items = c.heads * t

        func weightedSum(_ row: UnsafePointer<Float>, head h: Int, token i: Int) {
            let out = b.attended + i * dim + h * hd
            loupe_attention_mix(row, rowCaches[i].values(layer: layer, head: h / group), hd, Int32(positions[i] + 1), Int32(hd), out)
        }

        parallelFor(threads) { part, parts in
            let scores = b.scores + part * b.scoresStride
            for item in (items * part / parts)..<(items * (part + 1) / parts) {
                let h = item / t, i = item % t, n = positions[i] + 1
                let row = probabilities.map { $0 + (h * t + i) * total } ?? scores
                let q = b.q + i * dim + h * hd, k = rowCaches[i].keys(layer: layer, head: h / group)
                loupe_attention_scores(q, k, hd, Int32(n), Int32(hd), scale, row)
                RowKernels.softmax(row, count: n)
                if !listening { weightedSum(row, head: h, token: i) }
            }
        }
        guard let probabilities else { return }
        try LlamaHookPoint.attentionProbabilities.emit(layer: layer, probabilities, shape: [c.heads, t, total])
        parallelFor(threads) { part, parts in
            for item in (items * part / parts)..<(items * (part + 1) / parts) {
                weightedSum(probabilities + item * total, head: item / t, token: item % t)
            }
        }
    }
}

/// Runs `body(part, parts)` for each of `parts` parts on the engine's spinning worker pool
/// (inline when 1): generation dispatches ~150 times per token, too often to wake threads.
@inline(__always)
func parallelFor(_ parts: Int, _ body: (Int, Int) -> Void) {
    if parts <= 1 { body(0, 1); return }
    WorkerPool.shared.run(parts: parts, body)
}
