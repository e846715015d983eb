import LoupeCore

/// The base class of every layer and model.
///
/// A module's forward pass is `forward(_:)`; call it as `module(x)`, which runs it inside the
/// module's path (e.g. `blocks.2.mlp.fc1`) so every op it records, and every hook, knows where it ran.
/// Parameters, buffers and submodules are found from the stored properties (via `Mirror`): a
/// property of type ``Parameter``, ``Buffer``, `Module`, `[Module]` or `Module?` is picked up with
/// its property name, so a subclass only declares them.
///
/// ```swift
/// final class MLP: Module {
///     let fc1: Linear, fc2: Linear
///
///     init(using rng: inout RandomGenerator) throws {
///         fc1 = try Linear(784, 128, using: &rng)
///         fc2 = try Linear(128, 10, using: &rng)
///         super.init()
///     }
///
///     override func forward(_ x: Tensor) throws -> Tensor { try fc2(fc1(x).relu()) }
/// }
///
/// var rng = RandomGenerator(seed: 1)
/// let mlp = try MLP(using: &rng)
/// let logits = try mlp(Tensor.zeros([32, 784]))   // [32, 10]; parameters: fc1.weight, fc1.bias, …
/// ```
open class Module {
    /// This module's name within its parent ("" for the root).
    public internal(set) var name = ""
    /// Training mode (dropout active, batch norm uses batch statistics) or evaluation mode.
    public private(set) var isTraining = true
    private var cachedChildren: [(String, Module)]?
    /// Sees this module's output after each call (used by ``summary(input:)`` and by tools that
    /// watch whole layers rather than single ops).
    public var outputObserver: ((Tensor) -> Void)?

    public init() {}

    /// The forward pass. Subclasses override it; the default throws.
    open func forward(_ x: Tensor) throws -> Tensor {
        throw TensorError.invalidArgument(op: "\(type(of: self)).forward",
                                          reason: "this module does not implement forward(_:); call its own API")
    }

