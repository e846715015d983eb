import Foundation

/// What produced a run.
public enum RunKind: String, Codable, Sendable, CaseIterable {
    case train, debug, trace, profile, bench, eval, compress
}

/// Where a run stands. `crashed` is a run whose process died without closing it (see
/// ``RunStore/detectCrashes()``).
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case running, completed, failed, crashed
}

/// A run's identity and context: everything needed to tell runs apart and to redo one.
public struct RunInfo: Codable, Equatable, Sendable {
    /// Unique, time-ordered, 16 hex digits (`loupe runs` accepts any unique prefix).
    public var id: String
    /// The run's name; several runs may share one (the latest wins when a name is used as an id).
    public var name: String
    public var kind: RunKind
    /// The run this one was derived from (a `--fix` attempt's original run).
    public var parentID: String?
    /// The command line that started it.
    public var command: String
    /// The run file's text and its SHA-256, when the run came from one.
    public var runFile: String?
    public var runFileHash: String?
    /// The git commit of the working directory and whether it had uncommitted changes.
    public var gitCommit: String?
    public var gitDirty: Bool?
    public var host: String
    public var cpu: String
    public var threads: Int
    public var version: String
    public var seed: UInt64?
    public var startedAt: Date
    public var endedAt: Date?
    public var status: RunStatus
    /// Why a `failed` run failed.
    public var error: String?
    public var tags: [String] = []

    public init(id: String, name: String, kind: RunKind, parentID: String? = nil, command: String, runFile: String? = nil,
                runFileHash: String? = nil, gitCommit: String? = nil, gitDirty: Bool? = nil, host: String, cpu: String,
                threads: Int, version: String, seed: UInt64? = nil, startedAt: Date, endedAt: Date? = nil,
                status: RunStatus = .running, error: String? = nil, tags: [String] = []) {
        (self.id, self.name, self.kind, self.parentID, self.command) = (id, name, kind, parentID, command)
        (self.runFile, self.runFileHash, self.gitCommit, self.gitDirty) = (runFile, runFileHash, gitCommit, gitDirty)
        (self.host, self.cpu, self.threads, self.version, self.seed) = (host, cpu, threads, version, seed)
        (self.startedAt, self.endedAt, self.status, self.error, self.tags) = (startedAt, endedAt, status, error, tags)
    }

    /// Seconds from start to end (or to now while running).
    public var duration: Double { (endedAt ?? Date()).timeIntervalSince(startedAt) }
}

/// A hyperparameter's value, typed as the run file gave it.
public enum ParamValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    public var description: String {
        switch self {
        case let .int(v): String(v)
        case let .double(v): "\(v)"
        case let .string(v): v
        case let .bool(v): String(v)
        }
    }

    /// JSON holds the plain value (`0.01`, `64`, `"adam"`, `true`).
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let bool = try? container.decode(Bool.self) { self = .bool(bool) }
        else if let int = try? container.decode(Int.self) { self = .int(int) }
        else if let double = try? container.decode(Double.self) { self = .double(double) }
        else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .int(v): try container.encode(v)
        case let .double(v): try container.encode(v)
        case let .string(v): try container.encode(v)
        case let .bool(v): try container.encode(v)
        }
    }

    /// The value as a number, for sorting and plotting (bools as 0/1).
    public var number: Double? {
        switch self {
        case let .int(v): Double(v)
        case let .double(v): v
        case let .bool(v): v ? 1 : 0
        case .string: nil
        }
    }
}

/// One scalar of a run: a metric's value at a step.
public struct ScalarPoint: Codable, Equatable, Sendable {
    public var step: Int
    public var value: Double
    /// Seconds since 1970 when it was recorded.
    public var time: Double

    public init(step: Int, value: Double, time: Double) { (self.step, self.value, self.time) = (step, value, time) }
}

/// A file a run produced (checkpoint, report, trace, profile), by path, size and SHA-256.
public struct Artifact: Codable, Equatable, Sendable {
    /// What it is: "checkpoint", "report", "telemetry", "trace", "profile", ...
    public var role: String
    public var path: String
    public var bytes: Int
    public var sha256: String

    public init(role: String, path: String, bytes: Int, sha256: String) {
        (self.role, self.path, self.bytes, self.sha256) = (role, path, bytes, sha256)
    }
}

/// A structured record a feature attached to a run (a debugger finding, an evaluation): the store
/// keeps its kind and JSON and never interprets it.
public struct RunRecord: Codable, Equatable, Sendable {
    public var kind: String
    public var json: String

    public init(kind: String, json: String) { (self.kind, self.json) = (kind, json) }
}

/// A histogram of values at a step (an activation layer's outputs, a layer's weights or
/// gradients), recorded as a ``RunRecord`` of kind ``kind`` so that every reader (dashboard,
/// TensorBoard export) finds it in one form: `counts.count` equal bins spanning `lower...upper`,
/// bin `i` from `lower + i·width` to `lower + (i+1)·width` with `width = (upper − lower) / counts.count`.
public struct RecordedHistogram: Codable, Equatable, Sendable {
    public static let kind = "histogram"

    /// What it shows, as a path (`activations/layers.1`, `weights/layers.0`, `gradients/layers.0`).
    public var tag: String
    public var step: Int
    public var lower: Double
    public var upper: Double
    public var counts: [Int]
    /// The sum and the sum of squares of the values counted, when known exactly (readers otherwise
    /// take each value at its bin's centre).
    public var sum: Double?
    public var sumSquares: Double?
    /// Values left out of the bins because they were NaN or ±∞, when counted.
    public var nonFinite: Int?

    public init(tag: String, step: Int, lower: Double, upper: Double, counts: [Int],
                sum: Double? = nil, sumSquares: Double? = nil, nonFinite: Int? = nil) {
        (self.tag, self.step, self.lower, self.upper, self.counts) = (tag, step, lower, upper, counts)
        (self.sum, self.sumSquares, self.nonFinite) = (sum, sumSquares, nonFinite)
    }
}
