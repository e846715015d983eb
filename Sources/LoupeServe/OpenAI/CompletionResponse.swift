import Foundation
import LoupeLLM

/// The `/v1/completions` objects (`text_completion`): the whole answer and the streamed chunks,
/// with OpenAI's legacy logprobs layout (`tokens`, `token_logprobs`, `top_logprobs` as
/// token → logprob maps, `text_offset`).
public enum CompletionResponse {
    /// Legacy logprobs of the tokens generated.
    public static func logprobs(_ tokens: [GeneratedToken], tokenizer: BPETokenizer, top: Int, offset: Int = 0) -> JSONObject {
        var texts: [String] = [], values: [Double] = [], alternatives: [[String: Double]] = [], offsets: [Int] = []
        var at = offset
        for token in tokens {
            let text = String(decoding: tokenizer.bytes(of: token.id), as: UTF8.self)
            texts.append(text)
            values.append(token.logprob)
            var map: [String: Double] = [:]
            for alternative in token.top.prefix(top) {
                map[String(decoding: tokenizer.bytes(of: alternative.id), as: UTF8.self)] = alternative.logprob
            }
            alternatives.append(map)
            offsets.append(at)
            at += text.count
        }
        return JSONObject([("tokens", texts), ("token_logprobs", values), ("top_logprobs", alternatives), ("text_offset", offsets)])
    }

    /// The whole answer (`stream` false).
    public static func completion(id: String, created: Int, model: String, text: String, reason: StopReason,
                                  usage: ChatCompletionResponse.Usage, logprobs: JSONObject?, loupe: (any Encodable)? = nil) -> Data {
        let choice = JSONObject([("text", text), ("index", 0), ("logprobs", logprobs), ("finish_reason", ChatCompletionResponse.finishReason(reason))])
        return ChatCompletionResponse.encode(JSONObject([("id", id), ("object", "text_completion"), ("created", created), ("model", model),
                                                         ("choices", [choice]), ("usage", usage)] + (loupe.map { [("loupe", $0)] } ?? [])))
    }

    /// One streamed chunk: a piece of text, or the finish reason, or (with `usage`) the usage chunk.
    public static func chunk(id: String, created: Int, model: String, text: String = "", logprobs: JSONObject? = nil,
                             finish: StopReason? = nil, usage: ChatCompletionResponse.Usage? = nil, loupe: (any Encodable)? = nil) -> Data {
        var choices: [JSONObject] = []
        if usage == nil {
            choices = [JSONObject([("text", text), ("index", 0), ("logprobs", logprobs), ("finish_reason", finish.map(ChatCompletionResponse.finishReason))])]
        }
        var fields: [(String, (any Encodable)?)] = [("id", id), ("object", "text_completion"), ("created", created), ("model", model),
                                                     ("choices", choices)]
        if let usage { fields.append(("usage", usage)) }
        if let loupe { fields.append(("loupe", loupe)) }
        return ChatCompletionResponse.encode(JSONObject(fields))
    }
}
