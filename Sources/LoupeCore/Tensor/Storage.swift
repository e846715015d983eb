import Foundation

/// A reference-counted, 64-byte-aligned buffer that one or more tensor views share.
///
/// Views (reshape, transpose, slices, expand) share one storage; only `contiguous()` and ops copy.
public final class TensorStorage: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
    /// Size in bytes.
    public let byteCount: Int

    /// Allocates `byteCount` bytes, zero-filled unless the caller overwrites every byte anyway.
    init(byteCount: Int, zeroed: Bool = true) {
        self.byteCount = byteCount
        raw = BufferPool.shared.allocate(byteCount)
        if zeroed { memset(raw, 0, byteCount) }
    }

    deinit { BufferPool.shared.release(raw, byteCount) }

    @inline(__always)
    func pointer<T>(as: T.Type) -> UnsafeMutablePointer<T> { raw.assumingMemoryBound(to: T.self) }
}

/// Keeps freed large buffers for reuse, keyed by exact size.
///
/// Training allocates the same activation and gradient sizes every step. Big blocks come from
/// `mmap`, and touching fresh pages costs about as much as an element-wise op itself, so reusing
/// them roughly halves the time of memory-bound ops (PyTorch's CPU allocator does the same).
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    /// Buffers smaller than this go straight to malloc, which is fast and cached for small sizes.
    static let minimumPooledBytes = 64 * 1024
    /// Most bytes kept idle in the pool; beyond it buffers are freed.
    var capacityBytes = 2 << 30

    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var cachedBytes = 0
    private var mutex = pthread_mutex_t()

    private init() { pthread_mutex_init(&mutex, nil) }

    func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        if byteCount >= BufferPool.minimumPooledBytes {
            pthread_mutex_lock(&mutex)
            let reused = free[byteCount]?.popLast()
            if reused != nil { cachedBytes -= byteCount }
            pthread_mutex_unlock(&mutex)
            if let reused { return reused }
        }
        var p: UnsafeMutableRawPointer?
        // 64-byte alignment: one AVX-512 register, one cache line.
        let status = posix_memalign(&p, 64, Swift.max(byteCount, 64))
        precondition(status == 0 && p != nil, "out of memory allocating \(byteCount) bytes")
        return p!
    }

    func release(_ p: UnsafeMutableRawPointer, _ byteCount: Int) {
        if byteCount >= BufferPool.minimumPooledBytes {
            pthread_mutex_lock(&mutex)
            let keep = cachedBytes + byteCount <= capacityBytes
            if keep {
                free[byteCount, default: []].append(p)
                cachedBytes += byteCount
            }
            pthread_mutex_unlock(&mutex)
            if keep { return }
        }
        Foundation.free(p)
    }

    /// Returns every idle buffer to the system.
    func trim() {
        pthread_mutex_lock(&mutex)
        for p in free.values.joined() { Foundation.free(p) }
        free.removeAll()
        cachedBytes = 0
        pthread_mutex_unlock(&mutex)
    }
}
