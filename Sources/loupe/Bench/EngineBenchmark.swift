import CBLAS
import Dispatch
import Foundation
import LoupeCore

/// `loupe bench engine`: the engine against raw OpenBLAS and the machine's memory bandwidth.
struct EngineBenchmark {
    static let caseNames = ["stream_triad", "elementwise", "sgemm", "conv2d", "mlp_step", "op_dispatch"]
    let quick: Bool
    /// Cases to run; empty means all. The triad always runs when element-wise figures need it.
    let only: Set<String>

    private func wants(_ name: String) -> Bool { only.isEmpty || only.contains(name) }
    /// 16M floats: well past the caches, so element-wise figures measure memory bandwidth.
    var elements: Int { quick ? 1 << 22 : 1 << 24 }

    func run() throws {
        // Memory-bound cases first, before any BLAS call: OpenBLAS's idle workers spin for a while
        // after each call and would take the second core from the element-wise kernels (see
        // BENCHMARKS.md). Each op is paired with a triad measured right before it, so the ratio
        // compares like with like on a noisy shared machine.
        for threads in [1, 2] where wants("stream_triad") || wants("elementwise") {
            Engine.threads = threads
            let triad = streamTriad(threads: threads)
            emitJSON(["case": "stream_triad", "impl": "peer", "threads": threads, "gbps": triad])
            if wants("elementwise") { try elementwise(threads: threads) }
        }
        for threads in [1, 2] {
            Engine.threads = threads
            if wants("sgemm") { try sgemm(threads: threads) }
            if wants("conv2d") { try conv2d(threads: threads) }
            if wants("mlp_step") { try mlpStep(threads: threads) }
        }
        Engine.threads = 2
        if wants("op_dispatch") { try opDispatch() }
    }

