import Hummingbird
import Synchronization

/// What a handler tells the access log about its request beyond the status: tokens in and out.
/// One per request, shared by reference, written by the handler (maybe while the body streams).
public final class RequestTally: Sendable {
    private let counts = Mutex((prompt: 0, generated: 0))

    public init() {}

    public func record(promptTokens: Int? = nil, generatedTokens: Int? = nil) {
        counts.withLock {
            if let promptTokens { $0.prompt = promptTokens }
            if let generatedTokens { $0.generated = generatedTokens }
        }
    }

    public var promptTokens: Int { counts.withLock { $0.prompt } }
    public var generatedTokens: Int { counts.withLock { $0.generated } }
}

/// The request context Loupe's servers use: Hummingbird's, plus the request's ``RequestTally``.
public struct LoupeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let tally = RequestTally()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
