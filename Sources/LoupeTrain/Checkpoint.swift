import Foundation
import LoupeCore
import LoupeData
import LoupeSafeTensors
import LoupeNN
import LoupeReport

/// Everything needed to continue a run bit-identically, in one safetensors file: the model's
/// parameters and buffers (`model.<name>`), the optimizer's state (`optimizer.<slot>`), and in the
/// metadata the step, epoch, data-loader order, dropout generators and schedule state. Python's
/// `safetensors` reads it like any other file.
public enum Checkpoint {
    static let format = "loupe-checkpoint-1"

    /// Writes a checkpoint atomically (temp file + rename).
    public static func save(_ trainer: Trainer, to url: URL, extra: [String: String] = [:]) throws {
        let (tensors, metadata, int8) = try contents(trainer, extra: extra)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensors.write(tensors, metadata: metadata, int8: int8, to: url)
    }

    /// A checkpoint's bytes, as ``save(_:to:extra:)`` would write them: what rank 0 of a
    /// data-parallel job sends the others so that every rank starts from its state.
    public static func serialize(_ trainer: Trainer, extra: [String: String] = [:]) throws -> Data {
        let (tensors, metadata, int8) = try contents(trainer, extra: extra)
        return try SafeTensors.serialize(tensors, metadata: metadata, int8: int8)
    }

    /// The metadata key of the dropout generator at `path` for `rank` (rank 0's keeps the
    /// one-process name, so a one-process checkpoint is a rank-0 checkpoint).
    public static func randomStateKey(_ path: String, rank: Int = 0) -> String {
        rank == 0 ? "rng.\(path)" : "rng.rank\(rank).\(path)"
    }

    /// The metadata key of how many ranks wrote a checkpoint (absent: one process).
    public static let ranksKey = "data_parallel_ranks"

    /// This process's dropout generators, as checkpoint metadata under `rank`'s keys.
    public static func randomStates(_ model: Module, rank: Int = 0) -> [String: String] {
        var states: [String: String] = [:]
        for (path, m) in model.namedModules() {
            if let d = m as? Dropout {
                let s = d.generator.state
                states[randomStateKey(path, rank: rank)] = [s.0, s.1, s.2, s.3].map(String.init).joined(separator: ",")
            }
        }
        return states
    }

    static func contents(_ trainer: Trainer, extra: [String: String]) throws -> ([String: Tensor], [String: String], Set<String>) {
        var tensors: [String: Tensor] = [:]
        for (name, t) in trainer.model.stateDict() { tensors["model.\(name)"] = t }
        for (name, t) in trainer.optimizer.stateDict() { tensors["optimizer.\(name)"] = t }
        var metadata = extra
        metadata["format"] = format
        metadata["step"] = String(trainer.step)
        metadata["epoch"] = String(trainer.epoch)
        metadata["lr"] = String(trainer.optimizer.lr)
        if let state = trainer.loaderState {
            metadata["loader"] = String(decoding: try LoupeJSON.encoder().encode(state), as: UTF8.self)
        }
        metadata.merge(randomStates(trainer.model)) { _, own in own }
        if let scheduler = trainer.scheduler {
            metadata["scheduler"] = scheduler.plateauState.map { String($0) }.joined(separator: ",")
        }
        for case let callback as StatefulCallback in trainer.callbacks {
            metadata["callback.\(callback.stateKey)"] = callback.state
        }
        let int8 = Set(trainer.model.namedBuffers().filter(\.buffer.isInt8).map { "model.\($0.name)" })
        return (tensors, metadata, int8)
    }

    /// Restores a trainer (model, optimizer, counters, dropout generators, schedule, and the state
    /// of its ``StatefulCallback``s) from `url`; returns the saved data-loader state, if any, to
    /// rebuild the loader with.
    ///
    /// - Parameter check: called with the checkpoint's metadata before anything is restored; what
    ///   it throws ends the restore with the trainer untouched.
    @discardableResult
    public static func restore(_ trainer: Trainer, from url: URL,
                               check: ([String: String]) throws -> Void = { _ in }) throws -> DataLoader.State? {
        try restore(trainer, from: try SafeTensors.read(contentsOf: url), source: url.path, check: check)
    }

    /// Restores a trainer from a checkpoint's bytes (``serialize(_:extra:)``) as rank `rank` of a
    /// data-parallel job: its own dropout generators where the checkpoint has them (rank 0's
    /// otherwise, for the caller to reseed).
    @discardableResult
    public static func restore(_ trainer: Trainer, data: Data, source: String, rank: Int) throws -> DataLoader.State? {
        try restore(trainer, from: try SafeTensors.read(data: data, source: source), source: source, rank: rank)
    }

