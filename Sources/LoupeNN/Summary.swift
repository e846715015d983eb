import LoupeCore

extension Module {
    /// A Keras-style table of the module tree: each layer's path, type, output shape for `input`
    /// (run once without recording gradients) and its own parameter count, then the totals.
    public func summary(input: Tensor) throws -> String {
        let modules = namedModules()
        var shapes: [ObjectIdentifier: [Int]] = [:]
        for (_, m) in modules { m.outputObserver = { shapes[ObjectIdentifier(m)] = $0.shape } }
        defer { for (_, m) in modules { m.outputObserver = nil } }
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        let output = try GradMode.withoutGrad { try self(input) }

        var rows: [(String, String, String)] = []
        for (path, m) in modules where !path.isEmpty {
            let own = m.namedParameters().filter { !$0.name.contains(".") }.map { $0.parameter.value.count }.reduce(0, +)
            let shape = shapes[ObjectIdentifier(m)].map { "\($0)" } ?? "—"
            rows.append(("\(path) (\(type(of: m)))", shape, own == 0 ? "0" : "\(own)"))
        }
        let w0 = max(24, rows.map(\.0.count).max() ?? 0), w1 = max(14, rows.map(\.1.count).max() ?? 0)
        func line(_ a: String, _ b: String, _ c: String) -> String {
            a.padding(toLength: w0, withPad: " ", startingAt: 0) + "  " + b.padding(toLength: w1, withPad: " ", startingAt: 0) + "  " + c
        }
        var out = [line("Layer (type)", "Output shape", "Param #"), String(repeating: "─", count: w0 + w1 + 12)]
        out += rows.map { line($0.0, $0.1, $0.2) }
        let trainable = parameters().map(\.value.count).reduce(0, +)
        out.append(String(repeating: "─", count: w0 + w1 + 12))
        out.append("Input \(input.shape) → output \(output.shape)")
        out.append("Total parameters: \(parameterCount) (trainable: \(trainable))")
        return out.joined(separator: "\n")
    }
}