    /// STREAM triad a = b + s·c in plain SIMD code: the bandwidth every element-wise op is judged by.
    /// Runs `body` with OpenBLAS itself on `threads` threads (the peer: BLAS with its own
    /// threading), then back to one (the engine splits products itself). Safe here: nothing
    /// else is inside BLAS while a benchmark runs.
    static func withBLASThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        Engine.useSingleThreadedBLAS()
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        return try body()
    }

    func streamTriad(threads: Int) -> Double {
        let n = elements
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n), b = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        b.initialize(repeating: 1, count: n)
        c.initialize(repeating: 2, count: n)
        a.initialize(repeating: 0, count: n)
        let seconds = medianSeconds(minIterations: quick ? 3 : 10) {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let lo = n * t / threads, hi = n * (t + 1) / threads
                var i = lo
                let s = SIMD16<Float>(repeating: 3)
                while i + 16 <= hi {
                    let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
                    let vc = UnsafeRawPointer(c + i).loadUnaligned(as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(a + i).storeBytes(of: vb.addingProduct(s, vc), as: SIMD16<Float>.self)
                    i += 16
                }
            }
        }
        return Double(3 * 4 * n) / seconds / 1e9
    }

    func elementwise(threads: Int) throws {
        var rng = RandomGenerator(seed: 1)
        let x = try Tensor.uniform([elements], low: -4, high: 4, using: &rng)
        let y = try Tensor.uniform([elements], low: -4, high: 4, using: &rng)
        let bytes2 = Double(2 * 4 * elements), bytes3 = Double(3 * 4 * elements)
        let ops: [(String, Double, () throws -> Tensor)] = [
            ("add", bytes3, { try x + y }),
            ("mul", bytes3, { try x * y }),
            ("relu", bytes2, { try x.relu() }),
            ("exp", bytes2, { try x.exp() }),
            ("sigmoid", bytes2, { try x.sigmoid() }),
            ("gelu", bytes2, { try x.gelu() }),
        ]
        for (name, bytes, op) in ops {
            let triad = streamTriad(threads: threads)
            let s = try medianSeconds(minIterations: quick ? 3 : 10) { _ = try op() }
            let gbps = bytes / s / 1e9
            emitJSON(["case": "elementwise", "op": name, "impl": "engine", "threads": threads, "n": elements,
                      "gbps": gbps, "fraction_of_triad": gbps / triad])
        }
        var triad = streamTriad(threads: threads)
        let s = try medianSeconds(minIterations: quick ? 3 : 10) { _ = try x.sum() }
        let gbps = Double(4 * elements) / s / 1e9
        emitJSON(["case": "reduction", "op": "sum", "impl": "engine", "threads": threads, "n": elements,
                  "gbps": gbps, "fraction_of_triad": gbps / triad])
        let rows = try x.reshaped([elements / 1024, 1024])
        triad = streamTriad(threads: threads)
        let sr = try medianSeconds(minIterations: quick ? 3 : 10) { _ = try rows.softmax(axis: 1) }
        let sgbps = Double(2 * 4 * elements) / sr / 1e9
        emitJSON(["case": "reduction", "op": "softmax_rows_1024", "impl": "engine", "threads": threads, "n": elements,
                  "gbps": sgbps, "fraction_of_triad": sgbps / triad])
    }

    func sgemm(threads: Int) throws {
        var rng = RandomGenerator(seed: 2)
        for n in quick ? [256, 1024] : [256, 512, 1024, 2048] {
            let a = try Tensor.uniform([n, n], low: -1, high: 1, using: &rng)
            let b = try Tensor.uniform([n, n], low: -1, high: 1, using: &rng)
            let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
            defer { c.deallocate() }
            let pa = a.floats(), pb = b.floats()
            let flops = 2 * Double(n) * Double(n) * Double(n)
            let iterations = n >= 2048 ? 3 : (quick ? 3 : 10)
            // Interleave the two implementations, alternating which goes first, and keep each one's
            // best round: machine noise (5-25% here) then hits both alike.
            var engine: [Double] = [], raw: [Double] = []
            let measureEngine = { engine.append(try medianSeconds(minIterations: iterations, minSeconds: 0.1) { _ = try a.matmul(b) }) }
            let measureRaw = {
                raw.append(Self.withBLASThreads(threads) {
                    medianSeconds(minIterations: iterations, minSeconds: 0.1) {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                                    pa, Int32(n), pb, Int32(n), 0, c, Int32(n))
                    }
                })
            }
            for round in 0..<(quick ? 3 : 7) {
                if round % 2 == 0 { try measureEngine(); measureRaw() } else { measureRaw(); try measureEngine() }
            }
            let e = flops / engine.min()! / 1e9, r = flops / raw.min()! / 1e9
            // The ratio is the median of the per-round ratios: each compares two back-to-back runs.
            let ratios = zip(engine, raw).map { $1 / $0 }.sorted()
            emitJSON(["case": "sgemm", "n": n, "impl": "openblas", "threads": threads, "gflops": r])
            emitJSON(["case": "sgemm", "n": n, "impl": "engine", "threads": threads, "gflops": e,
                      "ratio_to_openblas": ratios[ratios.count / 2]])
        }
    }

    func conv2d(threads: Int) throws {
        var rng = RandomGenerator(seed: 3)
        let batch = 32
        let x = try Tensor.normal([batch, 32, 28, 28], using: &rng)
        let w = try Initializer.heNormal.make([32, 32, 3, 3], using: &rng)
        let b = Tensor.zeros([32])
        w.requiresGrad = true
        b.requiresGrad = true
        x.requiresGrad = true
        let flopsForward = 2.0 * Double(batch * 32 * 28 * 28) * Double(32 * 9)
        let forward = try medianSeconds(minIterations: quick ? 3 : 5) {
            _ = try GradMode.withoutGrad { try x.conv2d(weight: w, bias: b, padding: 1) }
        }
        let both = try medianSeconds(minIterations: quick ? 3 : 5) {
            let y = try x.conv2d(weight: w, bias: b, padding: 1)
            try y.sum().backward()
            x.zeroGrad(); w.zeroGrad(); b.zeroGrad()
        }
        emitJSON(["case": "conv2d", "shape": "[\(batch),32,28,28]*[32,32,3,3] pad 1", "impl": "engine",
                  "threads": threads, "forward_ms": forward * 1000, "forward_backward_ms": both * 1000,
                  "gflops": 3 * flopsForward / both / 1e9])
    }

    /// One training step of a 784→128→64→10 MLP at batch 64, against the time its six GEMMs take
    /// through raw OpenBLAS: what remains is element-wise work plus dispatch.
    func mlpStep(threads: Int) throws {
        var rng = RandomGenerator(seed: 4)
        let sizes = [784, 128, 64, 10], batch = 64
        let x = try Tensor.normal([batch, 784], using: &rng)
        let labels = try Tensor(indices: (0..<batch).map { $0 % 10 }).reshaped([-1, 1])
        var params: [(Tensor, Tensor)] = []
        for (i, o) in zip(sizes, sizes.dropFirst()) {
            let w = try Initializer.heNormal.make([o, i], using: &rng), b = Tensor.zeros([o])
            w.requiresGrad = true
            b.requiresGrad = true
            params.append((w, b))
        }
        func step() throws {
            var h = x
            for (k, (w, b)) in params.enumerated() {
                h = try h.matmul(w.transposed()) + b
                if k < params.count - 1 { h = try h.relu() }
            }
            let loss = try -h.logSoftmax(axis: 1).gather(axis: 1, index: labels).mean()
            try loss.backward()
            try GradMode.withoutGrad {
                for (w, b) in params {
                    try w.addInPlace(w.grad!, scaledBy: -0.01); w.zeroGrad()
                    try b.addInPlace(b.grad!, scaledBy: -0.01); b.zeroGrad()
                }
            }
        }
        let stepSeconds = try medianSeconds(minIterations: quick ? 50 : 200) { try step() }
        // The same GEMMs (forward, grad-input, grad-weight per layer) through raw OpenBLAS.
        let buffers = (0..<3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: 784 * 128) }
        for p in buffers { p.initialize(repeating: 0.01, count: 784 * 128) }
        defer { for p in buffers { p.deallocate() } }
        let gemmSeconds = Self.withBLASThreads(threads) { medianSeconds(minIterations: quick ? 50 : 200) {
            for (i, o) in zip(sizes, sizes.dropFirst()) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(o), Int32(i), 1,
                            buffers[0], Int32(i), buffers[1], Int32(i), 0, buffers[2], Int32(o))
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(batch), Int32(i), Int32(o), 1,
                            buffers[2], Int32(o), buffers[1], Int32(i), 0, buffers[0], Int32(i))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(o), Int32(i), Int32(batch), 1,
                            buffers[2], Int32(o), buffers[0], Int32(i), 0, buffers[1], Int32(i))
            }
        } }
        var ops = 0
        let counter = Hooks.addForwardHook { _ in ops += 1 }
        try step()
        counter.remove()
        emitJSON(["case": "mlp_step", "shape": "784-128-64-10 batch 64", "impl": "engine", "threads": threads,
                  "ms": stepSeconds * 1000, "gemm_only_ms": gemmSeconds * 1000, "ops_per_step": ops,
                  "gemm_fraction": gemmSeconds / stepSeconds])
    }

    /// Cost of one recorded op on a one-element tensor: no hooks, a hook scoped to another module,
    /// and a global hook.
    func opDispatch() throws {
        let a = Tensor([1], shape: [1], requiresGrad: true), b = Tensor([2], shape: [1])
        let count = 10_000
        func perOp() throws -> Double {
            try medianSeconds(minIterations: 5) { for _ in 0..<count { _ = try a + b } } / Double(count) * 1e9
        }
        let none = try perOp()
        let scoped = Hooks.addForwardHook(scope: .module("elsewhere")) { _ in }
        let withScoped = try perOp()
        scoped.remove()
        let global = Hooks.addForwardHook { _ in }
        let withGlobal = try perOp()
        global.remove()
        emitJSON(["case": "op_dispatch", "op": "add [1]+[1] with grad", "impl": "engine", "threads": 2,
                  "ns_no_hooks": none, "ns_scoped_hook_elsewhere": withScoped, "ns_global_hook": withGlobal])
    }
}
