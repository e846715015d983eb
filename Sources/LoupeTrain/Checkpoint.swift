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
        for (path, m) in trainer.model.namedModules() {
            if let d = m as? Dropout {
                let s = d.generator.state
                metadata["rng.\(path)"] = [s.0, s.1, s.2, s.3].map(String.init).joined(separator: ",")
            }
        }
        if let scheduler = trainer.scheduler {
            metadata["scheduler"] = scheduler.plateauState.map { String($0) }.joined(separator: ",")
        }
        for case let callback as StatefulCallback in trainer.callbacks {
            metadata["callback.\(callback.stateKey)"] = callback.state
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let int8 = Set(trainer.model.namedBuffers().filter(\.buffer.isInt8).map { "model.\($0.name)" })
        try SafeTensors.write(tensors, metadata: metadata, int8: int8, to: url)
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
        let file = try SafeTensors.read(contentsOf: url)
        func fail(_ reason: String) -> Error {
            TensorError.invalidArgument(op: "checkpoint \(url.path)", reason: reason)
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
            let words = (file.metadata["rng.\(path)"] ?? "").split(separator: ",").compactMap { UInt64($0) }
            guard words.count == 4 else { throw fail("metadata 'rng.\(path)' must hold 4 integers") }
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
        if let loss = logs.validation?["loss"], loss < best {
            best = loss
            try Checkpoint.save(trainer, to: directory.appendingPathComponent("best.safetensors"), extra: metadata)
        }
        try Checkpoint.save(trainer, to: directory.appendingPathComponent("last.safetensors"), extra: metadata)
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
