import Testing
@testable import LoupeCore

@Suite("Hooks")
struct HookTests {
    @Test("forward hooks see every op with its module path; scoped hooks see only their module")
    func forwardHooks() throws {
        defer { Hooks.removeAll() }
        var all: [String] = [], scoped: [String] = []
        Hooks.addForwardHook { all.append("\($0.op)@\($0.modulePath ?? "-")") }
        Hooks.addForwardHook(scope: .module("blocks.2")) { scoped.append("\($0.op)@\($0.modulePath!)") }
        let x = Tensor([1, -2, 3, -4], shape: [2, 2])
        try ModuleScope.with("blocks") {
            try ModuleScope.with("2") { _ = try ModuleScope.with("mlp") { try x.relu() } }
            try ModuleScope.with("20") { _ = try x.exp() }
        }
        _ = try x.sum()
        #expect(all == ["relu@blocks.2.mlp", "exp@blocks.20", "sum@-"])
        #expect(scoped == ["relu@blocks.2.mlp"])
    }

    @Test("forward hooks fire with grad off too (inference tracing)")
    func forwardHooksWithoutGrad() throws {
        defer { Hooks.removeAll() }
        var seen = 0
        Hooks.addForwardHook { _ in seen += 1 }
        _ = try GradMode.withoutGrad { try Tensor([1], shape: [1]).tanh() }
        #expect(seen == 1)
    }

    @Test("backward hooks see each op's output and input gradients")
    func backwardHooks() throws {
        defer { Hooks.removeAll() }
        var events: [(String, [Float], [Float]?)] = []
        Hooks.addBackwardHook { e in events.append((e.op, e.gradOutput.floats(), e.gradInputs[0]?.floats())) }
        let x = Tensor([1, -1], shape: [2], requiresGrad: true)
        try ModuleScope.with("act") { try x.relu() }.sum().backward()
        #expect(events.map(\.0) == ["sum", "relu"])
        #expect(events[1].1 == [1, 1] && events[1].2! == [1, 0])
    }

    @Test("a removed hook stops firing; a hook that throws stops the op with its error")
    func removalAndErrors() throws {
        defer { Hooks.removeAll() }
        var seen = 0
        let handle = Hooks.addForwardHook { _ in seen += 1 }
        _ = try Tensor([1], shape: [1]).exp()
        handle.remove()
        _ = try Tensor([1], shape: [1]).exp()
        #expect(seen == 1)
        struct Stop: Error {}
        Hooks.addForwardHook { e in if e.op == "log" { throw Stop() } }
        #expect(throws: Stop.self) { try Tensor([1], shape: [1]).log() }
    }

    @Test("hooks belong to the registering thread")
    func threadLocal() async throws {
        defer { Hooks.removeAll() }
        var seen = 0
        Hooks.addForwardHook { _ in seen += 1 }
        let thread = Thread { _ = try? Tensor([1], shape: [1]).exp() }
        thread.start()
        while !thread.isFinished { usleep(1000) }
        #expect(seen == 0)
    }
}

import Foundation
