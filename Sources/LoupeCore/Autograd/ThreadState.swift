#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-thread engine state: grad mode, the module path stack and the registered hooks.
///
/// Thread-local so that independent models (or tests) on different threads never see each other's
/// `withoutGrad` scopes, module paths or hooks. One pthread key lookup per op is all it costs.
final class ThreadState {
    var gradEnabled = true
    var modulePaths: [String] = []
    var forwardHooks: [(id: Int, scope: HookScope, fn: Hooks.ForwardHook)] = []
    var backwardHooks: [(id: Int, scope: HookScope, fn: Hooks.BackwardHook)] = []
    var gradientReadyHooks: [(id: Int, fn: Hooks.GradientReadyHook)] = []
    var hooksActive = false
    /// Depth of `Hooks.withForwardHooksPaused` scopes.
    var forwardHooksPaused = 0
    var nextHookID = 0
    /// A per-thread cap on the engine's kernel threads (see `Engine.withKernelThreads`).
    var kernelThreads: Int?
    /// Where spans go while a profiler records (see `Profiler.record`).
    var spanRecorder: SpanRecorder?
    /// What ops sum across the replicas of a data-parallel step with (see `CrossReplica`).
    var replicaReducer: ReplicaReducer?

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<ThreadState>.fromOpaque(pointer).release() }
        }
        precondition(status == 0, "pthread_key_create failed (\(status))")
        return key
    }()

    /// This thread's state, created on first use.
    static var current: ThreadState {
        if let p = pthread_getspecific(key) { return Unmanaged<ThreadState>.fromOpaque(p).takeUnretainedValue() }
        let state = ThreadState()
        pthread_setspecific(key, Unmanaged.passRetained(state).toOpaque())
        return state
    }
}
