import Foundation
import LoupeCore
import LoupeStore

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

/// One JSON object per line with keys in the given order (readable by people and `jq` alike),
/// also recorded into the bench run's store when there is one (``BenchRecording``).
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
    BenchRecording.record(fields)
}

/// A `loupe bench` command's run in the store: each line ``emitJSON`` prints becomes a record of
/// kind `benchmark` (the line's fields) and its numbers scalars `<case>/<field>` at the line's
/// number (0, 1, …), so a benchmark's history is in `loupe runs` and the dashboard beside the
/// training runs it measured.
enum BenchRecording {
    nonisolated(unsafe) private static var recorder: RunRecorder?
    nonisolated(unsafe) private static var lines = 0

    /// Runs `body` as run `name` of kind `bench` (unless `--no-record`), recording what it emits.
    static func run(_ name: String, _ store: StoreOptions, _ body: () throws -> Void) throws {
        try store.recording(name: name, kind: .bench, params: ["threads": .int(Engine.threads)]) { recorder in
            (Self.recorder, lines) = (recorder, 0)
            defer { Self.recorder = nil }
            try body()
        }
    }

    /// A field's value as the record's JSON holds it.
    enum Value: Encodable {
        case number(Double), text(String), flag(Bool)
        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case let .number(x): try container.encode(x)
            case let .text(s): try container.encode(s)
            case let .flag(b): try container.encode(b)
            }
        }
    }

    static func record(_ fields: KeyValuePairs<String, Any>) {
        guard let recorder else { return }
        var values: [String: Value] = [:]
        for (key, value) in fields {
            switch value {
            case let b as Bool: values[key] = .flag(b)
            case let d as Double: values[key] = .number(d)
            case let f as Float: values[key] = .number(Double(f))
            case let i as Int: values[key] = .number(Double(i))
            case let s as String: values[key] = .text(s)
            default: values[key] = .text("\(value)")
            }
        }
        let name = fields.first { $0.key == "case" }.map { "\($0.value)" } ?? "bench"
        for (key, value) in values where key != "case" {
            if case let .number(x) = value { recorder.scalar("\(name)/\(key)", step: lines, value: x) }
        }
        // A failed record is not worth stopping a benchmark for; the scalars are flushed at the end.
        try? recorder.record(values, kind: "benchmark")
        lines += 1
    }
}
