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
        var p: UnsafeMutableRawPointer?
        // 64-byte alignment: one AVX-512 register, one cache line.
        let status = posix_memalign(&p, 64, max(byteCount, 64))
        precondition(status == 0 && p != nil, "out of memory allocating \(byteCount) bytes")
        raw = p!
        if zeroed { memset(raw, 0, max(byteCount, 64)) }
    }

    deinit { free(raw) }

    @inline(__always)
    func pointer<T>(as: T.Type) -> UnsafeMutablePointer<T> { raw.assumingMemoryBound(to: T.self) }
}
