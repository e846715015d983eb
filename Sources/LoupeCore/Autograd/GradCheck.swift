/// The outcome of ``gradcheck(_:inputs:epsilon:tolerance:)``: the worst disagreement found.
public struct GradCheckResult: CustomStringConvertible {
    /// Largest |analytic − numeric| / max(1, |numeric|) over every input element.
    public let maxError: Double
    /// Which input and element it was at.
    public let worstInput: Int
    public let worstElement: Int
    public let analytic: Double
    public let numeric: Double
    public let passed: Bool

    public var description: String {
        "gradcheck \(passed ? "passed" : "FAILED"): max error \(maxError) at input \(worstInput) element \(worstElement) "
            + "(analytic \(analytic), numeric \(numeric))"
    }
}

/// Compares the autograd gradient of `f` with central finite differences, in Float64.
///
/// `f` maps the inputs to a tensor; the scalar objective is Σ f(inputs) · w for a fixed random
/// weighting w (so every output element's gradient path is checked, not just their sum). Inputs are
/// converted to Float64 copies that require grad.
public func gradcheck(
    _ f: ([Tensor]) throws -> Tensor, inputs: [Tensor], epsilon: Double = 1e-6, tolerance: Double = 1e-5
) throws -> GradCheckResult {
    let xs = try inputs.map { t -> Tensor in
        let c = try GradMode.withoutGrad { try t.dtype == .int64 ? t : t.to(.float64).contiguous() }
        let leaf = c === t ? StridedCopy.copy(c) : c
        leaf.requiresGrad = t.dtype.isFloatingPoint
        return leaf
    }
    let probe = try GradMode.withoutGrad { try f(xs) }
    var rng = RandomGenerator(seed: 1234)
    let weights = try Tensor.uniform(probe.shape, low: 0.5, high: 1.5, dtype: .float64, using: &rng)
    func objective(_ values: [Tensor]) throws -> Double {
        try GradMode.withoutGrad { try (f(values).to(.float64) * weights).sum().item() }
    }
    let y = try (f(xs).to(.float64) * weights).sum()
    try y.backward()

    var worst = (error: 0.0, input: -1, element: -1, analytic: 0.0, numeric: 0.0)
    for (i, x) in xs.enumerated() where x.requiresGrad {
        let analytic = x.grad?.doubles() ?? [Double](repeating: 0, count: x.count)
        let p = x.base(Double.self)
        for e in 0..<x.count {
            let saved = p[e]
            p[e] = saved + epsilon
            let plus = try objective(xs)
            p[e] = saved - epsilon
            let minus = try objective(xs)
            p[e] = saved
            let numeric = (plus - minus) / (2 * epsilon)
            let error = Swift.abs(analytic[e] - numeric) / Swift.max(1, Swift.abs(numeric))
            if error > worst.error || worst.input < 0 {
                worst = (error, i, e, analytic[e], numeric)
            }
        }
    }
    return GradCheckResult(maxError: worst.error, worstInput: worst.input, worstElement: worst.element,
                           analytic: worst.analytic, numeric: worst.numeric, passed: worst.error <= tolerance)
}
