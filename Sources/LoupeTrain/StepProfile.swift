import Foundation
import LoupeCore
import LoupeData

/// One training step of a run file, timed: the step's phases (forward with the loss, backward,
/// optimizer) and, inside them, every module's forward pass and every module's share of the
/// backward pass. `loupe profile RUN.toml` prints it and writes it as a Chrome trace.
public struct StepProfile {
    /// Every span of the profiled step; nested by time (step ⊃ phases ⊃ modules).
    public var spans: [Span]
    public var batchSize: Int
    public var loss: Double
    /// Each module's type by path ("layers.3" → "Conv2d").
    public var moduleTypes: [String: String] = [:]

    /// One module's times in the step, milliseconds.
    public struct ModuleTime: Sendable {
        public var module: String
        /// The module's type ("Linear"); nil for ops run outside modules (the loss).
        public var type: String?
        /// Its forward pass, submodules included.
        public var forward = 0.0
        /// Its forward pass less its submodules' (the ops it runs itself).
        public var forwardSelf = 0.0
        /// The backward functions of the ops it ran itself.
        public var backward = 0.0
        var firstStart = UInt64.max
    }

    /// Every module (and op run outside modules, such as the loss, in the backward column) in the
    /// order the forward pass reached it. Self times never overlap, so they add up to at most the
    /// step's forward and backward time (the loss's forward ops have no span of their own).
    public var modules: [ModuleTime] {
        var times: [String: ModuleTime] = [:]
        func add(_ name: String, start: UInt64, _ change: (inout ModuleTime) -> Void) {
            var t = times[name] ?? ModuleTime(module: name, type: moduleTypes[name])
            t.firstStart = min(t.firstStart, start)
            change(&t)
            times[name] = t
        }
        // Forward spans nest by time: a span's parent is the innermost one still open.
        let forward = spans.filter { $0.category == "forward" }.sorted { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        var open: [(name: String, end: UInt64)] = []
        for span in forward {
            while let last = open.last, last.end <= span.start { open.removeLast() }
            let ms = Double(span.nanoseconds) / 1e6
            add(span.name, start: span.start) { $0.forward += ms; $0.forwardSelf += ms }
            if let parent = open.last { add(parent.name, start: .max) { $0.forwardSelf -= ms } }
            open.append((span.name, span.end))
        }
        for span in spans where span.category == "backward" {
            add(span.name, start: span.start) { $0.backward += Double(span.nanoseconds) / 1e6 }
        }
        return times.values.sorted { $0.firstStart != $1.firstStart ? $0.firstStart < $1.firstStart : $0.module < $1.module }
    }

    /// Milliseconds of a phase ("step", "forward", "backward", "optimizer").
    public func milliseconds(_ phase: String) -> Double {
        spans.filter { ($0.category == "step" || $0.category == "run") && $0.name == phase }.reduce(0) { $0 + Double($1.nanoseconds) / 1e6 }
    }
}

extension TrainingRun {
    /// Builds the run's data, model and optimizer as `loupe train` would, runs `warmup` unrecorded
    /// steps (first-touch allocations, caches), then profiles the next one. Writes nothing.
    ///
    /// With `dataParallel`, as one rank of a data-parallel job: `steps` steps are profiled (the
    /// timeline of computation and communication shows over several), each on this rank's share.
    public func profileStep(warmup: Int = 1, steps: Int = 1, dataParallel: DataParallel? = nil) throws -> StepProfile {
        let data = try prepareData()
        let (trainer, model) = try makeTrainer(data)
        var loader = try DataLoader(dataset: data.splits.train, batchSize: config.train.batchSize,
                                    shuffle: config.data.shuffle, seed: config.run.seed)
        if let dataParallel {
            trainer.dataParallel = dataParallel
            try dataParallel.prepare(trainer, config: config, smallestBatch: min(config.train.batchSize, data.splits.train.count))
        }
        var epoch = loader.makeEpoch()
        func batch() throws -> DataLoader.Batch {
            if let b = try epoch.next() { return b }
            epoch = loader.makeEpoch()
            guard let b = try epoch.next() else {
                throw RunConfigError.invalidValue(key: "data", value: "an empty training split", allowed: "at least one training sample")
            }
            return b
        }
        for _ in 0..<warmup {
            let b = try batch()
            try trainer.trainStep(b.inputs, b.targets)
        }
        let recorder = SpanRecorder()
        var b = try batch(), loss = 0.0
        for i in 0..<max(steps, 1) {
            if i > 0 { b = try batch() }
            loss = try Profiler.record(into: recorder) {
                try recorder.measure("step", category: "run") { try trainer.trainStep(b.inputs, b.targets) }
            }
        }
        let types = Dictionary(model.namedModules().map { ($0.path, String(describing: type(of: $0.module))) }, uniquingKeysWith: { a, _ in a })
        return StepProfile(spans: recorder.spans, batchSize: b.inputs.shape.first ?? 0, loss: loss, moduleTypes: types)
    }
}
