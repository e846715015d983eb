import Foundation

/// Wall-clock timing for benchmarks: runs `body` until both `minIterations` and `minSeconds`
/// are reached (after one warm-up) and returns the median seconds per iteration.
func medianSeconds(minIterations: Int = 5, minSeconds: Double = 0.3, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var samples: [Double] = []
    let start = DispatchTime.now().uptimeNanoseconds
    while samples.count < minIterations
        || Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < minSeconds {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        if samples.count >= 1000 { break }
    }
    samples.sort()
    return samples[samples.count / 2]
}

/// One JSON object per line with keys in the given order (readable by people and `jq` alike).
func emitJSON(_ fields: KeyValuePairs<String, Any>) {
    let body = fields.map { key, value -> String in
        let rendered: String
        switch value {
        case let s as String: rendered = "\"\(s)\""
        case let d as Double: rendered = d.isFinite ? String(format: d >= 100 ? "%.1f" : "%.4g", d) : "null"
        default: rendered = "\(value)"
        }
        return "\"\(key)\": \(rendered)"
    }
    print("{" + body.joined(separator: ", ") + "}")
    fflush(stdout)
}
