import Foundation
import LoupeLLM
import Synchronization

/// What an LLM server has loaded: the engine and what requests are rendered with.
public struct LoadedLLM: Sendable {
    public let engine: GenerationEngine
    public let template: ChatTemplate
    public let created: Int

    public init(engine: GenerationEngine, template: ChatTemplate) {
        (self.engine, self.template) = (engine, template)
        created = Int(Date().timeIntervalSince1970)
    }

    public var tokenizer: BPETokenizer { engine.tokenizer }
    public var modelName: String { engine.modelName }
}

/// Whether a server can answer yet: it listens (and `/health` says 503) while the model loads.
final class ServerPhase: Sendable {
    enum Phase: Sendable {
        case loading, ready(LoadedLLM), failed(String)
    }

    private let phase = Mutex(Phase.loading)

    func set(_ new: Phase) { phase.withLock { $0 = new } }
    var current: Phase { phase.withLock { $0 } }

    /// The loaded model, or the 503/500 a request gets while there is none.
    func loaded() throws(APIError) -> LoadedLLM {
        switch current {
        case .ready(let llm): return llm
        case .loading: throw APIError(status: 503, message: "the model is still loading; retry in a few seconds", type: "server_error", code: "loading")
        case .failed(let reason): throw APIError(status: 500, message: "the model failed to load: \(reason)", type: "server_error")
        }
    }
}
