import CLoupeKernels
import Foundation
import LoupeCore
import LoupeTestSupport
import Testing

/// Products against a ``PackedMatrix``: values against a float64 sum computed here, gradients
/// against the same product through BLAS, over shapes that leave partial row blocks (M mod 8) and
/// partial column panels (N mod 32), with B contiguous and as a transposed view (Wᵀ).
struct PackedMatMulTests {
    @Test(arguments: [(1, 1, 1), (7, 5, 31), (8, 64, 32), (9, 13, 33), (33, 70, 100)])
    func productsAndGradientsMatchBLAS(m: Int, k: Int, n: Int) throws {
        var rng = RandomGenerator(seed: 41)
        let aValues = try Tensor.normal([m, k], using: &rng).floats(), wValues = try Tensor.normal([n, k], using: &rng).floats()
        let upstream = try Tensor.normal([m, n], using: &rng)
        for transposedView in [true, false] {
            func run(packed: Bool) throws -> (y: [Float], da: [Float], dw: [Float]) {
                let a = Tensor(aValues, shape: [m, k], requiresGrad: true), w = Tensor(wValues, shape: [n, k], requiresGrad: true)
                // B = Wᵀ as a view, or the same values laid out contiguously (a leaf of its own).
                let b = transposedView ? try w.transposed() : Tensor(try w.transposed().floats(), shape: [k, n], requiresGrad: true)
                // Two products with one pack, as a recurrence makes them.
                let pack = try PackedMatrix(b)
                let y = packed ? try a.matmul(pack) : try a.matmul(b)
                let y2 = packed ? try (a * 0.5).matmul(pack) : try (a * 0.5).matmul(b)
                try ((y + y2) * upstream).sum().backward()
                return (y.floats(), a.grad!.floats(), transposedView ? w.grad!.floats() : b.grad!.floats())
            }
            let fast = try run(packed: true), plain = try run(packed: false)
            // The product against float64 sums of the same floats.
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0, magnitude = 0.0
                    for t in 0..<k { sum += Double(aValues[i * k + t]) * Double(wValues[j * k + t]); magnitude += abs(Double(aValues[i * k + t]) * Double(wValues[j * k + t])) }
                    #expect(abs(Double(fast.y[i * n + j]) - sum) <= 1e-6 * magnitude + 1e-7, "y[\(i), \(j)] of \(m)×\(k)·\(k)×\(n)")
                }
            }
            for (name, x, y) in [("y", fast.y, plain.y), ("dA", fast.da, plain.da), ("dB", fast.dw, plain.dw)] {
                let worst = zip(x, y).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                #expect(worst < 1e-5, "\(name), \(m)×\(k)·\(k)×\(n), transposed view \(transposedView): \(worst)")
            }
        }
    }

    /// Without the kernel (a CPU without AVX-512, here forced), a pack multiplies through BLAS.
    @Test func withoutTheKernelProductsGoThroughBLAS() throws {
        loupe_i8_force_isa(1)
        defer { loupe_i8_force_isa(-1) }
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), b = Tensor([1, 0, 0, 1, 1, 1], shape: [3, 2])
        let pack = try PackedMatrix(b)
        #expect(!pack.isPacked)
        #expect(try a.matmul(pack).floats() == [4, 5, 10, 11])
    }

    @Test func badShapesAreErrors() throws {
        #expect(throws: TensorError.self) { try PackedMatrix(Tensor.zeros([4])) }
        #expect(throws: TensorError.self) { try Tensor.zeros([2, 3]).matmul(PackedMatrix(Tensor.zeros([4, 5]))) }
    }
}
