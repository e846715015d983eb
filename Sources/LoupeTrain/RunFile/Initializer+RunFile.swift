import LoupeCore

/// How a run file names an initializer (a layer's `init`): `"he"`, `"xavier"`, ... or a table
/// holding the one number it takes, `{ normal = 0.02 }`.
extension Initializer: RunFileValueConvertible {
    /// One initializer of each kind, in the order error messages and docs list them.
    static let allKinds: [Initializer] = [.heNormal, .heUniform, .xavierUniform, .xavierNormal, .zeros,
                                          .normal(std: 1), .uniform(limit: 1), .constant(0)]

    /// The name, and for the kinds that take a number, what it is (for the docs) and its value.
    private var runFileForm: (name: String, parameter: (role: String, value: Double)?) {
        switch self {
        case .heNormal: ("he", nil)
        case .heUniform: ("he_uniform", nil)
        case .xavierUniform: ("xavier", nil)
        case .xavierNormal: ("xavier_normal", nil)
        case .zeros: ("zeros", nil)
        case let .normal(std): ("normal", ("STD", std))
        case let .uniform(limit): ("uniform", ("LIMIT", limit))
        case let .constant(value): ("constant", ("VALUE", value))
        }
    }

    /// The initializer a run-file value names (the inverse of ``runFileValue``).
    init?(_ value: RunFileValue) {
        let name: String, parameter: Double?
        switch value {
        case let .string(string): (name, parameter) = (string, nil)
        case let .table(entries) where entries.count == 1:
            guard let number = entries[0].value.number else { return nil }
            (name, parameter) = (entries[0].key, number)
        default: return nil
        }
        guard let kind = Self.allKinds.first(where: { $0.runFileForm.name == name }) else { return nil }
        switch (kind, parameter) {
        case let (.normal, x?): self = .normal(std: x)
        case let (.uniform, x?): self = .uniform(limit: x)
        case let (.constant, x?): self = .constant(x)
        case (.heNormal, nil), (.heUniform, nil), (.xavierUniform, nil), (.xavierNormal, nil), (.zeros, nil): self = kind
        default: return nil
        }
    }

    var runFileValue: RunFileValue {
        let form = runFileForm
        guard let parameter = form.parameter else { return .string(form.name) }
        return .table([RunFileEntry(form.name, parameter.value)])
    }

    /// Every form, for error messages and help: `"he"`, ..., `{ normal = STD }`, ...
    static var runFileForms: [String] {
        allKinds.map { kind in
            let form = kind.runFileForm
            return form.parameter.map { "{ \(form.name) = \($0.role) }" } ?? "\"\(form.name)\""
        }
    }

    /// Whether its number is usable: finite, and not negative for a standard deviation or a limit.
    var hasUsableParameter: Bool {
        switch self {
        case let .normal(x), let .uniform(x): x.isFinite && x >= 0
        case let .constant(x): x.isFinite
        case .heNormal, .heUniform, .xavierUniform, .xavierNormal, .zeros: true
        }
    }
}