    /// Runs `forward(_:)` inside this module's path.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try scoped { try forward(x) }
        outputObserver?(y)
        return y
    }

    /// Runs `body` with this module's name pushed on the module path, for modules whose forward
    /// takes other arguments (attention masks, recurrent state).
    public func scoped<R>(_ body: () throws -> R) rethrows -> R {
        nameChildren()
        return name.isEmpty ? try body() : try ModuleScope.with(name, body)
    }

    // MARK: Discovery

    /// Direct submodules with their names, in declaration order.
    public func children() -> [(name: String, module: Module)] {
        nameChildren()
        return cachedChildren!.map { ($0.0, $0.1) }
    }

    private func nameChildren() {
        guard cachedChildren == nil else { return }
        var found: [(String, Module)] = []
        forEachProperty { label, value in
            if let m = value as? Module {
                found.append((label, m))
            } else if let list = value as? [Module] {
                for (i, m) in list.enumerated() { found.append(("\(label).\(i)", m)) }
            }
        }
        for (label, m) in found { m.name = label }
        cachedChildren = found
    }

    private var cachedProperties: [(String, Any)]?

    /// Calls `body` for each stored property of this object (subclass properties after base ones).
    /// Reflection runs once per module; parameters, buffers and submodules are reference types
    /// declared with `let`, so the cached references stay valid.
    private func forEachProperty(_ body: (String, Any) -> Void) {
        if cachedProperties == nil { cachedProperties = reflectProperties() }
        for (label, value) in cachedProperties! { body(label, value) }
    }

    private func reflectProperties() -> [(String, Any)] {
        var found: [(String, Any)] = []
        let body: (String, Any) -> Void = { found.append(($0, $1)) }
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror { mirrors.append(m); mirror = m.superclassMirror }
        for m in mirrors.reversed() {
            for child in m.children {
                guard let label = child.label, !["cachedChildren", "cachedProperties", "outputObserver"].contains(label) else { continue }
                // `Module?` properties arrive wrapped in an Optional.
                if let optional = child.value as? OptionalProtocol {
                    if let wrapped = optional.wrapped { body(label, wrapped) }
                } else {
                    body(label, child.value)
                }
            }
        }
        return found.filter { $0.1 is Parameter || $0.1 is Buffer || $0.1 is Module || $0.1 is [Module] }
    }

    /// Every stored property of type `T` in this module and its submodules, with dotted names.
    private func namedProperties<T>(of _: T.Type) -> [(String, T)] {
        var out: [(String, T)] = []
        forEachProperty { label, value in
            if let v = value as? T { out.append((label, v)) }
        }
        for (childName, child) in children() {
            out += child.namedProperties(of: T.self).map { ("\(childName).\($0.0)", $0.1) }
        }
        return out
    }

    /// Every parameter of this module and its submodules, with dotted names (`fc1.weight`).
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        namedProperties(of: Parameter.self).map { ($0.0, $0.1) }
    }

    /// Every buffer (non-trainable state) of this module and its submodules, with dotted names.
    public func namedBuffers() -> [(name: String, buffer: Buffer)] {
        namedProperties(of: Buffer.self).map { ($0.0, $0.1) }
    }

    /// The trainable parameters.
    public func parameters() -> [Parameter] { namedParameters().map(\.parameter).filter(\.isTrainable) }

    /// Number of scalar parameters (trainable or frozen).
    public var parameterCount: Int { namedParameters().map { $0.parameter.value.count }.reduce(0, +) }

    /// Every module in the tree, depth first, with its full dotted path ("" for this one).
    public func namedModules() -> [(path: String, module: Module)] {
        var out: [(String, Module)] = [("", self)]
        for (childName, child) in children() {
            out += child.namedModules().map { ($0.path.isEmpty ? childName : "\(childName).\($0.path)", $0.module) }
        }
        return out
    }

    // MARK: Modes and state

    /// Switches this module and every submodule to training (`true`) or evaluation mode.
    public func train(_ training: Bool = true) {
        isTraining = training
        for (_, child) in children() { child.train(training) }
    }

    /// Evaluation mode: dropout off, batch norm uses running statistics.
    public func eval() { train(false) }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for (_, p) in namedParameters() { p.value.zeroGrad() } }

    /// Parameters and buffers by dotted name (what a checkpoint stores).
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (n, p) in namedParameters() { out[n] = p.value }
        for (n, b) in namedBuffers() { out[n] = b.value }
        return out
    }

    /// Loads parameters and buffers saved by ``stateDict()``; every name must be present with the
    /// same shape (so a checkpoint of another architecture is refused, not half-loaded).
    public func load(stateDict: [String: Tensor]) throws {
        let params = namedParameters(), buffers = namedBuffers()
        let expected = Set(params.map(\.name) + buffers.map(\.name))
        if let missing = expected.subtracting(stateDict.keys).sorted().first {
            throw TensorError.invalidArgument(op: "load(stateDict:)", reason: "the state has no tensor '\(missing)'")
        }
        if let extra = Set(stateDict.keys).subtracting(expected).sorted().first {
            throw TensorError.invalidArgument(op: "load(stateDict:)", reason: "the model has no parameter or buffer '\(extra)'")
        }
        for (n, p) in params {
            let t = stateDict[n]!
            guard t.shape == p.shape else {
                throw TensorError.shapeMismatch(op: "load(stateDict:) '\(n)'", lhs: p.shape, rhs: t.shape,
                                                expected: "the saved tensor must have the parameter's shape")
            }
            // Integers read as weights would be a silently different model.
            guard t.dtype.isFloatingPoint == p.value.dtype.isFloatingPoint else {
                throw TensorError.invalidArgument(op: "load(stateDict:) '\(n)'",
                                                  reason: "the saved tensor is \(t.dtype), the parameter \(p.value.dtype)")
            }
            p.value = try GradMode.withoutGrad { try t.to(p.value.dtype).contiguous() }.detach()
        }
        for (n, b) in buffers {
            let t = stateDict[n]!
            guard t.shape == b.value.shape else {
                throw TensorError.shapeMismatch(op: "load(stateDict:) '\(n)'", lhs: b.value.shape, rhs: t.shape,
                                                expected: "the saved tensor must have the buffer's shape")
            }
            guard t.dtype.isFloatingPoint == b.value.dtype.isFloatingPoint else {
                throw TensorError.invalidArgument(op: "load(stateDict:) '\(n)'",
                                                  reason: "the saved tensor is \(t.dtype), the buffer \(b.value.dtype)")
            }
            b.value = try GradMode.withoutGrad { try t.to(b.value.dtype).contiguous() }.detach()
        }
    }

    /// Converts every parameter and buffer to `dtype` (float64 for gradient checks).
    public func to(_ dtype: DType) throws {
        for (_, p) in namedParameters() { p.value = try GradMode.withoutGrad { try p.value.to(dtype) }.detach() }
        for (_, b) in namedBuffers() { b.value = try GradMode.withoutGrad { try b.value.to(dtype) }.detach() }
    }
}

/// Lets `Module` see through `Module?` properties.
private protocol OptionalProtocol { var wrapped: Any? { get } }
extension Optional: OptionalProtocol {
    fileprivate var wrapped: Any? { self.map { $0 as Any } }
}