    static func restore(_ trainer: Trainer, from file: SafeTensorsFile, source: String, rank: Int = 0,
                        check: ([String: String]) throws -> Void = { _ in }) throws -> DataLoader.State? {
        func fail(_ reason: String) -> Error {
            TensorError.invalidArgument(op: "checkpoint \(source)", reason: reason)
        }
        guard file.metadata["format"] == format else {
            throw fail("not a Loupe checkpoint (metadata 'format' is \(file.metadata["format"] ?? "missing"), expected \(format))")
        }
        try check(file.metadata)
        var model: [String: Tensor] = [:], optimizer: [String: Tensor] = [:]
        for (name, t) in file.tensors {
            if name.hasPrefix("model.") { model[String(name.dropFirst(6))] = t }
            else if name.hasPrefix("optimizer.") { optimizer[String(name.dropFirst(10))] = t }
        }
        // Said of the checkpoint: a model or optimizer that does not fit is a run file changed
        // since it (accepted with --override) or another run's checkpoint.
        do { try trainer.model.load(stateDict: model) } catch {
            throw fail("its model does not fit the run file's: \(error)")
        }
        do { try trainer.optimizer.load(stateDict: optimizer) } catch {
            throw fail("its optimizer state does not fit the run file's optimizer: \(error)")
        }
        // Bounded as a run file's train.steps and train.epochs are, so counting on cannot overflow.
        guard let step = file.metadata["step"].flatMap(Int.init), (0...1_000_000_000_000).contains(step),
              let epoch = file.metadata["epoch"].flatMap(Int.init), (0...1_000_000).contains(epoch) else {
            throw fail("metadata 'step' (\(file.metadata["step"] ?? "missing")) or 'epoch' (\(file.metadata["epoch"] ?? "missing")) "
                       + "is not an integer in 0...1000000000000 / 0...1000000")
        }
        trainer.step = step
        trainer.epoch = epoch
        if let text = file.metadata["lr"] {
            guard let lr = Double(text), lr.isFinite, lr >= 0 else { throw fail("metadata 'lr' is \(text), not a finite number ≥ 0") }
            trainer.optimizer.lr = lr
        }
        for (path, m) in trainer.model.namedModules() {
            guard let d = m as? Dropout else { continue }
            let key = file.metadata[randomStateKey(path, rank: rank)] != nil ? randomStateKey(path, rank: rank) : randomStateKey(path)
            let words = (file.metadata[key] ?? "").split(separator: ",").compactMap { UInt64($0) }
            guard words.count == 4 else { throw fail("metadata '\(key)' must hold 4 integers") }
            d.generator = RandomGenerator(state: (words[0], words[1], words[2], words[3]))
        }
        if let s = file.metadata["scheduler"] {
            trainer.scheduler?.plateauState = s.split(separator: ",").compactMap { Double($0) }
        }
        for case let callback as StatefulCallback in trainer.callbacks {
            guard let state = file.metadata["callback.\(callback.stateKey)"] else { continue }   // saved before it existed
            do { try callback.restore(state: state) } catch { throw fail("metadata 'callback.\(callback.stateKey)': \(error)") }
        }
        return try file.metadata["loader"].map { text in
            do { return try LoupeJSON.decoder().decode(DataLoader.State.self, from: Data(text.utf8)) } catch {
                throw fail("metadata 'loader' is not a data loader's position (\(ErrorMessage.plain(error, json: Data(text.utf8))))")
            }
        }
    }
}

/// Saves a checkpoint after every epoch (`last.safetensors`) and keeps the best by validation loss
/// (`best.safetensors`). The best loss so far is saved in every checkpoint, so a resumed run
/// replaces `best` only with a better one. Put it after the other stateful callbacks, so that a
/// checkpoint holds their state after the epoch it ends.
public final class ModelCheckpoint: StatefulCallback {
    public let directory: URL
    /// Added to every checkpoint's metadata (the run's configuration, say).
    public var metadata: [String: String] = [:]
    public private(set) var best = Double.infinity

    public init(directory: URL, metadata: [String: String] = [:]) { (self.directory, self.metadata) = (directory, metadata) }

    public func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws {
        // `best` before `last`: interrupted between the two, the run resumes from the epoch before
        // and comes to the same best again; the other way round, the new best would be lost.
        var extra = metadata
        if let parallel = trainer.dataParallel {
            // Rank 0 writes, with every rank's dropout generators, so that --resume on as many
            // ranks continues each where it was.
            let states = try parallel.allGather(LoupeJSON.data(Checkpoint.randomStates(trainer.model, rank: parallel.rank)))
            for (rank, bytes) in states.enumerated() where rank > 0 {
                extra.merge(try LoupeJSON.decoder().decode([String: String].self, from: bytes)) { _, new in new }
            }
            extra[Checkpoint.ranksKey] = String(parallel.worldSize)
            guard parallel.rank == 0 else {
                if let loss = logs.validation?["loss"], loss < best { best = loss }
                return
            }
        }
        if let loss = logs.validation?["loss"], loss < best {
            best = loss
            try Checkpoint.save(trainer, to: directory.appendingPathComponent("best.safetensors"), extra: extra)
        }
        try Checkpoint.save(trainer, to: directory.appendingPathComponent("last.safetensors"), extra: extra)
    }

    public var stateKey: String { "checkpoint_best_loss" }
    public var state: String { "\(best)" }
    public func restore(state: String) throws {
        guard let best = Double(state), !best.isNaN else {
            throw TensorError.invalidArgument(op: "ModelCheckpoint", reason: "saved best loss \"\(state)\" is not a number")
        }
        self.best = best
    }
}
