import Foundation
import LoupeLLM
import Testing
@testable import LoupeServe

struct ChatCompletionRequestTests {
    func read(_ json: String) throws(APIError) -> ChatCompletionRequest { try ChatCompletionRequest.read(Data(json.utf8)) }

    func error(_ json: String) -> APIError? {
        do { _ = try read(json); return nil } catch { return error }
    }

    @Test("what the openai client sends is read: text parts joined, developer as system, stop as a string or a list")
    func reads() throws {
        let r = try read("""
            {"model": "smollm2", "messages": [{"role": "developer", "content": "Be brief."},
             {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]}],
             "stream": true, "max_completion_tokens": 20, "temperature": 0, "seed": 7, "stop": "\\n",
             "logprobs": true, "top_logprobs": 2, "stream_options": {"include_usage": true}, "n": 1,
             "presence_penalty": 0, "user": "ignored", "loupe": {"trace": "full"}}
            """)
        #expect(r.messages == [.init(role: "system", content: "Be brief."), .init(role: "user", content: "Hi\nthere")])
        #expect(r.stream && r.maxTokens == 20 && r.temperature == 0 && r.seed == 7 && r.stop == ["\n"])
        #expect(r.logprobs && r.topLogprobs == 2 && r.includeUsage && r.trace == .full)
        let options = r.generationOptions(limit: 512, fallbackSeed: 1)
        #expect(options.sampling == .greedy && options.maxTokens == 20 && options.topLogprobs == 2 && options.stopStrings == ["\n"])
        #expect(try read(#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": ["a", "b"], "max_tokens": 5000}"#)
            .generationOptions(limit: 256, fallbackSeed: 1).maxTokens == 256)
    }

    @Test("sampling: the request's temperature and top-p, top-k and min-p off, the seed or the server's")
    func sampling() throws {
        let r = try read(#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 0.7, "top_p": 0.9}"#)
        let s = r.generationOptions(limit: 10, fallbackSeed: 42).sampling
        #expect(s.temperature == 0.7 && s.topP == 0.9 && s.topK == 0 && s.minP == 0 && s.seed == 42)
    }

    @Test("every bad request is a 400 naming the field, as OpenAI's errors do")
    func badRequests() {
        let cases: [(String, String, String)] = [
            ("", "", "no body"),
            ("{not json", "", "not valid JSON"),
            (#"{"model": "m"}"#, "messages", "missing required parameter 'messages'"),
            (#"{"model": "m", "messages": []}"#, "messages", "'messages' is empty"),
            (#"{"model": "m", "messages": [{"role": "robot", "content": "x"}]}"#, "messages[0].role", "role 'robot'"),
            (#"{"model": "m", "messages": [{"role": "user", "content": 3}]}"#, "messages[0].content", "must be a string or an array"),
            (#"{"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]}"#, "messages[0].content", "'image_url'"),
            (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 3}"#, "temperature", "between 0 and 2"),
            (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "top_p": 0}"#, "top_p", "(0, 1]"),
            (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0}"#, "max_tokens", "at least 1"),
            (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": "5"}"#, "max_tokens", "expected an integer"),
            (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": ["a", "b", "c", "d", "e"]}"#, "stop", "at most 4"),
            (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "top_logprobs": 3}"#, "top_logprobs", "needs 'logprobs'"),
            (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 2}"#, "n", "one choice"),
            (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "frequency_penalty": 0.5}"#, "frequency_penalty", "not supported"),
            (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": []}"#, "tools", "not supported"),
            (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "loupe": {"trace": "all"}}"#, "loupe.trace", "\"default\" or \"full\""),
        ]
        for (body, param, text) in cases {
            let e = error(body)
            #expect(e?.status == 400 && e?.type == "invalid_request_error" && (e?.param ?? "") == param && e?.message.contains(text) == true,
                    "\(body) → \(String(describing: e))")
        }
    }

    @Test("the error body is OpenAI's object, param and code null when absent")
    func errorBody() throws {
        let body = try #require(try JSONSerialization.jsonObject(with: APIError.invalid(nil, "bad").body) as? [String: Any])
        let inner = try #require(body["error"] as? [String: Any])
        #expect(inner["message"] as? String == "bad" && inner["type"] as? String == "invalid_request_error")
        #expect(inner["param"] is NSNull && inner["code"] is NSNull)
    }

    @Test("a completion and its chunks have OpenAI's shape; a stream ends with [DONE]")
    func responses() throws {
        let usage = ChatCompletionResponse.Usage(promptTokens: 5, completionTokens: 2)
        let full = try #require(try JSONSerialization.jsonObject(with: ChatCompletionResponse.completion(
            id: "chatcmpl-1", created: 9, model: "m", text: "Hi", reason: .maxTokens, usage: usage, logprobs: nil)) as? [String: Any])
        #expect(full["object"] as? String == "chat.completion" && (full["usage"] as? [String: Int])?["total_tokens"] == 7)
        let choice = try #require((full["choices"] as? [[String: Any]])?.first)
        #expect(choice["finish_reason"] as? String == "length" && (choice["message"] as? [String: String])?["content"] == "Hi")
        #expect(choice["logprobs"] is NSNull)
        let first = try #require(try JSONSerialization.jsonObject(with: ChatCompletionResponse.chunk(id: "c", created: 1, model: "m", role: true)) as? [String: Any])
        let delta = try #require(((first["choices"] as? [[String: Any]])?.first)?["delta"] as? [String: String])
        #expect(first["object"] as? String == "chat.completion.chunk" && delta == ["role": "assistant", "content": ""])
        let last = try #require(try JSONSerialization.jsonObject(with: ChatCompletionResponse.chunk(id: "c", created: 1, model: "m", usage: usage)) as? [String: Any])
        #expect((last["choices"] as? [Any])?.isEmpty == true && (last["usage"] as? [String: Int])?["completion_tokens"] == 2)
        #expect(String(decoding: ChatCompletionResponse.event(Data("{}".utf8)), as: UTF8.self) == "data: {}\n\n")
        #expect(String(decoding: ChatCompletionResponse.done, as: UTF8.self) == "data: [DONE]\n\n")
        #expect(ChatCompletionResponse.finishReason(.endOfGeneration) == "stop")
    }
}
