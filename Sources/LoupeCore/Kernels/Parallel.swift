import CBLAS
import Dispatch

/// Engine-wide settings.
public enum Engine {
    nonisolated(unsafe) private static var _threads = 2

    /// Threads the engine's kernels use (default 2, the cores of the reference machine), matrix
    /// products included: BLAS itself runs single-threaded (``useSingleThreadedBLAS()``) and
    /// large products are split across these threads.
    public static var threads: Int {
        get { _threads }
        set {
            useSingleThreadedBLAS()
            _threads = max(1, newValue)
        }
    }

    private static let singleThreadedBLAS: Void = { openblas_set_num_threads(1) }()

    /// Sets OpenBLAS to one thread, once per process. Why: OpenBLAS's idle workers spin (calling
    /// sched_yield) for a long while after each product, and on two cores they took time from the
    /// engine's own threads between products (10–25% of W2 and W4 steps' samples in `perf`). Code
    /// that calls BLAS directly calls this first and splits its products across its own threads.
    public static func useSingleThreadedBLAS() { singleThreadedBLAS }

    /// Runs `body` with the engine's own kernels on this thread limited to `threads` (BLAS keeps
    /// its setting: OpenBLAS only has a process-wide one, unsafe to change while another thread
    /// is inside it). For comparing thread counts in tests and tools.
    public static func withKernelThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        let state = ThreadState.current
        let saved = state.kernelThreads
        state.kernelThreads = max(1, threads)
        defer { state.kernelThreads = saved }
        return try body()
    }

    /// Below this many elements an element-wise kernel runs on one thread: splitting costs more
    /// than it saves under ~0.1 ms of work (PERFORMANCE-NOTES.md).
    public static let parallelThreshold = 1 << 16

    /// Runs `body` over `0..<count` in up to ``threads`` contiguous chunks at once, when
    /// `count · costPerItem` is worth splitting: for kernels outside the engine's ops.
    public static func forChunks(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        Parallel.forChunks(count, costPerItem: costPerItem, body)
    }
}

enum Parallel {
    /// Runs `body` over `0..<count` split into at most `Engine.threads` contiguous chunks, in
    /// parallel when the work is big enough (`count * costPerItem >= Engine.parallelThreshold`).
    @inline(__always)
    static func forChunks(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let threads = ThreadState.current.kernelThreads ?? Engine.threads
        if threads <= 1 || count < 2 || count * costPerItem < Engine.parallelThreshold {
            body(0..<count)
            return
        }
        let chunks = min(threads, count)
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = count * c / chunks, hi = count * (c + 1) / chunks
                if lo < hi { body(lo..<hi) }
            }
        }
    }
}
