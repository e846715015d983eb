import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LoupeHTTP
import LoupeLLM
import Testing
@testable import LoupeServe

/// The HTTP side on the real model, through Hummingbird's router test client: health while
/// loading, keys, errors as OpenAI's objects, limits, tokenize and a short completion.
struct LLMServerTests {
    static func server(apiKey: String? = nil, maxBodyBytes: Int = 4096, ready: Bool = true) throws -> LLMServer {
        var configuration = LLMServer.Configuration()
        (configuration.apiKey, configuration.maxBodyBytes, configuration.maxTokensLimit) = (apiKey, maxBodyBytes, 8)
        let server = try LLMServer(configuration: configuration, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        if ready {
            let (model, tokenizer, template) = try GenerationEngineTests.loaded.get()
            let engine = GenerationEngine(model: model, tokenizer: tokenizer, modelName: "smollm2",
                                          configuration: .init(slots: 2, queueLimit: 4, contextLength: 64), metrics: server.metrics)
            server.ready(LoadedLLM(engine: engine, template: template))
        }
        return server
    }

    /// The body as a JSON object ([:] when it is not one: the checks that read it then fail).
    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
    }

    static func error(_ buffer: ByteBuffer) -> [String: Any] { json(buffer)["error"] as? [String: Any] ?? [:] }

    @Test func healthIs503WhileLoadingAndRequestsSayWhy() async throws {
        try await Self.server(ready: false).application().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable && response.headers[.retryAfter] == "1")
            }
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(Self.error(response.body)["code"] as? String == "loading")
            }
        }
    }

    @Test func errorsAreOpenAIObjectsWithTheirStatus() async throws {
        try await Self.server().application().test(.router) { client in
            try await client.execute(uri: "/v1/nothing", method: .get) { response in
                #expect(response.status == .notFound && (Self.error(response.body)["type"] as? String) == "not_found_error")
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: String(repeating: "x", count: 5000))) { response in
                #expect(response.status == .contentTooLarge)
                #expect((Self.error(response.body)["message"] as? String)?.contains("4096 bytes") == true)
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: "{oops")) { response in
                #expect(response.status == .badRequest && (Self.error(response.body)["message"] as? String)?.contains("JSON") == true)
            }
            let long = String(repeating: "hello ", count: 200)
            try await client.execute(uri: "/v1/completions", method: .post, body: ByteBuffer(string: #"{"prompt": "\#(long)"}"#)) { response in
                #expect(response.status == .badRequest && (Self.error(response.body)["code"] as? String) == "context_length_exceeded")
            }
        }
    }

    @Test func aKeyIsRequiredOnEveryEndpointButHealth() async throws {
        let key = "0123456789abcdef0123"
        try await Self.server(apiKey: key).application().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .unauthorized && response.headers[.wwwAuthenticate] == "Bearer")
                #expect(Self.error(response.body)["code"] as? String == "invalid_api_key")
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer wrong-key-0123456789"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer \(key)"]) { response in
                #expect(response.status == .ok)
                #expect((Self.json(response.body)["data"] as? [[String: Any]])?.first?["id"] as? String == "smollm2")
            }
        }
        #expect(throws: ServeError.keyRequired(host: "0.0.0.0")) {
            var c = LLMServer.Configuration()
            c.host = "0.0.0.0"
            _ = try LLMServer(configuration: c, logger: Logger(label: "test"))
        }
    }

    @Test func tokenizeDetokenizeAndAShortCompletion() async throws {
        try await Self.server().application().test(.router) { client in
            var ids: [Int] = []
            try await client.execute(uri: "/tokenize", method: .post, body: ByteBuffer(string: #"{"content": "Hello world"}"#)) { response in
                ids = Self.json(response.body)["tokens"] as? [Int] ?? []
            }
            #expect(ids.count == 2)
            try await client.execute(uri: "/detokenize", method: .post, body: ByteBuffer(string: #"{"tokens": \#(ids)}"#)) { response in
                #expect(Self.json(response.body)["content"] as? String == "Hello world")
            }
            try await client.execute(uri: "/detokenize", method: .post, body: ByteBuffer(string: #"{"tokens": [1, 99999999]}"#)) { response in
                #expect(response.status == .badRequest && (Self.error(response.body)["param"] as? String) == "tokens[1]")
            }
            let body = #"{"prompt": "The capital of France is", "max_tokens": 100, "temperature": 0}"#
            try await client.execute(uri: "/v1/completions", method: .post, body: ByteBuffer(string: body)) { response in
                let object = Self.json(response.body)
                let choice = (object["choices"] as? [[String: Any]])?.first ?? [:]
                #expect((choice["text"] as? String)?.hasPrefix(" Paris") == true)
                #expect((object["usage"] as? [String: Any])?["completion_tokens"] as? Int == 8, "max_tokens is cut to the server's limit")
                #expect(choice["finish_reason"] as? String == "length")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("loupe_generated_tokens_total 8") && text.contains("loupe_slots 2"))
                #expect(text.contains(#"loupe_requests_total{endpoint="/v1/completions",status="200"} 1"#))
            }
        }
    }
}
