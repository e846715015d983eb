/// What a forward hook sees: one op that just ran.
public struct ForwardEvent {
    public let op: String
    public let modulePath: String?
    /// The block (layer) index the op belongs to, when the code that emitted the event numbers its
    /// blocks (the LLM runtime's hook points): listeners read it here instead of parsing the path.
    public let layer: Int?
    public let inputs: [Tensor]
    public let output: Tensor

    public init(op: String, modulePath: String?, layer: Int? = nil, inputs: [Tensor], output: Tensor) {
        (self.op, self.modulePath, self.layer, self.inputs, self.output) = (op, modulePath, layer, inputs, output)
    }
}

/// What a backward hook sees: one op whose input gradients were just computed.
public struct BackwardEvent {
    public let op: String
    public let modulePath: String?
    public let inputs: [Tensor]
    /// Gradient of the objective with respect to the op's output.
    public let gradOutput: Tensor
    /// Gradients with respect to each input (`nil` where none flows, e.g. integer indices).
    public let gradInputs: [Tensor?]
}

/// Which ops a hook hears about.
public enum HookScope: Sendable, Equatable {
    /// Every op.
    case global
    /// Ops run inside the module at this path or any module nested in it (`"blocks.2"` matches
    /// `"blocks.2"` and `"blocks.2.mlp.fc1"`, not `"blocks.20"`).
    case module(String)

    func matches(_ path: String?) -> Bool {
        switch self {
        case .global: return true
        case let .module(prefix):
            guard let path, path.hasPrefix(prefix) else { return false }
            return path.count == prefix.count || path.dropFirst(prefix.count).first == "."
        }
    }
}

/// Removes its hook when `remove()` is called (on the thread that registered it).
public final class HookHandle: @unchecked Sendable {
    let id: Int
    init(id: Int) { self.id = id }
    /// Unregisters the hook.
    public func remove() { Hooks.remove(id) }
}

/// Registry of forward and backward hooks: the training debugger and the inference tracer are
/// built on these. Hooks belong to the thread that registers them (the thread that runs the model),
/// so concurrent models never hear each other. With none registered, ops check one Bool.
public enum Hooks {
    public typealias ForwardHook = (ForwardEvent) throws -> Void
    public typealias BackwardHook = (BackwardEvent) throws -> Void
    /// Told a leaf (a parameter's tensor) whose gradient this backward pass has finished: every op
    /// that reads it has sent its part back, so `leaf.grad` is final until the next pass.
    public typealias GradientReadyHook = (_ leaf: Tensor) throws -> Void

    static var isActive: Bool { ThreadState.current.hooksActive }

    /// Whether a forward hook on this thread would hear an event now. Code that computes outside
    /// the engine's ops (an LLM runtime's fused kernels) checks this one Bool before building the
    /// tensors of an ``emitForward(op:modulePath:layer:inputs:output:)`` event, so unused hook points cost nothing.
    public static var areListening: Bool {
        let state = ThreadState.current
        return state.hooksActive && state.forwardHooksPaused == 0
    }

    /// Tells this thread's forward hooks that `op` produced `output` inside `modulePath`: the way
    /// code that does not run through ``Tensor`` ops exposes its intermediate values (hook points).
    /// A hook may edit `output` in place; the caller decides whether it reads the edit back.
    public static func emitForward(op: String, modulePath: String?, layer: Int? = nil, inputs: [Tensor] = [], output: Tensor) throws {
        guard areListening else { return }
        try fireForward(ForwardEvent(op: op, modulePath: modulePath, layer: layer, inputs: inputs, output: output))
    }

    /// Calls `hook` after every op (in `scope`) runs forward on this thread, with grad on or off.
    @discardableResult
    public static func addForwardHook(scope: HookScope = .global, _ hook: @escaping ForwardHook) -> HookHandle {
        register { $0.forwardHooks.append(($1, scope, hook)) }
    }

    /// Calls `hook` after the backward pass computes the input gradients of an op (in `scope`).
    @discardableResult
    public static func addBackwardHook(scope: HookScope = .global, _ hook: @escaping BackwardHook) -> HookHandle {
        register { $0.backwardHooks.append(($1, scope, hook)) }
    }

    /// Calls `hook` during backward as soon as a leaf's gradient is complete, before the pass
    /// ends: what lets data-parallel training start reducing the last layers' gradients while the
    /// first layers' are still being computed.
    @discardableResult
    public static func addGradientReadyHook(_ hook: @escaping GradientReadyHook) -> HookHandle {
        let state = ThreadState.current
        state.nextHookID += 1
        state.gradientReadyHooks.append((state.nextHookID, hook))
        return HookHandle(id: state.nextHookID)
    }

    static var hasGradientReadyHooks: Bool { !ThreadState.current.gradientReadyHooks.isEmpty }

    static func fireGradientReady(_ leaf: Tensor) throws {
        for hook in ThreadState.current.gradientReadyHooks { try hook.fn(leaf) }
    }

    private static func register(_ add: (ThreadState, Int) -> Void) -> HookHandle {
        let state = ThreadState.current
        state.nextHookID += 1
        add(state, state.nextHookID)
        state.hooksActive = true
        return HookHandle(id: state.nextHookID)
    }

    /// Runs `body` without telling this thread's forward hooks about the ops it runs: for a tool's
    /// own computations (an evaluation pass, statistics) and for the ops inside backward functions.
    @discardableResult
    public static func withForwardHooksPaused<R>(_ body: () throws -> R) rethrows -> R {
        let state = ThreadState.current
        state.forwardHooksPaused += 1
        defer { state.forwardHooksPaused -= 1 }
        return try body()
    }

    /// Removes every hook registered on this thread.
    public static func removeAll() {
        let state = ThreadState.current
        state.forwardHooks.removeAll()
        state.backwardHooks.removeAll()
        state.gradientReadyHooks.removeAll()
        state.hooksActive = false
    }

    static func remove(_ id: Int) {
        let state = ThreadState.current
        state.forwardHooks.removeAll { $0.id == id }
        state.backwardHooks.removeAll { $0.id == id }
        state.gradientReadyHooks.removeAll { $0.id == id }
        state.hooksActive = !state.forwardHooks.isEmpty || !state.backwardHooks.isEmpty
    }

    static func fireForward(_ event: ForwardEvent) throws {
        // Hooks run with grad off: whatever they compute from the tensors stays out of the graph.
        try GradMode.withoutGrad {
            for hook in ThreadState.current.forwardHooks where hook.scope.matches(event.modulePath) { try hook.fn(event) }
        }
    }

    static func fireBackward(_ event: BackwardEvent) throws {
        for hook in ThreadState.current.backwardHooks where hook.scope.matches(event.modulePath) { try hook.fn(event) }
    }
}

/// The stack of module names the current code runs inside; ops record its joined path.
///
/// Layers push their name for the duration of their forward pass:
/// ```swift
/// let y = try ModuleScope.with("fc1") { try x.matmul(w) }  // y and its node carry the path "…fc1"
/// ```
public enum ModuleScope {
    /// The dotted path of the innermost module on this thread, or `nil` outside every module.
    public static var currentPath: String? { ThreadState.current.modulePaths.last }

    /// Runs `body` inside a module called `name`, nested in the current one.
    @discardableResult
    public static func with<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        let state = ThreadState.current
        let path = state.modulePaths.last.map { $0 + "." + name } ?? name
        state.modulePaths.append(path)
        defer { state.modulePaths.removeLast() }
        // A profiler sees every module's forward pass as a span named by its path.
        if let recorder = state.spanRecorder { return try recorder.measure(path, category: "forward", body) }
        return try body()
    }
}
