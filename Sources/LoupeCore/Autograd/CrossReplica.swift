/// Sums across the processes of a data-parallel job: each process (a replica) runs the same model
/// on its share of the batch, and a few ops need the whole batch's statistics (BatchNorm's mean
/// and variance). The distributed trainer installs one for the forward and backward pass of a
/// step; without one, those ops see their own batch, as in one process.
public protocol ReplicaReducer: AnyObject {
    /// Replaces `values` with their sum over every replica. Every replica calls it with the same
    /// count, in the same order, or the job waits forever: the ops that call it run the same code
    /// on every replica.
    func sumAcrossReplicas(_ values: UnsafeMutableBufferPointer<Double>) throws
}

/// The reducer the current thread's ops sum across replicas with (see ``ReplicaReducer``).
public enum CrossReplica {
    /// This thread's reducer, or nil outside a data-parallel step.
    public static var current: ReplicaReducer? { ThreadState.current.replicaReducer }

    /// Runs `body` with `reducer` as this thread's reducer, then restores the previous one.
    @discardableResult
    public static func with<R>(_ reducer: ReplicaReducer?, _ body: () throws -> R) rethrows -> R {
        let state = ThreadState.current
        let saved = state.replicaReducer
        state.replicaReducer = reducer
        defer { state.replicaReducer = saved }
        return try body()
    }

    /// The sum of `values` over every replica.
    public static func sum(_ values: [Double], using reducer: ReplicaReducer) throws -> [Double] {
        var values = values
        try values.withUnsafeMutableBufferPointer { try reducer.sumAcrossReplicas($0) }
        return values
    }
}

extension Tensor {
    /// The element-wise sum of this tensor over every replica, differentiable: the objective is the
    /// sum of the replicas' losses, so the gradient of each replica's input is the sum of every
    /// replica's gradient of the output — backward sums across replicas too.
    public func summedAcrossReplicas(_ reducer: ReplicaReducer) throws -> Tensor {
        let summed = Tensor(float64: try CrossReplica.sum(doubles(), using: reducer), shape: shape)
        let output = dtype == .float64 ? summed : try GradMode.withoutGrad { try summed.to(dtype) }
        return try Tensor.record("sum_across_replicas", inputs: [self], output: output) { g in
            let summedGradient = Tensor(float64: try CrossReplica.sum(g.doubles(), using: reducer), shape: g.shape)
            return [g.dtype == .float64 ? summedGradient : try summedGradient.to(g.dtype)]
        }
    }
}
