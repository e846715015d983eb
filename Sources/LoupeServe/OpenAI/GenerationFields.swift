import Foundation
import LoupeLLM

/// The fields `/v1/chat/completions` and `/v1/completions` share — how much to generate, how to
/// sample, when to stop, whether to stream, what to trace — read and checked once for both.
struct GenerationFields {
    var stream: Bool
    var maxTokens: Int?
    var temperature: Double?
    var topP: Double?
    var seed: UInt64?
    var stop: [String]
    var includeUsage: Bool
    var trace: ChatCompletionRequest.Trace?

    typealias Keys = ChatCompletionRequest.Keys

    /// - Parameter maxTokensDefault: what an absent `max_tokens` means (OpenAI: 16 for completions,
    ///   no limit but the server's for chat).
    init(_ c: KeyedDecodingContainer<Keys>, maxTokensDefault: Int?) throws {
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxCompletionTokens) ?? c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? maxTokensDefault
        if let maxTokens, maxTokens < 1 { throw APIError.invalid("max_tokens", "'max_tokens' is \(maxTokens); it must be at least 1") }
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        if let t = temperature, !(0...2).contains(t) { throw APIError.invalid("temperature", "'temperature' is \(t); it must be between 0 and 2") }
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        if let p = topP, !(p > 0 && p <= 1) { throw APIError.invalid("top_p", "'top_p' is \(p); it must be in (0, 1]") }
        if let s = try c.decodeIfPresent(Int64.self, forKey: .seed) { seed = UInt64(bitPattern: s) } else { seed = nil }
        if let one = try? c.decodeIfPresent(String.self, forKey: .stop) {
            stop = [one]
        } else {
            stop = try c.decodeIfPresent([String].self, forKey: .stop) ?? []
        }
        guard stop.count <= 4 else { throw APIError.invalid("stop", "'stop' has \(stop.count) sequences; at most 4 are allowed") }
        if stop.contains("") { throw APIError.invalid("stop", "'stop' holds an empty string") }
        if let n = try c.decodeIfPresent(Int.self, forKey: .n), n != 1 {
            throw APIError.invalid("n", "'n' is \(n); this server returns one choice per request (n = 1)")
        }
        for key in [Keys.presencePenalty, .frequencyPenalty] {
            if let v = try c.decodeIfPresent(Double.self, forKey: key), v != 0 {
                throw APIError.invalid(key.rawValue, "'\(key.rawValue)' is not supported (only 0)")
            }
        }
        if let options = try? c.nestedContainer(keyedBy: Keys.self, forKey: .streamOptions) {
            includeUsage = try options.decodeIfPresent(Bool.self, forKey: .includeUsage) ?? false
        } else {
            includeUsage = false
        }
        if let loupe = try? c.nestedContainer(keyedBy: Keys.self, forKey: .loupe), loupe.contains(.trace) {
            guard let value = try? loupe.decode(String.self, forKey: .trace), let trace = ChatCompletionRequest.Trace(rawValue: value) else {
                throw APIError.invalid("loupe.trace", "'loupe.trace' must be \"default\" or \"full\"")
            }
            self.trace = trace
        } else {
            trace = nil
        }
    }

    /// The runtime's options: greedy at temperature 0; otherwise the sampler with the request's
    /// temperature (default 1) and top-p, top-k and min-p off (OpenAI's API has neither); without
    /// a seed, `fallbackSeed`. At most `limit` tokens.
    static func options(maxTokens: Int?, temperature: Double?, topP: Double?, seed: UInt64?, stop: [String], topLogprobs: Int,
                        limit: Int, fallbackSeed: UInt64) -> GenerationOptions {
        var options = GenerationOptions()
        options.maxTokens = min(maxTokens ?? limit, limit)
        options.stopStrings = stop
        options.topLogprobs = topLogprobs
        let temperature = temperature ?? 1
        if temperature == 0 {
            options.sampling = .greedy
        } else {
            var sampling = SamplingOptions()
            (sampling.temperature, sampling.topP, sampling.topK, sampling.minP) = (temperature, topP ?? 1, 0, 0)
            sampling.seed = seed ?? fallbackSeed
            options.sampling = sampling
        }
        return options
    }
}
