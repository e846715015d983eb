import CBLAS
import Dispatch

/// Engine-wide settings.
public enum Engine {
    nonisolated(unsafe) private static var _threads = 2

    /// Threads the engine's own kernels and BLAS may use (default 2, the cores of the reference machine).
    public static var threads: Int {
        get { _threads }
        set {
            _threads = max(1, newValue)
            openblas_set_num_threads(Int32(_threads))
        }
    }

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
