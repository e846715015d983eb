import ArgumentParser
import Foundation
import LoupeCore
import LoupeGGUF
import LoupeLLM

/// `loupe bench llm`: prompt processing (pp512) and token generation (tg128) speed and peak memory
/// of the Llama runtime, measured the way llama-bench measures them, with llama.cpp as the peer in
/// the same run when its Python bindings are installed (scripts/bench/llamacpp_bench.py).
struct LLMBenchmark {
    let modelURL: URL
    let threadCounts: [Int]
    let rounds: Int
    let peerPython: URL?

    /// Tokens in the cache before the long-context case's generation ("tg128 @ d1024", as
    /// llama-bench -d 1024 names it).
    static let depth = 1024

    /// Seeded random ids below the vocabulary (what llama-bench feeds: content does not matter).
    static func tokens(_ count: Int, vocabulary: Int, seed: UInt64) -> [Int] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in Int(rng.next() % UInt64(vocabulary)) }
    }

    func run() throws {
        let model = try LlamaModel(contentsOf: modelURL)
        let vocabulary = model.config.vocabulary
        let prompt = Self.tokens(512, vocabulary: vocabulary, seed: 1)
        let generated = Self.tokens(128, vocabulary: vocabulary, seed: 2)
        let depthTokens = Self.tokens(Self.depth, vocabulary: vocabulary, seed: 3)
        var mine: [String: Double] = [:]
        for threads in threadCounts {
            Engine.threads = threads
            let context = LlamaContext(model: model, contextLength: 2048, threads: threads)
            // Each case: what fills the cache first (untimed), then the timed work.
            let cases: [(name: String, fill: [Int], work: () throws -> Void)] = [
                ("pp512", [], { _ = try context.evaluate(prompt) }),
                ("tg128", [], { for t in generated { _ = try context.evaluate([t]) } }),
                ("tg128@d\(Self.depth)", depthTokens, { for t in generated { _ = try context.evaluate([t]) } }),
            ]
            for (name, fill, work) in cases {
                var rates: [Double] = []
                for round in 0...rounds {   // round 0 warms up
                    context.reset()
                    for offset in stride(from: 0, to: fill.count, by: 512) { _ = try context.evaluate(Array(fill[offset..<min(offset + 512, fill.count)])) }
                    let start = DispatchTime.now().uptimeNanoseconds
                    try work()
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    if round > 0 { rates.append(Double(name == "pp512" ? 512 : 128) / seconds) }
                }
                let mean = rates.reduce(0, +) / Double(rates.count)
                mine["\(name)/\(threads)"] = mean
                emitJSON(["peer": "loupe", "case": name, "threads": threads, "tokens_per_s": mean,
                          "median_tokens_per_s": rates.sorted()[rates.count / 2], "rounds": rounds])
            }
        }
        for threads in threadCounts {
            let rss = try Self.probePeakRSS(threads: threads, model: modelURL)
            mine["peak_rss/\(threads)"] = rss
            emitJSON(["peer": "loupe", "case": "peak_rss", "threads": threads, "mib": rss])
        }
        guard let python = peerPython else { return }
        let peer = try runPeer(python)
        for (key, value) in peer.sorted(by: { $0.key < $1.key }) {
            guard let ours = mine[key] else { continue }
            let parts = key.split(separator: "/")
            emitJSON(["case": String(parts[0]), "threads": Int(parts[1])!, "ratio_loupe_over_llama_cpp": ours / value])
        }
    }

    /// Peak resident memory of a fresh process that loads the model and generates 128 tokens.
    static func probePeakRSS(threads: Int, model: URL) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        process.arguments = ["bench", "llm", "--rss-probe", "--threads", "\(threads)", "--model", model.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let mib = Double(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ValidationError("the peak-RSS probe failed (exit \(process.terminationStatus))")
        }
        return mib
    }

    /// The probe itself: prints this process's peak RSS in MiB after generating 128 tokens.
    static func rssProbe(threads: Int, model: URL) throws {
        Engine.threads = threads
        let llama = try LlamaModel(contentsOf: model)
        let context = LlamaContext(model: llama, contextLength: 1024, threads: threads)
        for t in tokens(128, vocabulary: llama.config.vocabulary, seed: 2) { _ = try context.evaluate([t]) }
        guard let peak = ProcessUsage.peakResidentBytes else { throw ValidationError("cannot read VmHWM from /proc/self/status") }
        print(Double(peak) / 1_048_576)
    }

    /// Runs llama.cpp's benchmark script, passes its lines through, and returns its figures by
    /// "case/threads".
    func runPeer(_ python: URL) throws -> [String: Double] {
        let script = URL(fileURLWithPath: "scripts/bench/llamacpp_bench.py")
        guard FileManager.default.fileExists(atPath: script.path) else { return [:] }
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, "--rounds", "\(rounds)", "--threads", threadCounts.map(String.init).joined(separator: ","), "--model", modelURL.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var figures: [String: Double] = [:]
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            print(line)
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let name = object["case"] as? String, let threads = object["threads"] as? Int else { continue }
            if let rate = object["tokens_per_s"] as? Double { figures["\(name)/\(threads)"] = rate }
            if let mib = object["mib"] as? Double { figures["\(name)/\(threads)"] = mib }
        }
        return figures
    }
}
