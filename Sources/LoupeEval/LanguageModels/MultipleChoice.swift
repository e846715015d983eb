import Foundation
import LoupeCore

/// One multiple-choice question: a context, the possible continuations, and the right one.
public struct MultipleChoiceItem: Codable, Sendable, Equatable {
    public var context: String
    public var choices: [String]
    /// The index of the right choice.
    public var gold: Int

    public init(context: String, choices: [String], gold: Int) { (self.context, self.choices, self.gold) = (context, choices, gold) }
}

/// A multiple-choice task scored by log-likelihood, as lm-evaluation-harness scores
/// `output_type: multiple_choice` tasks (docs/EVALUATION.md, "Multiple choice").
public struct MultipleChoiceReport: Codable, Sendable, Equatable {
    /// One question's log-likelihoods and answers.
    public struct Item: Codable, Sendable, Equatable {
        /// log p(" " + choice | context) of each choice, nats.
        public var logLikelihoods: [Double]
        public var predicted: Int
        /// The choice with the highest log-likelihood per character.
        public var predictedNormalized: Int
        public var gold: Int
    }

    public var items: [Item]
    /// The share answered right by the highest log-likelihood.
    public var accuracy: Double
    /// The share answered right by the highest log-likelihood ÷ the choice's length in characters.
    public var normalizedAccuracy: Double
    /// Their standard errors (sample standard deviation ÷ √n, as the harness reports).
    public var accuracyStandardError: Double
    public var normalizedAccuracyStandardError: Double
}

/// Scores multiple-choice tasks (see ``MultipleChoiceReport``).
public enum MultipleChoice {
    /// What separates a context from a choice (the harness's default `target_delimiter`).
    public static let delimiter = " "
    /// The largest task file read.
    public static let maxTaskBytes = 64 << 20

    /// Reads a task file: one JSON object per line, `{"context": "...", "choices": ["...", ...], "gold": 0}`;
    /// blank lines are skipped.
    ///
    /// - Throws: ``EvalError/invalidTask(file:line:reason:)`` naming the line and what is wrong,
    ///   ``EvalError/empty(what:)`` for a file with no items; the file's read errors.
    public static func readTask(_ url: URL) throws -> [MultipleChoiceItem] {
        try parseTask(InputFile.read(url.path), file: url.path)
    }

    /// The items of a task file's bytes (see ``readTask(_:)``); `file` names it in errors.
    public static func parseTask(_ data: Data, file: String) throws(EvalError) -> [MultipleChoiceItem] {
        // Every question is scored by the model: a task past this is a wrong file, not a task.
        guard data.count <= maxTaskBytes else {
            throw EvalError.invalidTask(file: file, line: 1, reason: "is \(data.count) bytes; a task file holds at most \(maxTaskBytes) (64 MiB)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EvalError.invalidTask(file: file, line: 1, reason: "is not UTF-8 text")
        }
        var items: [MultipleChoiceItem] = []
        let decoder = JSONDecoder()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            let item: MultipleChoiceItem
            do { item = try decoder.decode(MultipleChoiceItem.self, from: Data(trimmed.utf8)) } catch {
                throw EvalError.invalidTask(file: file, line: n + 1,
                                            reason: "expected {\"context\": string, \"choices\": [string, ...], \"gold\": index}: \(ErrorMessage.plain(error))")
            }
            guard item.choices.count >= 2 else {
                throw EvalError.invalidTask(file: file, line: n + 1, reason: "has \(item.choices.count) choice(s); a question needs at least 2")
            }
            guard item.choices.indices.contains(item.gold) else {
                throw EvalError.invalidTask(file: file, line: n + 1, reason: "gold is \(item.gold); expected 0...\(item.choices.count - 1)")
            }
            if let empty = item.choices.firstIndex(where: \.isEmpty) {
                throw EvalError.invalidTask(file: file, line: n + 1, reason: "choice \(empty) is empty")
            }
            items.append(item)
        }
        guard !items.isEmpty else { throw EvalError.empty(what: "questions in \(file)") }
        return items
    }

    /// Scores every item: for each choice, log p(delimiter + choice | context) summed over the
    /// continuation's tokens, tokenized as the harness does (trailing spaces of the context move to
    /// the continuation; the continuation's tokens are those of context + continuation after the
    /// context's own); the sequence starts with BOS when the model adds one, and is cut from the
    /// left to the model's context.
    public static func evaluate(_ items: [MultipleChoiceItem], scorer: LanguageModelScorer,
                                progress: (Int, Int) -> Void = { _, _ in }) throws -> MultipleChoiceReport {
        guard !items.isEmpty else { throw EvalError.empty(what: "questions") }
        var scored: [MultipleChoiceReport.Item] = []
        for (n, item) in items.enumerated() {
            let lls = try item.choices.map { try logLikelihood(context: item.context, continuation: delimiter + $0, scorer: scorer) }
            let normalized = zip(lls, item.choices).map { $0 / Double($1.unicodeScalars.count) }
            scored.append(.init(logLikelihoods: lls, predicted: firstMaximum(lls), predictedNormalized: firstMaximum(normalized), gold: item.gold))
            progress(n + 1, items.count)
        }
        let right = scored.map { $0.predicted == $0.gold ? 1.0 : 0 }, rightNormalized = scored.map { $0.predictedNormalized == $0.gold ? 1.0 : 0 }
        return MultipleChoiceReport(items: scored, accuracy: mean(right), normalizedAccuracy: mean(rightNormalized),
                                    accuracyStandardError: standardError(right), normalizedAccuracyStandardError: standardError(rightNormalized))
    }

    /// log p(continuation | context), nats.
    ///
    /// - Throws: ``EvalError/empty(what:)`` when the context is empty and the model adds no BOS
    ///   (the first token would have nothing to be predicted from); the scorer's errors.
    public static func logLikelihood(context: String, continuation: String, scorer: LanguageModelScorer) throws -> Double {
        var context = context, continuation = continuation
        let spaces = context.count - String(context.reversed().drop { $0 == " " }).count
        if spaces > 0 {
            continuation = String(context.suffix(spaces)) + continuation
            context = String(context.dropLast(spaces))
        }
        let prefix = scorer.beginningOfSequence.map { [$0] } ?? []
        let whole = scorer.tokenize(context + continuation), contextTokens = scorer.tokenize(context)
        let continuationTokens = Array(whole.dropFirst(min(contextTokens.count, whole.count)))
        guard !continuationTokens.isEmpty else { throw EvalError.empty(what: "continuation tokens for \"\(continuation)\"") }
        var sequence = prefix + whole
        guard sequence.count > continuationTokens.count else {
            throw EvalError.empty(what: "context before \"\(continuation)\" (the model adds no beginning-of-sequence token)")
        }
        // The harness keeps the last max_length + 1 tokens and feeds all but the last.
        if sequence.count > scorer.contextLength + 1 { sequence = Array(sequence.suffix(scorer.contextLength + 1)) }
        let input = Array(sequence.dropLast())
        let logits = try scorer.logits(input)
        let vocabulary = scorer.vocabularySize
        return logits.withUnsafeBufferPointer { all in
            var total = 0.0
            for j in (sequence.count - continuationTokens.count)..<sequence.count {
                let row = UnsafeBufferPointer(rebasing: all[((j - 1) * vocabulary)..<(j * vocabulary)])
                total -= TokenScore(row, target: sequence[j]).negativeLogLikelihood
            }
            return total
        }
    }

    private static func firstMaximum(_ values: [Double]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    private static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

    private static func standardError(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot() / Double(x.count).squareRoot()
    }
}
