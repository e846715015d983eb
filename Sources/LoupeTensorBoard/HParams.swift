// What the HParams plugin shows: the hyperparameters and metrics an experiment declares, each
// run's hyperparameter values, and how the run ended (written by EventFileWriter's addHParams…
// methods).

/// One hyperparameter value, typed as the HParams plugin types them: a number, a string or a
/// boolean. Literals make dictionaries of them read naturally:
/// `["lr": 0.01, "batch": 32, "optimizer": "adam", "augment": true]`.
public enum HParamValue: Equatable, Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case number(Double)
    case string(String)
    case bool(Bool)

    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    /// The type this value has.
    public var type: HParamInfo.ValueType {
        switch self {
        case .number: .number
        case .string: .string
        case .bool: .bool
        }
    }
}

/// A hyperparameter the experiment declares: its name, type and the values it may take (the
/// plugin's filters offer these).
public struct HParamInfo: Equatable, Sendable {
    /// The plugin's hyperparameter types (`DATA_TYPE_FLOAT64`, `DATA_TYPE_STRING`, `DATA_TYPE_BOOL`).
    public enum ValueType: Equatable, Sendable {
        case number, string, bool
    }

    /// The values a hyperparameter may take.
    public enum Domain: Equatable, Sendable {
        /// Not declared; the plugin collects the values the runs used.
        case unspecified
        /// One of these values, each of the hyperparameter's type.
        case discrete([HParamValue])
        /// A number in [min, max] (finite, min ≤ max).
        case interval(min: Double, max: Double)
    }

    public var name: String
    public var type: ValueType
    public var domain: Domain
    /// Shown instead of `name` when not empty.
    public var displayName: String
    /// Shown as help; may contain Markdown.
    public var description: String

    public init(name: String, type: ValueType, domain: Domain = .unspecified, displayName: String = "", description: String = "") {
        self.name = name
        self.type = type
        self.domain = domain
        self.displayName = displayName
        self.description = description
    }
}

/// A metric the experiment declares: the plugin shows, per run, the last value of the scalar `tag`
/// found in the run's subdirectory `group` ("" for the run's own directory).
public struct HParamMetric: Equatable, Sendable {
    /// The data a metric is measured on.
    public enum Dataset: Equatable, Sendable {
        case unknown, training, validation
    }

    /// The scalar's tag, as given to ``EventFileWriter/addScalar(tag:value:step:wallTime:)``.
    public var tag: String
    /// The subdirectory of each run the scalar is written in ("" for the run's own directory).
    public var group: String
    /// Shown instead of the tag when not empty.
    public var displayName: String
    /// Shown as help; may contain Markdown.
    public var description: String
    public var dataset: Dataset

    public init(tag: String, group: String = "", displayName: String = "", description: String = "", dataset: Dataset = .unknown) {
        self.tag = tag
        self.group = group
        self.displayName = displayName
        self.description = description
        self.dataset = dataset
    }
}

/// How a run ended, as the HParams plugin lists it.
public enum HParamSessionStatus: Equatable, Sendable {
    case unknown, success, failure, running
}
