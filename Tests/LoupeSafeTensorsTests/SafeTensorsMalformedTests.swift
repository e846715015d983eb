import Foundation
import Testing
@testable import LoupeSafeTensors

/// Hand-written broken files: each must throw a ``SafeTensorsError`` that names the offending
/// tensor and field and says what was expected.
@Suite struct SafeTensorsMalformedTests {
    /// A header, the data buffer after it, and what the error must mention.
    struct Case: CustomTestStringConvertible, Sendable {
        let label: String
        let header: String
        var data: [UInt8] = []
        var tensor: String?
        var field: String?
        /// Words the description must contain.
        let mentions: [String]
        var testDescription: String { label }
    }

    static let f32 = #"{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#

    static let cases: [Case] = [
        Case(label: "empty header", header: "", mentions: ["not valid JSON", "byte 0"]),
        Case(label: "not JSON", header: "{nope}", mentions: ["not valid JSON", "byte 1"]),
        Case(label: "truncated JSON", header: #"{"a":{"dtype":"F32""#, mentions: ["not valid JSON"]),
        Case(label: "array header", header: "[1,2]", mentions: ["expected a JSON object", "array of 2"]),
        Case(label: "string header", header: #""x""#, mentions: ["expected a JSON object"]),
        Case(label: "trailing garbage", header: "{} x", mentions: ["after the value"]),
        Case(label: "entry not an object", header: #"{"a":[1]}"#, tensor: "a", mentions: ["expected an object", "\"dtype\""]),
        Case(label: "missing dtype", header: #"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, data: .init(repeating: 0, count: 8),
             tensor: "a", field: "dtype", mentions: ["missing", "\"F32\""]),
        Case(label: "dtype not a string", header: #"{"a":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "dtype", mentions: ["expected a string", "got 4"]),
        Case(label: "unknown dtype", header: #"{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "dtype", mentions: ["\"F33\"", "not a safetensors dtype", "F32"]),
        Case(label: "unsupported dtype", header: #"{"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#,
             data: [0, 0], tensor: "a", field: "dtype", mentions: ["F8_E4M3", "does not read"]),
        Case(label: "missing shape", header: #"{"a":{"dtype":"F32","data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "shape", mentions: ["missing", "non-negative integers"]),
        Case(label: "shape not an array", header: #"{"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "shape", mentions: ["non-negative integers", "got 2"]),
        Case(label: "negative shape", header: #"{"a":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "shape", mentions: ["got -1 at index 1"]),
        Case(label: "fractional shape", header: #"{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "shape", mentions: ["got 2.0 at index 0"]),
        Case(label: "huge shape entry", header: #"{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "shape", mentions: ["99999999999999999999"]),
        Case(label: "string in shape", header: #"{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "shape", mentions: ["the string \"2\""]),
        Case(label: "element count overflows", header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "shape", mentions: ["64 bits"]),
        Case(label: "empty tensor with huge dimensions", header: #"{"a":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}"#,
             tensor: "a", field: "shape", mentions: ["too large", "64 bits"]),
        Case(label: "misspelt field", header: #"{"a":{"dtype":"F32","shape":[2],"data_offset":[0,8]}}"#, data: .init(repeating: 0, count: 8),
             tensor: "a", field: "data_offsets", mentions: ["missing", "unknown keys \"data_offset\""]),
        Case(label: "byte count overflows", header: #"{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "data_offsets", mentions: ["more than 2^63"]),
        Case(label: "missing offsets", header: #"{"a":{"dtype":"F32","shape":[2]}}"#,
             tensor: "a", field: "data_offsets", mentions: ["missing", "[begin, end]"]),
        Case(label: "three offsets", header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "data_offsets", mentions: ["got 3 integers"]),
        Case(label: "negative offset", header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[-4,-4]}}"#,
             tensor: "a", field: "data_offsets", mentions: ["got -4 at index 0"]),
        Case(label: "begin after end", header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "data_offsets", mentions: ["begin 8 is after end 0"]),
        Case(label: "size mismatch", header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "data_offsets", mentions: ["needs 12 bytes", "spans 8"]),
        Case(label: "offsets past the buffer", header: "{\"a\":\(f32)}", data: [0, 0, 0, 0],
             tensor: "a", field: "data_offsets", mentions: ["past the end of the 4-byte data buffer"]),
        Case(label: "duplicate name", header: "{\"a\":\(f32),\"a\":\(f32)}", data: .init(repeating: 0, count: 8),
             tensor: "a", mentions: ["more than once", "unique"]),
        Case(label: "duplicate field", header: #"{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
             data: .init(repeating: 0, count: 8), tensor: "a", field: "dtype", mentions: ["more than once"]),
        Case(label: "overlap", header: "{\"a\":\(f32),\"b\":\(f32)}", data: .init(repeating: 0, count: 8),
             tensor: "b", field: "data_offsets", mentions: ["overlaps tensor \"a\""]),
        Case(label: "hole", header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: .init(repeating: 0, count: 8),
             tensor: "a", field: "data_offsets", mentions: ["[0, 4]", "holes"]),
        Case(label: "trailing bytes", header: "{\"a\":\(f32)}", data: .init(repeating: 0, count: 12),
             mentions: ["holds 12 bytes", "only the first 8", "trailing"]),
        Case(label: "bytes but no tensors", header: "{}", data: [1], mentions: ["holds 1 bytes", "only the first 0"]),
        Case(label: "metadata not an object", header: #"{"__metadata__":"x"}"#, tensor: "__metadata__", mentions: ["string keys and string values"]),
        Case(label: "metadata value not a string", header: #"{"__metadata__":{"epoch":3}}"#,
             tensor: "__metadata__", field: "epoch", mentions: ["expected a string value, got 3"]),
        Case(label: "metadata twice", header: #"{"__metadata__":{},"__metadata__":{}}"#, tensor: "__metadata__", mentions: ["more than once"]),
        Case(label: "metadata key twice", header: #"{"__metadata__":{"k":"a","k":"b"}}"#,
             tensor: "__metadata__", field: "k", mentions: ["more than once"]),
        Case(label: "lone surrogate", header: #"{"\ud800":{}}"#, mentions: ["surrogate"]),
        Case(label: "raw control character", header: "{\"a\u{1}\":{}}", mentions: ["control character"]),
        Case(label: "deep nesting", header: String(repeating: "[", count: 100_000), mentions: ["nesting deeper than 64"]),
    ]

    @Test(arguments: cases)
    func malformedHeaderIsRejectedWithContext(_ c: Case) throws {
        let error = try #require(throws: SafeTensorsError.self) {
            try SafeTensors.read(data: file(header: c.header, data: c.data), source: "bad.safetensors")
        }
        let text = error.description
        #expect(text.contains("bad.safetensors"), "\(text)")
        #expect(error.tensor == c.tensor, "\(text)")
        if let field = c.field {
            #expect(error.field == field, "\(text)")
            #expect(text.contains("field \"\(field)\""), "\(text)")
        }
        if let tensor = c.tensor { #expect(text.contains("tensor \(JSONText.quoted(tensor))"), "\(text)") }
        for word in c.mentions { #expect(text.contains(word), "\(text) should mention \(word)") }
    }

    @Test func lengthPrefixShorterThanEightBytes() throws {
        let error = try #require(throws: SafeTensorsError.self) { try SafeTensors.read(data: Data([1, 0, 0]), source: "tiny") }
        #expect(error.description.contains("3 bytes long") && error.description.contains("8-byte"))
    }

    @Test func headerLengthLargerThanTheFile() throws {
        var data = file(header: "{}")
        data[0] = 200
        let error = try #require(throws: SafeTensorsError.self) { try SafeTensors.read(data: data, source: "f") }
        #expect(error.description.contains("200 bytes, but only 2 bytes follow"))
    }

    @Test func absurdHeaderLength() throws {
        let data = Data(withUnsafeBytes(of: UInt64.max.littleEndian, Array.init) + Array("{}".utf8))
        let error = try #require(throws: SafeTensorsError.self) { try SafeTensors.read(data: data, source: "f") }
        #expect(error.description.contains("\(UInt64.max)") && error.description.contains("100000000-byte limit"))
    }

    @Test func headerNotUTF8() throws {
        let data = Data(withUnsafeBytes(of: UInt64(4).littleEndian, Array.init) + [0x7B, 0xFF, 0xFE, 0x7D])
        let error = try #require(throws: SafeTensorsError.self) { try SafeTensors.read(data: data, source: "f") }
        #expect(error.description.contains("not valid UTF-8"))
    }

    /// Accepted by the reference implementation, so accepted here too.
    @Test func lenientWhereTheReferenceIs() throws {
        let padded = try SafeTensors.read(data: file(header: " {\"a\":\(Self.f32)} \n", data: .init(repeating: 0, count: 8)))
        #expect(padded.names == ["a"])
        let extra = try SafeTensors.read(data: file(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":[]}}"#, data: [9]))
        #expect(try extra.tensor("a").ints() == [9])
        let nullMetadata = try SafeTensors.read(data: file(header: #"{"__metadata__":null}"#))
        #expect(nullMetadata.metadata.isEmpty && nullMetadata.tensors.isEmpty)
        let escaped = try SafeTensors.read(data: file(header: #"{"\u00e9\ud83d\ude00\n":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]}}"#, data: [2]))
        #expect(try escaped.tensor("é😀\n").floats() == [1])
    }
}
