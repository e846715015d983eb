import LoupeCore
import Testing
@testable import LoupeDebug

/// The locator names the op that first made NaN/∞, not the ops that merely passed it on.
struct NonFiniteLocatorTests {
    @Test func forwardOrigin() throws {
        let locator = NonFiniteLocator()
        locator.attach()
        defer { locator.detach() }
        let x = Tensor([1, -2, 3], shape: [3], requiresGrad: true)
        let y = try ModuleScope.with("encoder") { try (x * 2).log() }   // log(-4) = NaN
        _ = try ModuleScope.with("head") { try (y + 1).exp().sum() }     // propagates it
        let e = try #require(locator.event)
        #expect(e.phase == .forward && e.op == "log" && e.modulePath == "encoder")
        #expect(e.inputs.first?.min == -4 && e.inputs.first?.nonFinite == 0)
        #expect(e.output?.nonFinite == 1)
    }

    @Test func backwardOrigin() throws {
        let locator = NonFiniteLocator()
        locator.attach()
        defer { locator.detach() }
        let x = Tensor([0, 1, 4], shape: [3], requiresGrad: true)
        // sqrt is finite at 0 but its derivative 1/(2√x) is not: only the backward pass breaks.
        let loss = try ModuleScope.with("norm") { try x.sqrt() }.sum()
        #expect(locator.event == nil)
        try loss.backward()
        let e = try #require(locator.event)
        #expect(e.phase == .backward && e.op == "sqrt" && e.modulePath == "norm", "\(e)")
    }

    @Test func dataAndWeights() throws {
        let locator = NonFiniteLocator()
        locator.checkInputs(Tensor([1, .nan], shape: [2]))
        #expect(locator.event?.phase == .data)
        let quiet = NonFiniteLocator()
        quiet.checkInputs(Tensor([1, 2], shape: [2]))
        #expect(quiet.event == nil)
    }

    @Test func silentWithoutNonFiniteValues() throws {
        let locator = NonFiniteLocator()
        locator.attach()
        defer { locator.detach() }
        let x = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        try (x * x).log().sum().backward()
        #expect(locator.event == nil)
    }
}
