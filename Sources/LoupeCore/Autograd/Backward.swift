extension Tensor {
    /// Computes gradients of this tensor with respect to every leaf that requires them, adding
    /// them to each leaf's `grad` (gradients accumulate across calls until zeroed).
    ///
    /// - Parameters:
    ///   - gradient: d(objective)/d(self); may be omitted only for one-element tensors (then 1).
    ///   - retainGraph: keep the graph so `backward` can run through it again; by default the graph's
    ///     saved tensors are freed as soon as they have been used.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        guard requiresGrad else {
            throw TensorError.autograd("backward() on a tensor that does not require grad: "
                + "set requiresGrad on the leaves you want gradients for")
        }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                throw TensorError.shapeMismatch(op: "backward", lhs: gradient.shape, rhs: shape,
                                                expected: "the seed gradient must have the tensor's shape")
            }
            seed = gradient.dtype == dtype ? gradient : try gradient.to(dtype)
        } else {
            guard count == 1 else {
                throw TensorError.autograd("backward() without a gradient needs a one-element tensor, "
                    + "got shape \(shape); pass the gradient of the objective with respect to it")
            }
            seed = Tensor.full(shape, value: 1, dtype: dtype)
        }
        try GradMode.withoutGrad {
            guard let root = gradFn else {
                try accumulateGrad(seed)
                return
            }
            if retainsGrad { try accumulateGrad(seed) }
            var grads = GradientAccumulator()
            try grads.add(seed, for: ObjectIdentifier(root))
            // A profiler sees the pass as one span per run of consecutive nodes of one module.
            let recorder = ThreadState.current.spanRecorder
            let passStart = recorder == nil ? 0 : SpanRecorder.now()
            var moduleSpan: Span?
            defer {
                if let recorder {
                    if let moduleSpan { recorder.append(moduleSpan) }
                    recorder.append(Span(name: "backward", category: "step", start: passStart, end: SpanRecorder.now()))
                }
            }
            let order = Tensor.topologicalOrder(from: root)
            // With gradient-ready hooks, each leaf counts the edges still to deliver to it; the
            // hook hears of it when the last one has (whether or not a gradient came along it).
            var pendingEdges = Hooks.hasGradientReadyHooks ? Tensor.leafEdgeCounts(order) : [:]
            func delivered(_ input: Tensor) throws {
                guard !pendingEdges.isEmpty, input.gradFn == nil, input.requiresGrad else { return }
                let key = ObjectIdentifier(input)
                guard let left = pendingEdges[key] else { return }
                if left == 1 {
                    pendingEdges[key] = nil
                    try Hooks.fireGradientReady(input)
                } else {
                    pendingEdges[key] = left - 1
                }
            }
            for node in order.reversed() {
                let nodeStart = recorder == nil ? 0 : SpanRecorder.now()
                defer {
                    if let recorder {
                        let name = node.modulePath ?? node.op, end = SpanRecorder.now()
                        if moduleSpan?.name == name { moduleSpan!.end = end } else {
                            if let moduleSpan { recorder.append(moduleSpan) }
                            moduleSpan = Span(name: name, category: "backward", start: nodeStart, end: end)
                        }
                    }
                }
                guard let gradOut = try grads.remove(ObjectIdentifier(node)) else {
                    for input in node.inputs { try delivered(input) }
                    continue
                }
                guard let fn = node.backwardFn else {
                    throw TensorError.autograd("the graph through '\(node.op)' was already freed by an "
                        + "earlier backward(); pass retainGraph: true to the first call to go through it twice")
                }
                // The ops a backward function runs are not forward ops of the model: forward hooks
                // do not hear them (backward hooks report the node as a whole).
                let gradIns = try Hooks.withForwardHooksPaused { try fn(gradOut) }
                if Hooks.isActive {
                    try Hooks.fireBackward(BackwardEvent(op: node.op, modulePath: node.modulePath,
                                                         inputs: node.inputs, gradOutput: gradOut,
                                                         gradInputs: gradIns.map { $0?.materializedGradient() }))
                }
                for (index, input) in node.inputs.enumerated() {
                    let g = index < gradIns.count ? gradIns[index] : nil
                    if let g, input.requiresGrad {
                        if let producer = input.gradFn {
                            try grads.add(g, for: ObjectIdentifier(producer))
                            if input.retainsGrad { try input.accumulateGrad(g) }
                        } else {
                            try input.accumulateGrad(g)
                        }
                    }
                    try delivered(input)
                }
                if !retainGraph {
                    node.backwardFn = nil
                    node.inputs = []
                }
            }
        }
    }

    /// Adds `g` to `.grad`. The first gradient is stored as is (it may be shared with other
    /// tensors); from the second on, the sum lives in a buffer this tensor owns and is updated in
    /// place — a weight used at every step of an unrolled RNN costs no allocation per step.
    private func accumulateGrad(_ g: Tensor) throws {
        let g = g.materializedGradient()
        guard let existing = grad else {
            grad = g.isContiguous && g.storage !== storage ? g : StridedCopy.copy(g)
            ownsGrad = grad !== g
            return
        }
        if !ownsGrad {
            grad = StridedCopy.copy(existing)
            ownsGrad = true
        }
        try grad!.addInPlace(g)
    }

    /// Nodes reachable from `root`, each after all nodes it depends on (iterative DFS post-order,
    /// so deep graphs such as long RNN unrolls cannot overflow the stack).
    static func topologicalOrder(from root: Node) -> [Node] {
        var order: [Node] = []
        var visited: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var stack: [(node: Node, next: Int)] = [(root, 0)]
        while !stack.isEmpty {
            let (node, next) = stack[stack.count - 1]
            if next < node.inputs.count {
                stack[stack.count - 1].next += 1
                if let child = node.inputs[next].gradFn, visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
                stack.removeLast()
            }
        }
        return order
    }

    /// How many graph edges lead to each leaf that requires a gradient (by identity).
    static func leafEdgeCounts(_ order: [Node]) -> [ObjectIdentifier: Int] {
        var counts: [ObjectIdentifier: Int] = [:]
        for node in order {
            for input in node.inputs where input.gradFn == nil && input.requiresGrad {
                counts[ObjectIdentifier(input), default: 0] += 1
            }
        }
        return counts
    }

    /// Sets `grad` to nil (use between optimizer steps).
    public func zeroGrad() {
        grad = nil
        ownsGrad = false
    }
}
