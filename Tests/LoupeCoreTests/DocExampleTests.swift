import LoupeCore
import LoupeTestSupport
import Testing

/// The doc comments' examples in LoupeCore, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func tensorExample() throws {
        // example: Tensor
        let x = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGrad: true)
        let y = try (x * x).sum()
        try y.backward()
        print(x.grad!)  // float32 [2, 2] [[2, 4], [6, 8]]
        // end example
        #expect(x.grad?.floats() == [2, 4, 6, 8])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeCore/Tensor/Tensor.swift", markedAs: "Tensor", in: #filePath) == nil)
    }

    @Test func moduleScopeExample() throws {
        let x = Tensor([1, 2], shape: [1, 2]), w = Tensor([3, 4], shape: [2, 1])
        var paths: [String?] = []
        let handle = Hooks.addForwardHook { paths.append($0.modulePath) }
        defer { handle.remove() }
        // example: ModuleScope
        let y = try ModuleScope.with("fc1") { try x.matmul(w) }  // y and its node carry the path "…fc1"
        // end example
        #expect(paths == ["fc1"] && y.floats() == [11])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeCore/Autograd/Hooks.swift", markedAs: "ModuleScope", in: #filePath) == nil)
    }

    @Test func sizePolicyExample() throws {
        // example: SizePolicy
        let elements = SizePolicy.product([1_000_000, 1_000_000])         // 1e12, or nil on overflow
        let bytes = elements.flatMap { SizePolicy.product([$0, 4]) }      // 4 TB
        #expect(throws: SizeError(source: "model.layers[0].units", bytes: 4_000_000_000_000, limit: SizePolicy.availableBytes)) {
            try SizePolicy.check(bytes: bytes, for: "model.layers[0].units")
        }
        // throws SizeError: model.layers[0].units would need 4.0 TB of memory; this machine has 24 GiB
        // end example
        #expect(SizePolicy.product([Int.max, 2]) == nil && SizePolicy.product([3, -1]) == nil && SizePolicy.product([]) == 1)
        #expect(SizePolicy.sum([Int.max, 1]) == nil && SizePolicy.sum([1, nil]) == nil && SizePolicy.sum([2, 3]) == 5)
        #expect(SizePolicy.readable(bytes: 512) == "512 B" && SizePolicy.readable(bytes: 4_000_000_000_000) == "4.0 TB"
                && SizePolicy.readable(bytes: 24 << 30, binary: true) == "24 GiB")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeCore/Limits/SizePolicy.swift", markedAs: "SizePolicy", in: #filePath) == nil)
    }

    @Test func sha256Example() throws {
        // example: SHA256
        var hash = SHA256()
        hash.update(Array("abc".utf8))
        let hex = hash.hexDigest()   // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        // end example
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // FIPS 180-4's other vectors: the empty message, two blocks, and a million 'a's fed in uneven chunks.
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var million = SHA256()
        var fed = 0
        while fed < 1_000_000 {
            let chunk = min(1_000_000 - fed, 1 + fed % 997)
            million.update(repeatElement(UInt8(ascii: "a"), count: chunk))
            fed += chunk
        }
        #expect(million.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeCore/Files/SHA256.swift", markedAs: "SHA256", in: #filePath) == nil)
    }
}
