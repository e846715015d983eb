import Foundation
import LoupeReport
import LoupeTrain

/// The checks that make ranks that would train different things stop before step 1 with the
/// first difference named, instead of reducing mismatched gradients or waiting forever for a
/// reduction another rank never starts (horovod#100, #534, #1442).
public enum RankAgreement {
    /// The first way in which another rank's run configuration differs from rank 0's, or nil.
    /// - Parameter configurations: every rank's resolved run configuration (config.json's JSON).
    public static func runFileMismatch(_ configurations: [Data]) -> String? {
        guard let reference = configurations.first else { return nil }
        for (rank, other) in configurations.enumerated().dropFirst() where other != reference {
            guard let rank0 = try? LoupeJSON.decoder().decode(RunConfig.self, from: reference),
                  let mine = try? LoupeJSON.decoder().decode(RunConfig.self, from: other),
                  let change = mine.changes(from: rank0).first else {
                return "rank \(rank)'s run file differs from rank 0's (its settings could not be compared key by key): "
                    + "every rank must train the same run file"
            }
            return "rank \(rank)'s run file differs from rank 0's: \(change.key) is \(change.new ?? "(not set)") on rank \(rank), "
                + "\(change.old ?? "(not set)") on rank 0. Every rank must train the same run file (and the same "
                + "command-line options): make them equal and start the job again"
        }
        return nil
    }

    /// One rank's parameters, one `name [shape]` per line in registration order.
    public static func signature(_ parameters: [(name: String, shape: [Int])]) -> String {
        parameters.map { "\($0.name) \($0.shape)" }.joined(separator: "\n")
    }

    /// The first parameter in which another rank differs from rank 0 (name, shape or position),
    /// or nil when every rank has the same list.
    public static func parameterMismatch(_ signatures: [String]) -> String? {
        guard let reference = signatures.first else { return nil }
        let expected = reference.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (rank, signature) in signatures.enumerated().dropFirst() where signature != reference {
            let found = signature.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for i in 0..<max(expected.count, found.count) {
                let a = i < expected.count ? expected[i] : nil, b = i < found.count ? found[i] : nil
                guard a != b else { continue }
                let here = "parameter \(i) (in registration order)"
                switch (a, b) {
                case let (a?, b?):
                    return "rank \(rank) and rank 0 disagree on \(here): rank 0 has \(a), rank \(rank) has \(b). "
                        + "Gradients are reduced parameter by parameter, so every rank must build the same model"
                case let (a?, nil):
                    return "rank \(rank) has \(found.count) parameters, rank 0 \(expected.count): rank \(rank) lacks \(here), \(a)"
                case let (nil, b?):
                    return "rank \(rank) has \(found.count) parameters, rank 0 \(expected.count): rank \(rank) has an extra \(here), \(b)"
                default: break
                }
            }
        }
        return nil
    }
}
